#pragma once
// Internal to xbar::behavioral: every field of every model file (kinds crossbar, tia, adc and
// tile), listed once (STYLE.md 13). <kind>_model_fields(io, model) visits each attribute and
// dataset in file order; the writer and the reader (WriteIo, ReadIo in model_file_io.hpp) and
// the tests' field-by-field comparison (tests/behavioral/test_tile_model_file.cpp) are `Io`s over the same
// list. Changing a field here changes all of them; document it in data/MODEL_SCHEMA.md.
// What a list cannot say (a parameter struct's validate(), per-instance columns of equal
// length) is checked after reading, in the kind's read_*_model_file.
//
// An Io has, for a group `g` (absolute path) and an attribute or dataset `name`:
//   group(g)                                  create / open group g (its parent was visited before)
//   f64(g, name, double&)  i32(g, name, int&)  flag(g, name, bool&)  u64(g, name, std::uint64_t&)
//   optional_f64(g, name, double&)            an attribute older files lack (the reader gives NaN)
//   str(g, name, std::string&)
//   choice(g, name, E&, {{E::a, "a"}, ...})    an enum stored as a string
//   vec(g, name, Eigen::VectorXd&, unit)  mat(g, name, Eigen::MatrixXd&, unit)
//   ivec(g, name, std::vector<long long>&, unit)                               datasets
//   count(g, name, std::vector<T>&)           a uint attribute holding the size (the reader resizes)
//   single(std::vector<T>&)                   a vector stored as its one element (the reader resizes to 1)
//   named(g, std::vector<T>&)                 one subgroup of g per element, named by its `name`
//                                             member (the reader lists g's subgroups, by name)
//   optional_group_when(g, present) -> bool   a group written only when `present`; read when it exists
//   optional_group(g) -> bool                 a group that older files lack: the writer writes it and
//                                             returns true; the reader returns whether it exists (when
//                                             not, the fields keep their defaults)
//   invalid(g, name, what)                    the reader refuses a value (no-op elsewhere)
// The writer's methods take const references, so <kind>_model_fields(io, const M&) writes.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model_file.hpp"

