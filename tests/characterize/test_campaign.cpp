// Campaign engine system tests: determinism across worker counts, recorded failures, resume
// from a checkpoint, and the sampled programming error against the spec's distribution.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "temp_dir.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"

using namespace xbar::characterize;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {


std::string spec_text(const std::string& output, int samples_instances, const std::string& extra_variation = "",
                      int rows = 8, int cols = 6) {
  return fmt::format(R"(kind = "crossbar"
seed = 11
[crossbar]
rows = {}
cols = {}
r_row_wire_ohm = 1.0
r_col_wire_ohm = 2.0
[variation]
g_prog_error = {{ distribution = "normal", sigma_rel_d2d = 0.05 }}
stuck_on_fraction = 0.02
stuck_off_fraction = 0.02
r_wire_sigma_rel_d2d = 0.1
{}
[workload]
instances = {}
patterns_per_instance = 2
inputs_per_pattern = 3
[run]
output = "{}"
sample_timeout_s = 3.0
)",
                     rows, cols, extra_variation, samples_instances, output);
}

CampaignFile run(const std::string& text, int workers, const RunOptions& base = {}) {
  const auto spec = parse_campaign_spec(text, "test.toml");
  RunOptions o = base;
  o.workers = workers;
  o.quiet = true;
  run_campaign(spec, o);
  return read_campaign_file(spec.run.output);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Datasets under /samples: statuses, errors and every value, bit for bit.
void check_identical(const CampaignFile& a, const CampaignFile& b) {
  REQUIRE(a.records.size() == b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    CAPTURE(i);
    CHECK(a.records[i].status == b.records[i].status);
    CHECK(a.records[i].error == b.records[i].error);
    CHECK(same_bits(a.records[i].values, b.records[i].values));
  }
}

struct EnvGuard {
  explicit EnvGuard(const char* value) { ::setenv("XBAR_FAULT_INJECT", value, 1); }
  ~EnvGuard() { ::unsetenv("XBAR_FAULT_INJECT"); }
};

}  // namespace

TEST_CASE("determinism: 1, 2 and 3 workers give identical datasets") {
  TempDir tmp;
  const auto one = run(spec_text((tmp.path / "w1.h5").string(), 5), 1);
  const auto two = run(spec_text((tmp.path / "w2.h5").string(), 5), 2);
  const auto three = run(spec_text((tmp.path / "w3.h5").string(), 5), 3);
  REQUIRE(one.records.size() == 10);
  for (const auto& r : one.records) CHECK(r.status == SampleStatus::ok);
  check_identical(one, two);
  check_identical(one, three);
  CHECK_FALSE(fs::exists(tmp.path / "w1.h5.journal"));  // removed once the file is final
  CHECK(one.provenance.seed == 11);
  CHECK(one.provenance.ngspice_version.rfind("ngspice-", 0) == 0);
  CHECK_FALSE(one.provenance.end_time.empty());
  for (const auto& r : two.records) CHECK(r.seconds > 0.0);  // /timing/sample_seconds: each sample's wall time
}

TEST_CASE("a different seed gives different samples") {
  TempDir tmp;
  auto text = spec_text((tmp.path / "a.h5").string(), 1);
  const auto a = run(text, 1);
  text.replace(text.find("seed = 11"), 9, "seed = 12");
  text.replace(text.find("a.h5"), 4, "b.h5");
  const auto b = run(text, 1);
  CHECK_FALSE(same_bits(a.records[0].values, b.records[0].values));
}

TEST_CASE("recorded failures: an ngspice error, a crashed worker and a hung worker") {
  TempDir tmp;
  const auto clean = run(spec_text((tmp.path / "clean.h5").string(), 5), 2);
  EnvGuard faults("spice_error:1;crash:4;hang:6");
  const auto f = run(spec_text((tmp.path / "faulty.h5").string(), 5), 2);
  REQUIRE(f.records.size() == 10);
  CHECK(f.records[1].status == SampleStatus::spice_error);
  CHECK(f.records[1].error.find("singular matrix") != std::string::npos);  // ngspice's own words
  CHECK(f.records[4].status == SampleStatus::crashed);
  CHECK(f.records[4].error.find("killed by signal 6") != std::string::npos);
  CHECK(f.records[6].status == SampleStatus::timeout);
  CHECK(f.records[6].error.find("sample_timeout_s = 3") != std::string::npos);
  // Every other sample is complete and identical to the clean run.
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 1 || i == 4 || i == 6) continue;
    CAPTURE(i);
    CHECK(f.records[i].status == SampleStatus::ok);
    CHECK(same_bits(f.records[i].values, clean.records[i].values));
  }
  // The failed ngspice sample keeps its inputs; its SPICE outputs are NaN.
  const auto& schema = f.schema;
  const auto& rec = f.records[1].values;
  REQUIRE(rec.size() == schema.values_per_sample());
  CHECK(std::isnan(rec[schema.offset_of("i_spice_a")]));
  CHECK(rec[schema.offset_of("v_in_v")] == clean.records[1].values[schema.offset_of("v_in_v")]);
}

