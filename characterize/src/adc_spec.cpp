// Spec tables of kind "adc": [adc], [variation] (converter fields), [measure], [workload]
// (instances only) and [run]. Messages as in campaign_spec.cpp: "<file>:<line>: <field> =
// <value>: <rule>"; the rules are those of netlists::AdcParams::validate().
#include <climits>

#include "spec_reader.hpp"

namespace xbar::characterize::spec_detail {

void read_adc(Section s, netlists::AdcParams& a) {
  s.check_known({"bits", "v_min_v", "v_max_v", "vdd_v", "r_ladder_unit_ohm", "preamp_gain", "i_bias_a", "c_load_f",
                 "w_n_m", "w_p_m", "l_m"});
  s.read_int("bits", 4, 8, a.bits);
  read_voltage_range(s, "adc", "v_min_v", "v_max_v", a.v_min_v, a.v_max_v);
  s.read("vdd_v", a.vdd_v, finite_pos, "must be finite and > 0 V");
  s.read("r_ladder_unit_ohm", a.r_ladder_unit_ohm, finite_pos, "must be finite and > 0 ohm");
  s.read("preamp_gain", a.preamp_gain, [](double x) { return std::isfinite(x) && x > 1.0; }, "must be finite and > 1");
  s.read("i_bias_a", a.i_bias_a, finite_nonneg, "must be finite and >= 0 A");
  s.read("c_load_f", a.c_load_f, finite_nonneg, "must be finite and >= 0 F");
  s.read("w_n_m", a.w_n_m, finite_pos, "must be finite and > 0 m");
  s.read("w_p_m", a.w_p_m, finite_pos, "must be finite and > 0 m");
  s.read("l_m", a.l_m, finite_pos, "must be finite and > 0 m");
}

void read_converter_variation(Section s, VariationSpec& v) {
  s.check_known({"comparator_offset_sigma_v", "ladder_r_sigma_rel"});
  s.read("comparator_offset_sigma_v", v.comparator_offset_sigma_v, finite_nonneg, "must be finite and >= 0 V");
  s.read("ladder_r_sigma_rel", v.ladder_r_sigma_rel, finite_nonneg, "must be finite and >= 0");
}

namespace {

void read_measure(Section s, AdcMeasureSpec& m) {
  s.check_known({"points_per_lsb", "t_conversion_s", "t_edge_s"});
  s.read_int("points_per_lsb", 1, 1024, m.points_per_lsb);
  const bool conv_ok = !s.has("t_conversion_s") || s.read("t_conversion_s", m.t_conversion_s, finite_pos, "must be finite and > 0 s");
  const bool edge_ok = !s.has("t_edge_s") || s.read("t_edge_s", m.t_edge_s, finite_pos, "must be finite and > 0 s");
  if (conv_ok && edge_ok && m.t_edge_s > 0.25 * m.t_conversion_s) {
    s.bad(s.has("t_edge_s") ? "t_edge_s" : "t_conversion_s", fmt::format("{}", m.t_edge_s),
          fmt::format("must be <= measure.t_conversion_s / 4 = {} s", 0.25 * m.t_conversion_s));
  }
}

void read_instances(Section s, WorkloadSpec& w) {
  s.check_known({"instances"});
  s.read_int("instances", 1, kMaxSamples, w.instances);
}

}  // namespace

void read_adc_kind(Section& top, CampaignSpec& spec, const DataFiles& files) {
  top.check_known({"kind", "seed", "adc", "variation", "measure", "workload", "run"});
  read_adc(section(top, "adc"), spec.adc);
  read_converter_variation(section(top, "variation"), spec.variation);
  read_measure(section(top, "measure"), spec.adc_measure);
  read_instances(section(top, "workload"), spec.workload);
  read_run(section(top, "run"), spec.run, files);
}

}  // namespace xbar::characterize::spec_detail
