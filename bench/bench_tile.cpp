// bench_tile: wall time of ONE tile MVM (one input vector, one read cycle) of an N x N tile,
// three ways:
//   (a) ideal GEMV: Eigen y = G^T v, then the ideal quantizer clamp(round((-rf y - v_min)/LSB));
//       median over repeats, each repeat timing enough calls to last ~0.2 ms
//   (b) behavioral: TileModel::forward on one input (after program(), timed separately): DAC,
//       crossbar with 1 ohm wires (one GEMV with the programmed effective matrix), TIA, ADC
//   (c) SPICE: the tile deck in the embedded ngspice, one sample of the campaign kind "tile" (by
//       default the chain's transient, then the column ADCs' driven by its TIA outputs: [tile]
//       adc_transient, --adc-transient, --adc-group-cols)
//       (bench_common.hpp tile_spec, as bench_periphery: 6-bit flash ADCs, 500 ns read cycles;
//       maximum step --t-step-max, 100 ns by default: the DAC edges are breakpoints and ngspice's
//       truncation-error control sets the step inside a cycle; tests/system/test_tile_fidelity.cpp checks
//       that the codes equal those at a 5 ns maximum step), timed as make_circuit_kind(spec)->run_sample (deck generation, load,
//       transient, measurement), at each --fidelity: "transistor" (Miller op-amps with mismatch,
//       transistor comparators) and "macro" ([tile] fidelity = "macro": macro op-amps, macro
//       comparators). With --cycles K the tile is programmed once and one transient runs K read
//       cycles (K MVMs); the table shows the sample's time / K (amortized per MVM). When both
//       fidelities run, the codes of the two (same conductances, inputs, comparator offsets and
//       ladders; the op-amp offsets differ: Pelgrom per transistor vs the macro model's drawn
//       offset) are compared: the fraction within +-1 LSB.
//
//   ./build/bench/bench_tile [--sizes 16,32,64,128,256] [--spice-max-size 256] [--spice-repeats 1]
//                            [--spice-timeout-s 0] [--repeats 31] [--program-repeats 3] [--seed 1]
//                            [--t-step-max 1e-7] [--fidelity transistor,macro] [--cycles 1]
//                            [--opamp-mismatch all|none] [--adc-transient separate|joint]
//                            [--adc-group-cols 1] [--quick]
// With --spice-timeout-s T > 0 the SPICE samples run in the campaign engine (one worker process,
// run.sample_timeout_s = T): a sample running longer is killed and the table shows "> T" (a lower
// bound) for that size.
//
// In-process SPICE samples (no --spice-timeout-s) also report the process CPU time per MVM
// (getrusage, user + system): on a shared machine it is what the run costs, whatever the load.
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
#include <sys/resource.h>
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
  double t_step_max_s = 100e-9;
  std::vector<std::string> fidelity{"transistor"};
  std::string adc_transient = "separate";
  int adc_group_cols = 1;
  int cycles = 1;
  std::string opamp_mismatch = "all";
  bool quick = false;
};

