// Flash ADC and row-driver DAC in ngspice, against closed forms: an ideal ADC's transitions,
// an injected comparator offset, the ladder's divider formula, R-2R levels; and the messages of
// validate() and of the adc spec reader.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "xbar/characterize/adc_measure.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/energy.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/dac.hpp"
#include "xbar/netlists/error.hpp"

using namespace xbar;
using characterize::SpiceSession;

namespace {

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

template <class Params>
std::string validation_message(const Params& params) {
  try {
    params.validate();
  } catch (const netlists::ValidationError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("ideal code and transitions of the rounding quantizer") {
  netlists::AdcParams p;  // 6 bits, -0.5 .. 0 V
  const double lsb = 0.5 / 63;
  CHECK(p.lsb_v() == doctest::Approx(lsb));
  const auto t = netlists::adc_ideal_transitions_v(p);
  REQUIRE(t.size() == 63);
  CHECK(t[0] == doctest::Approx(-0.5 + 0.5 * lsb));
  CHECK(t[62] == doctest::Approx(-0.5 * lsb));
  CHECK(netlists::adc_ideal_code(p, -0.5) == 0);
  CHECK(netlists::adc_ideal_code(p, -0.9) == 0);
  CHECK(netlists::adc_ideal_code(p, 0.3) == 63);
  CHECK(netlists::adc_ideal_code(p, -0.5 + 10.4 * lsb) == 10);
  CHECK(netlists::adc_ideal_code(p, -0.5 + 10.6 * lsb) == 11);
  // Ones counter: bubbles change the code by one.
  std::vector<double> q(63, 0.0);
  for (int k = 0; k < 10; ++k) q[k] = 1.8;
  CHECK(netlists::adc_code(p, q) == 10);
  q[3] = 0.0;
  q[20] = 1.7;
  CHECK(netlists::adc_code(p, q) == 10);
}

TEST_CASE("ideal comparators and ladder: |DNL| and |INL| < 0.01 LSB, transitions at the ideal levels") {
  netlists::AdcParams p;
  double v_m = 0.0;
  const auto lin = characterize::measure_adc_linearity(SpiceSession::instance(), p, {}, 16, &v_m);
  CHECK(max_abs(lin.dnl_lsb) < 0.01);
  CHECK(max_abs(lin.inl_lsb) < 0.01);
  CHECK(lin.missing_codes == 0);
  CHECK(std::abs(lin.gain_error_lsb) < 0.01);
  // The only offset is common to all comparators: the inverter chain trips at V_M, not at vdd/2.
  const double h = 0.5 * p.vdd_v;
  const double common = h / p.preamp_gain * std::atanh((v_m - h) / h);
  CHECK(lin.offset_lsb == doctest::Approx(common / p.lsb_v()).epsilon(1e-3));
}

TEST_CASE("an offset injected on comparator k moves transition k by exactly that offset, and no other") {
  netlists::AdcParams p;
  p.bits = 5;
  auto& spice = SpiceSession::instance();
  const auto base = characterize::measure_adc_linearity(spice, p, {}, 16);
  netlists::AdcMismatch m;
  m.comparator_offset_v.assign(31, 0.0);
  const int k = 12;  // comparator 13
  const double os = 0.37 * p.lsb_v();
  m.comparator_offset_v[k] = os;
  const auto moved = characterize::measure_adc_linearity(spice, p, m, 16);
  for (int j = 0; j < 31; ++j) {
    CAPTURE(j);
    const double want = base.threshold_v[j] + (j == k ? os : 0.0);
    CHECK(std::abs(moved.threshold_v[j] - want) / p.lsb_v() < 1e-4);
  }
  // ... and DNL sees it: code 13 (between transitions 13 and 14) narrows by 0.37 LSB.
  CHECK(moved.dnl_lsb[k] == doctest::Approx(-0.37).epsilon(0.01));
}

TEST_CASE("ladder mismatch moves transitions as the resistor-divider formula predicts") {
  netlists::AdcParams p;
  p.bits = 5;
  netlists::AdcMismatch m;
  core::CounterRng rng(7, 1);
  for (int j = 0; j < 32; ++j) m.ladder_r_rel.push_back(0.05 * rng.normal(j));
  auto& spice = SpiceSession::instance();
  const auto base = characterize::measure_adc_linearity(spice, p, {}, 16);
  const auto lin = characterize::measure_adc_linearity(spice, p, m, 16);
  const auto taps0 = netlists::adc_ladder_taps_v(p, {});
  const auto taps = netlists::adc_ladder_taps_v(p, m);
  const auto ideal = netlists::adc_ideal_transitions_v(p);
  for (int k = 0; k < 31; ++k) CHECK(taps0[k] == doctest::Approx(ideal[k]).epsilon(1e-12));
  double moved = 0.0;
  for (int k = 0; k < 31; ++k) {
    CAPTURE(k);
    // threshold = tap + common comparator offset, so the shift is the taps' shift.
    CHECK(std::abs((lin.threshold_v[k] - base.threshold_v[k]) - (taps[k] - taps0[k])) / p.lsb_v() < 1e-4);
    moved = std::max(moved, std::abs(taps[k] - taps0[k]) / p.lsb_v());
  }
  CHECK(moved > 0.05);  // the mismatch is large enough for the check to mean something
}

TEST_CASE("energy per conversion: the static bias is most of it, and a full-scale step costs more") {
  netlists::AdcParams p;
  p.bits = 4;
  const double t_conv = 10e-9;
  const auto e = characterize::measure_adc_energy(SpiceSession::instance(), p, {}, t_conv, 0.1e-9);
  const double e_bias = 15 * p.i_bias_a * p.vdd_v * t_conv;
  CHECK(e.total_j == doctest::Approx(e.supply_j + e.reference_j).epsilon(1e-9));
  CHECK(e.supply_j > e_bias);
  CHECK(e.supply_j < 1.5 * e_bias);
  // Reference: the ladder current (v_max - v_min) / (15 R) from a source at v_min for t_conv.
  const double i_ladder = (p.v_max_v - p.v_min_v) / (15 * p.r_ladder_unit_ohm);
  CHECK(e.reference_j == doctest::Approx(-p.v_min_v * i_ladder * t_conv + p.v_max_v * i_ladder * t_conv).epsilon(1e-3));
}

namespace {

/// The driver's output at every cycle's sample time.
std::vector<double> dac_levels(const netlists::DacParams& p, const netlists::DacMismatch& m, const std::vector<int>& codes) {
  const netlists::ReadTiming timing{20e-9, 1e-9};
  const std::string deck = "dac bench\n" + netlists::dac_text(p, m, "dac0", codes, timing, "row") + "rload row 0 1e12\n.end\n";
  const double t_end = timing.t_cycle_s * codes.size();
  const auto r = SpiceSession::instance().simulate(deck, fmt::format("tran 0.1n {} 0 0.1n", t_end));
  std::vector<double> out;
  for (std::size_t k = 0; k < codes.size(); ++k)
    out.push_back(characterize::interpolate_at(r.real("time"), r.real("row"), netlists::read_sample_time_s(timing, k)));
  // Return to zero between cycles.
  CHECK(std::abs(characterize::interpolate_at(r.real("time"), r.real("row"), timing.t_cycle_s)) < 1e-9);
  CHECK(characterize::energy_by_prefix_j(r, deck, "vdac0", 0.0, t_end) >= 0.0);
  return out;
}

}  // namespace

TEST_CASE("R-2R DAC: ideal levels without mismatch, the divider formula with it") {
  netlists::DacParams p;
  p.architecture = netlists::DacArchitecture::r2r;
  p.bits = 4;
  p.v_min_v = 0.05;
  p.r_source_ohm = 100.0;
  std::vector<int> codes;
  for (int c = 0; c < 16; ++c) codes.push_back((c * 7) % 16);
  const auto lv = dac_levels(p, {}, codes);
  for (std::size_t k = 0; k < codes.size(); ++k) {
    CAPTURE(codes[k]);
    CHECK(lv[k] == doctest::Approx(netlists::dac_ideal_level_v(p, codes[k])).epsilon(1e-6));
  }
  CHECK(netlists::dac_ideal_level_v(p, 15) == doctest::Approx(0.2));

  netlists::DacMismatch m;
  core::CounterRng rng(3, 1);
  for (int j = 0; j < 8; ++j) m.r_rel.push_back(0.03 * rng.normal(j));
  const auto lm = dac_levels(p, m, codes);
  double dev = 0.0;
  for (std::size_t k = 0; k < codes.size(); ++k) {
    CHECK(lm[k] == doctest::Approx(netlists::dac_r2r_level_v(p, m, codes[k])).epsilon(1e-6));
    dev = std::max(dev, std::abs(lm[k] - netlists::dac_ideal_level_v(p, codes[k])));
  }
  CHECK(dev > 1e-4);  // the mismatch shows

  // 1 bit: a two-resistor divider between the bit source (v_hi) and the termination (v_lo).
  p.bits = 1;
  p.v_min_v = 0.0;
  m.r_rel = {0.1, -0.2};  // bit leg, termination
  const double v_hi = 0.2 * 2.0 / 1.0, r_bit = 2.0 * p.r_unit_ohm * 1.1, r_term = 2.0 * p.r_unit_ohm * 0.8;
  CHECK(dac_levels(p, m, {1})[0] == doctest::Approx(v_hi * r_term / (r_term + r_bit)).epsilon(1e-6));
}

TEST_CASE("ideal DAC drives the ideal levels through its source resistance") {
  netlists::DacParams p;
  p.bits = 3;
  const auto lv = dac_levels(p, {}, {0, 7, 3});
  CHECK(lv[0] == doctest::Approx(0.0));
  CHECK(lv[1] == doctest::Approx(0.2).epsilon(1e-6));
  CHECK(lv[2] == doctest::Approx(0.2 * 3 / 7).epsilon(1e-6));
}

TEST_CASE("validate() messages name the field, the value and the rule") {
  netlists::AdcParams a;
  a.bits = 3;
  CHECK(validation_message(a) == "adc.bits = 3: must be between 4 and 8");
  a = {};
  a.v_max_v = -0.6;
  CHECK(validation_message(a) == "adc.v_max_v = -0.6: must be > adc.v_min_v = -0.5");
  a = {};
  a.preamp_gain = 0.5;
  CHECK(validation_message(a) == "adc.preamp_gain = 0.5: must be finite and > 1");
  CHECK(validation_message(netlists::AdcParams{}).empty());
  netlists::DacParams d;
  d.bits = 13;
  CHECK(validation_message(d) == "dac.bits = 13: must be between 1 and 12");
  d = {};
  d.r_unit_ohm = 0;
  CHECK(validation_message(d) == "dac.r_unit_ohm = 0: must be finite and > 0 ohm");
  CHECK_THROWS_AS(netlists::dac_ideal_level_v(netlists::DacParams{}, 16), netlists::Error);
  netlists::AdcMismatch m;
  m.comparator_offset_v.assign(5, 0.0);
  CHECK_THROWS_WITH_AS(netlists::adc_text(netlists::AdcParams{}, m, "adc", "in", "vdd"),
                       "adc mismatch comparator_offset_v has 5 entries: must be empty or 2^bits - 1 = 63",
                       netlists::ValidationError);
}

TEST_CASE("adc spec reader: fields, and messages with file:line: field = value: rule") {
  const auto spec = characterize::parse_campaign_spec(
      "kind = \"adc\"\n[adc]\nbits = 5\nv_min_v = -0.4\n[variation]\ncomparator_offset_sigma_v = 2e-3\n"
      "[measure]\npoints_per_lsb = 8\n[workload]\ninstances = 3\n",
      "a.toml");
  CHECK(spec.kind == "adc");
  CHECK(spec.adc.bits == 5);
  CHECK(spec.adc.v_min_v == -0.4);
  CHECK(spec.variation.comparator_offset_sigma_v == 2e-3);
  CHECK(spec.adc_measure.points_per_lsb == 8);
  CHECK(spec.total_samples() == 3);
  auto message = [](const std::string& text) {
    try {
      characterize::parse_campaign_spec(text, "a.toml");
    } catch (const characterize::SpecError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message("kind = \"adc\"\n[adc]\nbits = 9\n") == "a.toml:3: adc.bits = 9: must be an integer between 4 and 8");
  CHECK(message("kind = \"adc\"\n[adc]\nv_min_v = 0.1\n") == "a.toml:3: adc.v_min_v = 0.1: must be < adc.v_max_v = 0");
  CHECK(message("kind = \"adc\"\n[variation]\nladder_r_sigma_rel = -1\n") ==
        "a.toml:3: variation.ladder_r_sigma_rel = -1: must be finite and >= 0");
  CHECK(message("kind = \"adc\"\n[measure]\nt_edge_s = 5e-9\n") ==
        "a.toml:3: measure.t_edge_s = 5e-09: must be <= measure.t_conversion_s / 4 = 2.5e-09 s");
  CHECK(message("kind = \"adc\"\n[adc]\nbitz = 6\n").rfind("a.toml:3: unknown field 'adc.bitz'", 0) == 0);
}
