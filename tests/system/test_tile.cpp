// Tile chain (issue 4): DAC drivers, crossbar, TIAs and flash ADCs in one transient deck.
//  - with ideal periphery the codes are the ideal quantized MVM codes, exactly;
//  - the energy per read cycle splits by block and matches closed forms (array: sum G V^2 over
//    the pulse; TIA: quiescent current plus the column current sunk into vss);
//  - a transistor-level tile with mismatch runs and stays within a few codes of ideal;
//  - [tile] adc_clocked and t_adc_enable_s reach the deck's ADC clock, and a too long enable is
//    refused naming the file, the field and the limit.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/dac.hpp"

using namespace xbar;
using namespace xbar::characterize;

namespace {

// 8 x 4 ideal-periphery tile: ideal 4-bit DACs (0 .. 0.15 V), a macro op-amp with a0 = 1e6 and
// GBW = 1 GHz, Rf = 40 kohm, ideal 6-bit flash ADCs over -0.5 .. 0 V, no wire resistance.
std::string ideal_tile_spec(const std::string& workload_extra) {
  return R"(kind = "tile"
seed = 11
[crossbar]
rows = 8
cols = 4
[dac]
architecture = "ideal"
bits = 4
v_min_v = 0.0
v_max_v = 0.15
[opamp]
model = "macro"
a0_vv = 1e6
f_p1_hz = 1e3
f_p2_hz = 20e9
i_q_a = 50e-6
[tia]
rf_ohm = 40e3
[adc]
bits = 6
v_min_v = -0.5
v_max_v = 0.0
[tile]
t_cycle_s = 100e-9
t_edge_s = 2e-9
[workload]
instances = 1
inputs_per_pattern = 4
g_min_s = 1e-6
g_max_s = 1e-5
)" + workload_extra;
}

struct Run {
  CampaignSchema schema;
  SampleRecord rec;
  double at(const std::string& field, std::size_t k = 0) const { return rec.values.at(schema.offset_of(field) + k); }
};

Run run_sample(const CampaignSpec& spec, std::uint64_t index = 0) {
  auto kind = make_circuit_kind(spec);
  Run r{kind->schema(), kind->run_sample(SpiceSession::instance(), index)};
  INFO(r.rec.error);
  REQUIRE(r.rec.status == SampleStatus::ok);
  return r;
}

}  // namespace

TEST_CASE("tile: with ideal periphery the codes are the ideal quantized MVM codes, exactly") {
  const CampaignSpec spec = parse_campaign_spec(ideal_tile_spec(""), "tile.toml");
  const int N = 4, C = 4;
  for (std::uint64_t index : {0u, 1u, 2u}) {
    const Run r = run_sample(spec, index);
    const double lsb = (spec.adc.v_max_v - spec.adc.v_min_v) / ((1 << spec.adc.bits) - 1);
    int compared = 0;
    for (int n = 0; n < N; ++n) {
      for (int k = 0; k < C; ++k) {
        const std::size_t at = static_cast<std::size_t>(n * C + k);
        const double v = r.at("v_tia_ideal_v", at);
        // Distance of the ideal output from the nearest transition, in LSB: a code this close
        // to a transition could be flipped by any finite-precision simulation.
        const double pos = (v - spec.adc.v_min_v) / lsb;
        const double margin = std::abs(pos - std::floor(pos) - 0.5);
        INFO(fmt::format("sample {} cycle {} column {}: v_ideal = {} V, v_spice = {} V, margin {} LSB", index, n, k, v,
                         r.at("v_tia_v", at), margin));
        REQUIRE(margin > 1e-4);
        CHECK(r.at("codes", at) == r.at("codes_ideal", at));
        CHECK(std::abs(r.at("v_tia_v", at) - v) < 1e-3 * lsb);
        ++compared;
      }
    }
    CHECK(compared == N * C);
  }
}