namespace xbar::behavioral::detail {

template <class E>
using EnumNames = std::initializer_list<std::pair<E, const char*>>;

template <class Io, class C>
void ci_fields(Io& io, const std::string& g, const std::string& prefix, C& c) {
  io.f64(g, prefix + "_ci95_low", c.low);
  io.f64(g, prefix + "_ci95_high", c.high);
}

template <class Io, class P>
void crossbar_fields(Io& io, const std::string& g, P& p) {
  io.group(g);
  io.i32(g, "rows", p.rows);
  io.i32(g, "cols", p.cols);
  io.flag(g, "differential", p.differential);
  io.choice(g, "cell", p.cell, EnumNames<CellModel>{{CellModel::linear, "linear"}, {CellModel::sinh, "sinh"}});
  io.f64(g, "v0_v", p.v0_v);
  io.f64(g, "r_row_wire_ohm", p.r_row_wire_ohm);
  io.f64(g, "r_col_wire_ohm", p.r_col_wire_ohm);
  io.f64(g, "temperature_c", p.temperature_c);
  io.f64(g, "tnom_c", p.tnom_c);
  io.f64(g, "cell_tc1_per_k", p.cell_tc1_per_k);
  io.f64(g, "wire_tc1_per_k", p.wire_tc1_per_k);
  io.f64(g, "newton_abs_tol_v", p.newton_abs_tol_v);
  io.f64(g, "newton_rel_tol", p.newton_rel_tol);
  io.i32(g, "newton_max_iterations", p.newton_max_iterations);
  io.f64(g, "fast_rel_tol", p.fast_rel_tol);
  io.i32(g, "fast_max_iterations", p.fast_max_iterations);
  io.i32(g, "leaf_cells", p.leaf_cells);
  io.vec(g, "r_source_ohm", p.r_source_ohm, "ohm");
}

template <class Io, class P>
void dac_fields(Io& io, const std::string& g, P& p) {
  io.group(g);
  io.i32(g, "bits", p.bits);
  io.f64(g, "v_min_v", p.v_min_v);
  io.f64(g, "v_max_v", p.v_max_v);
  io.mat(g, "level_table_v", p.level_table_v, "V");
}

template <class Io, class P>
void tia_fields(Io& io, const std::string& g, P& p) {
  io.group(g);
  io.f64(g, "rf_ohm", p.rf_ohm);
  io.f64(g, "a0_vv", p.a0_vv);
  io.f64(g, "r_out_ohm", p.r_out_ohm);
  io.f64(g, "v_offset_v", p.v_offset_v);
  io.f64(g, "v_out_min_v", p.v_out_min_v);
  io.f64(g, "v_out_max_v", p.v_out_max_v);
  io.f64(g, "tau_s", p.tau_s);
  io.f64(g, "t_sample_s", p.t_sample_s);
}

template <class Io, class P>
void adc_fields(Io& io, const std::string& g, P& p) {
  io.group(g);
  io.i32(g, "bits", p.bits);
  io.f64(g, "v_min_v", p.v_min_v);
  io.f64(g, "v_max_v", p.v_max_v);
  io.f64(g, "noise_sigma_v", p.noise_sigma_v);
  io.choice(g, "surrogate", p.surrogate,
            EnumNames<AdcSurrogate>{{AdcSurrogate::straight_through, "straight_through"},
                                    {AdcSurrogate::smoothed, "smoothed"}});
  io.f64(g, "smooth_width_lsb", p.smooth_width_lsb);
  io.vec(g, "transition_v", p.transition_v, "V");
}

template <class Io, class F>
void programming_error_fields(Io& io, const std::string& g, F& e) {
  io.group(g);
  io.str(g, "distribution", e.distribution);
  io.f64(g, "sigma_rel_d2d", e.sigma_rel_d2d);
  ci_fields(io, g, "sigma_rel_d2d", e.sigma_rel_d2d_ci95);
  io.f64(g, "mean_rel", e.mean_rel);
  io.f64(g, "mean_log", e.mean_log);
  io.f64(g, "sigma_log", e.sigma_log);
  io.str(g, "gof_test", e.gof_test);
  io.f64(g, "gof_statistic", e.gof_statistic);
  io.f64(g, "gof_p_value", e.gof_p_value);
  io.u64(g, "n", e.n);
}

template <class Io, class F>
void fraction_fields(Io& io, const std::string& g, F& f) {
  io.group(g);
  io.f64(g, "fraction", f.fraction);
  ci_fields(io, g, "fraction", f.ci95);
  io.u64(g, "n_stuck", f.n_events);
  io.u64(g, "n_cells", f.n_trials);
}

template <class Io, class F>
void wire_fields(Io& io, const std::string& g, F& s) {
  io.group(g);
  io.f64(g, "r_wire_sigma_rel_d2d", s.r_wire_sigma_rel_d2d);
  ci_fields(io, g, "r_wire_sigma_rel_d2d", s.ci95);
  io.f64(g, "mean_rel", s.mean_rel);
  io.u64(g, "n", s.n);
}

template <class Io, class F>
void normal_fields(Io& io, const std::string& g, F& f) {
  io.group(g);
  std::string distribution = "normal";  // always normal; written for readers, checked on reading
  io.str(g, "distribution", distribution);
  io.f64(g, "mean_v", f.mean_v);
  io.f64(g, "sigma_v", f.sigma_v);
  ci_fields(io, g, "sigma_v", f.sigma_ci95);
  io.str(g, "gof_test", f.gof_test);
  io.f64(g, "gof_statistic", f.gof_statistic);
  io.f64(g, "gof_p_value", f.gof_p_value);
  io.u64(g, "n", f.n);
  if (distribution != "normal") io.invalid(g, "distribution", "'" + distribution + "': must be normal");
}

template <class Io, class M>
void error_metrics_fields(Io& io, const std::string& g, M& m) {
  io.group(g);
  io.u64(g, "n_samples", m.n_samples);
  io.u64(g, "n_values", m.n_values);
  io.f64(g, "rms_abs_a", m.rms_abs_a);
  io.f64(g, "max_abs_a", m.max_abs_a);
  io.f64(g, "rms_pct_fs", m.rms_pct_fs);
  io.f64(g, "max_pct_fs", m.max_pct_fs);
  io.optional_f64(g, "rel_l2", m.rel_l2);  // added after the first crossbar model files
  io.f64(g, "rms_lsb", m.rms_lsb);
  io.f64(g, "max_lsb", m.max_lsb);
  io.f64(g, "full_scale_a", m.full_scale_a);
  io.i32(g, "adc_bits", m.adc_bits);
}

template <class Io, class M>
void periphery_metrics_fields(Io& io, const std::string& g, M& m) {
  io.group(g);
  io.u64(g, "n_instances", m.n_instances);
  io.u64(g, "n_values", m.n_values);
  io.f64(g, "rms_abs_v", m.rms_abs_v);
  io.f64(g, "max_abs_v", m.max_abs_v);
  io.f64(g, "rms_lsb", m.rms_lsb);
  io.f64(g, "max_lsb", m.max_lsb);
  io.f64(g, "rms_pct_fs", m.rms_pct_fs);
  io.f64(g, "max_pct_fs", m.max_pct_fs);
  io.f64(g, "lsb_v", m.lsb_v);
  io.f64(g, "full_scale_v", m.full_scale_v);
}

/// The fields of /provenance (every kind) and of a tile's /sources/<k>; `with_source` adds component, model_path, model_sha256.
template <class Io, class P>
void provenance_fields(Io& io, const std::string& g, P& v, bool with_source) {
  io.group(g);
  if (with_source) {
    io.str(g, "component", v.component);
    io.str(g, "model_path", v.model_path);
    io.str(g, "model_sha256", v.model_sha256);
  }
  io.str(g, "campaign_path", v.campaign_path);
  io.str(g, "campaign_sha256", v.campaign_sha256);
  io.str(g, "ngspice_version", v.ngspice_version);
  io.str(g, "xbar_version", v.xbar_version);
  io.str(g, "git_hash", v.git_hash);
  io.str(g, "fit_time", v.fit_time);
  io.u64(g, "held_out_seed", v.held_out_seed);
}

/// Every field of a tile model file except the root's schema and kind.
template <class Io, class M>
void tile_fields(Io& io, M& m) {
  io.group("/nominal");
  io.f64("/nominal", "g_min_s", m.g_min_s);
  io.f64("/nominal", "g_max_s", m.g_max_s);
  io.choice("/nominal", "sinh_solve", m.nominal.sinh_solve,
            EnumNames<SinhSolve>{{SinhSolve::exact, "exact"}, {SinhSolve::fast, "fast"}});
  crossbar_fields(io, "/nominal/crossbar", m.nominal.crossbar);
  dac_fields(io, "/nominal/dac", m.nominal.dac);
  io.single(m.nominal.tia);
  tia_fields(io, "/nominal/tia", m.nominal.tia[0]);
  io.single(m.nominal.adc);
  adc_fields(io, "/nominal/adc", m.nominal.adc[0]);

  auto& v = m.variation;
  io.group("/variation");
  io.f64("/variation", "g_stuck_on_s", v.g_stuck_on_s);
  io.f64("/variation", "g_stuck_off_s", v.g_stuck_off_s);
  programming_error_fields(io, "/variation/programming_error", v.programming_error);
  fraction_fields(io, "/variation/stuck_on", v.stuck_on);
  fraction_fields(io, "/variation/stuck_off", v.stuck_off);
  wire_fields(io, "/variation/wire", v.wire);
  normal_fields(io, "/variation/tia_opamp_v_offset", v.tia_opamp_v_offset);
  normal_fields(io, "/variation/adc_comparator_offset", v.adc_comparator_offset);

  io.group("/held_out");
  error_metrics_fields(io, "/held_out/crossbar", m.held_out_crossbar);
  periphery_metrics_fields(io, "/held_out/tia", m.held_out_tia);
  periphery_metrics_fields(io, "/held_out/adc_codes", m.held_out_adc_codes);

  io.group("/sources");
  io.count("/sources", "n_sources", m.sources);
  for (std::size_t k = 0; k < m.sources.size(); ++k)
    provenance_fields(io, "/sources/" + std::to_string(k), m.sources[k], true);
  provenance_fields(io, "/provenance", m.provenance, false);

  auto& e = m.energy;
  if (io.optional_group("/energy")) {
    io.f64("/energy", "array_j", e.array_j);
    io.f64("/energy", "drivers_j", e.drivers_j);
    io.f64("/energy", "tia_j", e.tia_j);
    io.f64("/energy", "adc_j", e.adc_j);
    io.f64("/energy", "total_j", e.total_j);
    io.f64("/energy", "t_cycle_s", e.t_cycle_s);
    io.f64("/energy", "spice_s_per_mvm", e.spice_s_per_mvm);
    io.i32("/energy", "rows", e.rows);
    io.i32("/energy", "cols", e.cols);
    io.u64("/energy", "n_mvms", e.n_mvms);
    io.str("/energy", "opamp_model", e.opamp_model);
    io.str("/energy", "campaign_path", e.campaign_path);
    io.str("/energy", "campaign_sha256", e.campaign_sha256);
    io.str("/energy", "note", e.note);
  }
}

/// Every field of a crossbar model file except the root's schema and kind.
template <class Io, class M>
void crossbar_model_fields(Io& io, M& m) {
  crossbar_fields(io, "/nominal", m.nominal);
  auto& v = m.variation;
  io.group("/variation");
  io.f64("/variation", "g_stuck_on_s", v.g_stuck_on_s);
  io.f64("/variation", "g_stuck_off_s", v.g_stuck_off_s);
  programming_error_fields(io, "/variation/programming_error", v.programming_error);
  fraction_fields(io, "/variation/stuck_on", v.stuck_on);
  fraction_fields(io, "/variation/stuck_off", v.stuck_off);
  wire_fields(io, "/variation/wire", v.wire);
  auto& e = m.estimated;
  if (io.optional_group("/estimated")) {  // absent in model files written before it existed
    io.u64("/estimated", "n_samples", e.n_samples);
    io.u64("/estimated", "n_residuals", e.n_residuals);
    io.i32("/estimated", "iterations", e.iterations);
    io.flag("/estimated", "converged", e.converged);
    io.f64("/estimated", "rms_residual_rel_fs", e.rms_residual_rel_fs);
    io.named("/estimated", e.parameters);
    for (auto& p : e.parameters) {
      const std::string g = "/estimated/" + p.name;
      io.group(g);
      io.f64(g, "nominal", p.nominal);
      io.f64(g, "value", p.value);
      io.f64(g, "std_error", p.std_error);
      ci_fields(io, g, "value", p.ci95);
    }
  }
  error_metrics_fields(io, "/held_out", m.held_out);
  provenance_fields(io, "/provenance", m.provenance, false);
  auto& pm = m.predictive;  // optional: absent when the predictive check did not run
  if (io.optional_group_when("/predictive", pm.n_model_chips > 0)) {
    const std::string g = "/predictive";
    io.u64(g, "chips_per_held_out_chip", pm.chips_per_held_out_chip);
    io.u64(g, "seed", pm.seed);
    io.u64(g, "n_spice_chips", pm.n_spice_chips);
    io.u64(g, "n_model_chips", pm.n_model_chips);
    io.u64(g, "n_spice_values", pm.n_spice_values);
    io.u64(g, "n_model_values", pm.n_model_values);
    io.f64(g, "spice_mean_pct_fs", pm.spice_mean_pct_fs);
    io.f64(g, "model_mean_pct_fs", pm.model_mean_pct_fs);
    io.f64(g, "spice_rms_pct_fs", pm.spice_rms_pct_fs);
    io.f64(g, "model_rms_pct_fs", pm.model_rms_pct_fs);
    ci_fields(io, g, "spice_rms_pct_fs", pm.spice_rms_ci95);
    ci_fields(io, g, "model_rms_pct_fs", pm.model_rms_ci95);
    io.f64(g, "ks_statistic", pm.ks_statistic);
    io.f64(g, "ks_p_value", pm.ks_p_value);
    io.f64(g, "ks_chip_statistic", pm.ks_chip_statistic);
    io.f64(g, "ks_chip_p_value", pm.ks_chip_p_value);
  }
}

/// Every field of a TIA model file except the root's schema and kind.
template <class Io, class M>
void tia_model_fields(Io& io, M& m) {
  tia_fields(io, "/nominal", m.nominal);
  io.group("/variation");
  normal_fields(io, "/variation/opamp_v_offset", m.opamp_v_offset);
  io.group("/variation/settling");
  io.u64("/variation/settling", "n_settled", m.settling.n_settled);
  io.f64("/variation/settling", "t_settle_median_s", m.settling.t_settle_median_s);
  io.i32("/variation/settling", "lsb_bits", m.settling.lsb_bits);
  auto& t = m.instances;
  const std::string g = "/instances";
  io.group(g);
  io.ivec(g, "instance", t.instance, "1");
  io.ivec(g, "held_out", t.held_out, "1");
  io.vec(g, "opamp_v_offset_v", t.opamp_v_offset_v, "V");
  io.vec(g, "gain_ohm", t.gain_ohm, "ohm");
  io.vec(g, "v_out_offset_v", t.v_out_offset_v, "V");
  io.vec(g, "a0_vv", t.a0_vv, "V/V");
  io.vec(g, "r_out_ohm", t.r_out_ohm, "ohm");
  io.vec(g, "v_out_high_v", t.v_out_high_v, "V");
  io.vec(g, "v_out_low_v", t.v_out_low_v, "V");
  io.group("/held_out");
  periphery_metrics_fields(io, "/held_out/nominal", m.held_out_nominal);
  periphery_metrics_fields(io, "/held_out/instance_informed", m.held_out_instance_informed);
  provenance_fields(io, "/provenance", m.provenance, false);
}

/// Every field of an ADC model file except the root's schema and kind.
template <class Io, class M>
void adc_model_fields(Io& io, M& m) {
  adc_fields(io, "/nominal", m.nominal);
  io.group("/variation");
  normal_fields(io, "/variation/comparator_offset", m.comparator_offset);
  auto& t = m.instances;
  io.group("/instances");
  io.ivec("/instances", "instance", t.instance, "1");
  io.ivec("/instances", "held_out", t.held_out, "1");
  io.mat("/instances", "transition_v", t.transition_v, "V");
  io.group("/held_out");
  periphery_metrics_fields(io, "/held_out/transitions_nominal", m.held_out_transitions);
  periphery_metrics_fields(io, "/held_out/codes_nominal", m.held_out_codes);
  provenance_fields(io, "/provenance", m.provenance, false);
}

}  // namespace xbar::behavioral::detail
