// bench_campaign: throughput (samples/s) of Monte Carlo crossbar campaigns, the bare
// SpiceSession loop against the campaign engine with 1 and 2 worker processes and against an
// MPI run with 2 ranks.
//
//   ./build/bench/bench_campaign [--sizes 32,64] [--samples 400,80] [--inputs 4] [--repeats 3]
//                                [--seed 1] [--xbar PATH] [--mpi-np 2] [--no-mpi] [--keep]
//
// Workload per size N: an N x N crossbar with linear cells, 1 ohm row and column wire segments,
// normal programming error with sigma_rel_d2d = 0.05, targets uniform in [1e-6, 1e-4] S, random
// inputs in [0, 0.2] V; `samples` instances with one pattern each and `inputs` input vectors
// per sample (one ngspice load and `inputs` op runs per sample).
//
// Configurations (all run the same samples 0..samples-1 of the same spec):
//   bare loop   in this process, no engine: make_circuit_kind(spec)->run_sample(
//               SpiceSession::instance(), i) for every i (the records are kept in memory only)
//   engine 1w   characterize::run_campaign(spec, {workers = 1, quiet}) into a fresh HDF5 file
//   engine 2w   the same with workers = 2
//   MPI np=K    `mpirun --oversubscribe -np K <xbar> characterize spec.toml -q` as a
//               subprocess, timed from outside (includes mpirun, MPI_Init and ngspice start-up
//               in every rank); the engine's own "in X s" (rank 0's run_campaign) is reported
//               in the details
// Each repeat runs every configuration of every size; the order of the configurations is
// rotated from one repeat to the next so slow periods of the shared machine spread over all of
// them. Medians over the repeats are quoted. After every engine or MPI run (untimed) the HDF5
// file is read back and its i_spice_a is compared with the bare loop's records.
// Markdown goes to stdout, progress and every single timing to stderr.
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "bench_info.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"

extern char** environ;

