// bench_campaign_checkpoint: what the campaign parent pays per checkpoint and holds in memory,
// against the campaign size N (issue 15, point 7), before and after the file is built in place.
// Synthetic records, no ngspice: an ngspice run per sample makes 10^6 samples impossible in a
// session, and neither cost depends on how a record was computed.
//
//   ./build/bench/bench_campaign_checkpoint [--sizes 10000,100000,1000000] [--repeats 3] [--dir /tmp]
//
// Workload per N: the schema of a 2 x 2 crossbar campaign with one input vector per sample
// (instance, pattern, temperature_c, r_row_wire_ohm, r_col_wire_ohm, n_stuck_on, n_stuck_off,
// g_target_s [2,2], g_programmed_s [2,2], v_in_v [1,2], i_spice_a [1,2], i_ideal_a [1,2]: 21
// values per sample, the cheapest campaign there is); every 97th sample failed with a 40-byte
// message. Each measurement runs in a child process of its own (so one size's heap does not hide
// another's).
//   before (the baseline, timed in the same run): the parent of the old runner held one
//     SampleRecord per sample and every checkpoint was write_campaign_file of all of them (kept
//     callable). Half of the samples done (a checkpoint in mid-run):
//       records MB   growth of the child's resident set (VmRSS) from before to after building the
//                    std::vector<SampleRecord> of N records
//       checkpoint   wall time of write_campaign_file, median over --repeats
//   after: the real run_campaign (worker processes, journal, <output>.partial built in place)
//     over all N samples of a synthetic CircuitKind (run_campaign(spec, options, kind)), 2 workers,
//     default records_per_write (4096), checkpoint interval 1e9 s (so every checkpoint writes
//     exactly the 4096 records that arrived since the last one):
//       parent MB    growth of the parent's peak resident set (VmHWM at the end minus VmRSS
//                    before the run): everything the parent holds, not only records
//       checkpoint   median of the wall times of its checkpoints (CampaignSummary::checkpoint_seconds)
// The ratio columns divide each N's figure by the smallest N's, timed in the same run.
// Markdown goes to stdout, progress to stderr.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "bench_info.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"

namespace xc = xbar::characterize;
using xbar::bench::Clock;

namespace {

xc::CampaignSchema small_crossbar_schema() {
  xc::CampaignSchema s;
  s.kind = "bench_crossbar_2x2";  // not a known kind: the reader does not check it against a spec
  auto add = [&](const char* name, std::vector<std::uint64_t> shape, const char* unit, const char* role) {
    s.fields.push_back({name, std::move(shape), unit, role, "benchmark field", ""});
  };
  for (const char* name : {"instance", "pattern"}) add(name, {}, "1", "param");
  add("temperature_c", {}, "C", "param");
  add("r_row_wire_ohm", {}, "ohm", "param");
  add("r_col_wire_ohm", {}, "ohm", "param");
  add("n_stuck_on", {}, "1", "param");
  add("n_stuck_off", {}, "1", "param");
  add("g_target_s", {2, 2}, "S", "input");
  add("g_programmed_s", {2, 2}, "S", "param");
  add("v_in_v", {1, 2}, "V", "input");
  add("i_spice_a", {1, 2}, "A", "output");
  add("i_ideal_a", {1, 2}, "A", "ideal");
  return s;
}

long status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::strlen(key)));
  return -1;
}
long rss_kb() { return status_kb("VmRSS:"); }

struct Row {
  std::uint64_t n = 0;
  double records_mb = 0, checkpoint_s = 0, file_mb = 0;
};

/// Sample i's values (deterministic, not all alike, so that they compress as data does).
void fill_values(std::uint64_t i, std::uint64_t per, std::vector<double>& v) {
  v.resize(per);
  for (std::uint64_t k = 0; k < per; ++k) v[k] = 1e-6 * static_cast<double>((i * 31 + k * 7) % 1000);
  v[0] = static_cast<double>(i);
  v[1] = 0.0;
}

/// A circuit kind whose samples are computed, not simulated: what run_campaign does around the
/// samples (workers, journal, checkpoints, the file) at no SPICE cost.
class SyntheticKind : public xc::CircuitKind {
 public:
  const xc::CampaignSchema& schema() const override { return schema_; }
  xc::SampleRecord run_sample(xc::SpiceSession&, std::uint64_t index) const override {
    xc::SampleRecord r;
    r.index = index;
    r.status = index % 97 == 0 ? xc::SampleStatus::spice_error : xc::SampleStatus::ok;
    if (r.status != xc::SampleStatus::ok) r.error = "doAnalyses: iteration limit reached (bench)";
    r.seconds = 1e-3;
    fill_values(index, schema_.values_per_sample(), r.values);
    return r;
  }
  std::string deck_text(std::uint64_t) const override { return "synthetic\n.end\n"; }

 private:
  xc::CampaignSchema schema_ = small_crossbar_schema();
};

