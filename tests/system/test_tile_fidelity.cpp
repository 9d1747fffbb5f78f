// Issue 13, a faster SPICE tile: [tile] fidelity = "macro" (macro op-amps, macro comparators)
// against "transistor" (Miller op-amps, transistor comparators) on the same draws.
//  - the macro deck has no MOSFET, one B-source preamp per comparator and its switching-charge
//    B source on the ADC supply;
//  - on an 8 x 8 tile with 6 read cycles in one transient, the two fidelities' codes agree within
//    +-1 LSB (the op-amp mismatch is off, so both see the same conductances, inputs, comparator
//    offsets and ladders);
//  - fidelity = "macro" with opamp.model = "transistor" is refused, naming both fields;
//  - a 100 ns maximum transient step (bench_tile's default) gives the codes of a 5 ns one at both
//    fidelities (8 x 8, 3 read cycles), the TIA outputs within 0.1 LSB and the block energies
//    within 0.1 %;
//  - the clocked transistor comparators (netlists/tile.hpp, the default) give the codes of the
//    tracking ones (adc_clocked = false) on the same tile (8 x 8, 4 cycles, comparator offsets and
//    ladder errors drawn), the TIA outputs within 0.01 LSB; the ADC energy change is reported.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/energy.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/tile.hpp"

using namespace xbar;
using namespace xbar::characterize;

namespace {

std::string spec_text(const std::string& fidelity, const std::string& opamp_model_line, double t_step_max_s = 100e-9,
                      int cycles = 6, const std::string& adc_transient = "separate") {
  return fmt::format(R"(kind = "tile"
seed = 5
[crossbar]
rows = 8
cols = 8
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[dac]
bits = 4
v_min_v = 0.0
v_max_v = 0.1
[opamp]
{}
[tia]
rf_ohm = 80e3
cf_f = 0.1e-12
[adc]
bits = 6
v_min_v = -0.5
v_max_v = 0.0
[tile]
fidelity = "{}"
adc_transient = "{}"
t_cycle_s = 500e-9
t_edge_s = 2e-9
t_step_max_s = {}
[variation]
g_prog_error = {{ distribution = "normal", sigma_rel_d2d = 0.02 }}
mismatch_devices = "none"
comparator_offset_sigma_v = 1e-3
ladder_r_sigma_rel = 0.005
[workload]
instances = 1
inputs_per_pattern = {}
g_min_s = 1e-6
g_max_s = 1e-5
)",
                     opamp_model_line, fidelity, adc_transient, t_step_max_s, cycles);
}

/// A block's energy summed over a sample's first `cycles` read cycles, J.
double block_energy_j(const SampleRecord& rec, const CampaignSchema& schema, const char* block, int cycles) {
  double e = 0.0;
  for (int c = 0; c < cycles; ++c) e += rec.values[schema.offset_of(block) + static_cast<std::uint64_t>(c)];
  return e;
}

}  // namespace

TEST_CASE("macro fidelity: no MOSFETs, B-source comparators with their switching charge on the supply") {
  const CampaignSpec spec = parse_campaign_spec(spec_text("macro", ""), "macro.toml");
  CHECK(spec.opamp.model == netlists::OpampModel::macro);
  CHECK(spec.adc.comparator == netlists::ComparatorModel::macro);
  const std::string deck = make_circuit_kind(spec)->deck_text(0);
  int mosfets = 0, preamps = 0, switching = 0;
  std::size_t at = 0;
  while ((at = deck.find('\n', at)) != std::string::npos) {
    ++at;
    if (deck.compare(at, 1, "m") == 0) ++mosfets;
    if (deck.compare(at, 5, "badc0") == 0) {
      const std::size_t end = deck.find('\n', at);
      const std::string line = deck.substr(at, end - at);
      preamps += line.find("_pa") != std::string::npos && line.find("tanh") != std::string::npos;
      switching += line.find("_sw") != std::string::npos && line.find(" add 0 i = ") != std::string::npos;
    }
  }
  CHECK(mosfets == 0);
  CHECK(preamps == 63);
  CHECK(switching == 63);
}

