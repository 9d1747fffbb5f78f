// Fit system tests: a small real campaign is run in ngspice, fitted, and the fitted variation
// must cover the spec's values; the linear model must match SPICE on held-out samples; the
// model file round-trips exactly.
#include <doctest/doctest.h>

#include <set>

#include "xbar/core/counter_rng.hpp"

#include "temp_dir.hpp"
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/campaign_fit.hpp"
#include "xbar/fit/model_validation.hpp"
#include "xbar/fit/distribution_fit.hpp"
#include "xbar/core/sha256.hpp"

using namespace xbar;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {


std::string spec_text(const std::string& output, const std::string& distribution, const std::string& crossbar_extra) {
  return fmt::format(R"(kind = "crossbar"
seed = 5
[crossbar]
rows = 16
cols = 16
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
{}
[variation]
g_prog_error = {{ distribution = "{}", sigma_rel_d2d = 0.05 }}
stuck_on_fraction = 0.01
stuck_off_fraction = 0.01
r_wire_sigma_rel_d2d = 0.1
[workload]
instances = 20
patterns_per_instance = 2
inputs_per_pattern = 4
[run]
output = "{}"
sample_timeout_s = 30.0
)",
                     crossbar_extra, distribution, output);
}

characterize::CampaignFile run(const std::string& text) {
  const auto spec = characterize::parse_campaign_spec(text, "test.toml");
  characterize::RunOptions o;
  o.workers = 2;
  o.quiet = true;
  characterize::run_campaign(spec, o);
  return characterize::read_campaign_file(spec.run.output);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_same(const behavioral::CrossbarModelFile& a, const behavioral::CrossbarModelFile& b) {
  const auto& p = a.nominal;
  const auto& q = b.nominal;
  CHECK(p.rows == q.rows);
  CHECK(p.cols == q.cols);
  CHECK(p.differential == q.differential);
  CHECK(p.cell == q.cell);
  for (auto [x, y] : {std::pair{p.v0_v, q.v0_v},
                      {p.r_row_wire_ohm, q.r_row_wire_ohm},
                      {p.r_col_wire_ohm, q.r_col_wire_ohm},
                      {p.temperature_c, q.temperature_c},
                      {p.tnom_c, q.tnom_c},
                      {p.cell_tc1_per_k, q.cell_tc1_per_k},
                      {p.wire_tc1_per_k, q.wire_tc1_per_k},
                      {p.newton_abs_tol_v, q.newton_abs_tol_v},
                      {p.newton_rel_tol, q.newton_rel_tol},
                      {p.fast_rel_tol, q.fast_rel_tol}})
    CHECK(same_bits(x, y));
  CHECK(p.newton_max_iterations == q.newton_max_iterations);
  CHECK(p.fast_max_iterations == q.fast_max_iterations);
  CHECK(p.leaf_cells == q.leaf_cells);
  CHECK(p.r_source_ohm == q.r_source_ohm);
  const auto& e = a.variation.programming_error;
  const auto& f = b.variation.programming_error;
  CHECK(e.distribution == f.distribution);
  CHECK(e.gof_test == f.gof_test);
  CHECK(e.n == f.n);
  for (auto [x, y] : {std::pair{e.sigma_rel_d2d, f.sigma_rel_d2d},
                      {e.sigma_rel_d2d_ci95.low, f.sigma_rel_d2d_ci95.low},
                      {e.sigma_rel_d2d_ci95.high, f.sigma_rel_d2d_ci95.high},
                      {e.mean_rel, f.mean_rel},
                      {e.mean_log, f.mean_log},
                      {e.sigma_log, f.sigma_log},
                      {e.gof_statistic, f.gof_statistic},
                      {e.gof_p_value, f.gof_p_value},
                      {a.variation.g_stuck_on_s, b.variation.g_stuck_on_s},
                      {a.variation.g_stuck_off_s, b.variation.g_stuck_off_s}})
    CHECK(same_bits(x, y));
  for (auto [u, v] :
       {std::pair{&a.variation.stuck_on, &b.variation.stuck_on}, {&a.variation.stuck_off, &b.variation.stuck_off}}) {
    CHECK(same_bits(u->fraction, v->fraction));
    CHECK(same_bits(u->ci95.low, v->ci95.low));
    CHECK(same_bits(u->ci95.high, v->ci95.high));
    CHECK(u->n_events == v->n_events);
    CHECK(u->n_trials == v->n_trials);
  }
  const auto& w = a.variation.wire;
  const auto& x = b.variation.wire;
  CHECK(same_bits(w.r_wire_sigma_rel_d2d, x.r_wire_sigma_rel_d2d));
  CHECK(same_bits(w.ci95.low, x.ci95.low));
  CHECK(same_bits(w.ci95.high, x.ci95.high));
  CHECK(same_bits(w.mean_rel, x.mean_rel));
  CHECK(w.n == x.n);
  const auto& h = a.held_out;
  const auto& k = b.held_out;
  CHECK(h.n_samples == k.n_samples);
  CHECK(h.n_values == k.n_values);
  CHECK(h.adc_bits == k.adc_bits);
  for (auto [u, v] : {std::pair{h.rms_abs_a, k.rms_abs_a},
                      {h.max_abs_a, k.max_abs_a},
                      {h.rms_pct_fs, k.rms_pct_fs},
                      {h.max_pct_fs, k.max_pct_fs},
                      {h.rms_lsb, k.rms_lsb},
                      {h.max_lsb, k.max_lsb},
                      {h.full_scale_a, k.full_scale_a}})
    CHECK(same_bits(u, v));
  CHECK(same_bits(h.rel_l2, k.rel_l2));
  CHECK(a.estimated.parameters.size() == b.estimated.parameters.size());
  CHECK(a.estimated.iterations == b.estimated.iterations);
  CHECK(a.estimated.converged == b.estimated.converged);
  CHECK(same_bits(a.estimated.rms_residual_rel_fs, b.estimated.rms_residual_rel_fs));
  for (const auto& pa : a.estimated.parameters) {
    bool found = false;
    for (const auto& pb : b.estimated.parameters) {
      if (pb.name != pa.name) continue;
      found = true;
      CHECK(same_bits(pa.value, pb.value));
      CHECK(same_bits(pa.nominal, pb.nominal));
      CHECK(same_bits(pa.std_error, pb.std_error));
      CHECK(same_bits(pa.ci95.low, pb.ci95.low));
      CHECK(same_bits(pa.ci95.high, pb.ci95.high));
    }
    CHECK_MESSAGE(found, pa.name);
  }
  const auto& r = a.provenance;
  const auto& s = b.provenance;
  CHECK(r.campaign_path == s.campaign_path);
  CHECK(r.campaign_sha256 == s.campaign_sha256);
  CHECK(r.ngspice_version == s.ngspice_version);
  CHECK(r.xbar_version == s.xbar_version);
  CHECK(r.git_hash == s.git_hash);
  CHECK(r.fit_time == s.fit_time);
  CHECK(r.held_out_seed == s.held_out_seed);
}

}  // namespace

