// bench_crossbar_op: time of one operating point (.op) of an N x N crossbar in the embedded
// libngspice (KLU), split into its phases, against the same deck run by the `ngspice -b`
// program as a subprocess.
//
//   ./build/bench/bench_crossbar_op [--sizes 16,32,64,128,256] [--repeats 5] [--seed 1]
//                                   [--budget-s 90]
//
// Workload per N: linear cells, G uniform in [1e-6, 1e-4] S, inputs uniform in [0, 0.2] V,
// 1 ohm per row and per column wire segment. The draws are the same as
//   xbar netlist crossbar --rows N --cols N --seed S --r-row-wire 1 --r-col-wire 1
// (CounterRng streams 1 for G and 3 for v, as in tools/src/crossbar_options.cpp).
//
// Embedded phases (one repeat):  generate = netlists::make_crossbar_deck
//                                load     = SpiceSession::load
//                                solve    = SpiceSession::run("op")
//                                read     = SpiceSession::read
//                                cleanup  = SpiceSession::cleanup
// Subprocess (one repeat):       generate + characterize::run_ngspice_batch (writes the deck,
//                                runs `ngspice -b`, parses the ASCII rawfile)
// Both totals therefore run from the CrossbarParams to the results in memory. The two engines
// alternate within each repeat, so drift on a shared machine hits both alike. Medians over the
// repeats are quoted. Markdown goes to stdout, progress to stderr.
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "bench_info.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/ngspice_process.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/crossbar.hpp"
#include "xbar/netlists/error.hpp"

namespace {

namespace ch = xbar::characterize;
namespace nl = xbar::netlists;
using namespace xbar::bench;

constexpr double kGMin = 1e-6, kGMax = 1e-4;  // S
constexpr double kVMin = 0.0, kVMax = 0.2;    // V
constexpr double kWireOhm = 1.0;              // per row and per column segment
constexpr std::uint64_t kStreamG = 1, kStreamV = 3;  // as tools/src/crossbar_options.cpp

struct Options {
  std::vector<int> sizes{16, 32, 64, 128, 256};
  int repeats = 5;
  std::uint64_t seed = 1;
  double budget_s = 90.0;  // per size; <= 0: always run every repeat
};

nl::CrossbarParams make_params(int n, std::uint64_t seed) {
  nl::CrossbarParams p;
  p.rows = n;
  p.cols = n;
  p.cell = nl::CellModel::linear;
  xbar::core::CounterRng rg(seed, kStreamG), rv(seed, kStreamV);
  p.g_s.resize(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) p.g_s(i, j) = rg.uniform(static_cast<std::uint64_t>(i) * n + j, kGMin, kGMax);
  p.v_in_v.resize(n);
  for (int i = 0; i < n; ++i) p.v_in_v[i] = rv.uniform(static_cast<std::uint64_t>(i), kVMin, kVMax);
  p.r_row_wire_ohm = kWireOhm;
  p.r_col_wire_ohm = kWireOhm;
  p.title = fmt::format("xbar crossbar {}x{} seed {}", n, n, seed);
  return p;
}

std::vector<double> column_currents(const ch::SpiceResult& r, const nl::Deck& deck) {
  std::vector<double> out;
  out.reserve(deck.probes.size());
  for (const auto& p : deck.probes) {
    const auto v = r.probe(p);
    if (v.size() != 1) throw ch::Error(fmt::format("probe {} has {} points, expected 1 (op)", p.name, v.size()));
    out.push_back(v[0]);
  }
  return out;
}

double rel_l2(const std::vector<double>& a, const std::vector<double>& ref) {
  double num = 0.0, den = 0.0;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    num += (a[k] - ref[k]) * (a[k] - ref[k]);
    den += ref[k] * ref[k];
  }
  return den > 0.0 ? std::sqrt(num / den) : std::sqrt(num);
}

struct EmbeddedTimes {
  double generate, load, solve, read, cleanup, total;
};

struct EmbeddedRun {
  EmbeddedTimes t;
  std::vector<double> currents;
  std::size_t vectors = 0;  // vectors in the op plot: node voltages + branch currents = MNA unknowns
};

EmbeddedRun run_embedded(const nl::CrossbarParams& p) {
  auto& spice = ch::SpiceSession::instance();
  EmbeddedRun run{};
  const auto t0 = Clock::now();
  nl::Deck deck = nl::make_crossbar_deck(p);
  const auto t1 = Clock::now();
  spice.load(deck.text);
  const auto t2 = Clock::now();
  ch::SpiceResult r;
  try {
    spice.run("op");
  } catch (...) {
    spice.cleanup();
    throw;
  }
  const auto t3 = Clock::now();
  try {
    r = spice.read();
  } catch (...) {
    spice.cleanup();
    throw;
  }
  const auto t4 = Clock::now();
  spice.cleanup();
  const auto t5 = Clock::now();
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  run.t = {ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t4, t5), ms(t0, t5)};
  run.currents = column_currents(r, deck);
  run.vectors = r.vectors.size();
  return run;
}

