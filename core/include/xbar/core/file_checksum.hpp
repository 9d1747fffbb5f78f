#pragma once
// A whole-file checksum for the HDF5 files xbar writes (campaign and model files), checked
// before HDF5 parses a file: HDF5 leaves parts of a file unchecked (the global heap of
// variable-length strings), and a damaged byte there can crash or hang the HDF5 library.
//
// Layout: the file's bytes, then a trailer of kChecksumTrailerBytes after HDF5's end of file,
// where HDF5 and h5py never look:
//   "xbar.checksum/1 size <bytes before the trailer> crc32 <8 hex digits>", blank-padded, "\n"
// The CRC-32 (IEEE 802.3, as zlib's crc32) covers every byte before the trailer.
//
// Example:
//   std::string image = ...;                  // an HDF5 file image
//   image += checksum_trailer(image);
//   ...
//   if (auto why = verify_file_checksum(path)) throw FileError(*why);
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace xbar::core {

inline constexpr std::size_t kChecksumTrailerBytes = 64;
inline constexpr const char* kChecksumMagic = "xbar.checksum/1";

/// CRC-32 of `size` bytes continued from `crc` (start from 0): crc32(crc32(0, a), b) == crc32(0, a + b).
std::uint32_t crc32(std::uint32_t crc, const void* data, std::size_t size);

/// The trailer for a file whose bytes (before the trailer) are `image`.
std::string checksum_trailer(const std::string& image);

/// Appends the trailer to the file at `path` (the whole file so far is covered) and fsyncs it.
/// Returns an error message naming the path, or nothing on success.
std::optional<std::string> append_checksum_trailer(const std::string& path);

/// Checks the trailer of the file at `path`. Returns a message naming the path ("...: damaged:
/// ...") if the trailer is damaged, the size differs or the CRC does not match. A file without
/// a trailer (a foreign HDF5 file, or one written by an older xbar) passes, unless it is an HDF5
/// file (superblock version 2 or 3) whose end-of-file address is exactly one trailer short of
/// its size: an xbar file whose trailer was damaged. An unreadable file passes (the caller's
/// open reports it).
std::optional<std::string> verify_file_checksum(const std::string& path);

/// Bob Jenkins' lookup3 hashlittle: the checksum HDF5 puts on its metadata.
std::uint32_t hdf5_lookup3(const void* data, std::size_t size, std::uint32_t init = 0);

/// H5Fget_file_image (HDF5 1.10) clears the open-file flags of a version 2/3 superblock in the
/// image without updating its checksum, so the image would not open. Recomputes it. Returns an
/// error message if the image does not start with such a superblock (8-byte offsets).
std::optional<std::string> fix_hdf5_superblock_checksum(std::string& image);

/// Writes `bytes` to a new file at `path`, fsyncs and closes it. Returns an error message naming
/// the path ("cannot create the file", "cannot write: No space left on device", ...) or nothing.
std::optional<std::string> write_file_durably(const std::string& path, const std::string& bytes);

}  // namespace xbar::core