TEST_CASE("fidelity = macro conflicts with opamp.model = transistor; unknown fidelity names the choices") {
  try {
    parse_campaign_spec(spec_text("macro", "model = \"transistor\""), "conflict.toml");
    FAIL("no error");
  } catch (const SpecError& e) {
    const std::string what = e.what();
    CHECK(what.find("opamp.model = transistor") != std::string::npos);
    CHECK(what.find("tile.fidelity") != std::string::npos);
  }
  try {
    parse_campaign_spec(spec_text("fast", ""), "bad.toml");
    FAIL("no error");
  } catch (const SpecError& e) {
    CHECK(std::string(e.what()).find("tile.fidelity") != std::string::npos);
    CHECK(std::string(e.what()).find("transistor, macro") != std::string::npos);
  }
}

TEST_CASE("macro and transistor tiles agree within +-1 LSB on the same draws (8 x 8, 6 MVMs per transient, 100 ns step)") {
  const CampaignSpec transistor = parse_campaign_spec(spec_text("transistor", "model = \"transistor\""), "t.toml");
  const CampaignSpec macro = parse_campaign_spec(spec_text("macro", ""), "m.toml");
  auto& spice = SpiceSession::instance();
  const auto kt = make_circuit_kind(transistor), km = make_circuit_kind(macro);
  const SampleRecord rt = kt->run_sample(spice, 0), rm = km->run_sample(spice, 0);
  REQUIRE_MESSAGE(rt.status == SampleStatus::ok, rt.error);
  REQUIRE_MESSAGE(rm.status == SampleStatus::ok, rm.error);
  const auto n = kt->schema().field("codes").size();
  REQUIRE(n == 6 * 8);
  const auto ot = kt->schema().offset_of("codes"), om = km->schema().offset_of("codes");
  const auto gt = kt->schema().offset_of("g_programmed_s"), gm = km->schema().offset_of("g_programmed_s");
  for (std::uint64_t k = 0; k < 64; ++k) CHECK(rt.values[gt + k] == rm.values[gm + k]);  // the same draws
  int within = 0, equal = 0, spread = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    const double a = rt.values[ot + k], b = rm.values[om + k];
    within += std::abs(a - b) <= 1.0;
    equal += a == b;
  }
  // The codes are spread over the range, not stuck at a rail (else agreement says nothing).
  for (std::uint64_t k = 0; k < n; ++k) spread += rt.values[ot + k] > 2 && rt.values[ot + k] < 61;
  MESSAGE(fmt::format("transistor vs macro: {}/{} codes within +-1 LSB, {} equal; {} off the rails", within, n, equal,
                      spread));
  CHECK(within == static_cast<int>(n));
  // Energy per read cycle by block: reported, not checked (the macro ADC has the static bias and
  // C vdd^2 per switch, not the inverters' short-circuit current; the macro op-amp its own supply).
  for (const char* block : {"energy_adc_j", "energy_tia_j", "energy_array_j"}) {
    const double st = block_energy_j(rt, kt->schema(), block, 6), sm = block_energy_j(rm, km->schema(), block, 6);
    MESSAGE(fmt::format("{} per cycle: transistor {:.4g} J, macro {:.4g} J (macro / transistor {:.3f})", block, st / 6,
                        sm / 6, sm / st));
    CHECK(sm > 0.0);
  }
  CHECK(spread >= static_cast<int>(n) / 2);
}

