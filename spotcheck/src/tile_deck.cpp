// The macro-fidelity SPICE tile of a behavioral tile instance (tile_deck.hpp).
#include "xbar/spotcheck/tile_deck.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "xbar/netlists/adc.hpp"

namespace xbar::spotcheck {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSettleTaus = 12.0;       // time constants of the slowest column before sampling
constexpr double kIdealGain = 1e9;         // a0 = inf (an ideal op-amp) becomes this
constexpr double kFastTau = 1e-9;          // tau_s = 0 (instant) becomes this, s

bool same_tia_except_offset(const behavioral::TiaModelParams& a, const behavioral::TiaModelParams& b) {
  return a.rf_ohm == b.rf_ohm && a.a0_vv == b.a0_vv && a.r_out_ohm == b.r_out_ohm && a.v_out_min_v == b.v_out_min_v &&
         a.v_out_max_v == b.v_out_max_v && a.tau_s == b.tau_s && a.t_sample_s == b.t_sample_s;
}

}  // namespace

netlists::TileParams spice_tile_params(const behavioral::TileModelParams& tile, const Eigen::MatrixXd& g_s,
                                       const Eigen::MatrixXi& input_codes, const DrawsPassed& draws,
                                       const behavioral::TileModelParams* nominal, const Eigen::MatrixXd& g_target_s) {
  const auto& xb = tile.crossbar;
  const int R = xb.rows, C = xb.physical_cols();
  std::vector<std::string> bad;
  if (xb.differential) bad.push_back("crossbar.differential = true: the SPICE tile reads single-ended columns");
  if (g_s.rows() != R || g_s.cols() != C)
    bad.push_back(fmt::format("g_s is {} x {}: must be crossbar.rows x cols = {} x {}", g_s.rows(), g_s.cols(), R, C));
  if (!draws.conductances && (g_target_s.rows() != R || g_target_s.cols() != C))
    bad.push_back("draws.conductances = false needs the target conductances (g_target_s, rows x cols)");
  if ((!draws.tia_offsets || !draws.comparator_offsets) && nominal == nullptr)
    bad.push_back("draws.tia_offsets or comparator_offsets = false needs the nominal tile");
  if (input_codes.cols() != R || input_codes.rows() < 1)
    bad.push_back(fmt::format("input_codes is {} x {}: must be cycles (>= 1) x rows ({})", input_codes.rows(),
                              input_codes.cols(), R));
  if (tile.dac.level_table_v.size() != 0)
    bad.push_back("dac.level_table_v is set: the SPICE tile's DAC has ideal levels; use a tile model without a DAC table");
  if (xb.r_source_ohm.size() != 0 && xb.r_source_ohm.size() != R)
    bad.push_back(fmt::format("crossbar.r_source_ohm has {} entries: must be empty or one per row", xb.r_source_ohm.size()));
  if (xb.r_source_ohm.size() != 0 && (xb.r_source_ohm.array() != xb.r_source_ohm[0]).any())
    bad.push_back("crossbar.r_source_ohm differs between rows: the SPICE tile has one dac.r_source_ohm for every row");
  const behavioral::TiaModelParams& t0 = tile.tia_of(0);
  const behavioral::AdcModelParams& a0 = tile.adc_of(0);
  for (int k = 0; k < C; ++k) {
    if (!same_tia_except_offset(tile.tia_of(k), t0))
      bad.push_back(fmt::format("tia[{}] differs from tia[0] in more than v_offset_v: the SPICE tile has one TIA design", k));
    const auto& a = tile.adc_of(k);
    if (a.bits != a0.bits || a.v_min_v != a0.v_min_v || a.v_max_v != a0.v_max_v)
      bad.push_back(fmt::format("adc[{}] differs from adc[0] in bits or range: the SPICE tile has one ADC design", k));
    if (a.noise_sigma_v != 0.0)
      bad.push_back(fmt::format("adc[{}].noise_sigma_v = {}: the SPICE tile has no ADC noise; spot checks need 0", k,
                                a.noise_sigma_v));
  }
  if (!bad.empty()) throw Error(fmt::format("spot check tile deck:\n{}", xbar::join_lines(bad)));

  netlists::TileParams p;
  p.crossbar.rows = R;
  p.crossbar.cols = C;
  p.crossbar.g_s = draws.conductances ? g_s : g_target_s;
  p.crossbar.cell = xb.cell == behavioral::CellModel::sinh ? netlists::CellModel::sinh : netlists::CellModel::linear;
  p.crossbar.v0_v = xb.v0_v;
  p.crossbar.r_row_wire_ohm = xb.r_row_wire_ohm;
  p.crossbar.r_col_wire_ohm = xb.r_col_wire_ohm;
  p.crossbar.temperature_c = xb.temperature_c;
  p.crossbar.tnom_c = xb.tnom_c;
  p.crossbar.cell_tc1_per_k = xb.cell_tc1_per_k;
  p.crossbar.wire_tc1_per_k = xb.wire_tc1_per_k;

  p.dac.architecture = netlists::DacArchitecture::ideal;
  p.dac.bits = tile.dac.bits;
  p.dac.v_min_v = tile.dac.v_min_v;
  p.dac.v_max_v = tile.dac.v_max_v;
  p.dac.r_source_ohm = xb.r_source_ohm.size() != 0 ? xb.r_source_ohm[0] : 0.0;

  auto& oa = p.tia.opamp;
  oa.model = netlists::OpampModel::macro;
  oa.a0_vv = std::isinf(t0.a0_vv) ? kIdealGain : t0.a0_vv;
  const double tau_s = t0.tau_s > 0.0 ? t0.tau_s : kFastTau;
  oa.f_p1_hz = 1.0 / (2.0 * kPi * tau_s * oa.a0_vv);
  oa.r_out_ohm = t0.r_out_ohm;
  // The macro limits its internal node nl (tanh, headroom_v inside the rails) and r_out sits after
  // the limiter, carrying the feedback current v_out / rf: v_out = nl / (1 + r_out / rf). Rails at
  // the behavioral swing (+ headroom) limited the deck's output to swing / (1 + r_out / rf), e.g.
  // -0.32 V instead of -0.82 V at rf = 2.97 kohm and r_out = 4.57 kohm (issue 13: SPICE's codes up
  // to 5 LSB above the behavioral ones at outputs below -0.3 V). Scaling the rails by (1 + r_out / rf)
  // puts the output's limits at the behavioral v_out_min_v / v_out_max_v.
  const double swing_scale = 1.0 + t0.r_out_ohm / t0.rf_ohm;
  oa.vdd_v = t0.v_out_max_v * swing_scale + oa.headroom_v;
  oa.vss_v = t0.v_out_min_v * swing_scale - oa.headroom_v;
  oa.vos_v = 0.0;
  p.tia.rf_ohm = t0.rf_ohm;
  p.tia.cf_f = 0.0;
  for (int k = 0; k < C; ++k) {
    netlists::OpampMismatch m;
    m.vos_v = draws.tia_offsets ? tile.tia_of(k).v_offset_v : nominal->tia_of(k).v_offset_v;
    p.tia_mismatch.push_back(m);
  }

  p.adc.comparator = netlists::ComparatorModel::macro;
  p.adc.bits = a0.bits;
  p.adc.v_min_v = a0.v_min_v;
  p.adc.v_max_v = a0.v_max_v;
  const int M = (1 << std::min(a0.bits, 16)) - 1;
  std::vector<double> ideal;
  try {
    ideal = netlists::adc_ideal_transitions_v(p.adc);
  } catch (const xbar::Error& e) {
    throw Error(fmt::format("spot check tile deck: adc.bits = {}: the SPICE flash ADC cannot be built ({})", a0.bits, e.what()));
  }
  for (int k = 0; k < C; ++k) {
    netlists::AdcMismatch m;
    const Eigen::VectorXd tr = (draws.comparator_offsets ? tile : *nominal).adc_of(k).transitions_v();
    if (tr.size() != M) throw Error(fmt::format("spot check tile deck: adc[{}] has {} transitions: must be {}", k, tr.size(), M));
    m.comparator_offset_v.resize(static_cast<std::size_t>(M));
    for (int j = 0; j < M; ++j) m.comparator_offset_v[static_cast<std::size_t>(j)] = tr[j] - ideal[static_cast<std::size_t>(j)];
    p.adc_mismatch.push_back(m);
  }

  // Timing: the slowest column settles to kSettleTaus before sampling. Its loop gain is
  // a0 s / (1 + (rf + r_out) g_in): r_out sits in the feedback path (the output node feeds rf
  // through it), and s, the macro's tanh limiter slope at the largest output, is below 1 away
  // from mid-rail (netlists/src/opamp.cpp). Leaving out r_out and s made the cycle about half
  // as long as 12 closed-loop time constants on loaded columns (issue 13; tests/spotcheck).
  // s is taken at the ADC's range ends (outputs beyond them give the end codes whatever they settle to).
  const double g_in_max = p.crossbar.g_s.colwise().sum().maxCoeff();
  const double mid_v = 0.5 * (oa.vdd_v + oa.vss_v), half_v = 0.5 * (oa.vdd_v - oa.vss_v) - oa.headroom_v;
  const double v_far_v = std::max(std::abs(a0.v_min_v * swing_scale - mid_v), std::abs(a0.v_max_v * swing_scale - mid_v));
  const double u = std::min(0.95, v_far_v / half_v);  // tanh argument's size at the limiter
  const double slope = 1.0 - u * u;
  const double tau_col_s = (1.0 + (p.tia.rf_ohm + oa.r_out_ohm) * g_in_max) * tau_s / slope;
  double t_cycle_s = 0.0;
  if (std::isinf(t0.t_sample_s))
    t_cycle_s = std::max(50e-9, kSettleTaus * tau_col_s / 0.9);  // sampled at 0.95 T after the edge starts
  else
    t_cycle_s = t0.t_sample_s / 0.95;
  p.timing.t_cycle_s = t_cycle_s;
  p.timing.t_edge_s = t_cycle_s / 20.0;
  p.input_codes = input_codes;
  p.title = "xbar spot check tile";
  try {
    p.validate();
  } catch (const xbar::Error& e) {
    throw Error(fmt::format("spot check tile deck: the SPICE tile cannot take this tile:\n{}", e.what()));
  }
  return p;
}

}  // namespace xbar::spotcheck
