#pragma once
// The model-file layer over core's HDF5 plumbing (xbar/core/hdf5.hpp), shared by every
// xbar.model/2 writer and reader (model_file.cpp for the crossbar, periphery_model_file.cpp for
// the TIA and ADC, tile_model_file.cpp) and by the networks library's result files (inference).
// Not for users of the models: an implementation aid of xbar's own file formats (namespace detail).
//
// Every HDF5 identifier is owned by an Hid, so nothing leaks when we throw. QuietHdf5 switches
// HDF5's automatic error printing off for a scope; failures become ModelFileError messages
// naming the file and the object ("<path>: attribute /nominal@rf_ohm: missing"). Strings are
// written fixed-length (never HDF5's unchecked global heap) and read in either form.
#include <hdf5.h>

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/core/hdf5.hpp"

namespace xbar::behavioral::detail {

/// The schema xbar writes: version 2 stores every string as a fixed-length string (no HDF5
/// global heap); version 1 (variable-length strings) is still read.
inline constexpr const char* kModelSchema = "xbar.model/2";
/// True for a schema this xbar reads ("xbar.model/1" or "xbar.model/2").
inline bool is_model_schema(const std::string& s) { return s == "xbar.model/1" || s == "xbar.model/2"; }

// The RAII handle and the quiet-errors scope are core's (xbar/core/hdf5.hpp), named here so
// the model-file code and its users keep writing detail::Hid.
using core::hdf5::Hid;
using core::hdf5::QuietHdf5;

class Writer {
 public:
  explicit Writer(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& object, const std::string& what) const {
    throw ModelFileError(path_ + ": " + object + ": " + what);
  }

  Hid group(hid_t parent, const std::string& name, const std::string& full) const;
  void attr(hid_t obj, const std::string& where, const char* name, hid_t file_type, hid_t mem_type,
            const void* value) const;
  void f64(hid_t obj, const std::string& where, const char* name, double v) const {
    attr(obj, where, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
  }
  void i64(hid_t obj, const std::string& where, const char* name, long long v) const {
    attr(obj, where, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v);
  }
  void u64(hid_t obj, const std::string& where, const char* name, std::uint64_t v) const {
    const unsigned long long u = v;
    attr(obj, where, name, H5T_STD_U64LE, H5T_NATIVE_ULLONG, &u);
  }
  void str(hid_t obj, const std::string& where, const char* name, const std::string& v) const;
  void ci(hid_t obj, const std::string& where, const std::string& prefix, const ConfidenceInterval95& c) const {
    f64(obj, where, (prefix + "_ci95_low").c_str(), c.low);
    f64(obj, where, (prefix + "_ci95_high").c_str(), c.high);
  }
  /// float64 dataset [n] with a `unit` attribute.
  void vector(hid_t parent, const std::string& name, const std::string& full, const Eigen::VectorXd& v,
              const char* unit) const;
  /// int64 dataset [n] with a `unit` attribute.
  void int_vector(hid_t parent, const std::string& name, const std::string& full, const std::vector<long long>& v,
                  const char* unit) const;
  /// float64 dataset [rows, cols] (row-major in the file) with a `unit` attribute.
  void matrix(hid_t parent, const std::string& name, const std::string& full, const Eigen::MatrixXd& m,
              const char* unit) const;

 private:
  std::string path_;
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& object, const std::string& what) const {
    throw ModelFileError(path_ + ": " + object + ": " + what);
  }

  /// Opens group `full` (an absolute path) of `file`.
  Hid group(hid_t file, const std::string& full) const;
  Hid open_attr(hid_t obj, const std::string& where, const char* name) const;
  void numeric(hid_t obj, const std::string& where, const char* name, hid_t mem_type, void* out) const;
  double f64(hid_t obj, const std::string& where, const char* name) const {
    double v = 0;
    numeric(obj, where, name, H5T_NATIVE_DOUBLE, &v);
    return v;
  }
  long long i64(hid_t obj, const std::string& where, const char* name) const {
    long long v = 0;
    numeric(obj, where, name, H5T_NATIVE_LLONG, &v);
    return v;
  }
  std::uint64_t u64(hid_t obj, const std::string& where, const char* name) const {
    unsigned long long v = 0;
    numeric(obj, where, name, H5T_NATIVE_ULLONG, &v);
    return v;
  }
  std::string str(hid_t obj, const std::string& where, const char* name) const;
  ConfidenceInterval95 ci(hid_t obj, const std::string& where, const std::string& prefix) const {
    ConfidenceInterval95 c;
    c.low = f64(obj, where, (prefix + "_ci95_low").c_str());
    c.high = f64(obj, where, (prefix + "_ci95_high").c_str());
    return c;
  }
  /// Dataset `full` (absolute path) of `file`, float64 [n].
  Eigen::VectorXd vector(hid_t file, const std::string& full) const;
  /// Dataset `full`, int64 [n].
  std::vector<long long> int_vector(hid_t file, const std::string& full) const;
  /// Dataset `full`, float64 [rows, cols].
  Eigen::MatrixXd matrix(hid_t file, const std::string& full) const;

 private:
  Hid dataset(hid_t file, const std::string& full, int rank, std::vector<hsize_t>* dims) const;
  std::string path_;
};

/// Creates `path`.tmp, runs `write` on it, flushes, and renames it over `path`; removes the
/// temporary on failure. Throws ModelFileError naming the file.
void write_model_file_atomically(const std::string& path, const std::function<void(const Writer&, hid_t)>& write);

/// Opens an xbar.model/1 or /2 file for reading and checks its root `schema` and `kind` attributes
/// (a campaign file, another schema or another kind gets a message saying what the file is);
/// an empty `expected_kind` accepts any kind.
/// Call with a QuietHdf5 alive.
Hid open_model_file(const std::string& path, const std::string& expected_kind);

}  // namespace xbar::behavioral::detail
