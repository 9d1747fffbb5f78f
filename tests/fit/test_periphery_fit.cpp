// Periphery fit tests: small tia and adc campaigns run in ngspice through characterize's runner
// are fitted (fit_tia / fit_adc); the per-instance least squares must reproduce the campaign's
// own fit_line figures, the offset spread must cover the spec's sigma, the ADC nominal must be the
// fit-set mean, and the model files must round-trip with identical predictions. Wrong and
// corrupt files must be refused with messages naming them.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/fit/distribution_fit.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/model_validation.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/fit/tile_assembly.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/behavioral/tile_model.hpp"

using namespace xbar;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

characterize::CampaignFile run(const std::string& text) {
  const auto spec = characterize::parse_campaign_spec(text, "test.toml");
  characterize::RunOptions o;
  o.workers = 2;
  o.quiet = true;
  characterize::run_campaign(spec, o);
  return characterize::read_campaign_file(spec.run.output);
}

std::string tia_spec(const std::string& output, const std::string& model, int instances) {
  return fmt::format(R"(kind = "tia"
seed = 3
[opamp]
model = "{}"
[tia]
rf_ohm = 10e3
i_full_scale_a = 40e-6
sweep_points = 11
lsb_bits = 8
c_in_f = 0.5e-12
t_stop_s = 1e-6
[variation]
mismatch_devices = "all"
opamp_vos_sigma_v = 2e-3
[workload]
instances = {}
[run]
output = "{}"
sample_timeout_s = 30.0
)",
                     model, instances, output);
}

std::string adc_spec(const std::string& output) {
  return fmt::format(R"(kind = "adc"
seed = 2
[adc]
bits = 4
v_min_v = -0.5
v_max_v = 0.0
[variation]
comparator_offset_sigma_v = 2e-3
[workload]
instances = 12
[run]
output = "{}"
sample_timeout_s = 30.0
)",
                     output);
}

double at(const characterize::CampaignFile& c, std::size_t s, const char* name, std::size_t k = 0) {
  return c.records[s].values[c.schema.offset_of(name) + k];
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

void check_same_metrics(const behavioral::PeripheryErrorMetrics& a, const behavioral::PeripheryErrorMetrics& b) {
  CHECK(a.n_instances == b.n_instances);
  CHECK(a.n_values == b.n_values);
  for (auto [x, y] : {std::pair{a.rms_abs_v, b.rms_abs_v}, {a.max_abs_v, b.max_abs_v}, {a.rms_lsb, b.rms_lsb},
                      {a.max_lsb, b.max_lsb}, {a.rms_pct_fs, b.rms_pct_fs}, {a.max_pct_fs, b.max_pct_fs},
                      {a.lsb_v, b.lsb_v}, {a.full_scale_v, b.full_scale_v}})
    CHECK(same_bits(x, y));
}

void check_same_normal(const behavioral::NormalParameterFit& a, const behavioral::NormalParameterFit& b) {
  CHECK(a.n == b.n);
  CHECK(a.gof_test == b.gof_test);
  for (auto [x, y] : {std::pair{a.mean_v, b.mean_v}, {a.sigma_v, b.sigma_v}, {a.sigma_ci95.low, b.sigma_ci95.low},
                      {a.sigma_ci95.high, b.sigma_ci95.high}, {a.gof_statistic, b.gof_statistic},
                      {a.gof_p_value, b.gof_p_value}})
    CHECK(same_bits(x, y));
}

// Deletes attribute `name` of object `object` in an HDF5 file (to make a broken model file).
void delete_attribute(const std::string& path, const char* object, const char* name) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  REQUIRE(H5Adelete_by_name(f, object, name, H5P_DEFAULT) >= 0);
  H5Fclose(f);
}

}  // namespace

