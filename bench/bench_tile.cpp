// bench_tile: wall time of ONE tile MVM (one input vector, one read cycle) of an N x N tile,
// three ways:
//   (a) ideal GEMV: Eigen y = G^T v, then the ideal quantizer clamp(round((-rf y - v_min)/LSB));
//       median over repeats, each repeat timing enough calls to last ~0.2 ms
//   (b) behavioral: TileModel::forward on one input (after program(), timed separately): DAC,
//       crossbar with 1 ohm wires (one GEMV with the programmed effective matrix), TIA, ADC
//   (c) SPICE: the transistor-level tile deck in the embedded ngspice, one sample of the campaign
//       kind "tile" with inputs_per_pattern = 1 (bench_common.hpp tile_spec, as bench_periphery:
//       transistor op-amps, 6-bit flash ADCs, t_step_max 5 ns, one 500 ns read cycle), timed as
//       make_circuit_kind(spec)->run_sample (deck generation, load, transient, measurement)
//
//   ./build/bench/bench_tile [--sizes 16,32,64,128,256] [--spice-max-size 256] [--spice-repeats 1]
//                            [--spice-timeout-s 0] [--repeats 31] [--program-repeats 3] [--seed 1]
//                            [--t-step-max 5e-9] [--quick]
// With --spice-timeout-s T > 0 the SPICE samples run in the campaign engine (one worker process,
// run.sample_timeout_s = T): a sample running longer is killed and the table shows "> T" (a lower
// bound) for that size.
//
// Markdown goes to stdout, progress to stderr.
#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "bench_common.hpp"
#include "bench_info.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/tile_model.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"

namespace {

namespace ch = xbar::characterize;
namespace bh = xbar::behavioral;
using namespace xbar::bench;

struct Options {
  std::vector<int> sizes{16, 32, 64, 128, 256};
  int spice_max_size = 256;
  int spice_repeats = 1;
  double spice_timeout_s = 0.0;
  int repeats = 31;
  int program_repeats = 3;
  std::uint64_t seed = 1;
  double t_step_max_s = 5e-9;
  bool quick = false;
};

// The tile of bench_common.hpp's tile_spec, in the behavioral model: 4-bit DACs 0..0.1 V, 1 ohm
// wires, ideal-gain TIA with Rf = tile_rf_ohm(n), 6-bit ADC -0.5..0 V.
bh::TileModelParams behavioral_params(int n) {
  bh::TileModelParams p;
  p.crossbar.rows = n;
  p.crossbar.cols = n;
  p.crossbar.r_row_wire_ohm = 1.0;
  p.crossbar.r_col_wire_ohm = 1.0;
  p.dac.bits = 4;
  p.dac.v_min_v = 0.0;
  p.dac.v_max_v = 0.1;
  bh::TiaModelParams t;
  t.rf_ohm = tile_rf_ohm(n);
  p.tia = {t};
  bh::AdcModelParams a;
  a.bits = 6;
  a.v_min_v = -0.5;
  a.v_max_v = 0.0;
  p.adc = {a};
  return p;
}

// Median microseconds per call of f over `repeats` samples, each timing `inner` calls.
template <typename F>
double median_us(int repeats, int inner, F&& f) {
  std::vector<double> us;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    for (int k = 0; k < inner; ++k) f();
    us.push_back(1e6 * seconds_since(t0) / inner);
  }
  return median(us);
}

std::string fmt_num(double x) {
  if (std::isnan(x)) return "–";
  if (x >= 100.0) return fmt::format("{:.0f}", x);
  if (x >= 10.0) return fmt::format("{:.1f}", x);
  if (x >= 1.0) return fmt::format("{:.2f}", x);
  return fmt::format("{:.3f}", x);
}