TEST_CASE("a 100 ns maximum step gives the codes, TIA outputs and energies of a 5 ns one (both fidelities, 3 cycles)") {
  auto& spice = SpiceSession::instance();
  for (const char* fidelity : {"macro", "transistor"}) {
    const std::string model = std::string(fidelity) == "transistor" ? "model = \"transistor\"" : "";
    // The kinds keep a reference to their spec: both specs outlive them.
    const CampaignSpec spec_fine = parse_campaign_spec(spec_text(fidelity, model, 5e-9, 3), "fine.toml");
    const CampaignSpec spec_coarse = parse_campaign_spec(spec_text(fidelity, model, 100e-9, 3), "coarse.toml");
    CHECK(spec_fine.tile.t_step_max_s == 5e-9);
    CHECK(spec_coarse.tile.t_step_max_s == 100e-9);
    const auto fine = make_circuit_kind(spec_fine), coarse = make_circuit_kind(spec_coarse);
    CHECK(fine->deck_text(0).find(".tran 5e-09 ") != std::string::npos);
    CHECK(coarse->deck_text(0).find(".tran 1e-07 ") != std::string::npos);
    const SampleRecord rf = fine->run_sample(spice, 0), rc = coarse->run_sample(spice, 0);
    REQUIRE_MESSAGE(rf.status == SampleStatus::ok, rf.error);
    REQUIRE_MESSAGE(rc.status == SampleStatus::ok, rc.error);
    const CampaignSchema& s = fine->schema();
    const auto n = s.field("codes").size();
    int equal = 0;
    double dv = 0.0;
    for (std::uint64_t k = 0; k < n; ++k) {
      equal += rf.values[s.offset_of("codes") + k] == rc.values[s.offset_of("codes") + k];
      dv = std::max(dv, std::abs(rf.values[s.offset_of("v_tia_v") + k] - rc.values[s.offset_of("v_tia_v") + k]));
    }
    const double lsb = 0.5 / 63.0;
    MESSAGE(fmt::format("{}: 5 ns vs 100 ns maximum step: {}/{} codes equal, max |dv_tia| = {:.3g} V ({:.2g} LSB)", fidelity,
                        equal, n, dv, dv / lsb));
    CHECK(equal == static_cast<int>(n));
    CHECK(dv < 0.1 * lsb);  // measured: 0.041 LSB (macro), 0.027 LSB (transistor, clocked comparators)
    for (const char* block : {"energy_array_j", "energy_drivers_j", "energy_tia_j", "energy_adc_j", "energy_total_j"}) {
      const double ef = block_energy_j(rf, s, block, 3), ec = block_energy_j(rc, s, block, 3);
      MESSAGE(fmt::format("{} {}: 5 ns {:.6g} J, 100 ns {:.6g} J (ratio {:.5f})", fidelity, block, ef, ec, ec / ef));
      CHECK(std::abs(ec - ef) <= 1e-3 * std::abs(ef));  // measured: at most 8.6e-4 (transistor ADC, clocked comparators; 5.8e-4 tracking)
    }
  }
}