namespace {

namespace ch = xbar::characterize;
namespace fs = std::filesystem;
using namespace xbar::bench;

enum Config { kBare = 0, kEngine1 = 1, kEngine2 = 2, kMpi = 3, kConfigs = 4 };

struct Options {
  std::vector<int> sizes{32, 64};
  std::vector<long> samples{400, 80};  // per size
  int inputs = 4;
  int repeats = 3;
  std::uint64_t seed = 1;
  std::string xbar;  // "" = <dir of this binary>/../tools/xbar
  int mpi_np = 2;
  bool mpi = true;
  bool keep = false;  // keep the temporary folder
};

// ---- subprocesses ----

struct ProcResult {
  int status = -1;  // waitpid status
  double seconds = 0.0;
  std::string out, err;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return "stopped";
}

/// Runs argv (PATH lookup) with extra environment entries, stdout and stderr into files in
/// `dir`; the time is measured around posix_spawnp .. waitpid.
ProcResult run_process(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
                       const std::string& dir) {
  const std::string out_path = dir + "/stdout.txt", err_path = dir + "/stderr.txt";
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store(extra_env);
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ProcResult r;
  std::fflush(nullptr);
  const auto t0 = Clock::now();
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw ch::Error(fmt::format("cannot start {}: {}", args[0], std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.seconds = seconds_since(t0);
  r.status = status;
  r.out = read_text(out_path);
  r.err = read_text(err_path);
  return r;
}

/// Absolute path of `prog` found in PATH, or "".
std::string find_in_path(const std::string& prog) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream ss(path);
  std::string d;
  while (std::getline(ss, d, ':')) {
    if (d.empty()) continue;
    const std::string p = d + "/" + prog;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// ---- the campaign ----

std::string spec_text(int n, long samples, int inputs, std::uint64_t seed, const std::string& output) {
  return fmt::format(
      "# bench_campaign: {n} x {n} linear crossbar, 1 ohm wires, 5 % normal programming error\n"
      "kind = \"crossbar\"\n"
      "seed = {seed}\n"
      "[crossbar]\n"
      "rows = {n}\n"
      "cols = {n}\n"
      "cell = \"linear\"\n"
      "r_row_wire_ohm = 1.0\n"
      "r_col_wire_ohm = 1.0\n"
      "[variation]\n"
      "g_prog_error = {{ distribution = \"normal\", sigma_rel_d2d = 0.05 }}\n"
      "[workload]\n"
      "instances = {samples}\n"
      "patterns_per_instance = 1\n"
      "inputs_per_pattern = {inputs}\n"
      "g_min_s = 1e-6\n"
      "g_max_s = 1e-4\n"
      "inputs = \"random\"\n"
      "v_read_min_v = 0.0\n"
      "v_read_max_v = 0.2\n"
      "[run]\n"
      "output = \"{output}\"\n"
      "workers = 1\n"
      "sample_timeout_s = 600\n",
      fmt::arg("n", n), fmt::arg("seed", seed), fmt::arg("samples", samples), fmt::arg("inputs", inputs),
      fmt::arg("output", output));
}

void remove_outputs(const std::string& out) {
  std::error_code ec;
  for (const char* suffix : {"", ".journal", ".tmp"}) fs::remove(out + suffix, ec);
}

/// i_spice_a of every sample, from the bare loop: the reference for the files.
using Reference = std::vector<std::vector<double>>;

struct Check {
  std::uint64_t records = 0, ok = 0;
  double max_rel_diff = 0.0;  // largest |file - bare| / max|bare| over samples
  bool all_seconds_zero = true;
};

Check check_file(const std::string& path, const Reference& ref) {
  const ch::CampaignFile f = ch::read_campaign_file(path);
  Check c;
  c.records = f.records.size();
  const std::uint64_t off = f.schema.offset_of("i_spice_a"), len = f.schema.field("i_spice_a").size();
  for (const auto& r : f.records) {
    c.ok += r.status == ch::SampleStatus::ok ? 1 : 0;
    if (r.seconds != 0.0) c.all_seconds_zero = false;
    if (r.index >= ref.size() || r.values.size() < off + len) {
      c.max_rel_diff = std::numeric_limits<double>::infinity();
      continue;
    }
    const auto& want = ref[r.index];
    double scale = 0.0, diff = 0.0;
    for (std::uint64_t k = 0; k < len; ++k) {
      scale = std::max(scale, std::abs(want[k]));
      const double d = std::abs(r.values[off + k] - want[k]);
      diff = std::isnan(d) ? std::numeric_limits<double>::infinity() : std::max(diff, d);
    }
    c.max_rel_diff = std::max(c.max_rel_diff, scale > 0 ? diff / scale : diff);
  }
  return c;
}

/// CPU seconds (user + system) of this process and of its reaped children so far.
struct Cpu {
  double self = 0.0, children = 0.0;
};
Cpu cpu_now() {
  auto sec = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  rusage a{}, b{};
  getrusage(RUSAGE_SELF, &a);
  getrusage(RUSAGE_CHILDREN, &b);
  return {sec(a), sec(b)};
}

struct Run {
  double seconds = 0.0;       // timed wall time
  double inner_seconds = -1;  // engine's own time (CampaignSummary::seconds, or parsed from xbar's output)
  double cpu_self = 0.0;      // CPU s of this process during the timed part
  double cpu_children = 0.0;  // CPU s of the reaped children (workers; mpirun and everything under it)
  std::uint64_t ok = 0, total = 0;
  Check check;
  bool checked = false;
};

struct SizeCase {
  int n = 0;
  long samples = 0;
  std::string out_engine, spec_path_mpi, out_mpi;
  ch::CampaignSpec spec;  // for the bare loop and the engine (absolute output path)
  Reference ref;
  std::vector<Run> runs[kConfigs];
  std::vector<double> write_s;  // write_campaign_file of the same records, timed separately
  std::vector<double> read_s;   // read_campaign_file of the engine's file
};

const char* config_name(int c, int np) {
  static std::string mpi;
  switch (c) {
    case kBare: return "bare loop";
    case kEngine1: return "engine, 1 worker";
    case kEngine2: return "engine, 2 workers";
    default: mpi = fmt::format("MPI np={}", np); return mpi.c_str();
  }
}

Run run_bare(SizeCase& s, bool keep_reference) {
  auto kind = ch::make_circuit_kind(s.spec);
  auto& spice = ch::SpiceSession::instance();
  const std::uint64_t total = s.spec.total_samples();
  const std::uint64_t off = kind->schema().offset_of("i_spice_a"), len = kind->schema().field("i_spice_a").size();
  std::vector<ch::SampleRecord> records;
  records.reserve(total);
  const Cpu c0 = cpu_now();
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < total; ++i) records.push_back(kind->run_sample(spice, i));
  Run r;
  r.seconds = seconds_since(t0);
  const Cpu c1 = cpu_now();
  r.cpu_self = c1.self - c0.self;
  r.cpu_children = c1.children - c0.children;
  r.total = total;
  for (const auto& rec : records) r.ok += rec.status == ch::SampleStatus::ok ? 1 : 0;
  if (keep_reference) {
    s.ref.assign(total, {});
    for (const auto& rec : records)
      s.ref[rec.index].assign(rec.values.begin() + static_cast<std::ptrdiff_t>(off),
                              rec.values.begin() + static_cast<std::ptrdiff_t>(off + len));
  } else {
    // Determinism: the bare loop must give the same currents every time.
    for (const auto& rec : records) {
      for (std::uint64_t k = 0; k < len; ++k) {
        if (rec.values[off + k] != s.ref[rec.index][k]) {
          r.check.max_rel_diff = std::numeric_limits<double>::infinity();
          break;
        }
      }
    }
    r.checked = true;
    r.check.records = total;
    r.check.ok = r.ok;
  }
  // Untimed: the final HDF5 write of these records, the same call the engine makes at the end.
  ch::CampaignProvenance prov;
  prov.spec_text = s.spec.source_text;
  prov.seed = s.spec.seed;
  const std::string tmp = s.out_engine + ".bare_write.h5";
  const auto tw = Clock::now();
  ch::write_campaign_file(tmp, kind->schema(), prov, records);
  s.write_s.push_back(seconds_since(tw));
  remove_outputs(tmp);
  return r;
}

Run run_engine(SizeCase& s, int workers) {
  remove_outputs(s.out_engine);
  ch::RunOptions ro;
  ro.workers = workers;
  ro.quiet = true;
  ro.xbar_version = XBAR_BENCH_VERSION;
  ro.git_hash = XBAR_BENCH_GIT_HASH;
  const Cpu c0 = cpu_now();
  const auto t0 = Clock::now();
  const ch::CampaignSummary sum = ch::run_campaign(s.spec, ro);
  Run r;
  r.seconds = seconds_since(t0);
  const Cpu c1 = cpu_now();
  r.cpu_self = c1.self - c0.self;
  r.cpu_children = c1.children - c0.children;
  r.inner_seconds = sum.seconds;
  r.ok = sum.ok;
  r.total = sum.total;
  if (sum.ran != sum.total || sum.resumed != 0) {
    std::fprintf(stderr, "  WARNING: engine ran %llu and resumed %llu of %llu samples\n",
                 static_cast<unsigned long long>(sum.ran), static_cast<unsigned long long>(sum.resumed),
                 static_cast<unsigned long long>(sum.total));
  }
  const auto tr = Clock::now();
  r.check = check_file(s.out_engine, s.ref);
  s.read_s.push_back(seconds_since(tr));
  r.checked = true;
  if (fs::exists(s.out_engine + ".journal")) std::fprintf(stderr, "  WARNING: the journal was left behind\n");
  return r;
}

struct MpiSetup {
  std::string mpirun, xbar;
  int np = 2;
  std::vector<std::string> env;
};

Run run_mpi(SizeCase& s, const MpiSetup& m, const std::string& dir) {
  remove_outputs(s.out_mpi);
  const Cpu c0 = cpu_now();
  const ProcResult p =
      run_process({m.mpirun, "--oversubscribe", "-np", std::to_string(m.np), m.xbar, "characterize", s.spec_path_mpi,
                   "-q"},
                  m.env, dir);
  const Cpu c1 = cpu_now();
  Run r;
  r.seconds = p.seconds;
  r.cpu_self = c1.self - c0.self;
  r.cpu_children = c1.children - c0.children;
  r.total = s.spec.total_samples();
  if (!WIFEXITED(p.status) || WEXITSTATUS(p.status) != 0) {
    throw ch::Error(fmt::format("mpirun failed ({}):\n{}{}", describe_status(p.status), p.out, p.err));
  }
  // "wrote <file>: S samples, K ok, F failed (R run now, P from before) in X s"
  static const std::regex re(R"((\d+) samples, (\d+) ok, (\d+) failed \((\d+) run now, (\d+) from before\) in ([0-9.]+) s)");
  std::smatch mt;
  if (std::regex_search(p.out, mt, re)) {
    r.ok = std::stoull(mt[2]);
    r.inner_seconds = std::stod(mt[6]);
    if (std::stoull(mt[4]) != r.total || std::stoull(mt[5]) != 0)
      std::fprintf(stderr, "  WARNING: MPI run: %s\n", mt[0].str().c_str());
  } else {
    std::fprintf(stderr, "  WARNING: no summary line in the MPI output:\n%s%s\n", p.out.c_str(), p.err.c_str());
  }
  r.check = check_file(s.out_mpi, s.ref);
  r.checked = true;
  return r;
}

std::string fmt_rate(double v) {
  if (!std::isfinite(v)) return "–";
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string fmt_s(double v) { return std::isfinite(v) ? fmt::format("{:.2f}", v) : "–"; }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"bench_campaign: campaign throughput (samples/s), bare SpiceSession loop vs campaign engine (1 and 2 "
               "workers) vs MPI, on N x N linear crossbars with 1 ohm wires and 5 % programming error.\n"
               "Markdown (header, tables, notes) is printed to stdout; progress and every timing go to stderr."};
  app.add_option("--sizes", o.sizes, "N values, 1..1024")->delimiter(',')->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--samples", o.samples,
                 "Samples (instances, one pattern each) per size, one value per size or one for all "
                 "(about 10-30 s per configuration on a 2-core machine)")
      ->delimiter(',')
      ->check(CLI::Range(1L, 10000000L))
      ->capture_default_str();
  app.add_option("--inputs", o.inputs, "Input vectors per sample (workload.inputs_per_pattern)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--repeats", o.repeats, "Repeats of every configuration; medians are quoted")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Campaign seed")->capture_default_str();
  app.add_option("--xbar", o.xbar, "The xbar program for the MPI runs (default: ../tools/xbar next to this binary)");
  app.add_option("--mpi-np", o.mpi_np, "MPI ranks")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_flag("!--no-mpi", o.mpi, "Skip the MPI configuration");
  app.add_flag("--keep", o.keep, "Keep the temporary folder (specs, HDF5 files, mpirun logs)");
  CLI11_PARSE(app, argc, argv);
  if (o.samples.size() == 1 && o.sizes.size() > 1) o.samples.assign(o.sizes.size(), o.samples[0]);
  if (o.samples.size() != o.sizes.size()) {
    std::fprintf(stderr, "bench_campaign: --samples has %zu values for %zu sizes\n", o.samples.size(), o.sizes.size());
    return 2;
  }
  std::string tmp_dir;
  try {
    const std::string start_date = utc_date("%Y-%m-%d %H:%M UTC"), load_start = load_average();
    const auto t_init = Clock::now();
    auto& spice = ch::SpiceSession::instance();
    const double init_ms = seconds_since(t_init) * 1000.0;

    char tmpl[] = "/tmp/bench_campaign.XXXXXX";
    if (!::mkdtemp(tmpl)) throw ch::Error(fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
    tmp_dir = tmpl;
    std::fprintf(stderr, "temporary folder: %s\n", tmp_dir.c_str());

    // MPI set-up.
    MpiSetup mpi;
    mpi.np = o.mpi_np;
    std::string mpi_version, mpi_skip;
    if (o.mpi) {
      mpi.xbar = o.xbar;
      if (mpi.xbar.empty()) {
        const fs::path self = fs::read_symlink("/proc/self/exe");
        mpi.xbar = (self.parent_path() / ".." / "tools" / "xbar").lexically_normal().string();
      }
      mpi.mpirun = find_in_path("mpirun");
      if (mpi.mpirun.empty()) {
        mpi_skip = "mpirun is not in PATH";
      } else if (::access(mpi.xbar.c_str(), X_OK) != 0) {
        mpi_skip = fmt::format("{} is not an executable (use --xbar)", mpi.xbar);
      } else {
        if (::geteuid() == 0) mpi.env = {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"};
        const ProcResult v = run_process({mpi.mpirun, "--version"}, mpi.env, tmp_dir);
        mpi_version = v.out.substr(0, v.out.find('\n'));
      }
    } else {
      mpi_skip = "--no-mpi";
    }
    const bool with_mpi = mpi_skip.empty();
    if (!with_mpi) std::fprintf(stderr, "MPI configuration skipped: %s\n", mpi_skip.c_str());

    std::vector<SizeCase> cases(o.sizes.size());
    for (std::size_t k = 0; k < o.sizes.size(); ++k) {
      SizeCase& s = cases[k];
      s.n = o.sizes[k];
      s.samples = o.samples[k];
      s.out_engine = fmt::format("{}/engine_{}.h5", tmp_dir, s.n);
      s.spec = ch::parse_campaign_spec(spec_text(s.n, s.samples, o.inputs, o.seed, s.out_engine),
                                       fmt::format("bench_campaign_{}.toml", s.n));
      s.spec_path_mpi = fmt::format("{}/mpi_{}.toml", tmp_dir, s.n);
      s.out_mpi = fmt::format("{}/mpi_{}.h5", tmp_dir, s.n);
      std::ofstream(s.spec_path_mpi) << spec_text(s.n, s.samples, o.inputs, o.seed, fmt::format("mpi_{}.h5", s.n));
    }

    // Untimed warm-up of every path (page cache, first-touch faults, mpirun's start-up files).
    {
      std::fprintf(stderr, "warm-up (untimed)...\n");
      SizeCase w;
      w.n = 16;
      w.samples = 4;
      w.out_engine = tmp_dir + "/warmup.h5";
      w.spec = ch::parse_campaign_spec(spec_text(16, 4, o.inputs, o.seed, w.out_engine), "warmup.toml");
      w.spec_path_mpi = tmp_dir + "/warmup_mpi.toml";
      w.out_mpi = tmp_dir + "/warmup_mpi.h5";
      std::ofstream(w.spec_path_mpi) << spec_text(16, 4, o.inputs, o.seed, "warmup_mpi.h5");
      run_bare(w, true);
      run_engine(w, 2);
      if (with_mpi) run_mpi(w, mpi, tmp_dir);
    }

    // Reference records of each size (the first bare loop, untimed).
    for (auto& s : cases) {
      std::fprintf(stderr, "N=%d: reference run of the bare loop (untimed)...\n", s.n);
      s.write_s.clear();
      run_bare(s, true);
      s.write_s.clear();
    }

    std::vector<int> order{kBare, kEngine1, kEngine2};
    if (with_mpi) order.push_back(kMpi);
    const auto t_all = Clock::now();
    for (int rep = 0; rep < o.repeats; ++rep) {
      for (auto& s : cases) {
        for (std::size_t q = 0; q < order.size(); ++q) {
          const int c = order[(q + static_cast<std::size_t>(rep)) % order.size()];
          Run r;
          switch (c) {
            case kBare: r = run_bare(s, false); break;
            case kEngine1: r = run_engine(s, 1); break;
            case kEngine2: r = run_engine(s, 2); break;
            default: r = run_mpi(s, mpi, tmp_dir); break;
          }
          std::fprintf(stderr,
                       "  repeat %d/%d N=%d %-18s %7.2f s  %7.2f samples/s%s  ok %llu/%llu  max rel diff %.1e  "
                       "CPU %.2f s here + %.2f s children  (load %s)\n",
                       rep + 1, o.repeats, s.n, config_name(c, mpi.np), r.seconds, s.samples / r.seconds,
                       r.inner_seconds >= 0 ? fmt::format("  (engine's own {:.2f} s)", r.inner_seconds).c_str() : "",
                       static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.total),
                       r.check.max_rel_diff, r.cpu_self, r.cpu_children, load_average().c_str());
          s.runs[c].push_back(r);
        }
      }
    }
    const double total_s = seconds_since(t_all);

    // ---- report (Markdown) ----
    fmt::print("# bench_campaign: campaign throughput, bare SpiceSession loop vs campaign engine vs MPI\n\n");
    fmt::print("- date: {}\n", start_date);
    fmt::print("- nproc: {}; CPU: {}\n", nproc(), first_line_of("/proc/cpuinfo", "model name"));
    fmt::print("- ngspice: {} (embedded libngspice, KLU); initialization {:.0f} ms (once per process)\n",
               spice.version(), init_ms);
    fmt::print("- xbar {} (git {}), {} build, {}\n", XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE,
               XBAR_BENCH_COMPILER);
    if (with_mpi) {
      fmt::print("- MPI: {}; launched as `mpirun --oversubscribe -np {} {} characterize <spec.toml> -q`{}\n",
                 mpi_version, mpi.np, mpi.xbar,
                 mpi.env.empty() ? "" : " with OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1");
    } else {
      fmt::print("- MPI: not run ({})\n", mpi_skip);
    }
    fmt::print("- workload: N x N crossbar, linear cells, 1 ohm row and column wire segments, targets ~ U[1e-6, "
               "1e-4] S, normal programming error sigma_rel_d2d = 0.05, random inputs ~ U[0, 0.2] V, seed {}; one "
               "pattern per instance, {} input vectors per sample (one deck load + {} `op` runs per sample)\n",
               o.seed, o.inputs, o.inputs);
    fmt::print("- repeats: {} per configuration, medians quoted; the order of the configurations rotates from one "
               "repeat to the next; timed part took {:.0f} s\n",
               o.repeats, total_s);
    fmt::print("- load average (1/5/15 min) at start: {}; at end: {}\n\n", load_start, load_average());

    fmt::print("| N | samples | inputs/sample | bare loop samples/s | engine 1 worker samples/s | engine 2 workers "
               "samples/s | MPI np={} samples/s | speed-up 2 workers | efficiency 2 workers | speed-up MPI | "
               "efficiency MPI | engine overhead |\n",
               mpi.np);
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    auto med = [](const std::vector<Run>& runs) {
      std::vector<double> v;
      for (const auto& r : runs) v.push_back(r.seconds);
      return median(v);
    };
    for (const auto& s : cases) {
      const double tb = med(s.runs[kBare]), t1 = med(s.runs[kEngine1]), t2 = med(s.runs[kEngine2]);
      const double tm = with_mpi ? med(s.runs[kMpi]) : std::nan("");
      const double sp2 = t1 / t2, spm = t1 / tm;
      fmt::print("| {} | {} | {} | {} | {} | {} | {} | {:.2f} | {:.0f} % | {} | {} | {:+.1f} % |\n", s.n, s.samples,
                 o.inputs, fmt_rate(s.samples / tb), fmt_rate(s.samples / t1), fmt_rate(s.samples / t2),
                 fmt_rate(s.samples / tm), sp2, 100.0 * sp2 / 2.0,
                 std::isfinite(spm) ? fmt::format("{:.2f}", spm) : "–",
                 std::isfinite(spm) ? fmt::format("{:.0f} %", 100.0 * spm / mpi.np) : "–", 100.0 * (t1 - tb) / tb);
    }
    fmt::print("\nColumns: samples/s = samples / median wall time of the configuration. Bare loop = "
               "`make_circuit_kind(spec)->run_sample(SpiceSession::instance(), i)` for every sample in this process "
               "(no engine, no file). Engine = `characterize::run_campaign` in this process with 1 or 2 forked "
               "worker processes, into a fresh HDF5 file (journal, final write and verification of the count "
               "included; no checkpoint falls inside a run shorter than run.checkpoint_interval_s = 30 s). MPI = "
               "`mpirun` of the xbar program as a subprocess, timed from outside: it includes mpirun's start-up, "
               "MPI_Init and libngspice's initialization in every rank (each rank runs 1 worker process). "
               "speed-up = time(engine, 1 worker) / time(configuration); efficiency = speed-up / workers (ranks "
               "for MPI). engine overhead = (time(engine, 1 worker) - time(bare loop)) / time(bare loop), from "
               "the medians.\n");

    fmt::print("\n## Details\n\n");
    fmt::print("| N | configuration | samples | inputs/sample | op runs | median s | min..max s | samples/s | "
               "engine's own s (median) | CPU s: this process + children (median) | samples ok | file vs bare loop |\n");
    fmt::print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& s : cases) {
      for (int c = 0; c < kConfigs; ++c) {
        const auto& runs = s.runs[c];
        if (runs.empty()) continue;
        std::vector<double> t, inner, cs, cc;
        std::uint64_t ok_min = runs[0].ok;
        double diff = 0.0;
        bool checked = false;
        for (const auto& r : runs) {
          t.push_back(r.seconds);
          cs.push_back(r.cpu_self);
          cc.push_back(r.cpu_children);
          if (r.inner_seconds >= 0) inner.push_back(r.inner_seconds);
          ok_min = std::min(ok_min, r.ok);
          diff = std::max(diff, r.check.max_rel_diff);
          checked |= r.checked;
        }
        const auto [mn, mx] = std::minmax_element(t.begin(), t.end());
        std::string agree = !checked ? "–" : diff == 0.0 ? "identical" : fmt::format("{:.1e}", diff);
        fmt::print("| {} | {} | {} | {} | {} | {} | {}..{} | {} | {} | {} + {} | {}/{} | {} |\n", s.n,
                   config_name(c, mpi.np), s.samples, o.inputs, s.samples * o.inputs, fmt_s(median(t)), fmt_s(*mn),
                   fmt_s(*mx), fmt_rate(s.samples / median(t)), inner.empty() ? "–" : fmt_s(median(inner)),
                   fmt_s(median(cs)), fmt_s(median(cc)), ok_min, s.samples, agree);
      }
    }
    fmt::print("\nengine's own s = CampaignSummary::seconds (for MPI: rank 0's \"in X s\" printed by `xbar "
               "characterize`), i.e. without the caller's set-up; for MPI the difference to the median is the "
               "launch cost (mpirun, MPI_Init, spec parsing, libngspice initialization in each rank) and the "
               "shutdown (MPI_Finalize). CPU s = user + system CPU time of this process and of its reaped child processes during the timed part (getrusage; children = the engine's workers, or mpirun with its ranks and their workers). samples ok = the lowest count over the repeats. file vs bare loop = the "
               "largest difference of i_spice_a between the HDF5 file (read back after each run, untimed) and "
               "the bare loop's records, relative to the largest current of the sample (for the bare loop: "
               "repeat vs first run); \"identical\" = bit-for-bit.\n");

    fmt::print("\nEngine overhead, itemized from separate timings (medians):\n\n");
    fmt::print("| N | bare loop s | engine 1 worker s | difference s | per sample ms | overhead per repeat | "
               "CPU s bare loop / engine (parent + worker) | CPU overhead | engine parent CPU s | final HDF5 write s (write_campaign_file of the same records) | HDF5 read-back "
               "s |\n");
    fmt::print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
    for (const auto& s : cases) {
      const double tb = med(s.runs[kBare]), t1 = med(s.runs[kEngine1]);
      std::string per_repeat;
      std::vector<double> parent_cpu, bare_cpu, engine_cpu;
      for (const auto& r : s.runs[kBare]) bare_cpu.push_back(r.cpu_self + r.cpu_children);
      for (const auto& r : s.runs[kEngine1]) engine_cpu.push_back(r.cpu_self + r.cpu_children);
      const double cb = median(bare_cpu), ce = median(engine_cpu);
      for (std::size_t k = 0; k < std::min(s.runs[kBare].size(), s.runs[kEngine1].size()); ++k) {
        const double b = s.runs[kBare][k].seconds, e = s.runs[kEngine1][k].seconds;
        per_repeat += fmt::format("{}{:+.1f} %", k ? ", " : "", 100.0 * (e - b) / b);
      }
      for (const auto& r : s.runs[kEngine1]) parent_cpu.push_back(r.cpu_self);
      fmt::print("| {} | {} | {} | {:+.2f} | {:+.2f} | {} | {} / {} | {:+.1f} % | {:.3f} | {:.3f} | {:.3f} |\n", s.n,
                 fmt_s(tb), fmt_s(t1), t1 - tb, 1000.0 * (t1 - tb) / s.samples, per_repeat, fmt_s(cb), fmt_s(ce),
                 100.0 * (ce - cb) / cb, median(parent_cpu), median(s.write_s), median(s.read_s));
    }
    fmt::print("\noverhead per repeat = (engine 1 worker - bare loop) / bare loop within each repeat (scatters with the machine's load). CPU overhead = (median CPU s of the engine with 1 worker, parent + worker, - median CPU s of the bare loop) / the latter: the same comparison in CPU time, which leaves out waiting for a CPU but still moves by several percent with the machine's load (shared caches, the host). engine parent "
               "CPU s = CPU time of the process that runs run_campaign (the scheduling loop, decoding, the journal "
               "and the final HDF5 write; the samples run in the worker).\n");
    bool zero_seconds = false;
    for (const auto& s : cases)
      for (int c = kEngine1; c < kConfigs; ++c)
        for (const auto& r : s.runs[c]) zero_seconds |= r.checked && r.check.all_seconds_zero;
    if (zero_seconds) {
      fmt::print("\nNote: /timing/sample_seconds read back from the engine's files is 0 for every sample "
                 "(the per-sample wall time is not recorded for successful samples).\n");
    }

    if (!o.keep) {
      std::error_code ec;
      fs::remove_all(tmp_dir, ec);
    } else {
      std::fprintf(stderr, "kept %s\n", tmp_dir.c_str());
    }
    return 0;
  } catch (const ch::Error& e) {
    std::fprintf(stderr, "bench_campaign: %s\n", e.what());
    if (!tmp_dir.empty()) std::fprintf(stderr, "bench_campaign: files left in %s\n", tmp_dir.c_str());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_campaign: internal error: %s\n", e.what());
    if (!tmp_dir.empty()) std::fprintf(stderr, "bench_campaign: files left in %s\n", tmp_dir.c_str());
    return 1;
  }
}
