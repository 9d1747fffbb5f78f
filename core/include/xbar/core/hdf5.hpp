#pragma once
// The HDF5 plumbing every xbar file format shares (campaign, model and inference files):
// RAII handles, quiet error printing, HDF5's own reason for a failure, strings, and the bytes
// of a file built in memory. Written once here (STYLE.md 12); characterize/ and behavioral/
// wrap it with their own error types and file layouts.
//
// Strings: xbar writes every string as a FIXED-LENGTH UTF-8 string (null-padded, as long as
// its text, at least 1 byte), never a variable-length one, so no file xbar writes uses HDF5's
// global heap (which has no checksum: a flipped byte there crashed or hung readers). h5py reads
// such a string as `bytes` / `numpy.bytes_` (`.decode()` gives the text). The readers here take
// both kinds, so foreign files and files of older xbar versions still read.
//
// Every function returns a status rather than throwing: callers turn a failure into their own
// exception type with a message naming the file and object (hdf5_reason() says why).
//
// Example:
//   QuietHdf5 quiet;
//   Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
//   std::string kind;
//   if (!file.ok() || read_string_attr(file, "kind", &kind) < 0) throw MyError(path + ": " + hdf5_reason());
#include <hdf5.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xbar::core::hdf5 {

/// Owns one HDF5 identifier and closes it with the matching H5?close (nothing leaks when a
/// caller throws). An invalid id (< 0) is held but never closed.
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      close();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  ~Hid() { close(); }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  operator hid_t() const { return id_; }  // NOLINT: lets an Hid go straight into H5 calls
  /// Closes now and returns HDF5's result (a file close flushes, so it can fail); 0 if nothing was open.
  herr_t close() {
    const herr_t r = id_ >= 0 && closer_ ? closer_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return r;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Switches HDF5's automatic error stack printing off for this scope, restoring it afterwards.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// HDF5's reason for the last failure on this thread: the outermost and innermost messages of
/// its error stack ("unknown HDF5 error" if the stack is empty).
std::string hdf5_reason();

/// True if every prefix of the absolute path `full` ("/a/b/c") exists in `file` (H5Lexists on
/// "/a/b/c" fails, rather than returning false, when "/a" is missing).
bool path_exists(hid_t file, const std::string& full);

/// A fixed-length, null-padded UTF-8 string type of `bytes` bytes (at least 1).
Hid fixed_string_type(std::size_t bytes);

/// Writes scalar attribute `name` of `obj` as a fixed-length UTF-8 string of the text's length.
/// Returns < 0 on failure.
herr_t write_string_attr(hid_t obj, const char* name, const std::string& value);

/// Reads every string of dataset `dset` (any rank, fixed- or variable-length strings), in
/// row-major order, into `out`. Trailing nulls (and blanks, for space-padded types) are removed.
/// Returns < 0 if it is not a string dataset or cannot be read.
herr_t read_string_dataset(hid_t dset, std::vector<std::string>* out);

/// Reads a scalar string attribute (fixed- or variable-length) into `out`. Returns < 0 if it is
/// missing, not a single string, or cannot be read.
herr_t read_string_attr(hid_t obj, const char* name, std::string* out);

/// The bytes of the file `file` (built with the core driver, H5Pset_fapl_core), flushed, with
/// the superblock checksum H5Fget_file_image leaves stale fixed (core/file_checksum.hpp).
/// Returns an error message naming nothing (the caller adds the file), or nothing on success.
std::optional<std::string> file_image(hid_t file, std::string* image);

}  // namespace xbar::core::hdf5
