#include "journal.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "xbar/characterize/error.hpp"
#include "xbar/core/file_checksum.hpp"

namespace xbar::characterize::detail {

namespace {
constexpr char kMagic[8] = {'X', 'B', 'A', 'R', 'J', 'N', 'L', '2'};

template <typename T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
bool get(std::string_view s, std::size_t& pos, T* v) {
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

std::uint32_t crc32(const void* data, std::size_t size) { return core::crc32(0, data, size); }

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

namespace {
constexpr char kMagic1[8] = {'X', 'B', 'A', 'R', 'J', 'N', 'L', '1'};
constexpr std::uint32_t kRecordMarker = 0x43455258u;  // "XREC" little-endian

std::string header_bytes(std::uint64_t hash, std::uint64_t total, const std::string& start_time) {
  std::string header(kMagic, sizeof kMagic);
  put(header, hash);
  put(header, total);
  put(header, static_cast<std::uint32_t>(start_time.size()));
  header += start_time;
  return header;
}

std::string record_bytes(const std::string& body) {
  std::string bytes;
  bytes.reserve(body.size() + 12);
  put(bytes, kRecordMarker);
  put(bytes, static_cast<std::uint32_t>(body.size()));
  std::string covered;
  covered.reserve(body.size() + 4);
  put(covered, static_cast<std::uint32_t>(body.size()));
  covered += body;
  put(bytes, crc32(covered.data(), covered.size()));
  bytes += body;
  return bytes;
}

// A version-2 record at `pos`: its end, or 0 if there is none whose marker, length and CRC hold.
std::size_t record_at(std::string_view bytes, std::size_t pos, SampleRecord* record) {
  std::size_t p = pos;
  std::uint32_t marker = 0, len = 0, crc = 0;
  if (!get(bytes, p, &marker) || marker != kRecordMarker || !get(bytes, p, &len) || !get(bytes, p, &crc)) return 0;
  if (len > bytes.size() - p) return 0;
  std::uint32_t c = core::crc32(0, &len, sizeof len);
  c = core::crc32(c, bytes.data() + p, len);
  if (c != crc) return 0;
  try {
    *record = decode_record(bytes.data() + p, len);
  } catch (const Error&) {
    return 0;
  }
  return p + len;
}

/// The journal's bytes, mapped read-only, so that reading a journal of any size holds no copy
/// of it (empty if the file does not exist or is empty).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      if (errno == ENOENT) return;
      throw Error(fmt::format("{}: cannot open the journal: {}", path, std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw Error(fmt::format("{}: cannot read the journal: {}", path, std::strerror(errno)));
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd_);
      throw Error(fmt::format("{}: cannot map the journal ({} bytes): {}", path, size_, std::strerror(err)));
    }
    data_ = static_cast<const char*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return data_ ? std::string_view(data_, size_) : std::string_view(); }

 private:
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A repaired journal, written to "<path>.tmp" while the damaged one is read, then renamed
/// over it. Removed if never committed.
class Rewriter {
 public:
  explicit Rewriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {}
  ~Rewriter() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }
  bool active() const { return fd_ >= 0; }
  void start(std::string_view prefix) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(fmt::format("{}: cannot write the repaired journal: {}", tmp_, std::strerror(errno)));
    add(prefix);
  }
  void add(std::string_view bytes) {
    write_all(fd_, std::string(bytes), tmp_);
    size_ += bytes.size();
  }
  /// Syncs and renames the repaired journal over the old one; returns its size.
  std::size_t commit() {
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
      ::unlink(tmp_.c_str());
      throw Error(fmt::format("{}: cannot sync the repaired journal: {}", tmp_, std::strerror(errno)));
    }
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      throw Error(fmt::format("{}: cannot replace the journal: {}", path_, std::strerror(errno)));
    }
    return size_;
  }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  std::size_t size_ = 0;
};
}  // namespace

Journal::Journal(const std::string& path, std::uint64_t spec_hash, std::uint64_t total, const std::string& start_time,
                 std::vector<SampleRecord>& records, std::uint64_t legacy_hash)
    : Journal(path, spec_hash, total, start_time,
              RecordSink([&records](SampleRecord&& r) { records.push_back(std::move(r)); }), legacy_hash) {}

