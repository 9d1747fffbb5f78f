// The HDF5 model file "xbar.model/1" of kind "crossbar" (data/MODEL_SCHEMA.md). The HDF5
// plumbing (RAII ids, attribute readers and writers, atomic write) is in xbar/behavioral/hdf5_io.hpp.
#include "xbar/behavioral/model_file.hpp"

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/model_file_error.hpp"

namespace xbar::behavioral {

namespace {

using detail::Hid;
using detail::QuietHdf5;
using detail::Reader;
using detail::Writer;

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
  w.str(file, "/", "schema", detail::kModelSchema);
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
    for (const auto& est : e.parameters) {
      const std::string pn = n + "/" + est.name;
      Hid pg = w.group(g.get(), est.name, pn);
      w.f64(pg.get(), pn, "nominal", est.nominal);
      w.f64(pg.get(), pn, "value", est.value);
      w.f64(pg.get(), pn, "std_error", est.std_error);
      w.ci(pg.get(), pn, "value", est.ci95);
    }
  }
  {
    Hid g = w.group(file, "held_out", "/held_out");
    write_metrics(w, g.get(), "/held_out", m.held_out);
  }
  detail::write_provenance(w, file, m.provenance);
  if (m.predictive.n_model_chips > 0) {  // optional: absent when the check did not run
    const auto& pm = m.predictive;
    const std::string n = "/predictive";
    Hid g = w.group(file, "predictive", n);
    w.u64(g.get(), n, "chips_per_held_out_chip", pm.chips_per_held_out_chip);
    w.u64(g.get(), n, "seed", pm.seed);
    w.u64(g.get(), n, "n_spice_chips", pm.n_spice_chips);
    w.u64(g.get(), n, "n_model_chips", pm.n_model_chips);
    w.u64(g.get(), n, "n_spice_values", pm.n_spice_values);
    w.u64(g.get(), n, "n_model_values", pm.n_model_values);
    w.f64(g.get(), n, "spice_mean_pct_fs", pm.spice_mean_pct_fs);
    w.f64(g.get(), n, "model_mean_pct_fs", pm.model_mean_pct_fs);
    w.f64(g.get(), n, "spice_rms_pct_fs", pm.spice_rms_pct_fs);
    w.f64(g.get(), n, "model_rms_pct_fs", pm.model_rms_pct_fs);
    w.ci(g.get(), n, "spice_rms_pct_fs", pm.spice_rms_ci95);
    w.ci(g.get(), n, "model_rms_pct_fs", pm.model_rms_ci95);
    w.f64(g.get(), n, "ks_statistic", pm.ks_statistic);
    w.f64(g.get(), n, "ks_p_value", pm.ks_p_value);
    w.f64(g.get(), n, "ks_chip_statistic", pm.ks_chip_statistic);
    w.f64(g.get(), n, "ks_chip_p_value", pm.ks_chip_p_value);
  }
}

}  // namespace

void write_crossbar_model_file(const std::string& path, const CrossbarModelFile& model) {
  model.nominal.validate();
  if (model.nominal.r_source_ohm.size() != 0 && model.nominal.r_source_ohm.size() != model.nominal.rows)
    throw ValidationError({"crossbar_model.r_source_ohm has " + std::to_string(model.nominal.r_source_ohm.size()) +
                           " entries: must be empty or one per row (" + std::to_string(model.nominal.rows) + ")"});
  detail::write_model_file_atomically(path, [&](const Writer& w, hid_t file) { write_all(w, file, model); });
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
  Hid file = detail::open_model_file(path, "crossbar");
  Reader r(path);
  const hid_t f = file.get();

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
  m.provenance = detail::read_provenance(r, f);
  if (H5Lexists(f, "predictive", H5P_DEFAULT) > 0) {  // optional (see write)
    const std::string n = "/predictive";
    Hid g = r.group(f, n);
    auto& p = m.predictive;
    p.chips_per_held_out_chip = r.u64(g.get(), n, "chips_per_held_out_chip");
    p.seed = r.u64(g.get(), n, "seed");
    p.n_spice_chips = r.u64(g.get(), n, "n_spice_chips");
    p.n_model_chips = r.u64(g.get(), n, "n_model_chips");
    p.n_spice_values = r.u64(g.get(), n, "n_spice_values");
    p.n_model_values = r.u64(g.get(), n, "n_model_values");
    p.spice_mean_pct_fs = r.f64(g.get(), n, "spice_mean_pct_fs");
    p.model_mean_pct_fs = r.f64(g.get(), n, "model_mean_pct_fs");
    p.spice_rms_pct_fs = r.f64(g.get(), n, "spice_rms_pct_fs");
    p.model_rms_pct_fs = r.f64(g.get(), n, "model_rms_pct_fs");
    p.spice_rms_ci95 = r.ci(g.get(), n, "spice_rms_pct_fs");
    p.model_rms_ci95 = r.ci(g.get(), n, "model_rms_pct_fs");
    p.ks_statistic = r.f64(g.get(), n, "ks_statistic");
    p.ks_p_value = r.f64(g.get(), n, "ks_p_value");
    p.ks_chip_statistic = r.f64(g.get(), n, "ks_chip_statistic");
    p.ks_chip_p_value = r.f64(g.get(), n, "ks_chip_p_value");
  }
  return m;
}

}  // namespace xbar::behavioral