TEST_CASE("clocked transistor comparators give the codes of tracking ones (8 x 8, 4 cycles, offsets drawn)") {
  netlists::TileParams p;
  const int n = 8, cycles = 4;
  p.crossbar.rows = n;
  p.crossbar.cols = n;
  p.crossbar.r_row_wire_ohm = 1.0;
  p.crossbar.r_col_wire_ohm = 1.0;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ug(1e-6, 1e-5);
  std::normal_distribution<double> normal(0.0, 1.0);
  p.crossbar.g_s.resize(n, n);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) p.crossbar.g_s(i, k) = ug(rng);
  p.dac.bits = 4;
  p.dac.v_min_v = 0.0;
  p.dac.v_max_v = 0.1;
  p.tia.rf_ohm = 80e3;
  p.tia.cf_f = 0.1e-12;
  p.timing.t_cycle_s = 500e-9;
  p.timing.t_edge_s = 2e-9;
  p.t_step_max_s = 100e-9;
  for (int k = 0; k < n; ++k) {
    netlists::AdcMismatch m;
    for (int c = 0; c < p.adc.comparators(); ++c) m.comparator_offset_v.push_back(1e-3 * normal(rng));
    for (int j = 0; j <= p.adc.comparators(); ++j) m.ladder_r_rel.push_back(0.005 * normal(rng));
    p.adc_mismatch.push_back(m);
  }
  p.input_codes.resize(cycles, n);
  for (int c = 0; c < cycles; ++c)
    for (int i = 0; i < n; ++i) p.input_codes(c, i) = (3 + 5 * i + 7 * c) % 16;
  netlists::TileParams tracking = p;
  tracking.adc_clocked = false;
  const std::string clocked_deck = netlists::make_tile_deck(p).text, tracking_deck = netlists::make_tile_deck(tracking).text;
  REQUIRE(clocked_deck.find("vadc_clk aclk") != std::string::npos);
  REQUIRE(tracking_deck.find("aclk") == std::string::npos);
  auto& spice = SpiceSession::instance();
  const SpiceResult rc = spice.simulate(clocked_deck, "run"), rt = spice.simulate(tracking_deck, "run");
  const std::vector<double>&tc = rc.real("time"), &tt = rt.real("time");
  int equal = 0, within1 = 0, spread = 0;
  double dv = 0.0, worst_flip_lsb = 0.0;
  const double lsb = p.adc.lsb_v();
  for (int c = 0; c < cycles; ++c) {
    const double ts = netlists::read_sample_time_s(p.timing, c);
    for (int k = 0; k < n; ++k) {
      std::vector<double> qc, qt;
      for (const std::string& node : netlists::adc_output_nodes(p.adc, netlists::tile_adc_prefix(k))) {
        qc.push_back(interpolate_at(tc, rc.real(node), ts));
        qt.push_back(interpolate_at(tt, rt.real(node), ts));
      }
      const int code_c = netlists::adc_code(p.adc, qc), code_t = netlists::adc_code(p.adc, qt);
      equal += code_c == code_t;
      within1 += std::abs(code_c - code_t) <= 1;
      spread += code_t > 2 && code_t < 61;
      const std::string tia = netlists::tile_tia_output_node(k);
      const double v_t = interpolate_at(tt, rt.real(tia), ts);
      dv = std::max(dv, std::abs(interpolate_at(tc, rc.real(tia), ts) - v_t));
      // A comparator that decides differently must have its input at its threshold (tap + offset)
      // to within the solver's accuracy: the two runs' TIA outputs differ by ngspice's tolerances
      // (reltol 1e-3 of the output), so a comparator that close to its threshold may go either way.
      const std::vector<double> taps = netlists::adc_ladder_taps_v(p.adc, p.adc_mismatch[static_cast<std::size_t>(k)]);
      for (std::size_t m = 0; m < qc.size(); ++m) {
        if ((qc[m] > 0.9) == (qt[m] > 0.9)) continue;
        const double threshold = taps[m] + p.adc_mismatch[static_cast<std::size_t>(k)].comparator_offset_v[m];
        worst_flip_lsb = std::max(worst_flip_lsb, std::abs(v_t - threshold) / lsb);
      }
    }
  }
  const std::vector<VoltageSourceTerminals> sc = voltage_sources(clocked_deck), st = voltage_sources(tracking_deck);
  const double t_end = cycles * p.timing.t_cycle_s;
  const double e_adc_c = energy_by_prefix_j(rc, sc, "vadc", 0.0, t_end), e_adc_t = energy_by_prefix_j(rt, st, "vadc", 0.0, t_end);
  const double e_tia_c = energy_by_prefix_j(rc, sc, "vtia", 0.0, t_end), e_tia_t = energy_by_prefix_j(rt, st, "vtia", 0.0, t_end);
  MESSAGE(fmt::format("clocked vs tracking comparators: {}/{} codes equal, {} within +-1 ({} off the rails), comparators "
                      "deciding differently at most {:.3g} LSB from their thresholds, max |dv_tia| = {:.3g} V "
                      "({:.2g} LSB); ADC energy per cycle clocked {:.4g} J, tracking {:.4g} J (ratio {:.4f}); TIA {:.4g} J, "
                      "{:.4g} J (ratio {:.5f})",
                      equal, cycles * n, within1, spread, worst_flip_lsb, dv, dv / lsb, e_adc_c / cycles, e_adc_t / cycles, e_adc_c / e_adc_t,
                      e_tia_c / cycles, e_tia_t / cycles, e_tia_c / e_tia_t));
  CHECK(within1 == cycles * n);
  CHECK(equal >= cycles * n - 2);   // measured: 31 of 32 (the other one's comparator 0.043 LSB from its threshold)
  // A different decision only at the threshold: within 0.1 LSB (0.8 mV), which covers the two
  // runs' TIA difference and the inverters' trip point V_M != vdd/2 (a shift of
  // atanh((V_M - vdd/2) / (vdd/2)) (vdd/2) / preamp_gain, netlists/adc.hpp).
  CHECK(worst_flip_lsb < 0.1);
  CHECK(spread >= cycles * n / 2);  // codes spread over the range, so equality says something
  CHECK(dv < 0.05 * lsb);           // measured: 0.013 LSB
}

