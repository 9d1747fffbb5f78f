// The netlists -> behavioral parameter mapping (parameter_mapping.hpp).
#include "xbar/fit/parameter_mapping.hpp"

#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/dac.hpp"

namespace xbar::fit {

behavioral::CellModel cell_model(netlists::CellModel cell) {
  return cell == netlists::CellModel::sinh ? behavioral::CellModel::sinh : behavioral::CellModel::linear;
}

behavioral::CrossbarModelParams crossbar_model_params(const netlists::CrossbarParams& x) {
  behavioral::CrossbarModelParams c;
  c.rows = x.rows;
  c.cols = x.cols;
  c.differential = x.differential;
  c.cell = cell_model(x.cell);
  c.v0_v = x.v0_v;
  c.r_row_wire_ohm = x.r_row_wire_ohm;
  c.r_col_wire_ohm = x.r_col_wire_ohm;
  c.r_source_ohm = x.r_source_ohm;
  c.temperature_c = x.temperature_c;
  c.tnom_c = x.tnom_c;
  c.cell_tc1_per_k = x.cell_tc1_per_k;
  c.wire_tc1_per_k = x.wire_tc1_per_k;
  return c;
}

netlists::CrossbarParams spec_crossbar_at_corner(const characterize::CampaignSpec& spec) {
  netlists::CrossbarParams x = spec.crossbar;
  x.temperature_c = spec.variation.temperature_c;  // as characterize's apply_instance_variation
  x.tnom_c = spec.variation.tnom_c;
  x.cell_tc1_per_k = spec.variation.cell_tc1_per_k;
  x.wire_tc1_per_k = spec.variation.wire_tc1_per_k;
  return x;
}

behavioral::CrossbarModelParams nominal_params(const characterize::CampaignSpec& spec) {
  return crossbar_model_params(spec_crossbar_at_corner(spec));
}

behavioral::DacModelParams dac_model_params(const netlists::DacParams& dac,
                                            const std::vector<netlists::DacMismatch>& mismatch, int rows) {
  behavioral::DacModelParams d;
  d.bits = dac.bits;
  d.v_min_v = dac.v_min_v;
  d.v_max_v = dac.v_max_v;
  if (dac.architecture == netlists::DacArchitecture::r2r) {
    d.level_table_v.resize(rows, dac.codes());
    for (int i = 0; i < rows; ++i)
      for (int code = 0; code < dac.codes(); ++code)
        d.level_table_v(i, code) = netlists::dac_r2r_level_v(
            dac, mismatch.empty() ? netlists::DacMismatch{} : mismatch[static_cast<std::size_t>(i)], code);
  }
  return d;
}

behavioral::AdcModelParams adc_model_params(const netlists::AdcParams& adc, const netlists::AdcMismatch& m) {
  const std::vector<double> taps = netlists::adc_ladder_taps_v(adc, m);
  behavioral::AdcModelParams a;
  a.bits = adc.bits;
  a.v_min_v = adc.v_min_v;
  a.v_max_v = adc.v_max_v;
  a.transition_v.resize(static_cast<Eigen::Index>(taps.size()));
  for (std::size_t j = 0; j < taps.size(); ++j)
    a.transition_v[static_cast<Eigen::Index>(j)] = taps[j] + (m.comparator_offset_v.empty() ? 0.0 : m.comparator_offset_v[j]);
  return a;
}

behavioral::TiaModelParams tile_tia_params(const netlists::TileParams& p, const behavioral::TiaModelParams& tia) {
  behavioral::TiaModelParams t = tia;
  t.rf_ohm = p.tia.rf_ohm;
  t.t_sample_s = p.timing.t_cycle_s - 2 * p.timing.t_edge_s;
  return t;
}

behavioral::TileModelParams tile_model_params(const netlists::TileParams& p, const behavioral::TiaModelParams& tia) {
  behavioral::TileModelParams t;
  t.crossbar = crossbar_model_params(p.crossbar);
  t.crossbar.r_source_ohm = Eigen::VectorXd::Constant(p.crossbar.rows, p.dac.r_source_ohm);
  t.dac = dac_model_params(p.dac, p.dac_mismatch, p.crossbar.rows);
  t.tia = {tile_tia_params(p, tia)};
  for (int k = 0; k < p.crossbar.cols; ++k)
    t.adc.push_back(adc_model_params(
        p.adc, p.adc_mismatch.empty() ? netlists::AdcMismatch{} : p.adc_mismatch[static_cast<std::size_t>(k)]));
  return t;
}

behavioral::TiaModelParams ideal_tile_tia(const characterize::CampaignSpec& spec) {
  behavioral::TiaModelParams t;
  t.rf_ohm = spec.tia.rf_ohm;
  t.v_out_min_v = spec.tia.opamp.vss_v;
  t.v_out_max_v = spec.tia.opamp.vdd_v;
  return t;
}

}  // namespace xbar::fit
