// The HDF5 model file "xbar.model/1" (data/MODEL_SCHEMA.md).
//
// Every HDF5 identifier is owned by an Hid, so nothing leaks when we throw. HDF5's automatic
// error printing is off while we work (restored afterwards); failures become ModelFileError
// messages naming the file and the object.
#include "xbar/behavioral/model_file.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "xbar/behavioral/model_file_error.hpp"

namespace xbar::behavioral {

namespace {

constexpr const char* kSchema = "xbar.model/1";

class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  ~Hid() {
    if (id_ >= 0 && closer_) closer_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Switches HDF5's automatic error stack printing off for this scope.
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

class Writer {
 public:
  explicit Writer(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& object, const std::string& what) const {
    throw ModelFileError(path_ + ": " + object + ": " + what);
  }

  Hid group(hid_t parent, const std::string& name, const std::string& full) const {
    Hid g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.ok()) fail("group " + full, "cannot create");
    return g;
  }

  void attr(hid_t obj, const std::string& where, const char* name, hid_t file_type, hid_t mem_type,
            const void* value) const {
    Hid space(H5Screate(H5S_SCALAR), H5Sclose);
    Hid a(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!a.ok() || H5Awrite(a.get(), mem_type, value) < 0) fail("attribute " + where + "@" + name, "cannot write");
  }
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
  void str(hid_t obj, const std::string& where, const char* name, const std::string& v) const {
    Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const char* p = v.c_str();
    attr(obj, where, name, type.get(), type.get(), &p);
  }
  void ci(hid_t obj, const std::string& where, const std::string& prefix, const ConfidenceInterval95& c) const {
    f64(obj, where, (prefix + "_ci95_low").c_str(), c.low);
    f64(obj, where, (prefix + "_ci95_high").c_str(), c.high);
  }
  void vector(hid_t parent, const std::string& name, const std::string& full, const Eigen::VectorXd& v,
              const char* unit) const {
    const hsize_t n = static_cast<hsize_t>(v.size());
    Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Hid d(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          H5Dclose);
    if (!d.ok() || (n > 0 && H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0))
      fail("dataset " + full, "cannot write");
    str(d.get(), full, "unit", unit);
  }

 private:
  std::string path_;
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& object, const std::string& what) const {
    throw ModelFileError(path_ + ": " + object + ": " + what);
  }