TEST_CASE("the ADCs in transients of their own give the joint deck's codes, TIA outputs and energies (8 x 8, 4 cycles)") {
  auto& spice = SpiceSession::instance();
  for (const char* fidelity : {"transistor", "macro"}) {
    const std::string model = std::string(fidelity) == "transistor" ? "model = \"transistor\"" : "";
    const CampaignSpec spec_sep = parse_campaign_spec(spec_text(fidelity, model, 100e-9, 4, "separate"), "separate.toml");
    const CampaignSpec spec_joint = parse_campaign_spec(spec_text(fidelity, model, 100e-9, 4, "joint"), "joint.toml");
    REQUIRE(spec_sep.tile.adc_transient == AdcTransient::separate);
    REQUIRE(spec_joint.tile.adc_transient == AdcTransient::joint);
    const auto sep = make_circuit_kind(spec_sep), joint = make_circuit_kind(spec_joint);
    const SampleRecord rs = sep->run_sample(spice, 0), rj = joint->run_sample(spice, 0);
    REQUIRE_MESSAGE(rs.status == SampleStatus::ok, rs.error);
    REQUIRE_MESSAGE(rj.status == SampleStatus::ok, rj.error);
    const CampaignSchema& s = sep->schema();
    const auto n = s.field("codes").size();
    REQUIRE(n == 4 * 8);
    int equal = 0, within1 = 0, spread = 0;
    double dv = 0.0;
    for (std::uint64_t k = 0; k < n; ++k) {
      const double a = rs.values[s.offset_of("codes") + k], b = rj.values[s.offset_of("codes") + k];
      equal += a == b;
      within1 += std::abs(a - b) <= 1.0;
      spread += b > 2 && b < 61;
      dv = std::max(dv, std::abs(rs.values[s.offset_of("v_tia_v") + k] - rj.values[s.offset_of("v_tia_v") + k]));
    }
    const double lsb = 0.5 / 63.0;
    MESSAGE(fmt::format("{}: separate vs joint ADC transients: {}/{} codes equal, {} within +-1 ({} off the rails), max "
                        "|dv_tia| = {:.3g} V ({:.2g} LSB)",
                        fidelity, equal, n, within1, spread, dv, dv / lsb));
    CHECK(within1 == static_cast<int>(n));
    CHECK(equal >= static_cast<int>(n) - 1);
    CHECK(spread >= static_cast<int>(n) / 2);
    CHECK(dv < 0.01 * lsb);  // measured: 0.0003 LSB (transistor), 0.0005 LSB (macro)
    for (const char* block : {"energy_array_j", "energy_drivers_j", "energy_tia_j", "energy_adc_j", "energy_total_j"}) {
      const double es = block_energy_j(rs, s, block, 4), ej = block_energy_j(rj, s, block, 4);
      MESSAGE(fmt::format("{} {}: separate {:.6g} J, joint {:.6g} J (ratio {:.5f})", fidelity, block, es, ej, es / ej));
      // measured: ADC 5.4e-4 (transistor; the inverters' edges resolved at the ADC transient's own steps), 2.3e-4
      // (macro); every other block <= 5e-5. Without the clock's breakpoints in the chain's transient
      // its coarser TIA waveform moved the transistor ADC energy by 2.6e-3.
      CHECK(std::abs(es - ej) <= (std::string(block) == "energy_adc_j" || std::string(block) == "energy_total_j" ? 2e-3 : 1e-4) * std::abs(ej));
    }
    // The rest outputs (t = 0) come from the chain alone.
    for (std::uint64_t k = 0; k < 8; ++k)
      CHECK(std::abs(rs.values[s.offset_of("v_tia_rest_v") + k] - rj.values[s.offset_of("v_tia_rest_v") + k]) < 1e-6);
    // The standalone deck (xbar netlist sample) is the whole one either way.
    CHECK(sep->deck_text(0) == joint->deck_text(0));
  }
}
