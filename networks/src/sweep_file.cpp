// The sweep result file, schema "xbar.sweep/1" (data/SWEEP_SCHEMA.md).
//
// Fixed-length strings only (no variable-length data anywhere): the string helpers below are
// local on purpose, small, and meant to move onto shared fixed-length helpers in core/ once those
// exist. The file is built in memory and written atomically with a checksum trailer by
// behavioral::detail::write_model_file_atomically (the plumbing of every xbar file).
#include <fmt/format.h>

#include <filesystem>
#include <limits>

#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/core/file_checksum.hpp"
#include "xbar/networks/sweep.hpp"

namespace xbar::networks {

namespace {

using behavioral::detail::Hid;
using behavioral::detail::QuietHdf5;
using behavioral::detail::Writer;

constexpr const char* kSweepSchema = "xbar.sweep/1";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A fixed-length, NUL-padded UTF-8 string type of `size` bytes (at least 1).
Hid fixed_string_type(std::size_t size) {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), size > 0 ? size : 1);
  H5Tset_strpad(t.get(), H5T_STR_NULLPAD);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

void attr_str(const Writer& w, hid_t obj, const std::string& where, const char* name, const std::string& v) {
  Hid t = fixed_string_type(v.size());
  std::string padded = v;
  padded.resize(std::max<std::size_t>(v.size(), 1), '\0');
  w.attr(obj, where, name, t.get(), t.get(), padded.data());
}

void unit_attr(const Writer& w, hid_t ds, const std::string& full, const char* unit) { attr_str(w, ds, full, "unit", unit); }

void dataset(const Writer& w, hid_t parent, const std::string& name, const std::string& full,
             const std::vector<hsize_t>& dims, hid_t file_type, hid_t mem_type, const void* data, const char* unit) {
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  Hid space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Hid d(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!d.ok() || (n > 0 && H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    w.fail("dataset " + full, "cannot write");
  if (unit) unit_attr(w, d.get(), full, unit);
}

void f64s(const Writer& w, hid_t g, const std::string& at, const std::string& name, const std::vector<hsize_t>& dims,
          const std::vector<double>& v, const char* unit) {
  dataset(w, g, name, at + "/" + name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.data(), unit);
}

void i64s(const Writer& w, hid_t g, const std::string& at, const std::string& name, const std::vector<hsize_t>& dims,
          const std::vector<long long>& v, const char* unit) {
  dataset(w, g, name, at + "/" + name, dims, H5T_STD_I64LE, H5T_NATIVE_LLONG, v.data(), unit);
}

// Fixed-length string dataset of any shape (v row-major); the length is the longest string.
void strs(const Writer& w, hid_t g, const std::string& at, const std::string& name, const std::vector<hsize_t>& dims,
          const std::vector<std::string>& v) {
  std::size_t len = 1;
  for (const auto& s : v) len = std::max(len, s.size());
  std::string buf(len * v.size(), '\0');
  for (std::size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), buf.begin() + static_cast<long>(i * len));
  Hid t = fixed_string_type(len);
  dataset(w, g, name, at + "/" + name, dims, t.get(), t.get(), buf.data(), nullptr);
}

// ---- reading -------------------------------------------------------------------------------

struct In {
  std::string path;
  [[noreturn]] void fail(const std::string& object, const std::string& what) const {
    throw SweepError(path + ": " + object + ": " + what);
  }
  Hid open_obj(hid_t file, const std::string& full) const {
    std::size_t pos = 0;
    while ((pos = full.find('/', pos + 1)) != std::string::npos)
      if (H5Lexists(file, full.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) fail(full, "missing");
    if (full != "/" && H5Lexists(file, full.c_str(), H5P_DEFAULT) <= 0) fail(full, "missing");
    Hid o(H5Oopen(file, full.c_str(), H5P_DEFAULT), H5Oclose);
    if (!o.ok()) fail(full, "cannot open");
    return o;
  }
  Hid attr(hid_t obj, const std::string& where, const char* name) const {
    if (H5Aexists(obj, name) <= 0) fail("attribute " + where + "@" + name, "missing");
    Hid a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    if (!a.ok()) fail("attribute " + where + "@" + name, "cannot open");
    return a;
  }
  std::string str(hid_t file, const std::string& where, const char* name) const {
    Hid o = open_obj(file, where);
    Hid a = attr(o.get(), where, name);
    Hid t(H5Aget_type(a.get()), H5Tclose);
    if (H5Tget_class(t.get()) != H5T_STRING) fail("attribute " + where + "@" + name, "not a string");
    if (H5Tis_variable_str(t.get()) > 0) {  // never written here; read so that another file's schema can be named
      Hid mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(t.get()));
      char* p = nullptr;
      if (H5Aread(a.get(), mem.get(), &p) < 0) fail("attribute " + where + "@" + name, "cannot read");
      std::string s = p ? p : "";
      if (p) H5free_memory(p);
      return s;
    }
    std::string s(H5Tget_size(t.get()), '\0');
    if (H5Aread(a.get(), t.get(), s.data()) < 0) fail("attribute " + where + "@" + name, "cannot read");
    return s.substr(0, s.find('\0'));
  }
  double f64(hid_t file, const std::string& where, const char* name) const {
    Hid o = open_obj(file, where);
    Hid a = attr(o.get(), where, name);
    double v = 0;
    if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0) fail("attribute " + where + "@" + name, "cannot read");
    return v;
  }
  // A dataset with its dimensions checked against `dims` (0 = any).
  Hid ds(hid_t file, const std::string& full, std::vector<hsize_t>& dims) const {
    Hid d = open_obj(file, full);
    Hid space(H5Dget_space(d.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank != static_cast<int>(dims.size()))
      fail("dataset " + full, fmt::format("has {} dimensions, expected {}", rank, dims.size()));
    std::vector<hsize_t> got(dims.size());
    H5Sget_simple_extent_dims(space.get(), got.data(), nullptr);
    for (std::size_t k = 0; k < dims.size(); ++k) {
      if (dims[k] != 0 && got[k] != dims[k])
        fail("dataset " + full, fmt::format("dimension {} is {}, expected {}", k, got[k], dims[k]));
      dims[k] = got[k];
    }
    return d;
  }
  static std::size_t count(const std::vector<hsize_t>& dims) {
    std::size_t n = 1;
    for (hsize_t d : dims) n *= d;
    return n;
  }
  std::vector<double> f64s(hid_t file, const std::string& full, std::vector<hsize_t> dims) const {
    Hid d = ds(file, full, dims);
    std::vector<double> v(count(dims));
    if (!v.empty() && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      fail("dataset " + full, "cannot read");
    return v;
  }
  std::vector<long long> i64s(hid_t file, const std::string& full, std::vector<hsize_t> dims) const {
    Hid d = ds(file, full, dims);
    std::vector<long long> v(count(dims));
    if (!v.empty() && H5Dread(d.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      fail("dataset " + full, "cannot read");
    return v;
  }
  std::vector<std::string> strs(hid_t file, const std::string& full, std::vector<hsize_t> dims) const {
    Hid d = ds(file, full, dims);
    Hid t(H5Dget_type(d.get()), H5Tclose);
    if (H5Tget_class(t.get()) != H5T_STRING || H5Tis_variable_str(t.get()) > 0)
      fail("dataset " + full, "not fixed-length strings");
    const std::size_t len = H5Tget_size(t.get());
    const std::size_t n = count(dims);
    std::string buf(len * n, '\0');
    if (n > 0 && H5Dread(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      fail("dataset " + full, "cannot read");
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) {
      std::string s = buf.substr(i * len, len);
      v.push_back(s.substr(0, s.find('\0')));
    }
    return v;
  }
};

std::vector<long long> confusion_flat(const Eigen::MatrixXi& m) {
  std::vector<long long> out(100, 0);
  if (m.rows() == 10 && m.cols() == 10)
    for (int i = 0; i < 10; ++i)
      for (int j = 0; j < 10; ++j) out[static_cast<std::size_t>(10 * i + j)] = m(i, j);
  return out;
}

Eigen::MatrixXi confusion_from(const std::vector<long long>& v, std::size_t offset) {
  Eigen::MatrixXi m(10, 10);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) m(i, j) = static_cast<int>(v[offset + static_cast<std::size_t>(10 * i + j)]);
  return m;
}

}  // namespace

void write_sweep_file(const std::string& path, const SweepResult& r) {
  behavioral::detail::write_model_file_atomically(path, [&](const Writer& w, hid_t file) {
    const InferenceOptions& o = r.options.base;
    const auto& axes = r.options.axes;
    const hsize_t P = r.points.size(), A = axes.size(), K = static_cast<hsize_t>(o.chips);
    attr_str(w, file, "/", "schema", kSweepSchema);
    {
      Hid g = w.group(file, "settings", "/settings");
      const std::string at = "/settings";
      attr_str(w, g.get(), at, "network_path", o.network_path);
      attr_str(w, g.get(), at, "network_sha256", r.network_sha256);
      attr_str(w, g.get(), at, "tile_path", o.tile_path);
      attr_str(w, g.get(), at, "data_dir", o.data_dir);
      attr_str(w, g.get(), at, "dataset", "fashion-mnist test");
      w.i64(g.get(), at, "images", r.images);
      w.i64(g.get(), at, "chips", o.chips);
      w.u64(g.get(), at, "seed", o.seed);
      w.i64(g.get(), at, "n_axes", static_cast<long long>(A));
      w.i64(g.get(), at, "n_points", static_cast<long long>(P));
      attr_str(w, g.get(), at, "variation_note", r.variation_note);
      std::vector<std::string> id;
      for (const auto& [k, v] : r.settings) {
        id.push_back(k);
        id.push_back(v);
      }
      strs(w, g.get(), at, "identity", {r.settings.size(), 2}, id);
    }
    {
      Hid g = w.group(file, "axes", "/axes");
      for (std::size_t k = 0; k < axes.size(); ++k) {
        const std::string at = fmt::format("/axes/{}", k);
        Hid a = w.group(g.get(), std::to_string(k), at);
        attr_str(w, a.get(), at, "name", axes[k].name);
        attr_str(w, a.get(), at, "unit", axes[k].unit());
        attr_str(w, a.get(), at, "axis_label", axes[k].axis_label());
        f64s(w, a.get(), at, "value", {axes[k].values.size()}, axes[k].values, axes[k].unit().c_str());
        strs(w, a.get(), at, "label", {axes[k].labels.size()}, axes[k].labels);
      }
    }
    {
      Hid g = w.group(file, "digital", "/digital");
      w.f64(g.get(), "/digital", "accuracy", r.digital.accuracy);
      w.f64(g.get(), "/digital", "run_s", r.digital.run_s);
      i64s(w, g.get(), "/digital", "confusion", {10, 10}, confusion_flat(r.digital.confusion), "images");
    }
    {
      Hid g = w.group(file, "points", "/points");
      const std::string at = "/points";
      w.i64(g.get(), at, "done_points", r.done_points());
      std::vector<long long> done, vidx, dac, adc, rows, cols, tiles, mvpi, nom_mvms, nom_conf, chip_mvms, chip_conf;
      std::vector<double> value, rrow, rcol, psig, cal, nom_acc, nom_prog, nom_run, mean, sd, lo, hi, cacc, cprog, crun;
      std::vector<std::string> tpath, tsha;
      for (const SweepPoint& p : r.points) {
        done.push_back(p.done ? 1 : 0);
        for (std::size_t k = 0; k < A; ++k) {
          vidx.push_back(k < p.value_index.size() ? p.value_index[k] : 0);
          value.push_back(k < p.value.size() ? p.value[k] : kNaN);
        }
        tpath.push_back(p.done ? p.tile_path : "");
        tsha.push_back(p.done ? p.tile_sha256 : "");
        auto I = [&](long long v) { return p.done ? v : 0LL; };
        auto F = [&](double v) { return p.done ? v : kNaN; };
        dac.push_back(I(p.dac_bits));
        adc.push_back(I(p.adc_bits));
        rows.push_back(I(p.tile_rows));
        cols.push_back(I(p.tile_cols));
        tiles.push_back(I(p.tiles));
        mvpi.push_back(I(p.tile_mvms_per_image));
        rrow.push_back(F(p.r_row_wire_ohm));
        rcol.push_back(F(p.r_col_wire_ohm));
        psig.push_back(F(p.prog_sigma_rel));
        cal.push_back(F(p.calibration_s));
        nom_acc.push_back(F(p.nominal.accuracy));
        nom_prog.push_back(F(p.nominal.program_s));
        nom_run.push_back(F(p.nominal.run_s));
        nom_mvms.push_back(I(p.nominal.tile_mvms));
        const auto nc = confusion_flat(p.done ? p.nominal.confusion : Eigen::MatrixXi());
        nom_conf.insert(nom_conf.end(), nc.begin(), nc.end());
        mean.push_back(F(p.accuracy.mean));
        sd.push_back(F(p.accuracy.std));
        lo.push_back(F(p.accuracy.low));
        hi.push_back(F(p.accuracy.high));
        for (hsize_t k = 0; k < K; ++k) {
          const bool have = p.done && k < p.chips.size();
          const ChipResult* c = have ? &p.chips[k] : nullptr;
          cacc.push_back(c ? c->accuracy : kNaN);
          cprog.push_back(c ? c->program_s : kNaN);
          crun.push_back(c ? c->run_s : kNaN);
          chip_mvms.push_back(c ? c->tile_mvms : 0);
          const auto cc = confusion_flat(c ? c->confusion : Eigen::MatrixXi());
          chip_conf.insert(chip_conf.end(), cc.begin(), cc.end());
        }
      }
      i64s(w, g.get(), at, "done", {P}, done, "1");
      i64s(w, g.get(), at, "value_index", {P, A}, vidx, "1");
      f64s(w, g.get(), at, "value", {P, A}, value, "axis unit");
      strs(w, g.get(), at, "tile_path", {P}, tpath);
      strs(w, g.get(), at, "tile_sha256", {P}, tsha);
      i64s(w, g.get(), at, "dac_bits", {P}, dac, "bits");
      i64s(w, g.get(), at, "adc_bits", {P}, adc, "bits");
      i64s(w, g.get(), at, "tile_rows", {P}, rows, "cells");
      i64s(w, g.get(), at, "tile_cols", {P}, cols, "cells");
      i64s(w, g.get(), at, "tiles", {P}, tiles, "tiles");
      i64s(w, g.get(), at, "tile_mvms_per_image", {P}, mvpi, "tile MVMs");
      f64s(w, g.get(), at, "r_row_wire_ohm", {P}, rrow, "ohm");
      f64s(w, g.get(), at, "r_col_wire_ohm", {P}, rcol, "ohm");
      f64s(w, g.get(), at, "prog_sigma_rel", {P}, psig, "1");
      f64s(w, g.get(), at, "calibration_s", {P}, cal, "s");
      f64s(w, g.get(), at, "nominal_accuracy", {P}, nom_acc, "1");
      f64s(w, g.get(), at, "nominal_program_s", {P}, nom_prog, "s");
      f64s(w, g.get(), at, "nominal_run_s", {P}, nom_run, "s");
      i64s(w, g.get(), at, "nominal_tile_mvms", {P}, nom_mvms, "tile MVMs");
      i64s(w, g.get(), at, "nominal_confusion", {P, 10, 10}, nom_conf, "images");
      f64s(w, g.get(), at, "mean_accuracy", {P}, mean, "1");
      f64s(w, g.get(), at, "std_accuracy", {P}, sd, "1");
      f64s(w, g.get(), at, "mean_accuracy_ci95_low", {P}, lo, "1");
      f64s(w, g.get(), at, "mean_accuracy_ci95_high", {P}, hi, "1");
      f64s(w, g.get(), at, "chip_accuracy", {P, K}, cacc, "1");
      f64s(w, g.get(), at, "chip_program_s", {P, K}, cprog, "s");
      f64s(w, g.get(), at, "chip_run_s", {P, K}, crun, "s");
      i64s(w, g.get(), at, "chip_tile_mvms", {P, K}, chip_mvms, "tile MVMs");
      i64s(w, g.get(), at, "chip_confusion", {P, K, 10, 10}, chip_conf, "images");
    }
    {
      Hid g = w.group(file, "provenance", "/provenance");
      attr_str(w, g.get(), "/provenance", "xbar_version", o.xbar_version);
      attr_str(w, g.get(), "/provenance", "git_hash", o.git_hash);
      attr_str(w, g.get(), "/provenance", "time", r.time);
    }
  });
}

SweepResult read_sweep_file(const std::string& path) {
  QuietHdf5 quiet;
  if (!std::filesystem::exists(path)) throw SweepError(path + ": no such file");
  if (auto why = core::verify_file_checksum(path)) throw SweepError(*why);
  if (H5Fis_hdf5(path.c_str()) <= 0) throw SweepError(path + ": not an HDF5 file (expected an xbar.sweep/1 file)");
  Hid f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.ok()) throw SweepError(path + ": cannot open as HDF5");
  const In in{path};
  const hid_t file = f.get();
  if (H5Aexists(file, "schema") <= 0) throw SweepError(path + ": attribute /@schema: missing (not an xbar.sweep/1 file)");
  const std::string schema = in.str(file, "/", "schema");
  if (schema != kSweepSchema)
    throw SweepError(fmt::format("{}: attribute /@schema = '{}': expected '{}' (not a sweep file)", path, schema, kSweepSchema));
  SweepResult r;
  const auto id = in.strs(file, "/settings/identity", {0, 2});
  for (std::size_t i = 0; i + 1 < id.size(); i += 2) r.settings.emplace_back(id[i], id[i + 1]);
  InferenceOptions& o = r.options.base;
  o.network_path = in.str(file, "/settings", "network_path");
  o.tile_path = in.str(file, "/settings", "tile_path");
  o.data_dir = in.str(file, "/settings", "data_dir");
  r.network_sha256 = in.str(file, "/settings", "network_sha256");
  r.variation_note = in.str(file, "/settings", "variation_note");
  r.images = static_cast<std::int64_t>(in.f64(file, "/settings", "images"));
  o.chips = static_cast<int>(in.f64(file, "/settings", "chips"));
  const auto A = static_cast<hsize_t>(in.f64(file, "/settings", "n_axes"));
  const auto P = static_cast<hsize_t>(in.f64(file, "/settings", "n_points"));
  const auto K = static_cast<hsize_t>(o.chips);
  if (A < 1 || A > 2) in.fail("attribute /settings@n_axes", fmt::format("= {}: must be 1 or 2", A));
  for (hsize_t k = 0; k < A; ++k) {
    const std::string at = fmt::format("/axes/{}", k);
    SweepAxis a;
    a.name = in.str(file, at, "name");
    a.values = in.f64s(file, at + "/value", {0});
    a.labels = in.strs(file, at + "/label", {a.values.size()});
    r.options.axes.push_back(a);
  }
  r.digital.chip = -2;
  r.digital.accuracy = in.f64(file, "/digital", "accuracy");
  r.digital.run_s = in.f64(file, "/digital", "run_s");
  r.digital.confusion = confusion_from(in.i64s(file, "/digital/confusion", {10, 10}), 0);
  r.time = in.str(file, "/provenance", "time");
  o.xbar_version = in.str(file, "/provenance", "xbar_version");
  o.git_hash = in.str(file, "/provenance", "git_hash");

  const std::string at = "/points/";
  const auto done = in.i64s(file, at + "done", {P});
  const auto vidx = in.i64s(file, at + "value_index", {P, A});
  const auto value = in.f64s(file, at + "value", {P, A});
  const auto tpath = in.strs(file, at + "tile_path", {P});
  const auto tsha = in.strs(file, at + "tile_sha256", {P});
  const auto dac = in.i64s(file, at + "dac_bits", {P}), adc = in.i64s(file, at + "adc_bits", {P});
  const auto rows = in.i64s(file, at + "tile_rows", {P}), cols = in.i64s(file, at + "tile_cols", {P});
  const auto tiles = in.i64s(file, at + "tiles", {P}), mvpi = in.i64s(file, at + "tile_mvms_per_image", {P});
  const auto rrow = in.f64s(file, at + "r_row_wire_ohm", {P}), rcol = in.f64s(file, at + "r_col_wire_ohm", {P});
  const auto psig = in.f64s(file, at + "prog_sigma_rel", {P}), cal = in.f64s(file, at + "calibration_s", {P});
  const auto nacc = in.f64s(file, at + "nominal_accuracy", {P}), nprog = in.f64s(file, at + "nominal_program_s", {P});
  const auto nrun = in.f64s(file, at + "nominal_run_s", {P});
  const auto nmv = in.i64s(file, at + "nominal_tile_mvms", {P});
  const auto nconf = in.i64s(file, at + "nominal_confusion", {P, 10, 10});
  const auto mean = in.f64s(file, at + "mean_accuracy", {P}), sd = in.f64s(file, at + "std_accuracy", {P});
  const auto lo = in.f64s(file, at + "mean_accuracy_ci95_low", {P});
  const auto hi = in.f64s(file, at + "mean_accuracy_ci95_high", {P});
  const auto cacc = in.f64s(file, at + "chip_accuracy", {P, K}), cprog = in.f64s(file, at + "chip_program_s", {P, K});
  const auto crun = in.f64s(file, at + "chip_run_s", {P, K});
  const auto cmv = in.i64s(file, at + "chip_tile_mvms", {P, K});
  const auto cconf = in.i64s(file, at + "chip_confusion", {P, K, 10, 10});
  for (hsize_t p = 0; p < P; ++p) {
    SweepPoint pt;
    pt.done = done[p] != 0;
    for (hsize_t k = 0; k < A; ++k) {
      pt.value_index.push_back(static_cast<int>(vidx[p * A + k]));
      pt.value.push_back(value[p * A + k]);
    }
    pt.tile_path = tpath[p];
    pt.tile_sha256 = tsha[p];
    pt.dac_bits = static_cast<int>(dac[p]);
    pt.adc_bits = static_cast<int>(adc[p]);
    pt.tile_rows = static_cast<int>(rows[p]);
    pt.tile_cols = static_cast<int>(cols[p]);
    pt.tiles = tiles[p];
    pt.tile_mvms_per_image = mvpi[p];
    pt.r_row_wire_ohm = rrow[p];
    pt.r_col_wire_ohm = rcol[p];
    pt.prog_sigma_rel = psig[p];
    pt.calibration_s = cal[p];
    pt.nominal.chip = -1;
    pt.nominal.accuracy = nacc[p];
    pt.nominal.program_s = nprog[p];
    pt.nominal.run_s = nrun[p];
    pt.nominal.tile_mvms = nmv[p];
    pt.nominal.confusion = confusion_from(nconf, p * 100);
    pt.accuracy = {mean[p], sd[p], lo[p], hi[p]};
    if (pt.done) {
      for (hsize_t k = 0; k < K; ++k) {
        ChipResult c;
        c.chip = static_cast<int>(k);
        c.accuracy = cacc[p * K + k];
        c.program_s = cprog[p * K + k];
        c.run_s = crun[p * K + k];
        c.tile_mvms = cmv[p * K + k];
        c.confusion = confusion_from(cconf, (p * K + k) * 100);
        pt.chips.push_back(c);
      }
    }
    r.points.push_back(std::move(pt));
  }
  return r;
}

}  // namespace xbar::networks