TEST_CASE("statistics kernels: KS series, Clopper-Pearson, SHA-256") {
  CHECK(fit::kolmogorov_q(0.0) == 1.0);
  CHECK(fit::kolmogorov_q(1.3581) == doctest::Approx(0.05).epsilon(1e-3));  // the classic 5% critical value
  double lo = 0, hi = 0;
  fit::clopper_pearson95(0, 10, &lo, &hi);
  CHECK(lo == 0.0);
  CHECK(hi == doctest::Approx(0.3084971).epsilon(1e-6));
  CHECK(core::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(core::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("model file round trip with a hand-made model, and wrong files are refused") {
  TempDir dir;
  behavioral::CrossbarModelFile m;
  m.nominal.rows = 5;
  m.nominal.cols = 3;
  m.nominal.differential = true;
  m.nominal.r_row_wire_ohm = 0.7;
  m.nominal.r_col_wire_ohm = 1.3;
  m.nominal.r_source_ohm = Eigen::VectorXd::LinSpaced(5, 10.0, 50.0);
  m.nominal.temperature_c = 85.0;
  m.nominal.cell_tc1_per_k = 1e-3;
  m.variation.programming_error.distribution = "lognormal";
  m.variation.programming_error.sigma_rel_d2d = 0.1 / 3.0;
  m.provenance.campaign_sha256 = "ab";
  const std::string path = (dir.path / "m.h5").string();
  behavioral::write_crossbar_model_file(path, m);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  const auto r = behavioral::read_crossbar_model_file(path);
  check_same(m, r);

  Eigen::MatrixXd gp = Eigen::MatrixXd::Random(5, 3).cwiseAbs() * 1e-4;
  Eigen::MatrixXd gn = Eigen::MatrixXd::Random(5, 3).cwiseAbs() * 1e-4;
  Eigen::MatrixXd v = Eigen::MatrixXd::Random(5, 7) * 0.2;
  behavioral::CrossbarModel a(m.nominal), b(r.nominal);
  a.program(gp, gn);
  b.program(gp, gn);
  const Eigen::MatrixXd ia = a.forward(v), ib = b.forward(v);
  CHECK(std::memcmp(ia.data(), ib.data(), sizeof(double) * static_cast<std::size_t>(ia.size())) == 0);

  CHECK_THROWS_AS(behavioral::read_crossbar_model_file((dir.path / "missing.h5").string()), behavioral::ModelFileError);
  const std::string text = (dir.path / "t.h5").string();
  { std::ofstream(text) << "not hdf5\n"; }
  CHECK_THROWS_WITH_AS(behavioral::read_crossbar_model_file(text), doctest::Contains("not an HDF5 file"),
                       behavioral::ModelFileError);
}

TEST_CASE("fit a normal campaign: CIs cover the spec, the linear model matches SPICE") {
  TempDir dir;
  const std::string out = (dir.path / "normal.h5").string();
  const auto campaign = run(spec_text(out, "normal", ""));
  fit::FitOptions o;
  o.campaign_path = out;
  o.xbar_version = "test";
  const auto m = fit::fit_crossbar(campaign, o);
  const auto& e = m.variation.programming_error;
  INFO("sigma ", e.sigma_rel_d2d, " [", e.sigma_rel_d2d_ci95.low, ", ", e.sigma_rel_d2d_ci95.high, "] p ",
       e.gof_p_value);
  CHECK(e.distribution == "normal");
  CHECK(e.sigma_rel_d2d_ci95.contains(0.05));
  CHECK(e.gof_p_value > 0.001);
  CHECK(e.n > 16u * 16u * 30u);
  CHECK(m.variation.stuck_on.ci95.contains(0.01));
  CHECK(m.variation.stuck_off.ci95.contains(0.01));
  CHECK(m.variation.stuck_on.n_trials == 20u * 16u * 16u);
  CHECK(m.variation.wire.ci95.contains(0.1));
  CHECK(m.variation.wire.n == 40u);
  CHECK(m.held_out.n_samples >= 2u);
  CHECK(m.held_out.rms_abs_a / m.held_out.full_scale_a < 1e-8);
  CHECK(m.held_out.full_scale_a == doctest::Approx(16 * 1e-4 * 0.2));
  CHECK(m.held_out.rel_l2 < 1e-8);
  CHECK(m.provenance.campaign_sha256.size() == 64u);
  // Levenberg-Marquardt recovers the wires the campaign used.
  REQUIRE(m.estimated.parameters.size() == 2u);
  CHECK(m.estimated.converged);
  for (const auto& p : m.estimated.parameters) {
    INFO(p.name, " = ", p.value, " spec ", p.nominal);
    CHECK(std::abs(p.value / p.nominal - 1) < 1e-6);
  }

  // Wrong file kinds are refused with a message.
  CHECK_THROWS_WITH_AS(behavioral::read_crossbar_model_file(out), doctest::Contains("is a campaign file"),
                       behavioral::ModelFileError);

  const std::string path = (dir.path / "model.h5").string();
  behavioral::write_crossbar_model_file(path, m);
  check_same(m, behavioral::read_crossbar_model_file(path));

  // `xbar validate` as one library call (fit::validate_model): the held-out row is the recorded
  // one to the bit (same samples, same error_metrics), and the predictive check matches the fit's.
  {
    fit::PredictiveCheckOptions po;
    po.chips = o.predictive_chips;
    po.seed = o.seed;
    const auto v = fit::validate_model(path, out, po);
    CHECK(v.model_kind == "crossbar");
    CHECK(v.unit == "A");
    CHECK(v.campaign_matches);
    REQUIRE(v.crossbar);
    REQUIRE(v.rows.size() == 3u);
    CHECK(v.rows[0].label == "recorded");
    CHECK(v.rows[1].label == "held-out");
    CHECK(v.rows[1].metrics.rms_abs == m.held_out.rms_abs_a);
    CHECK(v.rows[1].metrics.max_lsb == m.held_out.max_lsb);
    CHECK(v.rows[1].metrics.relative_l2 == m.held_out.rel_l2);
    CHECK(v.rows[0].metrics.rms_pct_fs == m.held_out.rms_pct_fs);
    CHECK(v.rows[1].n_samples == m.held_out.n_samples);
    CHECK(v.rows[2].n_samples == fit::ok_samples(campaign).size());
    CHECK(v.rows[2].metrics.n_instances == 20u);  // every chip
    CHECK(fit::to_metrics(v.crossbar->predictive).model_rms_pct_fs == m.predictive.model_rms_pct_fs);
    // SPICE against the ideal MVM per column: one accumulator per output, every value counted.
    REQUIRE(v.crossbar->spice_vs_ideal_by_column.size() == 16u);
    double n = 0;
    for (const auto& col : v.crossbar->spice_vs_ideal_by_column) n += col.n;
    CHECK(n == static_cast<double>(v.crossbar->all.spice_a.size()));
  }

  // `xbar fit` as one library call: the campaign's kind picks the fit.
  {
    const auto fm = fit::fit_campaign(campaign, o);
    CHECK(fm.kind == "crossbar");
    REQUIRE(fm.crossbar);
    CHECK_FALSE(fm.tia);
    CHECK_FALSE(fm.adc);
    CHECK_FALSE(fm.tile);
    CHECK(fm.crossbar->held_out.rms_abs_a == m.held_out.rms_abs_a);
    CHECK(fm.crossbar->variation.programming_error.sigma_rel_d2d == e.sigma_rel_d2d);
  }

  // The held-out split is by instance and seeded.
  std::vector<std::uint64_t> all_instances;
  for (std::size_t s : fit::ok_samples(campaign))
    all_instances.push_back(static_cast<std::uint64_t>(campaign.records[s].values[campaign.schema.offset_of("instance")]));
  const auto held_inst = fit::held_out_instances(1, all_instances);
  for (std::size_t s : fit::held_out_samples(campaign, 1)) {
    const auto inst = static_cast<std::uint64_t>(campaign.records[s].values[campaign.schema.offset_of("instance")]);
    CHECK(std::binary_search(held_inst.begin(), held_inst.end(), inst));
  }
}

TEST_CASE("held-out split: about a fifth of the chips by rank, never all and never none") {
  CHECK(fit::held_out_count(0) == 0);
  CHECK(fit::held_out_count(1) == 1);
  CHECK(fit::held_out_count(2) == 1);
  CHECK(fit::held_out_count(4) == 1);  // a 4-chip campaign holds out 1, not 3
  CHECK(fit::held_out_count(8) == 2);
  CHECK(fit::held_out_count(10) == 2);
  CHECK(fit::held_out_count(13) == 3);
  CHECK(fit::held_out_count(120) == 24);
  // Every seed: 4 chips hold out exactly one, and which one depends on the seed.
  std::set<std::uint64_t> chosen;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    const auto h = fit::held_out_instances(seed, {0, 1, 2, 3});
    REQUIRE(h.size() == 1u);
    chosen.insert(h[0]);
    // Order and duplicates of the input do not matter.
    CHECK(fit::held_out_instances(seed, {3, 2, 2, 1, 0, 0}) == h);
  }
  CHECK(chosen.size() == 4u);
  // The held-out set of n chips has the lowest splitmix64(seed ^ k).
  std::vector<std::uint64_t> ten(10);
  for (std::uint64_t k = 0; k < 10; ++k) ten[k] = k;
  const auto h = fit::held_out_instances(7, ten);
  REQUIRE(h.size() == 2u);
  std::uint64_t worst_held = 0, best_kept = ~0ULL;
  for (std::uint64_t k : ten) {
    const std::uint64_t r = xbar::core::splitmix64(7 ^ k);
    if (std::binary_search(h.begin(), h.end(), k)) {
      worst_held = std::max(worst_held, r);
    } else {
      best_kept = std::min(best_kept, r);
    }
  }
  CHECK(worst_held < best_kept);
}

TEST_CASE("Levenberg-Marquardt finds the sinh V0 and the source resistance from a wrong starting nominal") {
  TempDir dir;
  const std::string out = (dir.path / "sinh.h5").string();
  std::string text = spec_text(out, "normal", "cell = \"sinh\"\nv0_v = 0.2\nr_source_ohm = 50.0");
  text.replace(text.find("instances = 20"), 14, "instances = 4");
  const auto campaign = run(text);
  const auto spec = characterize::parse_campaign_spec(campaign.provenance.spec_text, "spec");
  auto nominal = fit::nominal_params(spec);
  nominal.v0_v = 0.3;                                           // 50 % off
  nominal.r_source_ohm = Eigen::VectorXd::Constant(16, 80.0);  // 60 % off
  const auto e = fit::estimate_parameters(nominal, campaign, fit::ok_samples(campaign), fit::full_scale_a(spec), 2);
  REQUIRE(e.parameters.size() == 4u);
  CHECK_MESSAGE(e.converged, "iterations ", e.iterations, " rms ", e.rms_residual_rel_fs);
  for (const auto& p : e.parameters) {
    INFO(p.name, " = ", p.value, " [", p.ci95.low, ", ", p.ci95.high, "]");
    if (p.name == "v0_v") CHECK(std::abs(p.value / 0.2 - 1) < 1e-6);
    if (p.name == "r_source_ohm") CHECK(std::abs(p.value / 50.0 - 1) < 1e-6);
    if (p.name == "r_row_wire_ohm" || p.name == "r_col_wire_ohm") CHECK(std::abs(p.value - 1.0) < 1e-6);
  }
  CHECK(e.rms_residual_rel_fs < 1e-8);
}

TEST_CASE("fit a lognormal differential campaign") {
  TempDir dir;
  const std::string out = (dir.path / "lognormal.h5").string();
  const auto campaign = run(spec_text(out, "lognormal", "differential = true"));
  fit::FitOptions o;
  o.seed = 3;
  o.adc_bits = 10;
  const auto m = fit::fit_crossbar(campaign, o);
  const auto& e = m.variation.programming_error;
  INFO("sigma ", e.sigma_rel_d2d, " [", e.sigma_rel_d2d_ci95.low, ", ", e.sigma_rel_d2d_ci95.high, "] p ",
       e.gof_p_value);
  CHECK(e.distribution == "lognormal");
  CHECK(e.sigma_rel_d2d_ci95.contains(0.05));
  CHECK(std::abs(e.mean_log + 0.5 * std::log1p(0.05 * 0.05)) < 5.0 * e.sigma_log / std::sqrt(static_cast<double>(e.n)));
  CHECK(e.gof_p_value > 0.001);
  CHECK(m.variation.stuck_on.ci95.contains(0.01));
  CHECK(m.variation.stuck_off.ci95.contains(0.01));
  CHECK(m.nominal.differential);
  CHECK(m.held_out.adc_bits == 10);
  CHECK(m.held_out.rms_abs_a / m.held_out.full_scale_a < 1e-8);
  CHECK(m.provenance.campaign_sha256.empty());
}