TEST_CASE("resume: a rerun keeps recorded failures unless asked to retry them") {
  TempDir tmp;
  const auto text = spec_text((tmp.path / "r.h5").string(), 3);
  const auto clean = run(spec_text((tmp.path / "clean.h5").string(), 3), 1);
  {
    EnvGuard faults("crash:2");
    const auto f = run(text, 2);
    CHECK(f.records[2].status == SampleStatus::crashed);
  }
  const auto kept = run(text, 2);  // complete already: nothing runs, the failure stays
  CHECK(kept.records[2].status == SampleStatus::crashed);
  RunOptions retry;
  retry.retry_failed = true;
  const auto fixed = run(text, 2, retry);
  check_identical(fixed, clean);
}

TEST_CASE("memory: the parent holds at most records_per_write records, and the file is the same") {
  TempDir tmp;
  const auto ref = run(spec_text((tmp.path / "ref.h5").string(), 3), 2);
  const auto spec = parse_campaign_spec(spec_text((tmp.path / "small.h5").string(), 3), "test.toml");
  RunOptions o;
  o.workers = 2;
  o.quiet = true;
  o.records_per_write = 2;
  const CampaignSummary s = run_campaign(spec, o);
  CHECK(s.peak_records_held >= 1);
  CHECK(s.peak_records_held <= 2);
  CHECK(s.rows_written == s.total);  // each sample written once: no checkpoint rewrote earlier ones
  CHECK(s.checkpoints >= s.total / 2);
  check_identical(read_campaign_file(spec.run.output), ref);
  CHECK_FALSE(fs::exists(spec.run.output + ".partial"));
  CHECK_FALSE(fs::exists(spec.run.output + ".journal"));
  // A rerun adopts the finished file and rebuilds it, again two records at a time.
  const CampaignSummary again = run_campaign(spec, o);
  CHECK(again.ran == 0);
  CHECK(again.peak_records_held <= 2);
  check_identical(read_campaign_file(spec.run.output), ref);
}

TEST_CASE("a file written from another spec is never overwritten") {
  TempDir tmp;
  const auto out = (tmp.path / "x.h5").string();
  run(spec_text(out, 1), 1);
  CHECK_THROWS_WITH_AS(run(spec_text(out, 2), 1), doctest::Contains("written from a different spec"), FileError);
}

// The relative programming error e = G/G_target - 1 of non-stuck cells is drawn from N(0, s)
// with s = sigma_rel_d2d (normal model), or from a lognormal with mean 0 and standard deviation
// s. Over n >= 10,000 cells the spec's mean 0 must lie in the 99% Student-t interval
//   mean(e) +- t_{0.995, n-1} * sd(e) / sqrt(n)
// and s in the 99% chi-squared interval for a standard deviation
//   [ sd(e) sqrt((n-1)/chi2_{0.995, n-1}),  sd(e) sqrt((n-1)/chi2_{0.005, n-1}) ].
// (For the lognormal the sample mean and sd are still unbiased; n is large enough for the
// normal-theory interval to hold within its level at these sizes.)
TEST_CASE("sampling matches the spec: programming error mean and sigma in the 99% interval") {
  for (const char* dist : {"normal", "lognormal"}) {
    CAPTURE(dist);
    TempDir tmp;
    const std::string text = fmt::format(R"(kind = "crossbar"
seed = 2024
[crossbar]
rows = 32
cols = 32
[variation]
g_prog_error = {{ distribution = "{}", sigma_rel_d2d = 0.08 }}
[workload]
instances = 5
patterns_per_instance = 2
inputs_per_pattern = 1
[run]
output = "{}"
)",
                                         dist, (tmp.path / "s.h5").string());
    const auto f = run(text, 2);
    const auto og = f.schema.offset_of("g_target_s"), op = f.schema.offset_of("g_programmed_s");
    const auto cells = f.schema.field("g_target_s").size();
    std::vector<double> e;
    for (const auto& r : f.records)
      for (std::uint64_t k = 0; k < cells; ++k) e.push_back(r.values[op + k] / r.values[og + k] - 1.0);
    const double n = static_cast<double>(e.size());
    REQUIRE(n >= 10000);
    double mean = 0;
    for (double x : e) mean += x / n;
    double ss = 0;
    for (double x : e) ss += (x - mean) * (x - mean);
    const double sd = std::sqrt(ss / (n - 1));
    using boost::math::quantile;
    const boost::math::students_t t(n - 1);
    const double half = quantile(t, 0.995) * sd / std::sqrt(n);
    CHECK(std::abs(mean - 0.0) <= half);
    const boost::math::chi_squared chi(n - 1);
    const double lo = sd * std::sqrt((n - 1) / quantile(chi, 0.995));
    const double hi = sd * std::sqrt((n - 1) / quantile(chi, 0.005));
    MESSAGE(fmt::format("{}: n = {}, mean {:.5f} +- {:.5f}, sigma 0.08 in [{:.5f}, {:.5f}]", dist, n, mean, half, lo, hi));
    CHECK(lo <= 0.08);
    CHECK(0.08 <= hi);
  }
}