/// The SPICE samples 0..repeats-1 of `spec` run by the campaign engine (characterize::run_campaign,
/// one worker process, into a temporary HDF5 file) with run.sample_timeout_s = timeout_s, so a
/// sample that runs longer is killed. `us` holds the ok samples' run_sample wall times (the
/// worker's SampleRecord::seconds); a sample that failed otherwise throws.
struct SpiceTimes {
  std::vector<double> us;
  bool timed_out = false;
};
SpiceTimes spice_times_by_engine(ch::CampaignSpec spec, int repeats, double timeout_s) {
  char tmpl[] = "/tmp/bench_tile.XXXXXX";
  if (!::mkdtemp(tmpl)) throw ch::Error(fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
  const std::filesystem::path dir = tmpl;
  // The fields are set after parsing: the file is temporary, its stored spec_text is the bench's.
  spec.workload.instances = repeats;
  spec.run.output = (dir / "tile.h5").string();
  spec.run.workers = 1;
  spec.run.sample_timeout_s = timeout_s;
  SpiceTimes out;
  try {
    ch::RunOptions ro;
    ro.quiet = true;
    ch::run_campaign(spec, ro);
    for (const ch::SampleRecord& rec : ch::read_campaign_file(spec.run.output).records) {
      if (rec.status == ch::SampleStatus::ok) {
        out.us.push_back(1e6 * rec.seconds);
      } else if (rec.status == ch::SampleStatus::timeout) {
        out.timed_out = true;
      } else {
        throw ch::Error(fmt::format("SPICE tile sample {} {}: {}", rec.index, ch::to_string(rec.status), rec.error));
      }
    }
  } catch (...) {
    std::filesystem::remove_all(dir);
    throw;
  }
  std::filesystem::remove_all(dir);
  return out;
}

struct Result {
  int n = 0;
  double ideal_us = NAN, behavioral_us = NAN, spice_us = NAN, program_ms = NAN;
  int spice_runs = 0;
  bool spice_timed_out = false;  // spice_us is then the timeout, a lower bound
  int codes_differ = 0;  // behavioral (with wires) vs ideal codes, out of n
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"bench_tile: one tile MVM (one input, one read cycle) as an ideal GEMV, with the behavioral "
               "TileModel and with the transistor-level SPICE tile.\nMarkdown is printed to stdout; progress goes "
               "to stderr."};
  app.add_option("--sizes", o.sizes, "Tile sizes N (N x N)")->delimiter(',')->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--spice-max-size", o.spice_max_size, "Largest N run in SPICE (256 takes 30+ minutes)")->capture_default_str();
  app.add_option("--spice-repeats", o.spice_repeats, "SPICE samples per size")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--spice-timeout-s", o.spice_timeout_s,
                 "Run the SPICE samples in the campaign engine, killing any after this many seconds, and report "
                 "'> T' (0 = no limit, run in this process)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--repeats", o.repeats, "Timed samples of the ideal and behavioral MVMs")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--program-repeats", o.program_repeats, "Timed TileModel::program calls per size")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the conductances, inputs and the SPICE spec")->capture_default_str();
  app.add_option("--t-step-max", o.t_step_max_s, "SPICE transient maximum step, s (0 = t_edge / 4)")->capture_default_str();
  app.add_flag("--quick", o.quick, "Smoke run: sizes 16,32, SPICE at 16 only, few repeats");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.sizes = {16, 32};
    o.spice_max_size = 16;
    o.repeats = 5;
    o.program_repeats = 1;
  }
  try {
    const auto t_all = Clock::now();
    std::vector<Result> results;
    bool spice_used = false;
    double init_ms = NAN;
    for (int n : o.sizes) {
      std::fprintf(stderr, "N=%d ...\n", n);
      Result res;
      res.n = n;
      std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<std::uint64_t>(n));
      std::uniform_real_distribution<double> ug(1e-6, 1e-5);
      std::uniform_int_distribution<int> uc(0, 15);
      Eigen::MatrixXd g(n, n);
      for (Eigen::Index j = 0; j < g.cols(); ++j)
        for (Eigen::Index i = 0; i < g.rows(); ++i) g(i, j) = ug(rng);
      Eigen::MatrixXi codes(n, 1);
      for (int i = 0; i < n; ++i) codes(i, 0) = uc(rng);

      // (a) ideal GEMV + quantizer.
      const bh::TileModelParams bp = behavioral_params(n);
      const double rf = bp.tia[0].rf_ohm, v_min = bp.adc[0].v_min_v, lsb = bp.adc[0].lsb_v();
      const int top = bp.adc[0].transitions();
      Eigen::VectorXd v(n), y(n);
      for (int i = 0; i < n; ++i) v[i] = bp.dac.ideal_level_v(codes(i, 0));
      Eigen::VectorXi ideal_codes(n);
      auto ideal = [&] {
        y.noalias() = g.transpose() * v;
        for (int k = 0; k < n; ++k)
          ideal_codes[k] = static_cast<int>(std::clamp(std::round((-rf * y[k] - v_min) / lsb), 0.0, double(top)));
      };
      const int inner = std::max(1, 200000 / (n * n));
      ideal();  // warm-up
      res.ideal_us = median_us(o.repeats, inner, ideal);

      // (b) behavioral TileModel.
      bh::TileModel model(bp);
      std::vector<double> prog_ms;
      for (int r = 0; r < o.program_repeats; ++r) {
        const auto t0 = Clock::now();
        model.program(g);
        prog_ms.push_back(ms_since(t0));
      }
      res.program_ms = median(prog_ms);
      bh::TileOutputs out = model.forward(codes);  // warm-up
      res.behavioral_us = median_us(o.repeats, std::max(1, inner / 4), [&] { out = model.forward(codes); });
      for (int k = 0; k < n; ++k) res.codes_differ += out.codes(k, 0) != ideal_codes[k];
      std::fprintf(stderr, "  ideal %.3f us, behavioral %.3f us, program %.2f ms\n", res.ideal_us, res.behavioral_us,
                   res.program_ms);

      // (c) SPICE: one sample of the tile kind, one read cycle.
      if (n <= o.spice_max_size) {
        if (!spice_used) {
          const auto t_init = Clock::now();
          ch::SpiceSession::instance();
          init_ms = ms_since(t_init);
          spice_used = true;
        }
        const ch::CampaignSpec spec = ch::parse_campaign_spec(tile_spec(n, true, 1, o.seed, o.t_step_max_s), "bench");
        std::vector<double> us;
        if (o.spice_timeout_s > 0) {
          const SpiceTimes t = spice_times_by_engine(spec, o.spice_repeats, o.spice_timeout_s);
          us = t.us;
          res.spice_timed_out = t.timed_out;
          const std::string killed = t.timed_out ? fmt::format(", the rest killed after {:g} s", o.spice_timeout_s) : "";
          std::fprintf(stderr, "  SPICE: %zu of %d sample(s) ok%s\n", us.size(), o.spice_repeats, killed.c_str());
        } else {
          auto& spice = ch::SpiceSession::instance();
          const auto kind = make_circuit_kind(spec);
          for (int r = 0; r < o.spice_repeats; ++r) {
            const auto t0 = Clock::now();
            const ch::SampleRecord rec = kind->run_sample(spice, static_cast<std::uint64_t>(r));
            const double t = 1e6 * seconds_since(t0);
            if (rec.status != ch::SampleStatus::ok)
              throw ch::Error(fmt::format("SPICE tile N={}: sample {} failed: {}", n, r, rec.error));
            us.push_back(t);
            std::fprintf(stderr, "  SPICE repeat %d/%d: %.1f ms\n", r + 1, o.spice_repeats, t / 1e3);
          }
        }
        res.spice_us = res.spice_timed_out ? 1e6 * o.spice_timeout_s : median(us);
        res.spice_runs = static_cast<int>(us.size());
      }
      results.push_back(res);
    }
    const double total_s = seconds_since(t_all);

    // ---- report (Markdown) ----
    fmt::print("# bench_tile: one tile MVM, ideal GEMV vs behavioral TileModel vs transistor-level SPICE\n\n");
    fmt::print("- date (UTC): {}\n", utc_date("%Y-%m-%d"));
    if (spice_used)
      fmt::print("- ngspice: {} (embedded libngspice, SpiceSession; initialization {:.0f} ms, not in the table)\n",
                 ch::SpiceSession::instance().version(), init_ms);
    fmt::print("- nproc: {}; CPU: {}; load average at the end: {}\n", nproc(), cpu_model(), load_average());
    fmt::print("- xbar {} (git {}), {} build, {}\n", XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE,
               XBAR_BENCH_COMPILER);
    fmt::print("- seed {}; ideal and behavioral: median of {} samples; SPICE: median of {} sample(s), N <= {}; "
               "whole run {:.0f} s\n\n",
               o.seed, o.repeats, o.spice_repeats, o.spice_max_size, total_s);
    fmt::print("| size | ideal GEMV us | behavioral us | SPICE us | behavioral/ideal | SPICE/behavioral | program ms |\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Result& r : results) {
      const std::string more = r.spice_timed_out ? "> " : "";
      fmt::print("| {}x{} | {} | {} | {}{} | {:.1f} | {}{} | {} |\n", r.n, r.n, fmt_num(r.ideal_us), fmt_num(r.behavioral_us),
                 more, fmt_num(r.spice_us), r.behavioral_us / r.ideal_us, more,
                 std::isnan(r.spice_us) ? std::string("–") : fmt::format("{:.3g}", r.spice_us / r.behavioral_us),
                 fmt_num(r.program_ms));
    }
    fmt::print("\nOne MVM = one input vector, one read cycle. Ideal GEMV: y = G^T v (Eigen) and the ideal 6-bit "
               "quantizer. Behavioral: TileModel::forward on one input (DAC levels, crossbar with 1 ohm row and "
               "column wire segments as one GEMV with the programmed effective matrix, TIA, ADC), after "
               "TileModel::program (\"program ms\": the crossbar factorization, once per array). SPICE: one "
               "sample of the \"tile\" campaign kind with one read cycle (transistor-level op-amps with mismatch, "
               "6-bit flash ADCs, 500 ns cycle, maximum step {:g} s), wall time of run_sample: deck generation, "
               "load, transient, measurement; \"–\" = not run (N > --spice-max-size); \"> T\" = killed after "
               "--spice-timeout-s T (a lower bound). The SPICE tile draws its own "
               "conductances and inputs (same distributions), so only times are compared.\n",
               o.t_step_max_s);
    fmt::print("\nBehavioral codes that differ from the ideal quantized MVM (the effect of the 1 ohm wires): ");
    for (const Result& r : results) fmt::print("{}{}x{}: {}/{}", &r == &results.front() ? "" : ", ", r.n, r.n, r.codes_differ, r.n);
    fmt::print("\n");
    return 0;
  } catch (const ch::Error& e) {
    std::fprintf(stderr, "bench_tile: %s\n", e.what());
    return 3;
  } catch (const bh::Error& e) {
    std::fprintf(stderr, "bench_tile: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tile: internal error: %s\n", e.what());
    return 1;
  }
}