TEST_CASE("TIA fit: LS gain/offset match the campaign, the offset CI covers the spec, the file round-trips") {
  TempDir dir;
  const std::string out = (dir.path / "tia.h5").string();
  const auto c = run(tia_spec(out, "macro", 120));
  fit::FitOptions o;
  o.campaign_path = out;
  o.xbar_version = "test";
  const auto m = fit::fit_tia(c, o);
  const auto ok = fit::ok_samples(c);
  REQUIRE(ok.size() == 120u);
  REQUIRE(m.instances.size() == 120u);
  for (std::size_t r = 0; r < ok.size(); ++r) {
    const auto ri = static_cast<Eigen::Index>(r);
    CHECK(m.instances.gain_ohm[ri] == doctest::Approx(at(c, ok[r], "gain_ohm")).epsilon(1e-9));
    CHECK(m.instances.v_out_offset_v[ri] == doctest::Approx(at(c, ok[r], "v_out_offset_v")).epsilon(1e-9));
    CHECK(m.instances.instance[r] == static_cast<long long>(at(c, ok[r], "instance")));
  }
  {
    std::vector<std::uint64_t> inst;
    for (std::size_t r = 0; r < ok.size(); ++r) inst.push_back(static_cast<std::uint64_t>(at(c, ok[r], "instance")));
    const auto held = fit::held_out_instances(1, inst);
    CHECK(held.size() == 24u);  // a fifth of 120
    for (std::size_t r = 0; r < ok.size(); ++r)
      CHECK(m.instances.held_out[r] == (std::binary_search(held.begin(), held.end(), inst[r]) ? 1 : 0));
  }

  // Macro op-amp: the measured offset is the drawn one (to ~1/a0), so the fitted sigma is the
  // MLE of the draws, and its 95% CI covers the spec's 2 mV.
  const auto& f = m.opamp_v_offset;
  INFO("sigma ", f.sigma_v, " [", f.sigma_ci95.low, ", ", f.sigma_ci95.high, "] n ", f.n);
  const auto fit_set = fit::fit_set_samples(c, 1);
  CHECK(f.n == fit_set.size());
  std::vector<double> drawn;
  for (std::size_t s : fit_set) drawn.push_back(at(c, s, "vos_drawn_v"));
  CHECK(f.sigma_v == doctest::Approx(fit::fit_normal(drawn).sigma).epsilon(1e-3));
  CHECK(f.sigma_ci95.contains(2e-3));
  CHECK(f.gof_p_value > 0.001);
  CHECK(m.nominal.v_offset_v == f.mean_v);
  CHECK(m.nominal.rf_ohm == 10e3);
  CHECK(std::isinf(m.nominal.t_sample_s));
  CHECK(m.nominal.tau_s > 0);
  CHECK(m.nominal.tau_s == doctest::Approx(m.settling.t_settle_median_s / (8 * std::log(2.0))));

  // Held out: knowing the instance helps (it carries the offset), and both are recorded.
  CHECK(m.held_out_nominal.n_instances >= 1u);
  CHECK(m.held_out_nominal.n_values == m.held_out_nominal.n_instances * 11u);
  CHECK(m.held_out_instance_informed.rms_lsb < m.held_out_nominal.rms_lsb);
  CHECK(m.held_out_nominal.full_scale_v == doctest::Approx(0.8));
  CHECK(m.held_out_nominal.lsb_v == doctest::Approx(0.8 / 256));
  CHECK(m.held_out_nominal.rms_pct_fs ==
        doctest::Approx(100 * m.held_out_nominal.rms_abs_v / m.held_out_nominal.full_scale_v));

  // Round trip: identical params, tables, metrics and predictions.
  const std::string path = (dir.path / "tia_model.h5").string();
  behavioral::write_tia_model_file(path, m);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK(behavioral::model_kind_of(path) == "tia");
  const auto r = behavioral::read_tia_model_file(path);
  const auto& p = m.nominal;
  const auto& q = r.nominal;
  for (auto [x, y] : {std::pair{p.rf_ohm, q.rf_ohm}, {p.a0_vv, q.a0_vv}, {p.r_out_ohm, q.r_out_ohm},
                      {p.v_offset_v, q.v_offset_v}, {p.v_out_min_v, q.v_out_min_v}, {p.v_out_max_v, q.v_out_max_v},
                      {p.tau_s, q.tau_s}, {p.t_sample_s, q.t_sample_s}})
    CHECK(same_bits(x, y));
  check_same_normal(m.opamp_v_offset, r.opamp_v_offset);
  CHECK(m.settling.n_settled == r.settling.n_settled);
  CHECK(same_bits(m.settling.t_settle_median_s, r.settling.t_settle_median_s));
  CHECK(m.instances.instance == r.instances.instance);
  CHECK(m.instances.held_out == r.instances.held_out);
  CHECK(same(m.instances.gain_ohm, r.instances.gain_ohm));
  CHECK(same(m.instances.opamp_v_offset_v, r.instances.opamp_v_offset_v));
  CHECK(same(m.instances.v_out_low_v, r.instances.v_out_low_v));
  check_same_metrics(m.held_out_nominal, r.held_out_nominal);
  check_same_metrics(m.held_out_instance_informed, r.held_out_instance_informed);
  CHECK(r.provenance.campaign_sha256 == m.provenance.campaign_sha256);
  CHECK(r.provenance.campaign_sha256.size() == 64u);
  const auto a = fit::compare_tia_with_spice(m.nominal, c, ok);
  const auto b = fit::compare_tia_with_spice(r.nominal, c, ok);
  CHECK(a.nominal_v == b.nominal_v);
  CHECK(a.informed_v == b.informed_v);
  auto other_rf = m.nominal;
  other_rf.rf_ohm *= 2.0;
  CHECK_THROWS_WITH_AS(fit::compare_tia_with_spice(other_rf, c, ok), doctest::Contains("not the same TIA"), fit::FitError);
  for (double i = -1e-3; i <= 1e-3; i += 1.7e-6)
    CHECK(same_bits(behavioral::tia_evaluate(p, i, 2e-5).v_out_v, behavioral::tia_evaluate(q, i, 2e-5).v_out_v));

  // `xbar validate` as one library call: one result type, recorded / held-out / all ok rows.
  {
    const auto v = fit::validate_model(path, out);
    CHECK(v.model_kind == "tia");
    CHECK(v.campaign_kind == "tia");
    CHECK(v.campaign_name == "tia");
    CHECK(v.campaign_matches);
    CHECK(v.unit == "V");
    REQUIRE(v.tia);
    CHECK_FALSE(v.adc);
    CHECK_FALSE(v.crossbar);
    CHECK_FALSE(v.tile);
    REQUIRE(v.rows.size() == 6u);
    CHECK(v.rows[0].label == "nominal, recorded");
    CHECK(v.rows[1].label == "nominal, held-out");
    CHECK(v.rows[5].label == "instance-informed, all ok");
    // Same campaign, same seed: the held-out row is the recorded one, computed the same way.
    CHECK(v.rows[1].metrics.rms_abs == doctest::Approx(v.rows[0].metrics.rms_abs).epsilon(1e-12));
    CHECK(v.rows[1].metrics.max_lsb == doctest::Approx(v.rows[0].metrics.max_lsb).epsilon(1e-12));
    CHECK(v.rows[4].metrics.rms_pct_fs == doctest::Approx(v.rows[3].metrics.rms_pct_fs).epsilon(1e-12));
    CHECK(v.rows[2].n_samples == ok.size());
    CHECK(v.rows[2].metrics.n_values == v.tia->spice_v.size());
    CHECK(v.tia->nominal_v == a.nominal_v);  // every ok sample, as compare_tia_with_spice
    CHECK(v.ok_instances.size() == ok.size());
    std::size_t held = 0;
    for (std::size_t s : ok) held += v.is_held_out(s) ? 1 : 0;
    CHECK(held == v.held_out_samples.size());
    CHECK(held == v.rows[1].n_samples);
  }

  // Wrong and broken files.
  CHECK_THROWS_WITH_AS(behavioral::read_adc_model_file(path),
                       doctest::Contains("expected kind 'adc' (this file holds a model of kind 'tia')"),
                       behavioral::ModelFileError);
  CHECK_THROWS_WITH_AS(behavioral::read_crossbar_model_file(path), doctest::Contains("expected kind 'crossbar'"),
                       behavioral::ModelFileError);
  CHECK_THROWS_WITH_AS(behavioral::read_tia_model_file(out), doctest::Contains("is a campaign file"),
                       behavioral::ModelFileError);
  CHECK_THROWS_WITH_AS(fit::fit_adc(c, o), doctest::Contains("campaign kind 'tia'"), fit::FitError);
  delete_attribute(path, "/nominal", "tau_s");
  CHECK_THROWS_WITH_AS(behavioral::read_tia_model_file(path), doctest::Contains("/nominal@tau_s: missing"),
                       behavioral::ModelFileError);
  const std::string truncated = (dir.path / "truncated.h5").string();
  {
    std::ifstream in(out, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, 600);
  }
  CHECK_THROWS_AS(behavioral::read_tia_model_file(truncated), behavioral::ModelFileError);
}

