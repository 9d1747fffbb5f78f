#include "xbar/core/file_checksum.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

namespace xbar::core {

namespace {
std::string format_trailer(std::uint64_t size, std::uint32_t crc) {
  char buf[kChecksumTrailerBytes + 1];
  std::snprintf(buf, sizeof buf, "%s size %" PRIu64 " crc32 %08" PRIx32, kChecksumMagic, size, crc);
  std::string t = buf;
  t.resize(kChecksumTrailerBytes - 1, ' ');
  return t + "\n";
}
}  // namespace

std::uint32_t crc32(std::uint32_t crc, const void* data, std::size_t size) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string checksum_trailer(const std::string& image) {
  return format_trailer(image.size(), crc32(0, image.data(), image.size()));
}

namespace {
// CRC of the first `n` bytes of `fd`; false if they cannot all be read.
bool crc_of(int fd, off_t n, std::uint32_t* out) {
  std::uint32_t c = 0;
  std::vector<char> buf(1 << 20);
  off_t off = 0;
  while (off < n) {
    const ssize_t r = ::pread(fd, buf.data(), std::min<std::size_t>(buf.size(), static_cast<std::size_t>(n - off)), off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    c = crc32(c, buf.data(), static_cast<std::size_t>(r));
    off += r;
  }
  *out = c;
  return true;
}
std::string fail(const std::string& path, const char* what) { return path + ": " + what + ": " + std::strerror(errno); }
}  // namespace

std::optional<std::string> append_checksum_trailer(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail(path, "cannot open to add its checksum");
  struct stat st {};
  std::uint32_t c = 0;
  if (::fstat(fd, &st) != 0 || !crc_of(fd, st.st_size, &c)) {
    auto m = fail(path, "cannot read back to checksum it");
    ::close(fd);
    return m;
  }
  const std::string t = format_trailer(static_cast<std::uint64_t>(st.st_size), c);
  if (::pwrite(fd, t.data(), t.size(), st.st_size) != static_cast<ssize_t>(t.size()) || ::fsync(fd) != 0) {
    auto m = fail(path, "cannot write its checksum");
    ::close(fd);
    return m;
  }
  if (::close(fd) != 0) return fail(path, "cannot close");
  return std::nullopt;
}

std::optional<std::string> verify_file_checksum(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < static_cast<off_t>(kChecksumTrailerBytes) + 8) {
    ::close(fd);
    return std::nullopt;
  }
  const off_t body = st.st_size - static_cast<off_t>(kChecksumTrailerBytes);
  std::string tail(kChecksumTrailerBytes, '\0');
  const bool got_tail = ::pread(fd, tail.data(), tail.size(), body) == static_cast<ssize_t>(tail.size());
  const std::string magic = std::string(kChecksumMagic) + " ";
  if (!got_tail || tail.compare(0, magic.size(), magic) != 0) {
    unsigned char sb[36] = {};
    static const unsigned char kSig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    const bool read_sb = ::pread(fd, sb, sizeof sb, 0) == static_cast<ssize_t>(sizeof sb);
    ::close(fd);
    if (read_sb && std::memcmp(sb, kSig, 8) == 0 && (sb[8] == 2 || sb[8] == 3) && sb[9] == 8) {
      std::uint64_t eof = 0;
      for (int k = 7; k >= 0; --k) eof = (eof << 8) | sb[28 + k];
      if (eof == static_cast<std::uint64_t>(body)) {
        return path + ": damaged: its xbar checksum trailer (the last 64 bytes) is not readable";
      }
    }
    if (got_tail && tail.find("crc32 ") != std::string::npos) return path + ": damaged: its xbar checksum trailer is malformed";
    return std::nullopt;
  }
  unsigned long long size = 0;
  unsigned int crc = 0;
  if (std::sscanf(tail.c_str() + magic.size(), "size %llu crc32 %8x", &size, &crc) != 2) {
    ::close(fd);
    return path + ": damaged: its xbar checksum trailer is malformed";
  }
  if (size != static_cast<unsigned long long>(body)) {
    ::close(fd);
    return path + ": damaged or truncated: " + std::to_string(body) + " bytes before the checksum trailer, but xbar wrote " +
           std::to_string(size);
  }
  std::uint32_t c = 0;
  const bool read = crc_of(fd, body, &c);
  ::close(fd);
  if (!read) return path + ": cannot read to check its checksum: " + std::strerror(errno);
  if (c != crc) {
    char buf[160];
    std::snprintf(buf, sizeof buf, ": damaged: its checksum does not match (crc32 %08x, expected %08x): the file changed "
                                   "after xbar wrote it", c, crc);
    return path + buf;
  }
  return std::nullopt;
}

namespace {
std::uint32_t word_of(const unsigned char* t, std::size_t i) {
  return std::uint32_t{t[i]} | std::uint32_t{t[i + 1]} << 8 | std::uint32_t{t[i + 2]} << 16 |
         std::uint32_t{t[i + 3]} << 24;
}
std::uint32_t rot(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
}  // namespace

std::uint32_t hdf5_lookup3(const void* data, std::size_t n, std::uint32_t init) {
  const auto* k = static_cast<const unsigned char*>(data);
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeefu + static_cast<std::uint32_t>(n) + init;
  while (n > 12) {
    a += word_of(k, 0);
    b += word_of(k, 4);
    c += word_of(k, 8);
    a -= c; a ^= rot(c, 4);  c += b;
    b -= a; b ^= rot(a, 6);  a += c;
    c -= b; c ^= rot(b, 8);  b += a;
    a -= c; a ^= rot(c, 16); c += b;
    b -= a; b ^= rot(a, 19); a += c;
    c -= b; c ^= rot(b, 4);  b += a;
    n -= 12;
    k += 12;
  }
  if (n == 0) return c;
  unsigned char t[12] = {};
  std::memcpy(t, k, n);
  a += word_of(t, 0);
  b += word_of(t, 4);
  c += word_of(t, 8);
  c ^= b; c -= rot(b, 14);
  a ^= c; a -= rot(c, 11);
  b ^= a; b -= rot(a, 25);
  c ^= b; c -= rot(b, 16);
  a ^= c; a -= rot(c, 4);
  b ^= a; b -= rot(a, 14);
  c ^= b; c -= rot(b, 24);
  return c;
}

std::optional<std::string> fix_hdf5_superblock_checksum(std::string& image) {
  auto* sb = reinterpret_cast<unsigned char*>(image.data());
  if (image.size() < 48 || !(sb[8] == 2 || sb[8] == 3) || sb[9] != 8 || sb[10] != 8) {
    return "unexpected HDF5 superblock in the file image (version " + std::to_string(image.size() > 8 ? sb[8] : 0) + ")";
  }
  const std::uint32_t sum = hdf5_lookup3(sb, 44);
  for (int i = 0; i < 4; ++i) sb[44 + i] = static_cast<unsigned char>(sum >> (8 * i));
  return std::nullopt;
}

std::optional<std::string> write_file_durably(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(path, "cannot create the file");
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      auto m = fail(path, "cannot write");
      ::close(fd);
      return m;
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto m = fail(path, "cannot sync to disk");
    ::close(fd);
    return m;
  }
  if (::close(fd) != 0) return fail(path, "cannot close");
  return std::nullopt;
}

}  // namespace xbar::core
