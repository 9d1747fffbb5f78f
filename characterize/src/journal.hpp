#pragma once
// The resume journal of a campaign (private to characterize). An append-only file:
//   header:  "XBARJNL1", u64 spec hash, u64 total samples, u32 length + start time (ISO 8601)
//   records: u32 length, u32 CRC-32 of the bytes, bytes (encode_record)
// A SIGKILL can tear only the last record; open() drops a torn or corrupt tail and truncates
// the file there before appending.
#include <cstdint>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"

namespace xbar::characterize::detail {

std::uint32_t crc32(const void* data, std::size_t size);
std::uint64_t fnv1a64(const std::string& text);

class Journal {
 public:
  /// Opens or creates `path`. Existing records are returned through `records`. Throws Error if
  /// the journal belongs to another spec (hash or sample count differ).
  Journal(const std::string& path, std::uint64_t spec_hash, std::uint64_t total, const std::string& start_time,
          std::vector<SampleRecord>& records);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  void append(const SampleRecord& record);
  const std::string& start_time() const { return start_time_; }
  /// Closes and deletes the journal file (after the final HDF5 file is in place).
  void remove();

 private:
  std::string path_;
  std::string start_time_;
  int fd_ = -1;
};

}  // namespace xbar::characterize::detail
