// Op-amp and TIA (issue 4): netlist text and validate() messages, the [opamp]/[tia] spec
// readers, and SPICE system tests (the mismatch sampling, an internal of characterize, is tested
// in tests/characterize/test_opamp_sampling.cpp): the input offset of a Monte Carlo
// population against Pelgrom's law, and the TIA gain against the finite-gain prediction.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/error.hpp"
#include "xbar/netlists/opamp.hpp"

using namespace xbar;
using namespace xbar::characterize;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string validation_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const netlists::ValidationError& e) {
    return e.what();
  }
  return "";
}

std::string spec_error(const std::string& text) {
  try {
    parse_campaign_spec(text, "spec.toml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

/// Runs samples 0..n-1 of a spec in this process and returns the records.
std::vector<SampleRecord> run_kind(const CampaignSpec& spec, int n, CampaignSchema* schema) {
  auto kind = make_circuit_kind(spec);
  *schema = kind->schema();
  std::vector<SampleRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(kind->run_sample(SpiceSession::instance(), static_cast<std::uint64_t>(i)));
  return out;
}

double value(const CampaignSchema& schema, const SampleRecord& r, const std::string& field, std::size_t k = 0) {
  return r.values.at(schema.offset_of(field) + k);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Netlist text and validate()

TEST_CASE("opamp: subcircuit text holds its own models, bias source and compensation") {
  netlists::OpampParams p;
  const std::string sub = netlists::opamp_subckt(p, {}, "oa7");
  CHECK(sub.rfind(".subckt oa7 inp inn out vdd vss\n", 0) == 0);
  CHECK(contains(sub, ".ends oa7\n"));
  int models = 0;
  for (std::size_t at = sub.find(".model"); at != std::string::npos; at = sub.find(".model", at + 1)) ++models;
  CHECK(models == 8);
  CHECK(contains(sub, "m2 n2 inp tail vss 2_mod w=3.9999999999999998e-06 l=9.9999999999999995e-07"));
  CHECK(contains(sub, "ibias vdd nb DC"));
  CHECK(contains(sub, "rz n2 nz 2000\ncc nz out 2e-12\n"));

  netlists::OpampMismatch mm;
  mm.dvt_v.assign(8, 0.0);
  mm.dbeta_rel.assign(8, 0.0);
  mm.dvt_v[1] = 0.01;  // m2 (NMOS): VTO + dVT
  CHECK(contains(netlists::opamp_subckt(p, mm, "oa8"), ".model 2_mod nmos (level=1 vto=0.46000000000000002"));

  p.model = netlists::OpampModel::macro;
  const std::string macro = netlists::opamp_subckt(p, {{}, {}, 0.002}, "om");
  CHECK(contains(macro, "vos inp ni DC -0.002\n"));
  CHECK(contains(macro, "iq vdd vss DC 0.0001\n"));
}

TEST_CASE("opamp: validate() names the field, the value and the rule") {
  netlists::OpampParams p;
  p.cc_f = -1e-12;
  CHECK(validation_message([&] { p.validate(); }) == "opamp.cc_f = -1e-12: must be finite and > 0 F");
  p = {};
  p.vss_v = 1.0;
  CHECK(contains(validation_message([&] { p.validate(); }), "opamp.vss_v = 1: must be finite and < vdd_v (V)"));
  p = {};
  p.l_in_m = 0.1e-6;
  CHECK(contains(validation_message([&] { p.validate(); }),
                 "opamp.l_in_m = 1e-07: must be finite, >= the process minimum length 1.8e-07 m"));
  p = {};
  p.model = netlists::OpampModel::macro;
  p.f_p2_hz = 10.0;
  CHECK(validation_message([&] { p.validate(); }) == "opamp.f_p2_hz = 10: must be finite and > f_p1_hz (Hz)");

  netlists::TiaParams t;
  t.rf_ohm = 0;
  CHECK(validation_message([&] { t.validate(); }) == "tia.rf_ohm = 0: must be finite and > 0 ohm");

  netlists::OpampMismatch bad;
  bad.dvt_v = {0.001};
  CHECK(contains(validation_message([&] { netlists::opamp_subckt({}, bad, "x"); }),
                 "opamp_mismatch.dvt_v has 1 entries: must be empty or one per transistor (8)"));
  netlists::TiaBench b;
  b.sweep_points = 1;
  CHECK(validation_message([&] { b.validate(); }) == "tia_bench.sweep_points = 1: must be an integer between 3 and 10000");
}

TEST_CASE("tia: element lines") {
  netlists::TiaParams t;
  t.rf_ohm = 20e3;
  CHECK(netlists::tia_text(t, "oa_c3", "tia3", "o3", "tout3", "vdd_tia", "vss_tia") ==
        "xtia3 0 o3 tout3 vdd_tia vss_tia oa_c3\nrf_tia3 tout3 o3 20000\n");
  t.cf_f = 1e-13;
  CHECK(contains(netlists::tia_text(t, "s", "t", "a", "b", "d", "e"), "cf_t b a 1e-13\n"));
}

// ---------------------------------------------------------------------------------------------
// Spec readers

TEST_CASE("opamp spec: bad fields are reported with file, line, field, value and rule") {
  CHECK(contains(spec_error("kind = \"opamp\"\n[opamp]\ncc_f = -1e-12\n"),
                 "spec.toml:3: opamp.cc_f = -1e-12: must be finite and > 0 F"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[opamp]\ncc = 1e-12\n"),
                 "spec.toml:3: unknown field 'opamp.cc' (known: model,"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[opamp]\ncc = 1e-12\n"), "did you mean 'cc_f'?"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[opamp]\nmodel = \"ideal\"\n"),
                 "spec.toml:3: opamp.model = 'ideal': must be one of transistor, macro"));
  CHECK(contains(spec_error("kind = \"opamp\"\n\n[opamp]\nvdd_v = 0.9\nvss_v = 1.2\n"),
                 "spec.toml:5: opamp.vss_v = 1.2: must be finite and < vdd_v (V)"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[opamp]\npoints_per_decade = 0\n"),
                 "spec.toml:3: opamp.points_per_decade = 0: must be an integer between 1 and 1000"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[variation]\nmismatch_devices = \"pair\"\n"),
                 "spec.toml:3: variation.mismatch_devices = 'pair': must be one of all, input_pair, none"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[variation]\na_vt_mv_um = -3\n"),
                 "spec.toml:3: variation.a_vt_mv_um = -3: must be finite and >= 0 mV*um"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[variation]\ng_prog_error = { distribution = \"none\" }\n"),
                 "spec.toml:3: unknown field 'variation.g_prog_error' (known: a_vt_mv_um,"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[workload]\ninstances = 4\npatterns_per_instance = 2\n"),
                 "spec.toml:4: workload.patterns_per_instance = 2: must be 1 for kind = 'opamp' (one sample is one "
                 "Monte Carlo instance: set instances)"));
  CHECK(contains(spec_error("kind = \"opamp\"\n[tia]\nrf_ohm = 1e3\n"),
                 "spec.toml:2: unknown field 'tia' (known: kind, seed, opamp, variation, workload, run)"));
  CHECK(contains(spec_error("kind = \"tia\"\n[tia]\nrf_ohm = 0\n"), "spec.toml:3: tia.rf_ohm = 0: must be finite and > 0 ohm"));
  CHECK(contains(spec_error("kind = \"tia\"\n[tia]\nsweep_points = 1\n"),
                 "spec.toml:3: tia.sweep_points = 1: must be an integer between 3 and 10000"));
  CHECK(contains(spec_error("kind = \"tia\"\n[tia]\nt_stop_s = 1e-9\n"),
                 "spec.toml:3: tia.t_stop_s = 1e-09: must be finite and > t_delay_s + t_rise_s + 10 t_step_s (s)"));
  CHECK(contains(spec_error("kind = \"tia\"\n[tia]\nrf_ohm = \"10k\"\n"),
                 "spec.toml:3: tia.rf_ohm = \"10k\": must be a number (finite)"));

  const CampaignSpec ok = parse_campaign_spec(
      "kind = \"tia\"\n[opamp]\nmodel = \"macro\"\na0_vv = 2e4\n[tia]\nrf_ohm = 5e3\n[variation]\n"
      "mismatch_devices = \"input_pair\"\nopamp_vos_sigma_v = 1e-3\n[workload]\ninstances = 3\n",
      "spec.toml");
  CHECK(ok.kind == "tia");
  CHECK(ok.tia.opamp.model == netlists::OpampModel::macro);
  CHECK(ok.tia.opamp.a0_vv == 2e4);
  CHECK(ok.tia.rf_ohm == 5e3);
  CHECK(ok.variation.mismatch_devices == MismatchDevices::input_pair);
  CHECK(ok.variation.opamp_vos_sigma_v == 1e-3);
  CHECK(ok.total_samples() == 3);
}

// ---------------------------------------------------------------------------------------------
// SPICE system tests

TEST_CASE("opamp, tia: an ngspice error becomes a spice_error record, not an exception") {
  // fault_injected() reads XBAR_FAULT_INJECT once, at its first call: this is the first test
  // case that runs a sample, and the index is one no other test case uses.
  constexpr std::uint64_t kBad = 1000000;
  ::setenv("XBAR_FAULT_INJECT", "spice_error:1000000", 1);
  for (const char* kind : {"opamp", "tia"}) {
    CAPTURE(kind);
    const CampaignSpec spec = parse_campaign_spec(fmt::format("kind = \"{}\"\n", kind), "f.toml");
    auto k = make_circuit_kind(spec);
    const SampleRecord good = k->run_sample(SpiceSession::instance(), 0);
    const SampleRecord bad = k->run_sample(SpiceSession::instance(), kBad);
    CHECK(good.status == SampleStatus::ok);
    CHECK(bad.status == SampleStatus::spice_error);
    CHECK(contains(bad.error, "singular"));
    CHECK(bad.values.size() == k->schema().values_per_sample());
    CHECK(std::isnan(value(k->schema(), bad, "a0_vv")));
    CHECK(!std::isnan(value(k->schema(), bad, "dvt_v", 0)));
  }
  ::unsetenv("XBAR_FAULT_INJECT");
}

TEST_CASE("opamp: input offset of 240 instances (input-pair mismatch) matches Pelgrom's law") {
  const int n = 240;
  const CampaignSpec spec = parse_campaign_spec(fmt::format(R"(kind = "opamp"
seed = 4
[variation]
mismatch_devices = "input_pair"
[workload]
instances = {}
)",
                                                            n),
                                                "pelgrom.toml");
  CampaignSchema schema;
  const auto recs = run_kind(spec, n, &schema);
  std::vector<double> vos, tail;
  for (const auto& r : recs) {
    REQUIRE(r.status == SampleStatus::ok);
    vos.push_back(value(schema, r, "v_offset_v"));
    tail.push_back(value(schema, r, "v_tail_v"));
  }
  double mean = 0, mean_tail = 0;
  for (int i = 0; i < n; ++i) {
    mean += vos[i] / n;
    mean_tail += tail[i] / n;
  }
  double ss = 0;
  for (double x : vos) ss += (x - mean) * (x - mean);
  const double s = std::sqrt(ss / (n - 1));

  // Prediction: Vov of M1 from the operating point (level-1 square law with body effect).
  const netlists::OpampParams& p = spec.opamp;
  const auto& c = p.process.nmos;
  const double vgs = 0.0 - mean_tail, vsb = mean_tail - p.vss_v;
  const double vt = c.vto_v + c.gamma_sqrt_v * (std::sqrt(c.phi_v + vsb) - std::sqrt(c.phi_v));
  const double vov = vgs - vt;
  const double area = p.w_in_m * p.l_in_m;
  const double sigma_vt = p.process.a_vt_v_m / std::sqrt(area);
  const double sigma_beta = p.process.a_beta_m / std::sqrt(area);
  auto predict = [&](double svt, double sb) { return std::sqrt(2 * svt * svt + (vov / 2) * (vov / 2) * 2 * sb * sb); };
  const double predicted = predict(sigma_vt, sigma_beta);

  // 95 % confidence interval of sigma from the sample standard deviation (chi-square, n-1 dof).
  const boost::math::chi_squared chi(n - 1);
  const double lo = s * std::sqrt((n - 1) / boost::math::quantile(chi, 0.975));
  const double hi = s * std::sqrt((n - 1) / boost::math::quantile(chi, 0.025));
  MESSAGE(fmt::format("Vov1 = {:.4f} V (tail {:.4f} V), sigma_VT = {:.4g} V, sigma_beta = {:.4g}: predicted sigma(Vos) = "
                      "{:.5g} V; sample sigma = {:.5g} V (mean {:.3g} V), 95 % CI [{:.5g}, {:.5g}] V",
                      vov, mean_tail, sigma_vt, sigma_beta, predicted, s, mean, lo, hi));
  CHECK(vov > 0.05);
  CHECK(vov < 0.3);
  CHECK(predicted >= lo);
  CHECK(predicted <= hi);
  // The interval discriminates: a prediction with A_VT 20 % off falls outside.
  CHECK_FALSE((predict(1.2 * sigma_vt, sigma_beta) >= lo && predict(1.2 * sigma_vt, sigma_beta) <= hi));
  CHECK_FALSE((predict(0.8 * sigma_vt, sigma_beta) >= lo && predict(0.8 * sigma_vt, sigma_beta) <= hi));
}

TEST_CASE("opamp: nominal transistor-level figures meet the design targets") {
  const CampaignSpec spec = parse_campaign_spec("kind = \"opamp\"\n[variation]\nmismatch_devices = \"none\"\n", "n.toml");
  CampaignSchema schema;
  const auto r = run_kind(spec, 1, &schema).at(0);
  REQUIRE(r.status == SampleStatus::ok);
  MESSAGE(fmt::format("nominal: A0 = {:.1f} dB, UGB = {:.3g} Hz, PM = {:.1f} deg, offset = {:.3g} V, Isupply = {:.4g} A, "
                      "r_out = {:.4g} ohm, swing {:.3f} / {:.3f} V",
                      value(schema, r, "a0_db"), value(schema, r, "ugb_hz"), value(schema, r, "phase_margin_deg"),
                      value(schema, r, "v_offset_v"), value(schema, r, "i_supply_a"), value(schema, r, "r_out_ohm"),
                      value(schema, r, "v_out_high_v"), value(schema, r, "v_out_low_v")));
  CHECK(value(schema, r, "a0_db") > 60.0);
  CHECK(value(schema, r, "ugb_hz") > 8e6);
  CHECK(value(schema, r, "phase_margin_deg") > 55.0);
  CHECK(std::abs(value(schema, r, "v_offset_v")) < 1e-3);  // systematic offset only
  // Supply current: Ibias + I5 + I7 = 140 uA by hand (lambda adds a few %).
  CHECK(value(schema, r, "i_supply_a") == doctest::Approx(140e-6).epsilon(0.05));
  CHECK(value(schema, r, "v_out_high_v") > 0.7);
  CHECK(value(schema, r, "v_out_low_v") < -0.7);
}

TEST_CASE("opamp: the macro model's figures follow its parameters") {
  const CampaignSpec spec = parse_campaign_spec(
      "kind = \"opamp\"\n[opamp]\nmodel = \"macro\"\na0_vv = 1e4\nf_p1_hz = 1e3\nf_p2_hz = 1e9\ni_q_a = 5e-5\nvos_v = 1e-3\n",
      "m.toml");
  CampaignSchema schema;
  const auto r = run_kind(spec, 1, &schema).at(0);
  REQUIRE(r.status == SampleStatus::ok);
  CHECK(value(schema, r, "a0_vv") == doctest::Approx(1e4).epsilon(1e-3));
  CHECK(value(schema, r, "ugb_hz") == doctest::Approx(1e7).epsilon(0.02));  // a0 f_p1, second pole far away
  CHECK(value(schema, r, "phase_margin_deg") == doctest::Approx(90 - std::atan(1e7 / 1e9) * 180 / M_PI).epsilon(0.01));
  CHECK(value(schema, r, "v_offset_v") == doctest::Approx(1e-3).epsilon(1e-3));
  CHECK(value(schema, r, "i_supply_a") == doctest::Approx(5e-5).epsilon(1e-6));
  CHECK(value(schema, r, "r_out_ohm") == doctest::Approx(100.0).epsilon(0.01));
  CHECK(value(schema, r, "v_out_high_v") == doctest::Approx(0.8).epsilon(0.01));
  CHECK(value(schema, r, "v_out_low_v") == doctest::Approx(-0.8).epsilon(0.01));
}

TEST_CASE("tia: gain matches -Rf within the op-amp's finite-gain prediction (transistor and macro)") {
  for (const char* model : {"transistor", "macro"}) {
    CAPTURE(model);
    const CampaignSpec spec = parse_campaign_spec(fmt::format(R"(kind = "tia"
seed = 9
[opamp]
model = "{}"
[tia]
rf_ohm = 10e3
c_in_f = 0.5e-12
[variation]
opamp_vos_sigma_v = 2e-3
[workload]
instances = 4
)",
                                                              model),
                                                  "tia.toml");
    CampaignSchema schema;
    const auto recs = run_kind(spec, 4, &schema);
    for (const auto& r : recs) {
      REQUIRE(r.status == SampleStatus::ok);
      const double rf = spec.tia.rf_ohm;
      const double gain = value(schema, r, "gain_ohm");
      const double a0 = value(schema, r, "a0_vv");
      const double r_out = value(schema, r, "r_out_ohm");
      // -Rf (A - r_out/Rf) / (1 + A): the ideal-op-amp gain -Rf A/(1+A), corrected for the
      // output resistance that the current through Rf flows into.
      const double predicted = -rf * (a0 - r_out / rf) / (1.0 + a0);
      CHECK(value(schema, r, "gain_predicted_ohm") == doctest::Approx(predicted).epsilon(1e-12));
      const double deviation = std::abs(predicted + rf);  // what the finite gain predicts
      MESSAGE(fmt::format("{} instance {}: gain {:.4f} ohm, predicted {:.4f} ohm, -Rf = {} ohm (A0 = {:.4g}, r_out = {:.4g})",
                          model, r.index, gain, predicted, -rf, a0, r_out));
      CHECK(deviation > 1e-5 * rf);                                // the check below is not vacuous
      CHECK(std::abs(gain - predicted) < 0.1 * deviation);         // within 10 % of the finite-gain error
      CHECK(value(schema, r, "v_ground_error_v") < 0.01);
      CHECK(value(schema, r, "settled") == 1.0);
      CHECK(value(schema, r, "settling_time_s") > 0.0);
      CHECK(value(schema, r, "settling_time_s") < 0.5e-6);
    }
    if (std::string(model) == "macro") {
      CHECK(value(schema, recs[0], "a0_vv") == doctest::Approx(spec.opamp.a0_vv).epsilon(1e-3));
    }
  }
}