  Hid group(hid_t parent, const std::string& full) const {
    if (H5Lexists(parent, full.c_str(), H5P_DEFAULT) <= 0)
      fail("group " + full, "missing (is this an xbar.model/1 file written by a matching xbar?)");
    Hid g(H5Gopen2(parent, full.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.ok()) fail("group " + full, "cannot open");
    return g;
  }

  Hid open_attr(hid_t obj, const std::string& where, const char* name) const {
    if (H5Aexists(obj, name) <= 0) fail("attribute " + where + "@" + name, "missing");
    Hid a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    if (!a.ok()) fail("attribute " + where + "@" + name, "cannot open");
    return a;
  }
  void numeric(hid_t obj, const std::string& where, const char* name, hid_t mem_type, void* out) const {
    Hid a = open_attr(obj, where, name);
    Hid type(H5Aget_type(a.get()), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail("attribute " + where + "@" + name, "not a number");
    if (H5Aread(a.get(), mem_type, out) < 0) fail("attribute " + where + "@" + name, "cannot read");
  }
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
  std::string str(hid_t obj, const std::string& where, const char* name) const {
    Hid a = open_attr(obj, where, name);
    Hid type(H5Aget_type(a.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_STRING || !H5Tis_variable_str(type.get()))
      fail("attribute " + where + "@" + name, "not a variable-length string");
    Hid mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5T_CSET_UTF8);
    char* p = nullptr;
    if (H5Aread(a.get(), mem.get(), &p) < 0) fail("attribute " + where + "@" + name, "cannot read");
    std::string s = p ? p : "";
    if (p) H5free_memory(p);
    return s;
  }
  ConfidenceInterval95 ci(hid_t obj, const std::string& where, const std::string& prefix) const {
    ConfidenceInterval95 c;
    c.low = f64(obj, where, (prefix + "_ci95_low").c_str());
    c.high = f64(obj, where, (prefix + "_ci95_high").c_str());
    return c;
  }
  Eigen::VectorXd vector(hid_t file, const std::string& full) const {
    if (H5Lexists(file, "nominal", H5P_DEFAULT) <= 0 || H5Lexists(file, full.c_str(), H5P_DEFAULT) <= 0)
      fail("dataset " + full, "missing");
    Hid d(H5Dopen2(file, full.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) fail("dataset " + full, "cannot open");
    Hid space(H5Dget_space(d.get()), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 1) fail("dataset " + full, "must be one-dimensional");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    Eigen::VectorXd v(static_cast<Eigen::Index>(n));
    if (n > 0 && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      fail("dataset " + full, "cannot read");
    return v;
  }

 private:
  std::string path_;
};

const char* cell_name(CellModel c) { return c == CellModel::sinh ? "sinh" : "linear"; }

void write_fraction(const Writer& w, hid_t parent, const std::string& name, const FractionFit& f) {
  const std::string full = "/variation/" + name;
  Hid g = w.group(parent, name, full);
  w.f64(g.get(), full, "fraction", f.fraction);
  w.ci(g.get(), full, "fraction", f.ci95);
  w.u64(g.get(), full, "n_stuck", f.n_events);
  w.u64(g.get(), full, "n_cells", f.n_trials);
}

FractionFit read_fraction(const Reader& r, hid_t file, const std::string& name) {
  const std::string full = "/variation/" + name;
  Hid g = r.group(file, full);
  FractionFit f;
  f.fraction = r.f64(g.get(), full, "fraction");
  f.ci95 = r.ci(g.get(), full, "fraction");
  f.n_events = r.u64(g.get(), full, "n_stuck");
  f.n_trials = r.u64(g.get(), full, "n_cells");
  return f;
}

void write_metrics(const Writer& w, hid_t g, const std::string& full, const ErrorMetrics& m) {
  w.u64(g, full, "n_samples", m.n_samples);
  w.u64(g, full, "n_values", m.n_values);
  w.f64(g, full, "rms_abs_a", m.rms_abs_a);
  w.f64(g, full, "max_abs_a", m.max_abs_a);
  w.f64(g, full, "rms_pct_fs", m.rms_pct_fs);
  w.f64(g, full, "max_pct_fs", m.max_pct_fs);
  w.f64(g, full, "rel_l2", m.rel_l2);
  w.f64(g, full, "rms_lsb", m.rms_lsb);
  w.f64(g, full, "max_lsb", m.max_lsb);
  w.f64(g, full, "full_scale_a", m.full_scale_a);
  w.i64(g, full, "adc_bits", m.adc_bits);
}

ErrorMetrics read_metrics(const Reader& r, hid_t g, const std::string& full) {
  ErrorMetrics m;
  m.n_samples = r.u64(g, full, "n_samples");
  m.n_values = r.u64(g, full, "n_values");
  m.rms_abs_a = r.f64(g, full, "rms_abs_a");
  m.max_abs_a = r.f64(g, full, "max_abs_a");
  m.rms_pct_fs = r.f64(g, full, "rms_pct_fs");
  m.max_pct_fs = r.f64(g, full, "max_pct_fs");
  // rel_l2 was added after the first model files; those read as NaN (not recorded).
  m.rel_l2 = H5Aexists(g, "rel_l2") > 0 ? r.f64(g, full, "rel_l2") : std::numeric_limits<double>::quiet_NaN();
  m.rms_lsb = r.f64(g, full, "rms_lsb");
  m.max_lsb = r.f64(g, full, "max_lsb");
  m.full_scale_a = r.f64(g, full, "full_scale_a");
  m.adc_bits = static_cast<int>(r.i64(g, full, "adc_bits"));
  return m;
}

void write_all(const Writer& w, hid_t file, const CrossbarModelFile& m) {
  w.str(file, "/", "schema", kSchema);
  w.str(file, "/", "kind", "crossbar");

  const auto& p = m.nominal;
  {
    Hid g = w.group(file, "nominal", "/nominal");
    const std::string n = "/nominal";
    w.i64(g.get(), n, "rows", p.rows);
    w.i64(g.get(), n, "cols", p.cols);
    w.i64(g.get(), n, "differential", p.differential ? 1 : 0);
    w.str(g.get(), n, "cell", cell_name(p.cell));
    w.f64(g.get(), n, "v0_v", p.v0_v);
    w.f64(g.get(), n, "r_row_wire_ohm", p.r_row_wire_ohm);
    w.f64(g.get(), n, "r_col_wire_ohm", p.r_col_wire_ohm);
    w.f64(g.get(), n, "temperature_c", p.temperature_c);
    w.f64(g.get(), n, "tnom_c", p.tnom_c);
    w.f64(g.get(), n, "cell_tc1_per_k", p.cell_tc1_per_k);
    w.f64(g.get(), n, "wire_tc1_per_k", p.wire_tc1_per_k);
    w.f64(g.get(), n, "newton_abs_tol_v", p.newton_abs_tol_v);
    w.f64(g.get(), n, "newton_rel_tol", p.newton_rel_tol);
    w.i64(g.get(), n, "newton_max_iterations", p.newton_max_iterations);
    w.f64(g.get(), n, "fast_rel_tol", p.fast_rel_tol);
    w.i64(g.get(), n, "fast_max_iterations", p.fast_max_iterations);
    w.i64(g.get(), n, "leaf_cells", p.leaf_cells);
    w.vector(g.get(), "r_source_ohm", "/nominal/r_source_ohm", p.r_source_ohm, "ohm");
  }
  {
    Hid var = w.group(file, "variation", "/variation");
    w.f64(var.get(), "/variation", "g_stuck_on_s", m.variation.g_stuck_on_s);
    w.f64(var.get(), "/variation", "g_stuck_off_s", m.variation.g_stuck_off_s);
    const auto& e = m.variation.programming_error;
    const std::string n = "/variation/programming_error";
    Hid g = w.group(var.get(), "programming_error", n);
    w.str(g.get(), n, "distribution", e.distribution);
    w.f64(g.get(), n, "sigma_rel_d2d", e.sigma_rel_d2d);
    w.ci(g.get(), n, "sigma_rel_d2d", e.sigma_rel_d2d_ci95);
    w.f64(g.get(), n, "mean_rel", e.mean_rel);
    w.f64(g.get(), n, "mean_log", e.mean_log);
    w.f64(g.get(), n, "sigma_log", e.sigma_log);
    w.str(g.get(), n, "gof_test", e.gof_test);
    w.f64(g.get(), n, "gof_statistic", e.gof_statistic);
    w.f64(g.get(), n, "gof_p_value", e.gof_p_value);
    w.u64(g.get(), n, "n", e.n);
    write_fraction(w, var.get(), "stuck_on", m.variation.stuck_on);
    write_fraction(w, var.get(), "stuck_off", m.variation.stuck_off);
    const auto& s = m.variation.wire;
    Hid wg = w.group(var.get(), "wire", "/variation/wire");
    w.f64(wg.get(), "/variation/wire", "r_wire_sigma_rel_d2d", s.r_wire_sigma_rel_d2d);
    w.ci(wg.get(), "/variation/wire", "r_wire_sigma_rel_d2d", s.ci95);
    w.f64(wg.get(), "/variation/wire", "mean_rel", s.mean_rel);
    w.u64(wg.get(), "/variation/wire", "n", s.n);
  }
  {
    const auto& e = m.estimated;
    const std::string n = "/estimated";
    Hid g = w.group(file, "estimated", n);
    w.u64(g.get(), n, "n_samples", e.n_samples);
    w.u64(g.get(), n, "n_residuals", e.n_residuals);
    w.i64(g.get(), n, "iterations", e.iterations);
    w.i64(g.get(), n, "converged", e.converged ? 1 : 0);
    w.f64(g.get(), n, "rms_residual_rel_fs", e.rms_residual_rel_fs);
    for (const auto& p : e.parameters) {
      const std::string pn = n + "/" + p.name;
      Hid pg = w.group(g.get(), p.name, pn);
      w.f64(pg.get(), pn, "nominal", p.nominal);
      w.f64(pg.get(), pn, "value", p.value);
      w.f64(pg.get(), pn, "std_error", p.std_error);
      w.ci(pg.get(), pn, "value", p.ci95);
    }
  }
  {
    Hid g = w.group(file, "held_out", "/held_out");
    write_metrics(w, g.get(), "/held_out", m.held_out);
  }
  {
    const auto& v = m.provenance;
    const std::string n = "/provenance";
    Hid g = w.group(file, "provenance", n);
    w.str(g.get(), n, "campaign_path", v.campaign_path);
    w.str(g.get(), n, "campaign_sha256", v.campaign_sha256);
    w.str(g.get(), n, "ngspice_version", v.ngspice_version);
    w.str(g.get(), n, "xbar_version", v.xbar_version);
    w.str(g.get(), n, "git_hash", v.git_hash);
    w.str(g.get(), n, "fit_time", v.fit_time);
    w.u64(g.get(), n, "held_out_seed", v.held_out_seed);
  }
}

}  // namespace

void write_crossbar_model_file(const std::string& path, const CrossbarModelFile& model) {
  model.nominal.validate();
  if (model.nominal.r_source_ohm.size() != 0 && model.nominal.r_source_ohm.size() != model.nominal.rows)
    throw ValidationError({"crossbar_model.r_source_ohm has " + std::to_string(model.nominal.r_source_ohm.size()) +
                           " entries: must be empty or one per row (" + std::to_string(model.nominal.rows) + ")"});
  QuietHdf5 quiet;
  const std::string tmp = path + ".tmp";
  Writer w(path);
  {
    Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    Hid file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
    if (!file.ok()) throw ModelFileError(tmp + ": cannot create (does the folder exist and is it writable?)");
    try {
      write_all(w, file.get(), model);
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw;
    }
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw ModelFileError(tmp + ": cannot flush");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw ModelFileError(path + ": cannot rename " + tmp + " over it: " + ec.message());
  }
}

std::string hdf5_schema_of(const std::string& path) {
  QuietHdf5 quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0) return "";
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok() || H5Aexists(file.get(), "schema") <= 0) return "";
  try {
    return Reader(path).str(file.get(), "/", "schema");
  } catch (const ModelFileError&) {
    return "";
  }
}

CrossbarModelFile read_crossbar_model_file(const std::string& path) {
  QuietHdf5 quiet;
  if (!std::filesystem::exists(path)) throw ModelFileError(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw ModelFileError(path + ": not an HDF5 file (expected an xbar.model/1 file)");
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw ModelFileError(path + ": cannot open as HDF5");
  Reader r(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "schema") <= 0)
    throw ModelFileError(path + ": attribute /@schema: missing (not an xbar model file)");
  const std::string schema = r.str(f, "/", "schema");
  if (schema == "xbar.campaign/1")
    throw ModelFileError(path + ": is a campaign file (xbar.campaign/1), not a model file; fit one with `xbar fit " +
                         path + " -o model.h5`");
  if (schema != kSchema)
    throw ModelFileError(path + ": attribute /@schema = '" + schema + "': expected '" + kSchema +
                         "' (was it written by a newer xbar?)");
  const std::string kind = r.str(f, "/", "kind");
  if (kind != "crossbar") throw ModelFileError(path + ": attribute /@kind = '" + kind + "': expected 'crossbar'");

  CrossbarModelFile m;
  {
    const std::string n = "/nominal";
    Hid g = r.group(f, n);
    auto& p = m.nominal;
    p.rows = static_cast<int>(r.i64(g.get(), n, "rows"));
    p.cols = static_cast<int>(r.i64(g.get(), n, "cols"));
    p.differential = r.i64(g.get(), n, "differential") != 0;
    const std::string cell = r.str(g.get(), n, "cell");
    if (cell != "linear" && cell != "sinh")
      r.fail("attribute /nominal@cell = '" + cell + "'", "must be linear or sinh");
    p.cell = cell == "sinh" ? CellModel::sinh : CellModel::linear;
    p.v0_v = r.f64(g.get(), n, "v0_v");
    p.r_row_wire_ohm = r.f64(g.get(), n, "r_row_wire_ohm");
    p.r_col_wire_ohm = r.f64(g.get(), n, "r_col_wire_ohm");
    p.temperature_c = r.f64(g.get(), n, "temperature_c");
    p.tnom_c = r.f64(g.get(), n, "tnom_c");
    p.cell_tc1_per_k = r.f64(g.get(), n, "cell_tc1_per_k");
    p.wire_tc1_per_k = r.f64(g.get(), n, "wire_tc1_per_k");
    p.newton_abs_tol_v = r.f64(g.get(), n, "newton_abs_tol_v");
    p.newton_rel_tol = r.f64(g.get(), n, "newton_rel_tol");
    p.newton_max_iterations = static_cast<int>(r.i64(g.get(), n, "newton_max_iterations"));
    p.fast_rel_tol = r.f64(g.get(), n, "fast_rel_tol");
    p.fast_max_iterations = static_cast<int>(r.i64(g.get(), n, "fast_max_iterations"));
    p.leaf_cells = static_cast<int>(r.i64(g.get(), n, "leaf_cells"));
    p.r_source_ohm = r.vector(f, "/nominal/r_source_ohm");
    try {
      p.validate();
    } catch (const ValidationError& e) {
      throw ModelFileError(path + ": group /nominal: invalid parameters:\n" + e.what());
    }
  }
  {
    Hid var = r.group(f, "/variation");
    m.variation.g_stuck_on_s = r.f64(var.get(), "/variation", "g_stuck_on_s");
    m.variation.g_stuck_off_s = r.f64(var.get(), "/variation", "g_stuck_off_s");
    const std::string n = "/variation/programming_error";
    Hid g = r.group(f, n);
    auto& e = m.variation.programming_error;
    e.distribution = r.str(g.get(), n, "distribution");
    e.sigma_rel_d2d = r.f64(g.get(), n, "sigma_rel_d2d");
    e.sigma_rel_d2d_ci95 = r.ci(g.get(), n, "sigma_rel_d2d");
    e.mean_rel = r.f64(g.get(), n, "mean_rel");
    e.mean_log = r.f64(g.get(), n, "mean_log");
    e.sigma_log = r.f64(g.get(), n, "sigma_log");
    e.gof_test = r.str(g.get(), n, "gof_test");
    e.gof_statistic = r.f64(g.get(), n, "gof_statistic");
    e.gof_p_value = r.f64(g.get(), n, "gof_p_value");
    e.n = r.u64(g.get(), n, "n");
    m.variation.stuck_on = read_fraction(r, f, "stuck_on");
    m.variation.stuck_off = read_fraction(r, f, "stuck_off");
    const std::string wn = "/variation/wire";
    Hid wg = r.group(f, wn);
    auto& s = m.variation.wire;
    s.r_wire_sigma_rel_d2d = r.f64(wg.get(), wn, "r_wire_sigma_rel_d2d");
    s.ci95 = r.ci(wg.get(), wn, "r_wire_sigma_rel_d2d");
    s.mean_rel = r.f64(wg.get(), wn, "mean_rel");
    s.n = r.u64(wg.get(), wn, "n");
  }
  if (H5Lexists(f, "estimated", H5P_DEFAULT) > 0) {  // absent in model files written before it existed
    const std::string n = "/estimated";
    Hid g = r.group(f, n);
    auto& e = m.estimated;
    e.n_samples = r.u64(g.get(), n, "n_samples");
    e.n_residuals = r.u64(g.get(), n, "n_residuals");
    e.iterations = static_cast<int>(r.i64(g.get(), n, "iterations"));
    e.converged = r.i64(g.get(), n, "converged") != 0;
    e.rms_residual_rel_fs = r.f64(g.get(), n, "rms_residual_rel_fs");
    H5G_info_t info{};
    H5Gget_info(g.get(), &info);
    for (hsize_t k = 0; k < info.nlinks; ++k) {
      char name[256] = {};
      if (H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name, H5P_DEFAULT) < 0)
        r.fail("group " + n, "cannot list its parameters");
      const std::string pn = n + "/" + name;
      Hid pg = r.group(f, pn);
      ParameterEstimate p;
      p.name = name;
      p.nominal = r.f64(pg.get(), pn, "nominal");
      p.value = r.f64(pg.get(), pn, "value");
      p.std_error = r.f64(pg.get(), pn, "std_error");
      p.ci95 = r.ci(pg.get(), pn, "value");
      e.parameters.push_back(p);
    }
  }
  {
    Hid g = r.group(f, "/held_out");
    m.held_out = read_metrics(r, g.get(), "/held_out");
  }
  {
    const std::string n = "/provenance";
    Hid g = r.group(f, n);
    auto& v = m.provenance;
    v.campaign_path = r.str(g.get(), n, "campaign_path");
    v.campaign_sha256 = r.str(g.get(), n, "campaign_sha256");
    v.ngspice_version = r.str(g.get(), n, "ngspice_version");
    v.xbar_version = r.str(g.get(), n, "xbar_version");
    v.git_hash = r.str(g.get(), n, "git_hash");
    v.fit_time = r.str(g.get(), n, "fit_time");
    v.held_out_seed = r.u64(g.get(), n, "held_out_seed");
  }
  return m;
}

}  // namespace xbar::behavioral
