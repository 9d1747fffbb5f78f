// xbar demo: the main job on its embedded default. Today:
//  1. one seeded crossbar with wire resistance, solved in embedded ngspice (KLU), compared
//     with the ideal MVM (the IR-drop error) and with the same deck in `ngspice -b`;
//  2. a small Monte Carlo campaign (the embedded spec below) into HDF5, summarized;
//  3. a fit of that campaign, exported as a model file, with its held-out error against SPICE;
//  4. a tile chain (DACs, crossbar, transistor-level TIAs, flash ADCs) in one transient: output
//     codes against the ideal quantized MVM, the energy of one MVM split by block, and the
//     behavioral tile model replaying the same samples against ngspice;
//  5. a network on analog tiles: the built-in MLP trained briefly, then classified digitally, on
//     the nominal chip and on chips drawn from a shipped tile preset (demo_network.cpp).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "xbar/fit/campaign_stats.hpp"
#include "crossbar_options.hpp"
#include "demo_network.hpp"
#include "verbs.hpp"
#include "xbar/behavioral/ideal.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/characterize/ngspice_process.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/netlists/crossbar.hpp"
#include "xbar_version.hpp"

namespace xbar::tools {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The demo campaign: a 32x32 tile with 1-ohm wires, 5 % programming error, a few stuck cells
// and a 2 % wire spread; 4 chips x 2 weight patterns x 8 input vectors.
constexpr const char* kDemoSpec = R"(kind = "crossbar"
seed = 1
[crossbar]
rows = 32
cols = 32
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[variation]
g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }
stuck_on_fraction = 0.002
stuck_off_fraction = 0.002
r_wire_sigma_rel_d2d = 0.02
[workload]
instances = 4
patterns_per_instance = 2
inputs_per_pattern = 8
[run]
output = "demo_campaign.h5"
workers = 2
)";

// The demo tile: 8x8 linear cells with 1-ohm wires, 4-bit ideal DACs (0 .. 0.1 V), TIAs on the
// transistor-level op-amp with Pelgrom mismatch, 6-bit flash ADCs with 1 mV comparator offsets;
// 2 chips x 2 input vectors (read cycles of 500 ns).
constexpr const char* kDemoTileSpec = R"(kind = "tile"
seed = 1
[crossbar]
rows = 8
cols = 8
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[dac]
bits = 4
v_min_v = 0.0
v_max_v = 0.1
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
g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.02 }
mismatch_devices = "all"
comparator_offset_sigma_v = 1e-3
ladder_r_sigma_rel = 0.005
[workload]
instances = 2
inputs_per_pattern = 2
g_min_s = 1e-6
g_max_s = 1e-5
[run]
output = "demo_tile.h5"
workers = 2
sample_timeout_s = 900
)";

double mean_of(const characterize::CampaignFile& f, const std::string& field) {
  const auto at = f.schema.offset_of(field);
  const auto n = f.schema.field(field).size();
  double sum = 0.0;
  std::size_t count = 0;
  for (const auto& r : f.records) {
    if (r.status != characterize::SampleStatus::ok) continue;
    for (std::size_t k = 0; k < n; ++k, ++count) sum += r.values[at + k];
  }
  return count ? sum / static_cast<double>(count) : std::nan("");
}

/// Runs an embedded demo spec afresh into <out_dir>/<file_name> and returns its summary.
characterize::CampaignSummary run_embedded_spec(const char* spec_text, const std::string& what,
                                                const std::string& out_dir, const std::string& file_name) {
  namespace fs = std::filesystem;
  fs::create_directories(out_dir);
  auto spec = characterize::parse_campaign_spec(spec_text, what);
  spec.run.output = (fs::path(out_dir) / file_name).string();
  fs::remove(spec.run.output);  // the demo always runs afresh
  fs::remove(spec.run.output + ".journal");
  characterize::RunOptions ro;
  ro.xbar_version = XBAR_VERSION;
  ro.git_hash = XBAR_GIT_HASH;
  return characterize::run_campaign(spec, ro);
}

