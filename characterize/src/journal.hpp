#pragma once
// The resume journal of a campaign (private to characterize). An append-only file:
//   header:  "XBARJNL2", u64 results hash, u64 total samples, u32 length + start time (ISO 8601)
//   records: u32 marker "XREC", u32 length, u32 CRC-32 of (length, bytes), bytes (encode_record)
// A SIGKILL can tear only the last record. A damaged record anywhere (a flipped byte, a zeroed
// range) is skipped: the reader resynchronizes on the next marker whose CRC holds, keeps every
// later record, counts what it dropped (dropped_records()), and rewrites the journal without
// the damage before appending. "XBARJNL1" journals (no markers) are still read.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"

namespace xbar::characterize::detail {

std::uint32_t crc32(const void* data, std::size_t size);
std::uint64_t fnv1a64(const std::string& text);

class Journal {
 public:
  using RecordSink = std::function<void(SampleRecord&&)>;
  /// Opens or creates `path`. Existing records are handed to `sink` one at a time, in file order
  /// (a later record of the same sample replaces an earlier one), as the file is read: the
  /// journal is mapped, never held in memory as records, and a repaired journal is written as it
  /// is read. Throws Error if the journal belongs to a spec with other results (hash or sample
  /// count differ); the message never advises deleting it. `legacy_hash` is the hash a
  /// version-1 journal of the same spec holds.
  Journal(const std::string& path, std::uint64_t spec_hash, std::uint64_t total, const std::string& start_time,
          const RecordSink& sink, std::uint64_t legacy_hash = 0);
  /// The same, collecting the records into `records` (tests, small campaigns).
  Journal(const std::string& path, std::uint64_t spec_hash, std::uint64_t total, const std::string& start_time,
          std::vector<SampleRecord>& records, std::uint64_t legacy_hash = 0);
  ~Journal();
  /// The start time in the header of the journal at `path`, or `fallback` if there is no
  /// readable header (the constructor then says what is wrong).
  static std::string stored_start_time(const std::string& path, const std::string& fallback);
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  void append(const SampleRecord& record);
  const std::string& start_time() const { return start_time_; }
  /// Damaged records skipped when the journal was opened (a torn last record is not counted).
  std::uint64_t dropped_records() const { return dropped_; }
  /// Closes and deletes the journal file (after the final HDF5 file is in place).
  void remove();

 private:
  std::string path_;
  std::string start_time_;
  int fd_ = -1;
  std::uint64_t dropped_ = 0;
};

/// One run per campaign: an exclusive POSIX record lock (fcntl F_SETLK) on `<output>.lock`,
/// held until the object is destroyed or the process ends (also by SIGKILL). Forked worker
/// processes do not inherit it. The file holds the holder's pid, host and start time. If
/// another process holds it, throws Error naming that process.
class CampaignLock {
 public:
  explicit CampaignLock(const std::string& output);
  ~CampaignLock();
  CampaignLock(const CampaignLock&) = delete;
  CampaignLock& operator=(const CampaignLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace xbar::characterize::detail