// bench_common.hpp's tile_spec at a fidelity, with `cycles` read cycles per transient.
// opamp_mismatch "none" turns off the transistor op-amps' Pelgrom mismatch (the macro op-amp has
// no drawn offset in this spec: variation.opamp_vos_sigma_v = 0), so both fidelities see the same
// draws: conductances, inputs, comparator offsets, ladders.
std::string tile_spec_at(int n, const std::string& fidelity, int cycles, std::uint64_t seed, double t_step_max_s,
                         const std::string& opamp_mismatch, const std::string& adc_transient, int adc_group_cols) {
  std::string text = xbar::bench::tile_spec(n, fidelity == "transistor", cycles, seed, t_step_max_s);
  text.replace(text.find("[tile]\n"), 7,
               fmt::format("[tile]\nadc_transient = \"{}\"\nadc_group_cols = {}\n", adc_transient, adc_group_cols));
  const std::string all = "mismatch_devices = \"all\"\n";
  if (fidelity == "macro") {
    text.replace(text.find("[tile]\n"), 7, "[tile]\nfidelity = \"macro\"\n");
    text.replace(text.find(all), all.size(), "");  // no transistors to mismatch
  } else {
    text.replace(text.find(all), all.size(), fmt::format("mismatch_devices = \"{}\"\n", opamp_mismatch));
  }
  return text;
}

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
/// User + system CPU seconds of this process so far.
double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

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
  double ideal_us = NAN, behavioral_us = NAN, program_ms = NAN;
  std::vector<double> spice_us;   // per fidelity, per MVM (sample time / cycles)
  std::vector<double> spice_cpu_s;  // per fidelity, per MVM: median process CPU time / cycles (NAN in the engine)
  std::vector<Eigen::VectorXd> spice_codes;  // per fidelity, the first sample's codes (in-process runs)
  int spice_runs = 0;
  bool spice_timed_out = false;  // spice_us is then the timeout, a lower bound
  int codes_differ = 0;  // behavioral (with wires) vs ideal codes, out of n
  int modes_within_1 = -1, modes_equal = -1, modes_total = 0;  // transistor vs macro codes
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
  app.add_option("--fidelity", o.fidelity, "SPICE tile fidelities to time: transistor, macro")
      ->delimiter(',')
      ->check(CLI::IsMember({"transistor", "macro"}))
      ->capture_default_str();
  app.add_option("--cycles", o.cycles, "Read cycles (MVMs) per SPICE transient; times are per MVM")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--opamp-mismatch", o.opamp_mismatch,
                 "Transistor op-amps' Pelgrom mismatch: all (as the tile campaigns) or none (the macro op-amps have "
                 "no drawn offset here, so none compares the two fidelities on the same draws)")
      ->check(CLI::IsMember({"all", "none"}))
      ->capture_default_str();
  app.add_option("--adc-transient", o.adc_transient,
                 "[tile] adc_transient: separate (the chain, then the ADCs in a transient of their own) or joint "
                 "(the whole deck in one transient)")
      ->check(CLI::IsMember({"separate", "joint"}))
      ->capture_default_str();
  app.add_option("--adc-group-cols", o.adc_group_cols, "[tile] adc_group_cols: columns per ADC transient (separate)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
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
        for (const std::string& fid : o.fidelity) {
          const ch::CampaignSpec spec =
              ch::parse_campaign_spec(tile_spec_at(n, fid, o.cycles, o.seed, o.t_step_max_s, o.opamp_mismatch, o.adc_transient, o.adc_group_cols), "bench");
          std::vector<double> us, cpu_s;
          Eigen::VectorXd first_codes;
          if (o.spice_timeout_s > 0) {
            const SpiceTimes t = spice_times_by_engine(spec, o.spice_repeats, o.spice_timeout_s);
            us = t.us;
            res.spice_timed_out = res.spice_timed_out || t.timed_out;
            const std::string killed = t.timed_out ? fmt::format(", the rest killed after {:g} s", o.spice_timeout_s) : "";
            std::fprintf(stderr, "  SPICE %s: %zu of %d sample(s) ok%s\n", fid.c_str(), us.size(), o.spice_repeats,
                         killed.c_str());
          } else {
            auto& spice = ch::SpiceSession::instance();
            const auto kind = make_circuit_kind(spec);
            for (int r = 0; r < o.spice_repeats; ++r) {
              const auto t0 = Clock::now();
              const double c0 = process_cpu_s();
              const ch::SampleRecord rec = kind->run_sample(spice, static_cast<std::uint64_t>(r));
              const double t = 1e6 * seconds_since(t0);
              cpu_s.push_back(process_cpu_s() - c0);
              if (rec.status != ch::SampleStatus::ok)
                throw ch::Error(fmt::format("SPICE tile N={} ({}): sample {} failed: {}", n, fid, r, rec.error));
              us.push_back(t);
              if (r == 0) {
                const auto& f = kind->schema().field("codes");
                const auto off = kind->schema().offset_of("codes");
                first_codes = Eigen::Map<const Eigen::VectorXd>(rec.values.data() + off, static_cast<Eigen::Index>(f.size()));
              }
              std::fprintf(stderr, "  SPICE %s repeat %d/%d: %.1f ms (CPU %.1f ms) for %d MVM(s)\n", fid.c_str(), r + 1,
                           o.spice_repeats, t / 1e3, 1e3 * cpu_s.back(), o.cycles);
            }
          }
          res.spice_us.push_back(res.spice_timed_out ? 1e6 * o.spice_timeout_s / o.cycles : median(us) / o.cycles);
          res.spice_cpu_s.push_back(cpu_s.empty() ? NAN : median(cpu_s) / o.cycles);
          res.spice_codes.push_back(first_codes);
          res.spice_runs = static_cast<int>(us.size());
        }
        if (res.spice_codes.size() == 2 && res.spice_codes[0].size() > 0 &&
            res.spice_codes[0].size() == res.spice_codes[1].size()) {
          const Eigen::ArrayXd d = (res.spice_codes[0] - res.spice_codes[1]).array().abs();
          res.modes_total = static_cast<int>(d.size());
          res.modes_within_1 = static_cast<int>((d <= 1.0).count());
          res.modes_equal = static_cast<int>((d == 0.0).count());
        }
      }
      results.push_back(res);
    }
    const double total_s = seconds_since(t_all);

    // ---- report (Markdown) ----
    fmt::print("# bench_tile: one tile MVM, ideal GEMV vs behavioral TileModel vs SPICE ({})\n\n",
               fmt::join(o.fidelity, " and "));
    fmt::print("- date (UTC): {}\n", utc_date("%Y-%m-%d"));
    if (spice_used)
      fmt::print("- ngspice: {} (embedded libngspice, SpiceSession; initialization {:.0f} ms, not in the table)\n",
                 ch::SpiceSession::instance().version(), init_ms);
    fmt::print("- nproc: {}; CPU: {}; load average at the end: {}\n", nproc(), cpu_model(), load_average());
    fmt::print("- xbar {} (git {}), {} build, {}\n", XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE,
               XBAR_BENCH_COMPILER);
    fmt::print("- seed {}; ideal and behavioral: median of {} samples; SPICE: median of {} sample(s) of {} read "
               "cycle(s) each, time per MVM = sample time / {}, N <= {}; whole run {:.0f} s\n",
               o.seed, o.repeats, o.spice_repeats, o.cycles, o.cycles, o.spice_max_size, total_s);
    fmt::print("- transistor op-amp mismatch: {} (--opamp-mismatch); macro op-amps: no drawn offset\n", o.opamp_mismatch);
    fmt::print("- ADC transient: {} (--adc-transient; separate = the chain, then the ADCs driven by its TIA outputs, {} "
               "column(s) per transient, --adc-group-cols)\n\n",
               o.adc_transient, o.adc_group_cols);
    fmt::print("| size | ideal GEMV us | behavioral us |");
    for (const auto& f : o.fidelity) fmt::print(" SPICE {} s/MVM | SPICE {} CPU s/MVM | SPICE {}/behavioral |", f, f, f);
    if (o.fidelity.size() == 2) fmt::print(" {} vs {} codes within +-1 LSB (equal) |", o.fidelity[0], o.fidelity[1]);
    fmt::print(" program ms |\n|---:|---:|---:|");
    for (std::size_t k = 0; k < o.fidelity.size(); ++k) fmt::print("---:|---:|---:|");
    if (o.fidelity.size() == 2) fmt::print("---:|");
    fmt::print("---:|\n");
    for (const Result& r : results) {
      const std::string more = r.spice_timed_out ? "> " : "";
      fmt::print("| {}x{} | {} | {} |", r.n, r.n, fmt_num(r.ideal_us), fmt_num(r.behavioral_us));
      for (std::size_t k = 0; k < o.fidelity.size(); ++k) {
        if (k < r.spice_us.size()) {
          fmt::print(" {}{} | {} | {}{:.3g} |", more, fmt_num(r.spice_us[k] / 1e6), fmt_num(r.spice_cpu_s[k]), more,
                     r.spice_us[k] / r.behavioral_us);
        } else {
          fmt::print(" – | – | – |");
        }
      }
      if (o.fidelity.size() == 2) {
        if (r.modes_total > 0) {
          fmt::print(" {:.1f} % ({:.1f} %) of {} |", 100.0 * r.modes_within_1 / r.modes_total,
                     100.0 * r.modes_equal / r.modes_total, r.modes_total);
        } else {
          fmt::print(" – |");
        }
      }
      fmt::print(" {} |\n", fmt_num(r.program_ms));
    }
    fmt::print("\nOne MVM = one input vector, one read cycle. Ideal GEMV: y = G^T v (Eigen) and the ideal 6-bit "
               "quantizer. Behavioral: TileModel::forward on one input (DAC levels, crossbar with 1 ohm row and "
               "column wire segments as one GEMV with the programmed effective matrix, TIA, ADC), after "
               "TileModel::program (\"program ms\": the crossbar factorization, once per array). SPICE: one "
               "sample of the \"tile\" campaign kind with {} read cycle(s) of 500 ns (the chain's transient, then "
               "the ADCs' per --adc-group-cols columns, or one joint transient: --adc-transient; maximum "
               "step {:g} s), wall time of run_sample (deck generation, load, transient, measurement) divided by "
               "the cycles; CPU s/MVM: the process's user + system CPU time over the same span, divided by the cycles (\"–\" in the campaign engine). transistor: Miller op-amps (Pelgrom mismatch unless --opamp-mismatch none) and transistor comparators; macro: "
               "macro op-amps and macro comparators (netlists/adc.hpp ComparatorModel). \"–\" = not run "
               "(N > --spice-max-size); \"> T\" = killed after --spice-timeout-s T (a lower bound). The SPICE "
               "tile draws its own conductances and inputs (same distributions), so only times are compared "
               "with the behavioral model; the two fidelities share them.\n",
               o.cycles, o.t_step_max_s);
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