TEST_CASE("TIA fit of the transistor op-amp: LS matches the campaign's fit_line") {
  TempDir dir;
  const std::string out = (dir.path / "tia_t.h5").string();
  const auto c = run(tia_spec(out, "transistor", 5));
  const auto m = fit::fit_tia(c, fit::FitOptions{});
  const auto ok = fit::ok_samples(c);
  REQUIRE(ok.size() == 5u);
  for (std::size_t r = 0; r < ok.size(); ++r) {
    const auto ri = static_cast<Eigen::Index>(r);
    CHECK(m.instances.gain_ohm[ri] == doctest::Approx(at(c, ok[r], "gain_ohm")).epsilon(1e-9));
    CHECK(m.instances.v_out_offset_v[ri] == doctest::Approx(at(c, ok[r], "v_out_offset_v")).epsilon(1e-9));
    CHECK(m.instances.opamp_v_offset_v[ri] == at(c, ok[r], "opamp_v_offset_v"));
    CHECK(m.instances.v_out_high_v[ri] > 0.5);
    CHECK(m.instances.v_out_low_v[ri] < -0.5);
  }
  // The instance-informed model (first order in 1/a0) tracks SPICE within a fraction of an LSB.
  CHECK(m.held_out_instance_informed.max_lsb < 0.25);
}

