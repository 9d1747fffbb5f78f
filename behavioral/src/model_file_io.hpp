#pragma once
// Internal to xbar::behavioral: the writing and the reading Io over the field lists of
// model_file_fields.hpp (the Io interface is described there), and the one write and read of
// every model kind over them:
//   write_model(path, "tia", model, [](auto& io, auto& m) { tia_model_fields(io, m); });
//   TiaModelFile m = read_model<TiaModelFile>(path, "tia", [](auto& io, auto& m) { tia_model_fields(io, m); });
#include <hdf5.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "cat.hpp"
#include "model_file_fields.hpp"
#include "xbar/behavioral/hdf5_io.hpp"

namespace xbar::behavioral::detail {

inline std::string parent_of(const std::string& full) {
  const auto pos = full.rfind('/');
  return pos == 0 ? "/" : full.substr(0, pos);
}

/// The root attributes of every model file: schema and kind.
inline void write_root(const Writer& w, hid_t file, const char* kind) {
  w.str(file, "/", "schema", kModelSchema);
  w.str(file, "/", "kind", kind);
}

// Writes every field (a field list with const references).
class WriteIo {
 public:
  WriteIo(const Writer& w, hid_t file) : w_(w), file_(file) {}

  void group(const std::string& g) {
    const std::string parent = parent_of(g);
    groups_.emplace(g, w_.group(at(parent), g.substr(g.rfind('/') + 1), g));
  }
  void f64(const std::string& g, const std::string& name, const double& v) { w_.f64(at(g), g, name.c_str(), v); }
  void optional_f64(const std::string& g, const std::string& name, const double& v) { f64(g, name, v); }
  void i32(const std::string& g, const std::string& name, const int& v) { w_.i64(at(g), g, name.c_str(), v); }
  void flag(const std::string& g, const std::string& name, const bool& v) { w_.i64(at(g), g, name.c_str(), v ? 1 : 0); }
  void u64(const std::string& g, const std::string& name, const std::uint64_t& v) { w_.u64(at(g), g, name.c_str(), v); }
  void str(const std::string& g, const std::string& name, const std::string& v) { w_.str(at(g), g, name.c_str(), v); }
  template <class E>
  void choice(const std::string& g, const std::string& name, const E& v, EnumNames<E> names) {
    for (const auto& [value, text] : names)
      if (value == v) return str(g, name, text);
    w_.fail("attribute " + g + "@" + name, "unknown enum value");
  }
  void vec(const std::string& g, const std::string& name, const Eigen::VectorXd& v, const char* unit) {
    w_.vector(at(g), name, g + "/" + name, v, unit);
  }
  void ivec(const std::string& g, const std::string& name, const std::vector<long long>& v, const char* unit) {
    w_.int_vector(at(g), name, g + "/" + name, v, unit);
  }
  void mat(const std::string& g, const std::string& name, const Eigen::MatrixXd& m, const char* unit) {
    w_.matrix(at(g), name, g + "/" + name, m, unit);
  }
  template <class T>
  void count(const std::string& g, const std::string& name, const std::vector<T>& v) {
    u64(g, name, v.size());
  }
  template <class T>
  void single(const std::vector<T>&) {}  // validate() checked the size
  template <class T>
  void named(const std::string& g, const std::vector<T>& v) {
    for (const T& x : v)
      if (x.name.empty() || x.name.find_first_of("/.") != std::string::npos || x.name.front() == ' ')
        w_.fail("group " + g, "element name '" + x.name + "' is not a group name");
  }
  bool optional_group(const std::string& g) {
    group(g);
    return true;
  }
  /// A group written only when `present` (a result that may not have been computed).
  bool optional_group_when(const std::string& g, bool present) {
    if (present) group(g);
    return present;
  }
  void invalid(const std::string&, const std::string&, const std::string&) {}

 private:
  hid_t at(const std::string& g) const { return g == "/" ? file_ : groups_.at(g).get(); }
  const Writer& w_;
  hid_t file_;
  std::map<std::string, Hid> groups_;
};

// Reads every field; a missing or malformed object throws ModelFileError naming it.
class ReadIo {
 public:
  ReadIo(const Reader& r, hid_t file) : r_(r), file_(file) {}