TEST_CASE("tile: energy per read cycle splits by block and matches closed forms") {
  const CampaignSpec spec = parse_campaign_spec(ideal_tile_spec(""), "tile.toml");
  const Run r = run_sample(spec);
  const int R = 8, C = 4, N = 4;
  const double T = spec.tile.timing.t_cycle_s, te = spec.tile.timing.t_edge_s;
  for (int n = 0; n < N; ++n) {
    // Array: each cell dissipates G V(t)^2; V ramps linearly over te twice per cycle:
    //   int V^2 dt = V^2 (T - 2 te) + 2 V^2 te / 3 = V^2 (T - 4 te / 3).
    // TIA: the quiescent current flows across both rails all cycle; the column current flows
    // from the virtual ground through Rf into the output, which sinks it into vss:
    //   E_tia = C Iq (vdd - vss) T + |vss| sum_k int I_k dt,  int I_k dt = sum_i G_ik V_i (T - te).
    double e_array = 0.0, q_col = 0.0;
    for (int i = 0; i < R; ++i) {
      const double v = netlists::dac_ideal_level_v(spec.dac, static_cast<int>(r.at("input_codes", n * R + i)));
      for (int k = 0; k < C; ++k) {
        const double g = r.at("g_programmed_s", static_cast<std::size_t>(i * C + k));
        e_array += g * v * v * (T - 4.0 * te / 3.0);
        q_col += g * v * (T - te);
      }
    }
    const double e_tia = C * spec.opamp.i_q_a * (spec.opamp.vdd_v - spec.opamp.vss_v) * T + std::abs(spec.opamp.vss_v) * q_col;
    INFO(fmt::format("cycle {}: array {} J (closed form {}), tia {} J (closed form {}), drivers {} J, adc {} J", n,
                     r.at("energy_array_j", n), e_array, r.at("energy_tia_j", n), e_tia, r.at("energy_drivers_j", n),
                     r.at("energy_adc_j", n)));
    CHECK(r.at("energy_array_j", n) == doctest::Approx(e_array).epsilon(1e-3));
    CHECK(r.at("energy_tia_j", n) == doctest::Approx(e_tia).epsilon(5e-3));
    // Ideal DACs without source resistance lose nothing of their own.
    CHECK(std::abs(r.at("energy_drivers_j", n)) < 1e-3 * e_array);
    // The ADC's ladder alone draws (v_max - v_min)^2 / R_total over the cycle, per column.
    const double r_total = spec.adc.r_ladder_unit_ohm * ((1 << spec.adc.bits) - 1);
    const double e_ladder = C * std::pow(spec.adc.v_max_v - spec.adc.v_min_v, 2) / r_total * T;
    CHECK(r.at("energy_adc_j", n) > e_ladder);
    CHECK(r.at("energy_total_j", n) == doctest::Approx(r.at("energy_array_j", n) + r.at("energy_drivers_j", n) +
                                                       r.at("energy_tia_j", n) + r.at("energy_adc_j", n)));
  }
}

TEST_CASE("tile: a transistor-level tile with mismatch stays within a few codes of ideal") {
  std::string text = ideal_tile_spec("");
  const auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  replace("model = \"macro\"\na0_vv = 1e6\nf_p1_hz = 1e3\nf_p2_hz = 20e9\ni_q_a = 50e-6\n", "model = \"transistor\"\n");
  replace("rf_ohm = 40e3\n", "rf_ohm = 40e3\ncf_f = 0.1e-12\n");
  replace("[workload]\n", "[variation]\nmismatch_devices = \"all\"\ncomparator_offset_sigma_v = 2e-3\nladder_r_sigma_rel = 0.01\n"
                          "[workload]\n");
  replace("t_cycle_s = 100e-9\n", "t_cycle_s = 500e-9\n");
  const CampaignSpec spec = parse_campaign_spec(text, "tile.toml");
  const Run r = run_sample(spec);
  int max_error = 0;
  for (int at = 0; at < 16; ++at) max_error = std::max(max_error, static_cast<int>(std::abs(r.at("codes", at) - r.at("codes_ideal", at))));
  INFO("largest code error " << max_error);
  CHECK(max_error <= 3);
  CHECK(r.at("energy_tia_j", 0) > 0.0);
}