TEST_CASE("ADC fit: nominal = fit-set mean transitions, round trip, mismatched files refused") {
  TempDir dir;
  const std::string out = (dir.path / "adc.h5").string();
  const auto c = run(adc_spec(out));
  fit::FitOptions o;
  o.seed = 2;
  const auto m = fit::fit_adc(c, o);
  const int M = 15;
  REQUIRE(m.nominal.transition_v.size() == M);
  const auto fit_set = fit::fit_set_samples(c, 2);
  REQUIRE(!fit_set.empty());
  for (int k = 0; k < M; ++k) {
    double sum = 0;
    for (std::size_t s : fit_set) sum += at(c, s, "transition_v", static_cast<std::size_t>(k));
    CHECK(m.nominal.transition_v[k] == doctest::Approx(sum / static_cast<double>(fit_set.size())).epsilon(1e-12));
  }
  CHECK(m.nominal.noise_sigma_v == 0.0);
  CHECK(m.comparator_offset.n == fit_set.size() * M);
  // Comparator offsets of 2 mV dominate T_k - T*_k (the ladder has no mismatch here).
  INFO("sigma ", m.comparator_offset.sigma_v, " [", m.comparator_offset.sigma_ci95.low, ", ",
       m.comparator_offset.sigma_ci95.high, "]");
  CHECK(m.comparator_offset.sigma_v == doctest::Approx(2e-3).epsilon(0.3));
  CHECK(m.held_out_transitions.lsb_v == doctest::Approx(0.5 / 15));
  CHECK(m.held_out_codes.n_values == m.held_out_codes.n_instances * (16u * 17u + 1u));
  CHECK(m.held_out_codes.max_lsb <= 1.0);

  const std::string path = (dir.path / "adc_model.h5").string();
  behavioral::write_adc_model_file(path, m);
  CHECK(behavioral::model_kind_of(path) == "adc");
  const auto r = behavioral::read_adc_model_file(path);
  CHECK(r.nominal.bits == m.nominal.bits);
  CHECK(same_bits(r.nominal.v_min_v, m.nominal.v_min_v));
  CHECK(same_bits(r.nominal.v_max_v, m.nominal.v_max_v));
  CHECK(same_bits(r.nominal.noise_sigma_v, m.nominal.noise_sigma_v));
  CHECK(same_bits(r.nominal.smooth_width_lsb, m.nominal.smooth_width_lsb));
  CHECK(r.nominal.surrogate == m.nominal.surrogate);
  CHECK(same(r.nominal.transition_v, m.nominal.transition_v));
  CHECK(same(r.instances.transition_v, m.instances.transition_v));
  CHECK(r.instances.held_out == m.instances.held_out);
  check_same_normal(m.comparator_offset, r.comparator_offset);
  check_same_metrics(m.held_out_transitions, r.held_out_transitions);
  check_same_metrics(m.held_out_codes, r.held_out_codes);
  const behavioral::AdcModel am(m.nominal), bm(r.nominal);
  for (double v = -0.6; v < 0.1; v += 1e-4) CHECK(am.code(v) == bm.code(v));
  const auto ca = fit::compare_adc_with_spice(m.nominal, c, fit::ok_samples(c));
  const auto cb = fit::compare_adc_with_spice(r.nominal, c, fit::ok_samples(c));
  CHECK(ca.codes_nominal == cb.codes_nominal);
  CHECK(ca.codes_instance == cb.codes_instance);

  CHECK_THROWS_WITH_AS(behavioral::read_tia_model_file(path), doctest::Contains("holds a model of kind 'adc'"),
                       behavioral::ModelFileError);
  CHECK_THROWS_WITH_AS(fit::fit_tia(c, o), doctest::Contains("campaign kind 'adc'"), fit::FitError);
  auto wrong_bits = m.nominal;
  wrong_bits.bits = 5;
  wrong_bits.transition_v.resize(0);
  CHECK_THROWS_WITH_AS(fit::compare_adc_with_spice(wrong_bits, c, fit::ok_samples(c)),
                       doctest::Contains("not the same ADC"), fit::FitError);
  auto other_range = m.nominal;
  other_range.v_max_v += 0.1;
  other_range.transition_v.resize(0);
  CHECK_THROWS_WITH_AS(fit::compare_adc_with_spice(other_range, c, fit::ok_samples(c)),
                       doctest::Contains("but the campaign's adc.v_min_v..adc.v_max_v is"), fit::FitError);
  // `xbar validate` as one library call; INL/DNL of every instance through characterize's one
  // implementation equals what the campaign recorded (inl_lsb, dnl_lsb), inside the envelope.
  {
    const auto v = fit::validate_model(path, out);
    CHECK(v.model_kind == "adc");
    REQUIRE(v.adc);
    CHECK_FALSE(v.tia);
    REQUIRE(v.rows.size() == 6u);
    CHECK(v.rows[0].label == "transitions, recorded");
    CHECK(v.rows[3].label == "codes, recorded");
    CHECK(v.rows[1].metrics.rms_lsb == doctest::Approx(v.rows[0].metrics.rms_lsb).epsilon(1e-12));
    CHECK(v.rows[4].metrics.max_lsb == doctest::Approx(v.rows[3].metrics.max_lsb).epsilon(1e-12));
    CHECK(v.adc->bits == 4);
    CHECK(v.adc->model.inl_lsb.size() == static_cast<std::size_t>(M));
    CHECK(v.adc->model.dnl_lsb.size() == static_cast<std::size_t>(M - 1));
    REQUIRE(v.adc->instances.size() == v.ok_samples.size());
    const auto oi = c.schema.offset_of("inl_lsb"), od = c.schema.offset_of("dnl_lsb");
    const auto same_or_nan = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    for (std::size_t row = 0; row < v.ok_samples.size(); ++row) {
      const auto& f = v.adc->instances[row];
      const double* rec = c.records[v.ok_samples[row]].values.data();
      for (int k = 0; k < M; ++k) {
        CHECK(same_or_nan(f.inl_lsb[static_cast<std::size_t>(k)], rec[oi + static_cast<std::size_t>(k)]));
        if (std::isfinite(f.inl_lsb[static_cast<std::size_t>(k)])) {
          CHECK(v.adc->inl_min[static_cast<std::size_t>(k)] <= f.inl_lsb[static_cast<std::size_t>(k)]);
          CHECK(v.adc->inl_max[static_cast<std::size_t>(k)] >= f.inl_lsb[static_cast<std::size_t>(k)]);
        }
      }
      for (int k = 0; k + 1 < M; ++k)
        CHECK(same_or_nan(f.dnl_lsb[static_cast<std::size_t>(k)], rec[od + static_cast<std::size_t>(k)]));
    }
  }

  delete_attribute(path, "/", "kind");
  CHECK_THROWS_WITH_AS(behavioral::read_adc_model_file(path), doctest::Contains("/@kind: missing"),
                       behavioral::ModelFileError);
}