int run_demo_tile(const std::string& out_dir) {
  fmt::print("\nxbar demo, step 4: a tile chain in one transient: 4-bit DACs, an 8x8 crossbar, transistor-level TIAs\n"
             "  (two-stage Miller op-amps, xbar180, Pelgrom mismatch), 6-bit flash ADCs; 2 chips x 2 MVMs\n");
  const auto s = run_embedded_spec(kDemoTileSpec, "embedded demo tile spec", out_dir, "demo_tile.h5");
  const auto file = characterize::read_campaign_file(s.output);
  fmt::print("wrote {}: {} samples ({} ok, {} failed) in {:.1f} s\n", s.output, s.total, s.ok, s.failed, s.seconds);
  if (s.failed != 0) return 1;
  const auto c = fit::compare_field(file, file.schema.field("codes"));
  fmt::print("ADC codes against the ideal quantized MVM over {} outputs: mean error {:+.2f} codes, max |error| {:.0f} codes\n",
             static_cast<long>(c.all.n), c.all.mean_err(), c.all.max_abs);
  const double total = mean_of(file, "energy_total_j");
  fmt::print("energy of one MVM: {:.3g} nJ = array {:.3g} pJ + drivers {:.3g} pJ + TIAs {:.3g} nJ + ADCs {:.3g} nJ\n",
             total * 1e9, mean_of(file, "energy_array_j") * 1e12, mean_of(file, "energy_drivers_j") * 1e12,
             mean_of(file, "energy_tia_j") * 1e9, mean_of(file, "energy_adc_j") * 1e9);
  // The behavioral tile (DAC -> CrossbarModel -> TIA -> ADC) replays the same samples.
  const auto spec = fit::stored_spec(file);
  const auto b = fit::compare_tile_with_spice(fit::ideal_tile_tia(spec), file, fit::ok_samples(file));
  fmt::print("behavioral tile against SPICE: TIA outputs RMS {:.3f} LSB (max {:.3f}) with each column's op-amp offset,\n"
             "  {:.2f} LSB (max {:.2f}) without; codes equal to SPICE's: {:.0f} % and {:.0f} %\n",
             b.informed.v_tia.rms_lsb, b.informed.v_tia.max_lsb, b.nominal.v_tia.rms_lsb, b.nominal.v_tia.max_lsb,
             100 * b.informed.exact_code_fraction, 100 * b.nominal.exact_code_fraction);
  fmt::print("more: xbar inspect {}\n", s.output);
  return 0;
}

int run_demo_campaign(const std::string& out_dir) {
  namespace fs = std::filesystem;
  fmt::print("\nxbar demo, step 2: a Monte Carlo campaign: 4 chips x 2 weight patterns x 8 inputs of a 32x32 tile,\n"
             "  5 % programming error, 0.2 % stuck-on and stuck-off cells, 2 % wire spread, 2 worker processes\n");
  const auto s = run_embedded_spec(kDemoSpec, "embedded demo spec", out_dir, "demo_campaign.h5");
  const auto file = characterize::read_campaign_file(s.output);
  const auto c = fit::compare_field(file, file.schema.field("i_spice_a"));
  fmt::print("wrote {}: {} samples ({} ok, {} failed) in {:.1f} s, {:.1f} samples/s\n", s.output, s.total, s.ok,
             s.failed, s.seconds, static_cast<double>(s.ran) / s.seconds);
  fmt::print("SPICE against the ideal MVM of the targets over {} column reads: relative RMS error {:.3e}, "
             "mean error {:+.3e} A\n", static_cast<long>(c.all.n), c.all.rel_rms(), c.all.mean_err());
  fmt::print("more: xbar inspect {}\n", s.output);
  if (s.failed != 0) return 1;

  // Step 3: fit the campaign and export the model.
  fit::FitOptions fo;
  fo.campaign_path = s.output;
  fo.xbar_version = XBAR_VERSION;
  fo.git_hash = XBAR_GIT_HASH;
  const auto model = fit::fit_crossbar(file, fo);
  const std::string model_path = (fs::path(out_dir) / "demo_model.h5").string();
  behavioral::write_crossbar_model_file(model_path, model);
  const auto& pe = model.variation.programming_error;
  const auto& h = model.held_out;
  fmt::print("\nxbar demo, step 3: fit and export\n");
  fmt::print("programming error sigma_rel_d2d = {:.4f} [{:.4f}, {:.4f}] (spec 0.05), KS p = {:.3f}\n", pe.sigma_rel_d2d,
             pe.sigma_rel_d2d_ci95.low, pe.sigma_rel_d2d_ci95.high, pe.gof_p_value);
  fmt::print("held-out error of the behavioral model against SPICE ({} samples): RMS {:.2e} % of full scale, "
             "max {:.2e} %\n", h.n_samples, h.rms_pct_fs, h.max_pct_fs);
  fmt::print("wrote {}; more: xbar validate {} {} --plots plots/\n", model_path, model_path, s.output);
  return run_demo_tile(out_dir);
}
}  // namespace

