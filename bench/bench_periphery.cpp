// bench_periphery: wall time of one sample of the periphery circuit kinds in the embedded
// libngspice (SpiceSession), run through the campaign kinds exactly as a campaign worker runs
// them: make_circuit_kind(spec)->run_sample(SpiceSession::instance(), i).
//
//   ./build/bench/bench_periphery [--sizes 16,32,64] [--opamp-repeats 10] [--adc-repeats 3]
//                                 [--tile-repeats 3] [--budget-s 120] [--seed 1] [--t-step-max 5e-9]
//
// Rows of the table:
//   opamp     one op-amp Monte Carlo instance: transistor-level two-stage Miller op-amp, Pelgrom
//             mismatch on every transistor (data/opamp_mc.toml); one deck, op + ac
//   adc       one 6-bit flash ADC characterization (data/adc_flash6.toml): DC ramp at 16 points
//             per LSB + one 10 ns energy transient
//   crossbar  the baseline: an N x N crossbar alone, one .op with one input vector
//   tile      the tile chain N x N: ideal 4-bit DACs, crossbar (1 ohm wires), TIAs with
//             cf_f = 0.1 pF (transistor-level or macro op-amp), 6-bit flash ADCs,
//             t_cycle_s = 500 ns, maximum step --t-step-max (5 ns, as data/tile_small.toml);
//             inputs_per_pattern = 1 and 4 (one transient, one MVM per
//             read cycle), so per MVM = (t(4) - t(1)) / 3 and deck load ~ t(1) - per MVM.
// Sample i of repeat i (different instances, same sizes). The first repeat of each row is
// timed too; if it shows that the asked repeats exceed --budget-s, fewer are run (at least 1)
// and the table says so. Markdown goes to stdout, progress to stderr.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_common.hpp"
#include "bench_info.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"

namespace {

namespace ch = xbar::characterize;
using namespace xbar::bench;

struct Options {
  std::vector<int> sizes{16, 32, 64};
  int opamp_repeats = 10;
  int adc_repeats = 3;
  int tile_repeats = 3;
  double budget_s = 120.0;  // per row; <= 0: always run every repeat
  std::uint64_t seed = 1;
  bool skip_macro = false;
  std::vector<int> tile_inputs{1, 4};
  double t_step_max_s = 5e-9;  // as data/tile_small.toml and the demo
};

std::string opamp_spec(std::uint64_t seed) {
  return fmt::format(R"(kind = "opamp"
seed = {}
[opamp]
model = "transistor"
[variation]
mismatch_devices = "all"
[workload]
instances = 1000
)",
                     seed);
}

std::string adc_spec(std::uint64_t seed) {
  return fmt::format(R"(kind = "adc"
seed = {}
[adc]
bits = 6
v_min_v = -0.5
v_max_v = 0.0
[variation]
comparator_offset_sigma_v = 1e-3
ladder_r_sigma_rel = 0.005
[workload]
instances = 1000
)",
                     seed);
}

std::string crossbar_spec(int n, std::uint64_t seed) {
  return fmt::format(R"(kind = "crossbar"
seed = {}
[crossbar]
rows = {}
cols = {}
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[workload]
instances = 1000
inputs_per_pattern = 1
)",
                     seed, n, n);
}

struct Row {
  std::string what;
  int n = 0;  // 0: no size
  int inputs = 1;
  std::vector<double> ms;
  int asked = 0;
  bool reduced = false;
};

Row time_kind(const std::string& what, int n, int inputs, const std::string& toml, int repeats, const Options& o) {
  const ch::CampaignSpec spec = ch::parse_campaign_spec(toml, "bench");
  const auto kind = make_circuit_kind(spec);
  auto& spice = ch::SpiceSession::instance();
  Row row{what, n, inputs, {}, repeats, false};
  int planned = repeats;
  for (int r = 0; r < planned; ++r) {
    const auto t0 = Clock::now();
    const ch::SampleRecord rec = kind->run_sample(spice, static_cast<std::uint64_t>(r));
    const double ms = ms_since(t0);
    if (rec.status != ch::SampleStatus::ok) {
      throw ch::Error(fmt::format("{} N={} inputs={}: sample {} failed: {}", what, n, inputs, r, rec.error));
    }
    row.ms.push_back(ms);
    std::fprintf(stderr, "  %s N=%d inputs=%d repeat %d/%d: %.1f ms\n", what.c_str(), n, inputs, r + 1, planned, ms);
    if (r == 0 && o.budget_s > 0.0 && ms / 1e3 * repeats > o.budget_s) {
      planned = std::max(1, std::min(repeats, static_cast<int>(o.budget_s / (ms / 1e3))));
      if (planned < repeats) {
        row.reduced = true;
        std::fprintf(stderr, "  one sample took %.1f s: %d repeat(s) fit the %g s budget (of %d asked)\n", ms / 1e3,
                     planned, o.budget_s, repeats);
      }
    }
  }
  return row;
}

