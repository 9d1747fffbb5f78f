// bench_campaign_checkpoint: what the campaign parent pays per checkpoint and holds in memory,
// against the campaign size N (issue 15, point 7). Synthetic records, no ngspice: an ngspice run
// per sample makes 10^6 samples impossible in a session, and neither cost depends on how a
// record was computed.
//
//   ./build/bench/bench_campaign_checkpoint [--sizes 10000,100000,1000000] [--repeats 3] [--dir /tmp]
//
// Workload per N: the schema of a 2 x 2 crossbar campaign with one input vector per sample
// (instance, pattern, temperature_c, r_row_wire_ohm, r_col_wire_ohm, n_stuck_on, n_stuck_off,
// g_target_s [2,2], g_programmed_s [2,2], v_in_v [1,2], i_spice_a [1,2], i_ideal_a [1,2]: 21
// values per sample, the cheapest campaign there is), half of the samples done (the state of a
// checkpoint in mid-run), every 97th of those failed with a 40-byte message.
// Measured, each N in a child process of its own (so one size's heap does not hide another's):
//   records MB   growth of the child's resident set (VmRSS) from before to after building the
//                std::vector<SampleRecord> that run_campaign holds (one record per sample)
//   checkpoint   wall time of write_campaign_file (what run_campaign calls every
//                run.checkpoint_interval_s): median over --repeats
//   file MB      size of the file written
// The ratio column divides each N's checkpoint time by the smallest N's, timed in the same run.
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

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

struct Row {
  std::uint64_t n = 0;
  double records_mb = 0, checkpoint_s = 0, file_mb = 0;
};

/// Runs in a child: builds N records (half done) and times `repeats` checkpoints.
Row measure(std::uint64_t n, int repeats, const std::string& dir) {
  const xc::CampaignSchema schema = small_crossbar_schema();
  const std::uint64_t per = schema.values_per_sample();
  const long before = rss_kb();
  std::vector<xc::SampleRecord> records(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    xc::SampleRecord& r = records[i];
    r.index = i;
    if (i % 2 == 1) continue;  // not run yet
    r.status = (i / 2) % 97 == 0 ? xc::SampleStatus::spice_error : xc::SampleStatus::ok;
    if (r.status != xc::SampleStatus::ok) r.error = "doAnalyses: iteration limit reached (bench)";
    r.seconds = 1e-3;
    r.values.resize(per);
    for (std::uint64_t k = 0; k < per; ++k) r.values[k] = 1e-6 * static_cast<double>((i * 31 + k * 7) % 1000);
    r.values[0] = static_cast<double>(i);
    r.values[1] = 0.0;
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
  std::vector<Row> rows;
  for (std::uint64_t n : sizes) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      const Row r = measure(n, repeats, dir);
      const bool ok = write(fds[1], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
      _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    Row r;
    const bool got = read(fds[0], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fmt::print(stderr, "bench_campaign_checkpoint: the child for N = {} failed\n", n);
      return 1;
    }
    rows.push_back(r);
  }
  fmt::print("# Campaign checkpoints against campaign size ({})\n\n", xbar::bench::utc_date());
  fmt::print("`./build/bench/bench_campaign_checkpoint --repeats {}` (xbar {} {}, {}, {} CPUs). Synthetic records "
             "of a 2x2 crossbar campaign (21 values per sample), half of them done; each N in its own child "
             "process; checkpoint = write_campaign_file, median of {}.\n\n",
             repeats, XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE, xbar::bench::nproc(), repeats);
  fmt::print("| N samples | parent records (RSS growth) | per sample | checkpoint (median) | ratio to N = {} | file |\n",
             rows.front().n);
  fmt::print("|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    fmt::print("| {} | {:.1f} MB | {:.0f} B | {:.3f} s | {:.1f}x | {:.1f} MB |\n", r.n, r.records_mb,
               r.records_mb * 1024.0 * 1024.0 / static_cast<double>(r.n), r.checkpoint_s,
               r.checkpoint_s / rows.front().checkpoint_s, r.file_mb);
  }
  return 0;
}
