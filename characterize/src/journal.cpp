#include "journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "xbar/characterize/error.hpp"

namespace xbar::characterize::detail {

namespace {
constexpr char kMagic[8] = {'X', 'B', 'A', 'R', 'J', 'N', 'L', '1'};

template <typename T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
bool get(const std::string& s, std::size_t& pos, T* v) {
  if (pos + sizeof(T) > s.size()) return false;
  std::memcpy(v, s.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}

void write_all(int fd, const std::string& bytes, const std::string& path) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(fmt::format("{}: cannot write the journal: {}", path, std::strerror(errno)));
    off += static_cast<std::size_t>(n);
  }
}
}  // namespace

std::uint32_t crc32(const void* data, std::size_t size) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

Journal::Journal(const std::string& path, std::uint64_t spec_hash, std::uint64_t total, const std::string& start_time,
                 std::vector<SampleRecord>& records)
    : path_(path), start_time_(start_time) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      bytes = ss.str();
    }
  }
  std::size_t pos = 0, valid_end = 0;
  bool have_header = false;
  if (bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0) {
    pos = sizeof kMagic;
    std::uint64_t h = 0, n = 0;
    std::uint32_t len = 0;
    if (get(bytes, pos, &h) && get(bytes, pos, &n) && get(bytes, pos, &len) && pos + len <= bytes.size()) {
      if (h != spec_hash || n != total) {
        throw Error(fmt::format(
            "{}: this journal was written for a different spec ({} samples, spec hash {:016x}; now {} samples, "
            "{:016x}). Delete it to start over, or set run.output to another file.",
            path, n, h, total, spec_hash));
      }
      start_time_ = bytes.substr(pos, len);
      pos += len;
      have_header = true;
      valid_end = pos;
      while (true) {
        std::uint32_t rlen = 0, crc = 0;
        std::size_t p = pos;
        if (!get(bytes, p, &rlen) || !get(bytes, p, &crc) || p + rlen > bytes.size()) break;
        if (crc32(bytes.data() + p, rlen) != crc) break;
        try {
          records.push_back(decode_record(bytes.data() + p, rlen));
        } catch (const Error&) {
          break;
        }
        pos = p + rlen;
        valid_end = pos;
      }
    }
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open the journal for writing: {}", path, std::strerror(errno)));
  if (!have_header) {
    std::string header(kMagic, sizeof kMagic);
    put(header, spec_hash);
    put(header, total);
    put(header, static_cast<std::uint32_t>(start_time_.size()));
    header += start_time_;
    if (::ftruncate(fd_, 0) != 0) throw Error(fmt::format("{}: cannot truncate: {}", path, std::strerror(errno)));
    write_all(fd_, header, path_);
  } else if (valid_end < bytes.size()) {
    // Drop the torn tail left by a kill in the middle of an append.
    if (::ftruncate(fd_, static_cast<off_t>(valid_end)) != 0) {
      throw Error(fmt::format("{}: cannot truncate a torn record: {}", path, std::strerror(errno)));
    }
  }
  ::lseek(fd_, 0, SEEK_END);
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const SampleRecord& record) {
  const std::string body = encode_record(record);
  std::string bytes;
  bytes.reserve(body.size() + 8);
  put(bytes, static_cast<std::uint32_t>(body.size()));
  put(bytes, crc32(body.data(), body.size()));
  bytes += body;
  write_all(fd_, bytes, path_);  // one write(): the kernel keeps it even if we are killed now
}

void Journal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

}  // namespace xbar::characterize::detail