std::string fmt_ms(double ms) {
  if (ms >= 100.0) return fmt::format("{:.0f}", ms);
  if (ms >= 10.0) return fmt::format("{:.1f}", ms);
  if (ms >= 1.0) return fmt::format("{:.2f}", ms);
  return fmt::format("{:.3f}", ms);
}

std::string runs_text(const Row& r) {
  if (r.ms.size() == 1 && r.asked > 1) return fmt::format("1 (of {}; measured once)", r.asked);
  if (r.reduced) return fmt::format("{} (of {})", r.ms.size(), r.asked);
  return fmt::format("{}", r.ms.size());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"bench_periphery: one sample of the op-amp, ADC and tile-chain kinds in the embedded ngspice, "
               "against the same-size crossbar .op.\nMarkdown is printed to stdout; progress goes to stderr."};
  app.add_option("--sizes", o.sizes, "Tile and crossbar N values (N x N)")->delimiter(',')->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--opamp-repeats", o.opamp_repeats, "Op-amp Monte Carlo instances timed")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--adc-repeats", o.adc_repeats, "ADC instances timed")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--tile-repeats", o.tile_repeats, "Samples timed per tile and crossbar row")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--budget-s", o.budget_s,
                 "Wall-time budget per row, s: when the first sample shows that the repeats would exceed it, fewer "
                 "are run (at least 1) and the table says so; 0 disables it")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Campaign seed of every spec")->capture_default_str();
  app.add_option("--t-step-max", o.t_step_max_s, "Tile transient maximum step, s (0 = t_edge / 4)")->capture_default_str();
  app.add_flag("--skip-macro", o.skip_macro, "Leave out the macro op-amp tile rows");
  app.add_option("--tile-inputs", o.tile_inputs, "inputs_per_pattern values of the tile rows (MVMs per sample)")
      ->delimiter(',')->check(CLI::Range(1, 64))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto t_init = Clock::now();
    auto& spice = ch::SpiceSession::instance();
    const double init_ms = ms_since(t_init);
    const auto t_all = Clock::now();

    std::fprintf(stderr, "warm-up (untimed)...\n");
    make_circuit_kind(ch::parse_campaign_spec(crossbar_spec(16, o.seed), "bench"))->run_sample(spice, 999);
    make_circuit_kind(ch::parse_campaign_spec(opamp_spec(o.seed), "bench"))->run_sample(spice, 999);

    std::vector<Row> rows;
    std::fprintf(stderr, "opamp...\n");
    rows.push_back(time_kind("opamp", 0, 1, opamp_spec(o.seed), o.opamp_repeats, o));
    std::fprintf(stderr, "adc...\n");
    rows.push_back(time_kind("adc", 0, 1, adc_spec(o.seed), o.adc_repeats, o));

    struct SizeRows {
      int n;
      Row xbar;
      std::vector<Row> tiles;  // transistor 1, transistor 4, macro 1, macro 4
    };
    std::vector<SizeRows> sizes;
    for (int n : o.sizes) {
      std::fprintf(stderr, "N=%d ...\n", n);
      SizeRows s{n, time_kind("crossbar op", n, 1, crossbar_spec(n, o.seed), o.tile_repeats, o), {}};
      for (bool transistor : {true, false}) {
        if (!transistor && o.skip_macro) continue;
        const std::string what = transistor ? "tile, transistor TIA" : "tile, macro TIA";
        for (int inputs : o.tile_inputs) {
          s.tiles.push_back(time_kind(what, n, inputs, tile_spec(n, transistor, inputs, o.seed, o.t_step_max_s), o.tile_repeats, o));
        }
      }
      sizes.push_back(std::move(s));
    }
    const double total_s = seconds_since(t_all);

    // ---- report (Markdown) ----
    fmt::print("# bench_periphery: one sample of the periphery kinds in the embedded ngspice\n\n");
    fmt::print("- date (UTC): {}\n", utc_date("%Y-%m-%d"));
    fmt::print("- ngspice: {} (embedded libngspice, SpiceSession), samples run by "
               "make_circuit_kind(spec)->run_sample\n",
               spice.version());
    fmt::print("- nproc: {}; CPU: {}; load average at the end: {}\n", nproc(), cpu_model(), load_average());
    fmt::print("- xbar {} (git {}), {} build, {}\n", XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE,
               XBAR_BENCH_COMPILER);
    fmt::print("- seed {}; per-row budget {}; sample i on repeat i; medians quoted\n", o.seed,
               o.budget_s > 0 ? fmt::format("{:g} s", o.budget_s) : std::string("off"));
    fmt::print("- libngspice initialization (once, not in the table): {} ms; whole run {:.0f} s\n\n", fmt_ms(init_ms),
               total_s);

    fmt::print("## Op-amp and ADC\n\n");
    fmt::print("| what | median ms | min..max ms | runs |\n|---|---:|---:|---:|\n");
    const char* names[] = {"opamp MC instance (transistor, mismatch all; op + ac)",
                           "adc 6-bit flash (DC ramp 16 pts/LSB + energy transient)"};
    for (int k = 0; k < 2; ++k) {
      const Row& r = rows[k];
      auto [mn, mx] = std::minmax_element(r.ms.begin(), r.ms.end());
      fmt::print("| {} | {} | {}..{} | {} |\n", names[k], fmt_ms(median(r.ms)), fmt_ms(*mn), fmt_ms(*mx), runs_text(r));
    }

    fmt::print("\n## Tile chain vs crossbar alone\n\n");
    fmt::print("| what | N | MVMs/sample | median ms/sample | runs | per MVM ms | deck load + setup ms | "
               "tile MVM / crossbar op |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& s : sizes) {
      const double xop = median(s.xbar.ms);
      fmt::print("| crossbar op (baseline) | {} | 1 | {} | {} | {} | – | 1 |\n", s.n, fmt_ms(xop), runs_text(s.xbar),
                 fmt_ms(xop));
      const Row* one = nullptr;
      for (const Row& t : s.tiles) {
        if (t.inputs == 1) one = &t;
        if (!one || one->what != t.what) one = nullptr;
        const double tk = median(t.ms);
        if (t.inputs == 1) {
          fmt::print("| {} | {} | 1 | {} | {} | – | – | {:.0f} |\n", t.what, s.n, fmt_ms(tk), runs_text(t), tk / xop);
        } else if (one) {
          const double t1 = median(one->ms);
          const double per_mvm = (tk - t1) / (t.inputs - 1);
          const double setup = t1 - per_mvm;
          fmt::print("| {} | {} | {} | {} | {} | {} | {} | {:.0f} |\n", t.what, s.n, t.inputs, fmt_ms(tk), runs_text(t),
                     fmt_ms(per_mvm), setup > 0 ? fmt_ms(setup) : fmt::format("≈0 ({})", fmt_ms(setup)), per_mvm / xop);
        } else {
          fmt::print("| {} | {} | {} | {} | {} | – | – | – |\n", t.what, s.n, t.inputs, fmt_ms(tk), runs_text(t));
        }
      }
    }
    fmt::print("\nColumns: \"median ms/sample\" is the wall time of one run_sample (deck generation, load, "
               "simulation, reading, measurement), median over the runs. A tile sample with 4 MVMs is one "
               "transient over 4 read cycles of 500 ns; per MVM = (t(4 MVMs) - t(1 MVM)) / 3 is the per-cycle "
               "cost, and deck load + setup = t(1 MVM) - per MVM is what every sample pays once (\"≈0 (x)\": negative x, i.e. the fixed part is below the noise). "
               "\"tile MVM / crossbar op\" is the whole 1-MVM sample over the crossbar op on the 1-MVM rows, "
               "and per MVM over the crossbar op on the 4-MVM rows. \"measured once\" = the first sample took "
               "longer than the per-row budget allows for a second. ngspice time-point counts are not reported "
               "(run_sample does not expose the plot).\n");
    return 0;
  } catch (const ch::Error& e) {
    std::fprintf(stderr, "bench_periphery: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_periphery: internal error: %s\n", e.what());
    return 1;
  }
}