Verb add_demo_verb(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "The main job on its embedded default: a 64x64 crossbar with 1-ohm wires in "
                                          "embedded ngspice, against the ideal MVM and against `ngspice -b`");
  auto opts = std::make_shared<CrossbarOptions>();
  opts->rows = 64;
  opts->cols = 64;
  opts->r_row_wire_ohm = 1.0;
  opts->r_col_wire_ohm = 1.0;
  opts->add_to(*demo);
  auto skip_subprocess = std::make_shared<bool>(false);
  demo->add_flag("--no-subprocess", *skip_subprocess, "Skip the cross-check against `ngspice -b`");
  auto out_dir = std::make_shared<std::string>("xbar-demo");
  demo->add_option("--out-dir", *out_dir, "Folder for the demo campaign file")->capture_default_str();
  struct NetworkStep {
    std::string tile = XBAR_SOURCE_DIR "/data/presets/tile64_xbar180.h5";
    int epochs = 2, chips = 5, images = 2000;
  };
  auto net = std::make_shared<NetworkStep>();
  demo->add_option("--tile", net->tile, "Step 5: tile model file (xbar.model kind tile)")->capture_default_str();
  demo->add_option("--epochs", net->epochs, "Step 5: training epochs of the MLP")->capture_default_str()->check(CLI::Range(1, 100));
  demo->add_option("--chips", net->chips, "Step 5: chips drawn from the tile's variation")->capture_default_str()->check(CLI::Range(0, 1000));
  demo->add_option("--images", net->images, "Step 5: test images (0 = all 10,000)")->capture_default_str()->check(CLI::Range(0, 10000));
  demo->footer("Example:\n  xbar demo --rows 128 --cols 128 --r-row-wire 2.5");
  return {demo, [opts, skip_subprocess, out_dir, net] {
            auto& spice = characterize::SpiceSession::instance();
            const auto p = opts->to_params();
            fmt::print("xbar demo, step 1: a {}x{} {} crossbar{}, G uniform in [{:g}, {:g}] S, inputs in [{:g}, {:g}] V, seed {}\n",
                       p.rows, p.cols, to_string(p.cell), p.differential ? " (differential)" : "", opts->g_min_s,
                       opts->g_max_s, opts->v_min_v, opts->v_max_v, opts->seed);
            fmt::print("          wires: {:g} ohm per row segment, {:g} ohm per column segment\n", p.r_row_wire_ohm,
                       p.r_col_wire_ohm);
            auto t0 = std::chrono::steady_clock::now();
            const auto deck = netlists::make_crossbar_deck(p);
            const double t_gen = seconds_since(t0);
            t0 = std::chrono::steady_clock::now();
            const auto r = spice.simulate(deck.text, "op");
            const double t_spice = seconds_since(t0);

            Eigen::VectorXd i_spice(p.cols);
            for (int j = 0; j < p.cols; ++j) i_spice[j] = r.probe(deck.probes[j])[0];
            const Eigen::VectorXd i_ideal = p.differential
                                                ? behavioral::ideal_column_currents(p.g_s, p.g_neg_s, p.v_in_v)
                                                : behavioral::ideal_column_currents(p.g_s, p.v_in_v);
            const auto ir = fit::compare(i_ideal, i_spice);

            fmt::print("\n{:>6}  {:>14}  {:>14}  {:>10}\n", "column", "SPICE [uA]", "ideal [uA]", "ideal/SPICE-1");
            const int shown = std::min(p.cols, 8);
            for (int j = 0; j < shown; ++j) {
              fmt::print("{:>6}  {:>14.6f}  {:>14.6f}  {:>+10.3e}\n", j, i_spice[j] * 1e6, i_ideal[j] * 1e6,
                         i_ideal[j] / i_spice[j] - 1.0);
            }
            if (shown < p.cols) fmt::print("   ... ({} more columns)\n", p.cols - shown);
            fmt::print("\nembedded {} (KLU): deck generated in {:.1f} ms, load+op+read+cleanup in {:.1f} ms\n",
                       spice.version(), t_gen * 1e3, t_spice * 1e3);
            fmt::print("IR drop: the ideal MVM is off from SPICE by {:.3e} relative L2 ({:.3e} max relative)\n",
                       ir.relative_l2, ir.max_relative);
            if (!*skip_subprocess) {
              t0 = std::chrono::steady_clock::now();
              const auto rb = characterize::run_ngspice_batch(deck.text);
              const double t_batch = seconds_since(t0);
              Eigen::VectorXd i_batch(p.cols);
              for (int j = 0; j < p.cols; ++j) i_batch[j] = rb.probe(deck.probes[j])[0];
              const auto agree = fmt::format("{:.3e}", fit::compare(i_batch, i_spice).relative_l2);
              fmt::print("same deck in `ngspice -b` ({:.1f} ms): agrees with embedded to {} relative L2\n",
                         t_batch * 1e3, agree);
            }
            const int rc = run_demo_campaign(*out_dir);
            if (rc != 0) return rc;
            return run_demo_network(*out_dir, net->tile, net->epochs, net->chips, net->images);
          }};
}

}  // namespace xbar::tools