/// Runs in a child: the whole campaign of N synthetic samples through run_campaign.
Row measure_after(std::uint64_t n, const std::string& dir) {
  const std::string out = dir + fmt::format("/bench_after_{}.h5", n);
  for (const char* ext : {"", ".partial", ".journal", ".lock"}) std::filesystem::remove(out + ext);
  const std::string text = fmt::format(
      "kind = \"crossbar\"\nseed = 1\n[crossbar]\nrows = 2\ncols = 2\n[workload]\ninstances = {}\n"
      "patterns_per_instance = 1\ninputs_per_pattern = 1\n[run]\noutput = \"{}\"\ncheckpoint_interval_s = 1e9\n",
      n, out);
  const xc::CampaignSpec spec = xc::parse_campaign_spec(text, "bench.toml");
  const SyntheticKind kind;
  xc::RunOptions o;
  o.workers = 2;
  o.quiet = true;
  o.xbar_version = XBAR_BENCH_VERSION;
  xc::SpiceSession::instance();  // loaded before the baseline: the runner asks it for its version
  const long before = rss_kb();
  const xc::CampaignSummary s = xc::run_campaign(spec, o, kind);
  Row row;
  row.n = n;
  row.records_mb = static_cast<double>(status_kb("VmHWM:") - before) / 1024.0;
  row.checkpoint_s = xbar::bench::median(s.checkpoint_seconds);
  row.file_mb = static_cast<double>(std::filesystem::file_size(out)) / (1024.0 * 1024.0);
  fmt::print(stderr, "  N = {}: after: {} checkpoints, median {:.4f} s, parent peak growth {:.1f} MB, {:.1f} s\n",
             n, s.checkpoints, row.checkpoint_s, row.records_mb, s.seconds);
  std::filesystem::remove(out);
  return row;
}

/// Runs `f` in a child process and returns its Row (so each measurement has a fresh heap).
template <class F>
bool in_child(F&& f, Row* out) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Row r = f();
    const bool ok = write(fds[1], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  const bool got = read(fds[0], out, sizeof *out) == static_cast<ssize_t>(sizeof *out);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// Runs in a child: builds N records (half done) and times `repeats` checkpoints of the old path.
Row measure_before(std::uint64_t n, int repeats, const std::string& dir) {
  const xc::CampaignSchema schema = small_crossbar_schema();
  const std::uint64_t per = schema.values_per_sample();
  const long before = rss_kb();
  std::vector<xc::SampleRecord> records(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    xc::SampleRecord& r = records[i];
    r.index = i;
    if (i % 2 == 1) continue;  // not run yet
    r.status = i % 97 == 0 ? xc::SampleStatus::spice_error : xc::SampleStatus::ok;
    if (r.status != xc::SampleStatus::ok) r.error = "doAnalyses: iteration limit reached (bench)";
    r.seconds = 1e-3;
    fill_values(i, per, r.values);
  }
  Row row;
  row.n = n;
  row.records_mb = static_cast<double>(rss_kb() - before) / 1024.0;
  xc::CampaignProvenance prov;
  prov.xbar_version = XBAR_BENCH_VERSION;
  prov.spec_text = "# synthetic records of bench_campaign_checkpoint\n";
  const std::string path = dir + fmt::format("/bench_checkpoint_{}.h5", n);
  std::vector<double> times;
  for (int k = 0; k < repeats; ++k) {
    const auto t0 = Clock::now();
    xc::write_campaign_file(path, schema, prov, records);
    times.push_back(xbar::bench::seconds_since(t0));
    fmt::print(stderr, "  N = {}: checkpoint {} of {}: {:.3f} s\n", n, k + 1, repeats, times.back());
  }
  row.checkpoint_s = xbar::bench::median(times);
  row.file_mb = static_cast<double>(std::filesystem::file_size(path)) / (1024.0 * 1024.0);
  std::filesystem::remove(path);
  return row;
}

std::vector<std::uint64_t> parse_sizes(const std::string& text) {
  std::vector<std::uint64_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoull(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint64_t> sizes{10000, 100000, 1000000};
  int repeats = 3;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sizes") sizes = parse_sizes(argv[i + 1]);
    else if (a == "--repeats") repeats = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--dir") dir = argv[i + 1];
    else {
      fmt::print(stderr, "bench_campaign_checkpoint: unknown option {} (--sizes, --repeats, --dir)\n", a);
      return 2;
    }
  }
  std::vector<Row> before, after;
  for (std::uint64_t n : sizes) {
    Row b, a;
    if (!in_child([&] { return measure_before(n, repeats, dir); }, &b) ||
        !in_child([&] { return measure_after(n, dir); }, &a)) {
      fmt::print(stderr, "bench_campaign_checkpoint: the child for N = {} failed\n", n);
      return 1;
    }
    before.push_back(b);
    after.push_back(a);
  }
  fmt::print("# Campaign checkpoints against campaign size ({})\n\n", xbar::bench::utc_date());
  fmt::print("`./build/bench/bench_campaign_checkpoint --repeats {}` (xbar {} {}, {}, {} CPUs). Synthetic samples "
             "of a 2x2 crossbar campaign (21 values per sample); each measurement in a child process of its own.\n"
             "Before: one SampleRecord per sample held by the parent (half of them done) and a checkpoint = "
             "write_campaign_file of all of them, median of {}. After: run_campaign over all N samples (2 workers, "
             "journal, <output>.partial built in place, 4096 records per checkpoint); parent = growth of its peak "
             "RSS over the whole run; checkpoint = median over the run's checkpoints.\n\n",
             repeats, XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE, xbar::bench::nproc(), repeats);
  fmt::print("| N samples | parent memory before | after | checkpoint before | after | before / after | before: ratio "
             "to N = {} | after: ratio to N = {} | file before | file after |\n",
             before.front().n, after.front().n);
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (std::size_t k = 0; k < before.size(); ++k) {
    const Row &b = before[k], &a = after[k];
    fmt::print("| {} | {:.1f} MB | {:.1f} MB | {:.3f} s | {:.3f} s | {:.2f}x | {:.1f}x | {:.1f}x | {:.1f} MB | {:.1f} MB |\n",
               b.n, b.records_mb, a.records_mb, b.checkpoint_s, a.checkpoint_s, b.checkpoint_s / a.checkpoint_s,
               b.checkpoint_s / before.front().checkpoint_s, a.checkpoint_s / after.front().checkpoint_s, b.file_mb,
               a.file_mb);
  }
  return 0;
}