struct SubprocessRun {
  double total;  // generate + run_ngspice_batch
  std::vector<double> currents;
};

SubprocessRun run_subprocess(const nl::CrossbarParams& p) {
  const auto t0 = Clock::now();
  nl::Deck deck = nl::make_crossbar_deck(p);
  ch::SpiceResult r = ch::run_ngspice_batch(deck.text);
  const double total = ms_since(t0);
  return {total, column_currents(r, deck)};
}

struct SizeResult {
  int n = 0;
  int repeats_used = 0;
  bool reduced = false;
  std::size_t unknowns = 0;
  std::vector<double> generate, load, solve, read, cleanup, total, sub;
  double agreement = 0.0;  // max over repeats of rel. L2(subprocess - embedded) / embedded
  double rss_before = 0.0, rss_after_first = 0.0, rss_after = 0.0;
  double deck_kib = 0.0;
};

std::string fmt_ms(double ms) {
  if (ms >= 100.0) return fmt::format("{:.0f}", ms);
  if (ms >= 10.0) return fmt::format("{:.1f}", ms);
  if (ms >= 1.0) return fmt::format("{:.2f}", ms);
  return fmt::format("{:.3f}", ms);
}

SizeResult bench_size(int n, const Options& o) {
  SizeResult s;
  s.n = n;
  const nl::CrossbarParams p = make_params(n, o.seed);
  s.deck_kib = static_cast<double>(nl::make_crossbar_deck(p).text.size()) / 1024.0;
  s.rss_before = rss_mib();
  int planned = o.repeats;
  for (int r = 0; r < planned; ++r) {
    const auto t_rep = Clock::now();
    EmbeddedRun e = run_embedded(p);
    if (r == 0) s.rss_after_first = rss_mib();
    SubprocessRun sp = run_subprocess(p);
    const double rep_s = ms_since(t_rep) / 1000.0;

    if (e.currents.size() != sp.currents.size()) {
      throw ch::Error(fmt::format("N={}: embedded gave {} column currents, subprocess {}", n, e.currents.size(),
                                  sp.currents.size()));
    }
    s.agreement = std::max(s.agreement, rel_l2(sp.currents, e.currents));
    s.unknowns = e.vectors;
    s.generate.push_back(e.t.generate);
    s.load.push_back(e.t.load);
    s.solve.push_back(e.t.solve);
    s.read.push_back(e.t.read);
    s.cleanup.push_back(e.t.cleanup);
    s.total.push_back(e.t.total);
    s.sub.push_back(sp.total);
    std::fprintf(stderr, "  N=%d repeat %d/%d: embedded %.1f ms, ngspice -b %.1f ms\n", n, r + 1, planned,
                 e.t.total, sp.total);

    if (r == 0 && o.budget_s > 0.0 && rep_s * o.repeats > o.budget_s) {
      planned = std::max(1, std::min(o.repeats, static_cast<int>(o.budget_s / rep_s)));
      if (planned < o.repeats) {
        s.reduced = true;
        std::fprintf(stderr, "  N=%d: one repeat took %.1f s; %d repeat(s) fit the %g s budget (of %d asked)\n", n,
                     rep_s, planned, o.budget_s, o.repeats);
      }
    }
  }
  s.repeats_used = planned;
  s.rss_after = rss_mib();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"bench_crossbar_op: embedded ngspice (KLU) vs `ngspice -b`, one .op of an N x N crossbar.\n"
               "Markdown (header, table, notes) is printed to stdout; progress goes to stderr."};
  app.add_option("--sizes", o.sizes, "N values, 1..1024")->delimiter(',')->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--repeats", o.repeats, "Timed repeats per size; medians are quoted")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the random conductances and inputs")->capture_default_str();
  app.add_option("--budget-s", o.budget_s,
                 "Wall-time budget per size, s: when the first repeat shows that the repeats would exceed it, fewer "
                 "are run (at least 1) and the output says so; 0 disables it")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    // libngspice start-up (ngSpice_Init, spinit, code models) is timed once, outside the table.
    const auto t_init = Clock::now();
    auto& spice = ch::SpiceSession::instance();
    const double init_ms = ms_since(t_init);
    const double rss_start = rss_mib();

    // Untimed warm-up of both engines: first-touch page faults, the ngspice binary and its
    // code models into the page cache.
    {
      std::fprintf(stderr, "warm-up (untimed)...\n");
      const auto p = make_params(16, o.seed);
      run_embedded(p);
      run_subprocess(p);
    }

    std::vector<SizeResult> results;
    for (int n : o.sizes) {
      std::fprintf(stderr, "N=%d ...\n", n);
      results.push_back(bench_size(n, o));
    }

    // ---- report (Markdown) ----
    fmt::print("# bench_crossbar_op: one crossbar .op, embedded ngspice (KLU) vs `ngspice -b`\n\n");
    fmt::print("- date (UTC): {}\n", utc_date("%Y-%m-%d"));
    fmt::print("- ngspice: {} (embedded libngspice, KLU); subprocess: `{} -b`\n", spice.version(),
               ch::ngspice_program());
    fmt::print("- nproc: {}; CPU: {}\n", nproc(), cpu_model());
    fmt::print("- xbar {} (git {}), {} build, {}\n", XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE,
               XBAR_BENCH_COMPILER);
    fmt::print("- workload: N x N crossbar, linear cells, G ~ U[{:g}, {:g}] S, inputs ~ U[{:g}, {:g}] V, "
               "{:g} ohm row and column wire segments, seed {}\n",
               kGMin, kGMax, kVMin, kVMax, kWireOhm, o.seed);
    fmt::print("- repeats: {} per size (per-size budget {}); medians quoted; the engines alternate within "
               "each repeat\n",
               o.repeats, o.budget_s > 0 ? fmt::format("{:g} s", o.budget_s) : std::string("off"));
    fmt::print("- libngspice initialization (once per process, not in the table): {} ms\n\n", fmt_ms(init_ms));

    fmt::print("| N | cells | generate ms | load ms | solve ms | read ms | cleanup ms | embedded total ms | "
               "ngspice -b ms | ratio | agreement |\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& s : results) {
      const double emb = median(s.total), sub = median(s.sub);
      fmt::print("| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1f} | {:.1e} |\n", s.n, s.reduced ? "*" : "",
                 static_cast<long>(s.n) * s.n, fmt_ms(median(s.generate)), fmt_ms(median(s.load)),
                 fmt_ms(median(s.solve)), fmt_ms(median(s.read)), fmt_ms(median(s.cleanup)), fmt_ms(emb),
                 fmt_ms(sub), sub / emb, s.agreement);
    }

    fmt::print("\nColumns: each phase is the median of that phase over the repeats, and \"embedded total\" is "
               "the median of the per-repeat totals (so the phase medians need not add up to it exactly). "
               "\"ngspice -b\" is generate + characterize::run_ngspice_batch (write the deck, run the process, "
               "parse the ASCII rawfile), so both totals go from parameters to results in memory. "
               "ratio = ngspice -b / embedded total. agreement = largest relative L2 difference of the N "
               "column currents, subprocess vs embedded, over the repeats.\n");
    bool any_reduced = false;
    for (const auto& s : results) any_reduced |= s.reduced;
    if (any_reduced) {
      fmt::print("\n\\* fewer repeats than asked: one repeat of this size took long enough that {} repeats "
                 "would exceed the {:g} s budget per size (see the details below).\n",
                 o.repeats, o.budget_s);
    }

    fmt::print("\n## Details\n\n");
    fmt::print("| N | repeats | MNA unknowns | deck KiB | embedded total min..max ms | ngspice -b min..max ms | "
               "RSS before / after 1st / after last MiB |\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& s : results) {
      auto [emin, emax] = std::minmax_element(s.total.begin(), s.total.end());
      auto [smin, smax] = std::minmax_element(s.sub.begin(), s.sub.end());
      fmt::print("| {} | {}{} | {} | {:.0f} | {}..{} | {}..{} | {:.1f} / {:.1f} / {:.1f} |\n", s.n, s.repeats_used,
                 s.reduced ? fmt::format(" (of {})", o.repeats) : std::string(), s.unknowns, s.deck_kib,
                 fmt_ms(*emin), fmt_ms(*emax), fmt_ms(*smin), fmt_ms(*smax), s.rss_before, s.rss_after_first,
                 s.rss_after);
    }
    fmt::print("\nMNA unknowns = vectors in the embedded op plot (node voltages + source branch currents). "
               "RSS is this process's VmRSS (the embedded engine lives in it; the subprocess does not); "
               "{:.1f} MiB after libngspice initialization, {:.1f} MiB at the end.\n",
               rss_start, rss_mib());
    return 0;
  } catch (const nl::Error& e) {
    std::fprintf(stderr, "bench_crossbar_op: invalid parameters: %s\n", e.what());
    return 2;
  } catch (const ch::Error& e) {
    std::fprintf(stderr, "bench_crossbar_op: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_crossbar_op: internal error: %s\n", e.what());
    return 1;
  }
}