Journal::Journal(const std::string& path, std::uint64_t spec_hash, std::uint64_t total, const std::string& start_time,
                 const RecordSink& sink, std::uint64_t legacy_hash)
    : path_(path), start_time_(start_time) {
  std::size_t file_size = 0;
  std::size_t pos = 0, valid_end = 0;
  bool have_header = false, rewrite = false;
  {
    MappedFile map(path);
    const std::string_view bytes = map.view();
    file_size = bytes.size();
    const bool v2 = bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
    const bool v1 = bytes.size() >= sizeof kMagic1 && std::memcmp(bytes.data(), kMagic1, sizeof kMagic1) == 0;
    if (!v1 && !v2 && bytes.size() >= sizeof kMagic) {
      throw Error(fmt::format("{}: not an xbar journal, or its header is damaged ({} bytes); it is left as it is. Move "
                              "it away to start this campaign over, or set run.output to another file",
                              path, bytes.size()));
    }
    if (v1 || v2) {
      pos = sizeof kMagic;
      std::uint64_t h = 0, n = 0;
      std::uint32_t len = 0;
      const bool header_ok =
          get(bytes, pos, &h) && get(bytes, pos, &n) && get(bytes, pos, &len) && len <= 64 && len <= bytes.size() - pos;
      if (!header_ok && bytes.size() > 64 + 28) {
        throw Error(fmt::format("{}: the journal's header is damaged ({} bytes); it is left as it is. Move it away to "
                                "start this campaign over, or set run.output to another file",
                                path, bytes.size()));
      }
      if (header_ok) {
        const std::uint64_t want = v2 ? spec_hash : legacy_hash;
        if (h != want || n != total) {
          throw Error(fmt::format(
              "{}: this journal holds completed samples of a spec with other results ({} samples, results hash "
              "{:016x}; this spec: {} samples, {:016x}). Only changes to comments, run.workers, "
              "run.checkpoint_interval_s, run.sample_timeout_s and run.output keep a journal. To resume it, restore "
              "the spec it was started with; to run this spec as a new campaign, set run.output to another file.",
              path, n, h, total, spec_hash));
        }
        start_time_ = std::string(bytes.substr(pos, len));
        pos += len;
        have_header = true;
        valid_end = pos;
        Rewriter repaired(path);
        if (v1) {
          repaired.start(header_bytes(spec_hash, total, start_time_));  // continue as version 2
          while (true) {
            std::uint32_t rlen = 0, crc = 0;
            std::size_t p = pos;
            if (!get(bytes, p, &rlen) || !get(bytes, p, &crc) || rlen > bytes.size() - p) break;
            if (crc32(bytes.data() + p, rlen) != crc) break;
            SampleRecord rec;
            try {
              rec = decode_record(bytes.data() + p, rlen);
            } catch (const Error&) {
              break;
            }
            repaired.add(record_bytes(encode_record(rec)));
            sink(std::move(rec));
            pos = p + rlen;
          }
        } else {
          bool in_damage = false;
          while (pos < bytes.size()) {
            SampleRecord rec;
            const std::size_t end = record_at(bytes, pos, &rec);
            if (end != 0) {
              if (in_damage) {
                ++dropped_;
                // The good records before the damage, byte for byte; then each good one after.
                if (!repaired.active()) repaired.start(bytes.substr(0, valid_end));
                in_damage = false;
              }
              if (repaired.active()) repaired.add(bytes.substr(pos, end - pos));
              sink(std::move(rec));
              pos = valid_end = end;
              continue;
            }
            // Damage (or the torn tail): resynchronize on the next marker.
            in_damage = true;
            const char m[4] = {'X', 'R', 'E', 'C'};
            const auto next = bytes.find(std::string_view(m, 4), pos + 1);
            if (next == std::string_view::npos) break;
            pos = next;
          }
          // Damage after the last good record is a torn append (truncated below), unless it is
          // longer than a record could be torn: a kill tears at most one record, which we cannot
          // tell from a damaged one, so it is not counted.
        }
        if (repaired.active()) {
          valid_end = repaired.commit();
          rewrite = true;
        }
      }
    }
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open the journal for writing: {}", path, std::strerror(errno)));
  if (!have_header) {
    if (::ftruncate(fd_, 0) != 0) throw Error(fmt::format("{}: cannot truncate: {}", path, std::strerror(errno)));
    write_all(fd_, header_bytes(spec_hash, total, start_time_), path_);
  } else if (!rewrite && valid_end < file_size) {
    // Drop the torn tail left by a kill in the middle of an append.
    if (::ftruncate(fd_, static_cast<off_t>(valid_end)) != 0) {
      throw Error(fmt::format("{}: cannot truncate a torn record: {}", path, std::strerror(errno)));
    }
  }
  ::lseek(fd_, 0, SEEK_END);
}

std::string Journal::stored_start_time(const std::string& path, const std::string& fallback) {
  char buf[sizeof kMagic + 8 + 8 + 4 + 64];
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fallback;
  const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n < static_cast<ssize_t>(sizeof kMagic + 20)) return fallback;
  const std::string_view bytes(buf, static_cast<std::size_t>(n));
  if (std::memcmp(buf, kMagic, sizeof kMagic) != 0 && std::memcmp(buf, kMagic1, sizeof kMagic1) != 0) return fallback;
  std::size_t pos = sizeof kMagic + 16;
  std::uint32_t len = 0;
  if (!get(bytes, pos, &len) || len > 64 || len > bytes.size() - pos) return fallback;
  return std::string(bytes.substr(pos, len));
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const SampleRecord& record) {
  const std::string bytes = record_bytes(encode_record(record));
  write_all(fd_, bytes, path_);  // one write(): the kernel keeps it even if we are killed now
}

void Journal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

CampaignLock::CampaignLock(const std::string& output) {
  const std::string path = output + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open the campaign lock: {}", path, std::strerror(errno)));
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd_, F_SETLK, &fl) != 0) {
    const int err = errno;
    struct flock who {};
    who.l_type = F_WRLCK;
    who.l_whence = SEEK_SET;
    const bool known = ::fcntl(fd_, F_GETLK, &who) == 0 && who.l_type != F_UNLCK;
    std::string info;
    char buf[512];
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    if (n > 0) info.assign(buf, static_cast<std::size_t>(n));
    while (!info.empty() && (info.back() == '\n' || info.back() == '\0')) info.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (err != EACCES && err != EAGAIN) {
      throw Error(fmt::format("{}: cannot lock the campaign: {}", path, std::strerror(err)));
    }
    throw Error(fmt::format("{}: another run holds this campaign ({}{}); wait for it to finish or stop it, then "
                            "rerun to resume",
                            output, known ? fmt::format("process {}", who.l_pid) : std::string("a process"),
                            info.empty() ? "" : ": " + info));
  }
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  const std::string info = fmt::format("pid {} on host {}\n", ::getpid(), host);
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t w = ::pwrite(fd_, info.data(), info.size(), 0);
  }
}

CampaignLock::~CampaignLock() {
  if (fd_ >= 0) {
    [[maybe_unused]] const int rc = ::ftruncate(fd_, 0);
    ::close(fd_);  // releases the lock
  }
}

}  // namespace xbar::characterize::detail