TEST_CASE("behavioral tile against a SPICE tile campaign: recorded params replay the codes; offsets explain the rest") {
  // 8 x 4 tile: ideal 4-bit DACs, 1 ohm wires, transistor-level TIAs with Pelgrom mismatch,
  // 6-bit flash ADCs with comparator offsets and ladder mismatch; 2 instances x 3 read cycles.
  TempDir dir;
  const std::string out = (dir.path / "tile.h5").string();
  const auto c = run(fmt::format(R"(kind = "tile"
seed = 3
[crossbar]
rows = 8
cols = 4
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[dac]
bits = 4
v_min_v = 0.0
v_max_v = 0.15
[opamp]
model = "transistor"
[tia]
rf_ohm = 40e3
cf_f = 0.1e-12
[adc]
bits = 6
v_min_v = -0.5
v_max_v = 0.0
[tile]
t_cycle_s = 500e-9
t_edge_s = 2e-9
t_step_max_s = 5e-9
[variation]
g_prog_error = {{ distribution = "normal", sigma_rel_d2d = 0.05 }}
mismatch_devices = "all"
comparator_offset_sigma_v = 2e-3
ladder_r_sigma_rel = 0.01
[workload]
instances = 2
inputs_per_pattern = 3
g_min_s = 1e-6
g_max_s = 1e-5
[run]
output = "{}"
sample_timeout_s = 300
)",
                                 out));
  const auto spec = characterize::parse_campaign_spec(c.provenance.spec_text, "spec");
  const auto cmp = fit::compare_tile_with_spice(fit::ideal_tile_tia(spec), c, fit::ok_samples(c));
  REQUIRE(cmp.spice_v.size() == 2u * 3u * 4u);
  const auto& inf = cmp.informed;
  const auto& nom = cmp.nominal;
  INFO("informed RMS ", inf.v_tia.rms_lsb, " LSB, max ", inf.v_tia.max_lsb, "; codes exact ", inf.exact_code_fraction,
       "; nominal RMS ", nom.v_tia.rms_lsb, " LSB");
  // With each column's op-amp offset (from the rest output), the model is the circuit to a few
  // hundredths of an LSB: the TIA's finite gain is the largest term left.
  CHECK(inf.v_tia.rms_lsb < 0.1);
  CHECK(inf.v_tia.max_lsb < 0.25);
  CHECK(inf.exact_code_fraction >= 0.9);
  CHECK(inf.codes.max_lsb <= 1.0);
  // Without them, the error is the op-amp offsets times the noise gain: several times larger.
  CHECK(nom.v_tia.rms_lsb > 3 * inf.v_tia.rms_lsb);
  // The same campaign fitted into a tile model (fit::fit_tile, ideal op-amp): 1 fit-set and 1
  // held-out instance of 4 columns.
  {
    fit::FitOptions fo;  // a split seed with one fit-set and one held-out instance
    while (fit::fit_set_samples(c, fo.seed).empty() || fit::held_out_samples(c, fo.seed).empty()) ++fo.seed;
    const auto m = fit::fit_tile(c, fo);
    CHECK(m.nominal.crossbar.rows == 8);
    CHECK(m.nominal.crossbar.cols == 4);
    REQUIRE(m.nominal.tia.size() == 1u);
    CHECK(m.nominal.tia[0].rf_ohm == 40e3);
    REQUIRE(m.nominal.adc.size() == 1u);
    CHECK(m.nominal.adc[0].transition_v.size() == 63);
    CHECK(m.variation.tia_opamp_v_offset.n == 4u);
    CHECK(m.variation.adc_comparator_offset.n == 4u * 63u);
    CHECK(std::abs(m.variation.adc_comparator_offset.mean_v) < 1e-12);  // about the nominal
    CHECK(m.variation.programming_error.sigma_rel_d2d > 0.02);
    CHECK(m.held_out_tia.n_instances == 1u);
    CHECK(m.held_out_crossbar.n_samples == 0u);
    REQUIRE(m.sources.size() == 1u);
    CHECK(m.sources[0].component == "tile_campaign");
    CHECK(m.g_max_s == 1e-5);
    const std::string tile_model = (dir.path / "tile_model.h5").string();
    behavioral::write_tile_model_file(tile_model, m);
    const auto r = behavioral::read_tile_model_file(tile_model);
    CHECK(r.nominal.adc[0].transition_v == m.nominal.adc[0].transition_v);
    const auto chip = behavioral::draw_tile_instance(r, Eigen::MatrixXd::Constant(8, 4, 5e-6), 1, 0);
    behavioral::TileModel tile(chip.params);
    tile.program(chip.g_s);
    CHECK(tile.forward(Eigen::MatrixXi::Constant(8, 2, 15)).codes.rows() == 4);
    CHECK_THROWS_WITH_AS(fit::fit_tile(run(tia_spec((dir.path / "tia2.h5").string(), "macro", 2)), fo),
                         doctest::Contains("campaign kind 'tia': not a tile campaign"), fit::FitError);
  }
  // A non-tile campaign is refused by name.
  const std::string tia_out = (dir.path / "tia.h5").string();
  const auto t = run(tia_spec(tia_out, "macro", 2));
  CHECK_THROWS_WITH_AS(fit::compare_tile_with_spice(fit::ideal_tile_tia(spec), t, fit::ok_samples(t)),
                       doctest::Contains("campaign kind 'tia'"), fit::FitError);
}