  void group(const std::string& g) { groups_.emplace(g, r_.group(file_, g)); }
  void f64(const std::string& g, const std::string& name, double& v) { v = r_.f64(at(g), g, name.c_str()); }
  void optional_f64(const std::string& g, const std::string& name, double& v) {
    v = H5Aexists(at(g), name.c_str()) > 0 ? r_.f64(at(g), g, name.c_str()) : std::numeric_limits<double>::quiet_NaN();
  }
  void i32(const std::string& g, const std::string& name, int& v) {
    const long long x = r_.i64(at(g), g, name.c_str());
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) invalid(g, name, cat(x, ": out of range"));
    v = static_cast<int>(x);
  }
  void flag(const std::string& g, const std::string& name, bool& v) { v = r_.i64(at(g), g, name.c_str()) != 0; }
  void u64(const std::string& g, const std::string& name, std::uint64_t& v) { v = r_.u64(at(g), g, name.c_str()); }
  void str(const std::string& g, const std::string& name, std::string& v) { v = r_.str(at(g), g, name.c_str()); }
  template <class E>
  void choice(const std::string& g, const std::string& name, E& v, EnumNames<E> names) {
    const std::string s = r_.str(at(g), g, name.c_str());
    std::string allowed;
    for (const auto& [value, text] : names) {
      if (s == text) {
        v = value;
        return;
      }
      allowed += (allowed.empty() ? "" : " or ") + std::string(text);
    }
    invalid(g, name, "'" + s + "': must be " + allowed);
  }
  void vec(const std::string& g, const std::string& name, Eigen::VectorXd& v, const char*) {
    v = r_.vector(file_, g + "/" + name);
  }
  void ivec(const std::string& g, const std::string& name, std::vector<long long>& v, const char*) {
    v = r_.int_vector(file_, g + "/" + name);
  }
  void mat(const std::string& g, const std::string& name, Eigen::MatrixXd& m, const char*) {
    m = r_.matrix(file_, g + "/" + name);
  }
  template <class T>
  void count(const std::string& g, const std::string& name, std::vector<T>& v) {
    std::uint64_t n = 0;
    u64(g, name, n);
    if (n > 1000) invalid(g, name, cat(n, ": more than 1000 sources"));
    v.assign(static_cast<std::size_t>(n), T{});
  }
  template <class T>
  void single(std::vector<T>& v) {
    v.assign(1, T{});
  }
  /// One element per subgroup of g, in name order (HDF5's link index).
  template <class T>
  void named(const std::string& g, std::vector<T>& v) {
    v.clear();
    H5G_info_t info{};
    if (H5Gget_info(at(g), &info) < 0) r_.fail("group " + g, "cannot list its subgroups");
    if (info.nlinks > 1000) r_.fail("group " + g, cat(info.nlinks, " subgroups: more than 1000"));
    for (hsize_t k = 0; k < info.nlinks; ++k) {
      char name[256] = {};
      if (H5Lget_name_by_idx(at(g), ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name, H5P_DEFAULT) < 0)
        r_.fail("group " + g, "cannot list its subgroups");
      T x{};
      x.name = name;
      v.push_back(std::move(x));
    }
  }
  bool optional_group(const std::string& g) {
    if (!core::hdf5::path_exists(file_, g)) return false;
    group(g);
    return true;
  }
  bool optional_group_when(const std::string& g, bool) { return optional_group(g); }
  [[noreturn]] void invalid(const std::string& g, const std::string& name, const std::string& what) {
    r_.fail("attribute " + g + "@" + name, what);
  }

 private:
  hid_t at(const std::string& g) const { return g == "/" ? file_ : groups_.at(g).get(); }
  const Reader& r_;
  hid_t file_;
  std::map<std::string, Hid> groups_;
};

/// Writes `model` atomically as a model file of `kind`: the root attributes, then `fields(io, model)`.
template <class M, class Fields>
void write_model(const std::string& path, const char* kind, const M& model, Fields fields) {
  write_model_file_atomically(path, [&](const Writer& w, hid_t file) {
    write_root(w, file, kind);
    WriteIo io(w, file);
    fields(io, model);
  });
}

/// Opens a model file of `kind` (schema and kind checked) and reads `fields(io, m)` into a new M.
/// What a field list cannot say (validate(), equal column lengths) the caller checks afterwards.
template <class M, class Fields>
M read_model(const std::string& path, const char* kind, Fields fields) {
  QuietHdf5 quiet;
  Hid file = open_model_file(path, kind);
  Reader r(path);
  ReadIo io(r, file.get());
  M m;
  fields(io, m);
  return m;
}

}  // namespace xbar::behavioral::detail