/// The spec of ideal_tile_spec with `from` replaced by `to`, parsed as "tile.toml": the message
/// it is refused with ("" if accepted).
static std::string refusal(const std::string& from, const std::string& to) {
  std::string text = ideal_tile_spec("");
  text.replace(text.find(from), from.size(), to);
  try {
    parse_campaign_spec(text, "tile.toml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("tile spec: bad fields name the file, line and rule") {
  std::string msg;
  try {
    parse_campaign_spec(ideal_tile_spec("") + "[tile]\n", "tile.toml");
  } catch (const SpecError& e) {
    msg = e.what();
  } catch (const std::exception& e) {
    msg = e.what();
  }
  CHECK(!msg.empty());  // a duplicate [tile] table is a TOML error
  msg = refusal("t_edge_s = 2e-9", "t_edge_s = 60e-9");
  CHECK(msg.find("tile.toml:") != std::string::npos);
  CHECK(msg.find("t_edge_s") != std::string::npos);
  CHECK(refusal("cols = 4", "cols = 4\ndifferential = true").find("differential") != std::string::npos);
  msg = refusal("t_edge_s = 2e-9", "t_edge_s = 2e-9\nt_adc_enable_s = 95e-9");
  CHECK(msg.find("tile.toml:") != std::string::npos);
  CHECK(msg.find("t_adc_enable_s = 9.5e-08") != std::string::npos);
  CHECK(msg.find("<= tile.t_cycle_s - 4 tile.t_edge_s = 9.2e-08 s") != std::string::npos);
  CHECK(refusal("t_edge_s = 2e-9", "t_edge_s = 2e-9\nadc_group_cols = 0").find("adc_group_cols = 0") != std::string::npos);
  CHECK(refusal("t_edge_s = 2e-9", "t_edge_s = 2e-9\nadc_transient = \"split\"").find("separate, joint") != std::string::npos);
}

TEST_CASE("tile spec: adc_clocked and t_adc_enable_s reach the deck's ADC clock") {
  const std::string base = ideal_tile_spec("");
  const CampaignSpec clocked = parse_campaign_spec(base, "tile.toml");
  CHECK(clocked.tile.adc_clocked);
  CHECK(clocked.tile.t_adc_enable_s == 0.0);
  // the default: high for T/10 = 10 ns before each read at t_r = T - t_edge = 98 ns
  CHECK(make_circuit_kind(clocked)->deck_text(0).find("vadc_clk aclk 0 pwl(0 0 8.6e-08 0 8.8e-08 1.8 9.8e-08 1.8 1e-07 0 ") !=
        std::string::npos);
  std::string text = base;
  text.replace(text.find("t_edge_s = 2e-9"), 15, "t_edge_s = 2e-9\nt_adc_enable_s = 20e-9");
  const CampaignSpec longer = parse_campaign_spec(text, "tile.toml");
  CHECK(longer.tile.t_adc_enable_s == 20e-9);
  CHECK(make_circuit_kind(longer)->deck_text(0).find("vadc_clk aclk 0 pwl(0 0 7.6e-08 0 7.8e-08 1.8 9.8e-08 1.8 1e-07 0 ") !=
        std::string::npos);
  text = base;
  text.replace(text.find("t_edge_s = 2e-9"), 15, "t_edge_s = 2e-9\nadc_clocked = false");
  const CampaignSpec tracking = parse_campaign_spec(text, "tile.toml");
  CHECK(!tracking.tile.adc_clocked);
  CHECK(make_circuit_kind(tracking)->deck_text(0).find("aclk") == std::string::npos);
}
