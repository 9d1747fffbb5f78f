// Spec tables of kind "tile": [crossbar], [dac], [opamp], [tia], [adc], [tile], [variation]
// (crossbar, op-amp and converter fields together), [workload] and [run]. Messages as in
// campaign_spec.cpp: "<file>:<line>: <field> = <value>: <rule>".
#include <climits>

#include "spec_reader.hpp"
#include "xbar/netlists/error.hpp"

namespace xbar::characterize::spec_detail {

namespace {

void read_dac(Section s, netlists::DacParams& d) {
  s.check_known({"architecture", "bits", "v_min_v", "v_max_v", "r_source_ohm", "r_unit_ohm"});
  s.read_enum("architecture", {{"ideal", netlists::DacArchitecture::ideal}, {"r2r", netlists::DacArchitecture::r2r}},
              "ideal, r2r", d.architecture);
  s.read_int("bits", 1, 12, d.bits);
  read_voltage_range(s, "dac", "v_min_v", "v_max_v", d.v_min_v, d.v_max_v);
  s.read("r_source_ohm", d.r_source_ohm, finite_nonneg, "must be finite and >= 0 ohm");
  s.read("r_unit_ohm", d.r_unit_ohm, finite_pos, "must be finite and > 0 ohm");
}

void read_tile_timing(Section s, TileSpec& t) {
  s.check_known({"t_cycle_s", "t_edge_s", "t_step_max_s", "fidelity", "adc_transient", "adc_group_cols",
                 "adc_clocked", "t_adc_enable_s"});
  s.read_enum("fidelity", {{"transistor", std::string("transistor")}, {"macro", std::string("macro")}},
              "transistor, macro", t.fidelity);
  s.read_enum("adc_transient", {{"separate", AdcTransient::separate}, {"joint", AdcTransient::joint}}, "separate, joint",
              t.adc_transient);
  s.read_int("adc_group_cols", 1, 1 << 20, t.adc_group_cols);
  const bool cycle_ok = !s.has("t_cycle_s") || s.read("t_cycle_s", t.timing.t_cycle_s, finite_pos, "must be finite and > 0 s");
  const bool edge_ok = !s.has("t_edge_s") || s.read("t_edge_s", t.timing.t_edge_s, finite_pos, "must be finite and > 0 s");
  if (cycle_ok && edge_ok && t.timing.t_edge_s > 0.25 * t.timing.t_cycle_s) {
    s.bad(s.has("t_edge_s") ? "t_edge_s" : "t_cycle_s", fmt::format("{}", t.timing.t_edge_s),
          fmt::format("must be <= tile.t_cycle_s / 4 = {} s", 0.25 * t.timing.t_cycle_s));
  }
  s.read("t_step_max_s", t.t_step_max_s, finite_nonneg, "must be finite and >= 0 s (0 = t_edge_s / 4)");
  s.read("adc_clocked", t.adc_clocked);
  const bool enable_ok = !s.has("t_adc_enable_s") ||
                         s.read("t_adc_enable_s", t.t_adc_enable_s, finite_nonneg, "must be finite and >= 0 s (0 = t_cycle_s / 10)");
  const double enable_max = t.timing.t_cycle_s - 4.0 * t.timing.t_edge_s;
  if (cycle_ok && edge_ok && enable_ok && !(t.t_adc_enable_s <= enable_max)) {
    s.bad("t_adc_enable_s", fmt::format("{}", t.t_adc_enable_s),
          fmt::format("must be <= tile.t_cycle_s - 4 tile.t_edge_s = {:.6g} s (the ADC clock rises after the drivers' edge)",
                      enable_max));
  }
}

void read_tile_variation(Section s, VariationSpec& v) {
  s.check_known({"g_prog_error", "stuck_on_fraction", "stuck_off_fraction", "g_stuck_on_s", "g_stuck_off_s",
                 "r_wire_sigma_rel_d2d", "temperature_c", "tnom_c", "cell_tc1_per_k", "wire_tc1_per_k", "a_vt_mv_um",
                 "a_beta_pct_um", "mismatch_devices", "opamp_vos_sigma_v", "comparator_offset_sigma_v",
                 "ladder_r_sigma_rel", "dac_r_sigma_rel"});
  const Section all = s.lenient();
  read_variation(all, v);
  read_opamp_variation(all, v);
  read_converter_variation(all, v);
  s.read("dac_r_sigma_rel", v.dac_r_sigma_rel, finite_nonneg, "must be finite and >= 0");
}

}  // namespace

void read_tile_kind(Section& top, CampaignSpec& spec, const DataFiles& files) {
  top.check_known({"kind", "seed", "crossbar", "dac", "opamp", "tia", "adc", "tile", "variation", "workload", "run"});
  Section xb = section(top, "crossbar");  // once: a non-table [crossbar] is reported once
  const bool dims_ok = read_crossbar(xb, spec.crossbar);
  if (spec.crossbar.differential) {
    xb.bad("differential", "true", "must be false for kind = 'tile' (the tile chain reads single-ended columns)");
  }
  if (spec.crossbar.r_source_ohm.size() != 0) {
    xb.bad("r_source_ohm", fmt::format("{}", spec.crossbar.r_source_ohm[0]),
           "must be 0 for kind = 'tile': set the driver resistance as dac.r_source_ohm");
  }
  read_dac(section(top, "dac"), spec.dac);
  netlists::OpampBench unused_bench;
  Section opamp = section(top, "opamp");
  read_opamp(opamp, spec.opamp, unused_bench);
  read_tile_timing(section(top, "tile"), spec.tile);
  if (spec.tile.fidelity == "macro") {
    if (opamp.has("model") && spec.opamp.model != netlists::OpampModel::macro) {
      opamp.bad("model", netlists::to_string(spec.opamp.model),
                "conflicts with tile.fidelity = \"macro\" (macro op-amps): drop opamp.model or set it to \"macro\"");
    }
    spec.opamp.model = netlists::OpampModel::macro;
  }
  spec.tia.opamp = spec.opamp;
  netlists::TiaBench unused_tia_bench;
  read_tia(section(top, "tia"), spec.tia, unused_tia_bench);
  read_adc(section(top, "adc"), spec.adc);
  if (spec.tile.fidelity == "macro") spec.adc.comparator = netlists::ComparatorModel::macro;
  read_tile_variation(section(top, "variation"), spec.variation);
  // inputs = "random" draws DAC codes uniformly; inputs_file holds DAC codes (v_read_* are unused).
  read_workload(section(top, "workload"), spec.workload, spec.crossbar, dims_ok, files);
  read_run(section(top, "run"), spec.run, files);
}

}  // namespace xbar::characterize::spec_detail
