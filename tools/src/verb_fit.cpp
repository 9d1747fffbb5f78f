// xbar fit campaign.h5 -o model.h5 [--seed N] [--adc-bits B] [--force]
// One library call, fit::fit_campaign (it dispatches on the campaign kind: crossbar, tia, adc,
// tile with --tia-model for the op-amp), then printing and fit::write_model_file.
// xbar fit tile --crossbar A --tia B --adc C -o tile.h5 [--dac-bits N] [--v-read-max V] ...
// assembles a tile model (kind tile) from three component models
// (fit::assemble_tile_model_with_energy).
// Neither overwrites an existing output unless --force.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "output_table.hpp"
#include "validation_output.hpp"
#include "verbs.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/campaign_fit.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/tile_assembly.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar_version.hpp"

namespace xbar::tools {

int run_on_campaign(const char* verb, const std::string& campaign_path, const Runner& body) {
  try {
    return body();
  } catch (const behavioral::Error& ex) {  // names its own (model) file
    std::fprintf(stderr, "xbar %s: %s\n", verb, ex.what());
  } catch (const fit::FitError& ex) {
    const std::string msg = ex.what();
    const bool named = msg.rfind(campaign_path, 0) == 0;
    std::fprintf(stderr, "xbar %s: %s%s\n", verb, named ? "" : (campaign_path + ": ").c_str(), msg.c_str());
  }
  return 2;
}

namespace {
struct FitVerbOptions {
  std::string campaign_path;
  std::string output = "model.h5";
  std::uint64_t seed = 1;
  int adc_bits = 8;
  int predictive_chips = 20;
  bool force = false;
  std::string tia_model;
};

struct FitTileOptions {
  fit::TileAssemblyOptions assembly;
  std::string energy_campaign;
  bool energy_scale = false;
  std::string output = "tile.h5";
  bool force = false;
};

// Refuses to replace an existing output unless --force: false (and a message) when it exists.
bool output_free(const char* verb, const std::string& path, bool force) {
  std::error_code ec;
  if (force || !std::filesystem::exists(path, ec)) return true;
  std::fprintf(stderr, "xbar %s: %s exists; pass --force to overwrite it\n", verb, path.c_str());
  return false;
}

void print_normal(const char* what, const behavioral::NormalParameterFit& f) {
  fmt::print("  {:<28} mean = {:+.4e} V  sigma = {:.4e} V  [{:.4e}, {:.4e}]  (n = {})\n", what, f.mean_v, f.sigma_v,
             f.sigma_ci95.low, f.sigma_ci95.high, f.n);
}

void print_tile_model(const behavioral::TileModelFile& m) {
  const auto& x = m.nominal.crossbar;
  fmt::print("tile: {}x{} {} crossbar (r_row_wire {} ohm, r_col_wire {} ohm), g {:.3g} .. {:.3g} S\n", x.rows,
             x.cols, x.cell == behavioral::CellModel::sinh ? "sinh" : "linear", x.r_row_wire_ohm, x.r_col_wire_ohm,
             m.g_min_s, m.g_max_s);
  fmt::print("  DAC {} bits, {:.3g} .. {:.3g} V;  TIA rf {:.4g} ohm, a0 {:.4g}, r_out {:.4g} ohm;  ADC {} bits, "
             "{:.3g} .. {:.3g} V\n",
             m.nominal.dac.bits, m.nominal.dac.v_min_v, m.nominal.dac.v_max_v, m.nominal.tia[0].rf_ohm,
             m.nominal.tia[0].a0_vv, m.nominal.tia[0].r_out_ohm, m.nominal.adc[0].bits, m.nominal.adc[0].v_min_v,
             m.nominal.adc[0].v_max_v);
  fmt::print("\nranges:\n{}", fit::tile_range_summary(m));
  const auto& v = m.variation;
  fmt::print("\nvariation:\n  programming error            {} sigma_rel_d2d = {:.5f}, mean_rel = {:+.2e}\n",
             v.programming_error.distribution, v.programming_error.sigma_rel_d2d, v.programming_error.mean_rel);
  fmt::print("  stuck on / off               {:.5f} / {:.5f}\n", v.stuck_on.fraction, v.stuck_off.fraction);
  fmt::print("  wire spread                  r_wire_sigma_rel_d2d = {:.5f}\n", v.wire.r_wire_sigma_rel_d2d);
  print_normal("TIA op-amp offset", v.tia_opamp_v_offset);
  print_normal("ADC transitions about nominal", v.adc_comparator_offset);
  fmt::print("\nheld-out error: crossbar {:.3g} % FS RMS ({} samples); TIA {:.3g} LSB RMS; ADC codes {:.3g} LSB RMS\n",
             m.held_out_crossbar.rms_pct_fs, m.held_out_crossbar.n_samples, m.held_out_tia.rms_lsb,
             m.held_out_adc_codes.rms_lsb);
  const auto& e = m.energy;
  if (e.known())
    fmt::print("energy per MVM ({}; {}): {:.4g} J = array {:.4g} + drivers {:.4g} + TIA {:.4g} + ADC {:.4g} J; "
               "ngspice {:.4g} s per MVM\n",
               e.note, e.campaign_path, e.total_j, e.array_j, e.drivers_j, e.tia_j, e.adc_j, e.spice_s_per_mvm);
  else
    fmt::print("energy per MVM: unknown (no --energy-campaign)\n");
  fmt::print("sources:\n");
  for (const auto& s : m.sources) {
    const bool model = !s.model_path.empty();
    fmt::print("  {:<13} {}  sha256 {}\n", s.component, model ? s.model_path : s.campaign_path,
               model ? s.model_sha256 : s.campaign_sha256);
  }
}

// What fit_crossbar estimated and the held-out and predictive tables.
void print_crossbar_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                        std::uint64_t seed, const behavioral::CrossbarModelFile& m) {
  const auto& p = m.nominal;
  const auto& e = m.variation.programming_error;
  fmt::print("{}: {}x{} crossbar{}, {} cells, {} ok samples\n", campaign_path, p.rows, p.cols,
             p.differential ? " (differential)" : "", p.cell == behavioral::CellModel::sinh ? "sinh" : "linear",
             fit::ok_samples(campaign).size());
  fmt::print("\nfitted variation (95% confidence intervals):\n");
  fmt::print(
      "  programming error  {:<9} sigma_rel_d2d = {:.5f}  [{:.5f}, {:.5f}]  mean_rel = {:+.2e}  (n = {})\n",
      e.distribution, e.sigma_rel_d2d, e.sigma_rel_d2d_ci95.low, e.sigma_rel_d2d_ci95.high, e.mean_rel, e.n);
  fmt::print("    goodness of fit: {} D = {:.4e}, p = {:.4g}\n", e.gof_test, e.gof_statistic, e.gof_p_value);
  for (auto [name, f] : {std::pair{"stuck on ", &m.variation.stuck_on}, {"stuck off", &m.variation.stuck_off}})
    fmt::print("  {}          fraction      = {:.5f}  [{:.5f}, {:.5f}]  ({} of {} cells, Clopper-Pearson)\n",
               name, f->fraction, f->ci95.low, f->ci95.high, f->n_events, f->n_trials);
  const auto& w = m.variation.wire;
  fmt::print("  wire spread        r_wire_sigma_rel_d2d = {:.5f}  [{:.5f}, {:.5f}]  (n = {})\n",
             w.r_wire_sigma_rel_d2d, w.ci95.low, w.ci95.high, w.n);
  print_parameter_fit(m.estimated);
  fmt::print("\nheld-out error of the model against SPICE (seed {}, full scale {:.4e} A, {}-bit ADC):\n",
             seed, m.held_out.full_scale_a, m.held_out.adc_bits);
  print_error_table({{"held-out", m.held_out.n_samples, fit::from_record(m.held_out)}}, "A");
  print_predictive(m.predictive);
}

Runner add_fit_tile(CLI::App& fit_app) {
  auto* sub = fit_app.add_subcommand(
      "tile", "Assemble a tile model (xbar.model/2 kind tile) from a crossbar, a TIA and an ADC model file");
  auto o = std::make_shared<FitTileOptions>();
  auto& a = o->assembly;
  sub->add_option("--crossbar", a.crossbar_path, "Crossbar model file (xbar fit of a crossbar campaign)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--tia", a.tia_path, "TIA model file (xbar fit of a tia campaign)")->required()->check(CLI::ExistingFile);
  sub->add_option("--adc", a.adc_path, "ADC model file (xbar fit of an adc campaign)")->required()->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output, "Tile model file to write (HDF5, xbar.model/2 kind tile)")
      ->capture_default_str();
  sub->add_option("--dac-bits", a.dac_bits, "Row DAC resolution, bits (ideal levels)")
      ->check(CLI::Range(1, 12))
      ->capture_default_str();
  sub->add_option("--v-read-min", a.v_read_min_v, "DAC level of code 0, V")->capture_default_str();
  sub->add_option("--v-read-max", a.v_read_max_v,
                  "DAC level of the top code, V (default: the crossbar campaign's workload.v_read_max_v)");
  sub->add_option("--g-min", a.g_min_s,
                  "Lowest programmable conductance (weight mapping range), S (default: the crossbar campaign's "
                  "workload.g_min_s)");
  sub->add_option("--g-max", a.g_max_s,
                  "Highest programmable conductance, S (default: the crossbar campaign's workload.g_max_s)");
  sub->add_option("--energy-campaign", o->energy_campaign,
                  "Tile campaign (kind tile, same rows x cols) whose mean energy per MVM by block and SPICE wall time "
                  "per MVM are stored in /energy")
      ->check(CLI::ExistingFile);
  sub->add_flag("--energy-scale", o->energy_scale,
                "Accept an --energy-campaign of another size and scale it to the tile (fit::scale_tile_energy; the "
                "note in /energy says SCALED)");
  sub->add_flag("--force", o->force, "Overwrite the output if it exists");
  sub->footer(
      "Example:\n  xbar fit tile --crossbar crossbar_model.h5 --tia tia_model.h5 --adc adc_model.h5 --dac-bits 4 "
      "-o tile.h5\nChecks: single-ended crossbar, TIA swing covers the ADC input range, ADC range below 0 V.");
  return [sub, o]() -> int {
    if (!output_free("fit tile", o->output, o->force)) return 2;
    return run_on_campaign("fit tile", "", [&]() -> int {  // the messages name their files
      o->assembly.xbar_version = XBAR_VERSION;
      o->assembly.git_hash = XBAR_GIT_HASH;
      const auto m = fit::assemble_tile_model_with_energy(o->assembly, o->energy_campaign, o->energy_scale);
      print_tile_model(m);
      behavioral::write_tile_model_file(o->output, m);
      fmt::print("\nwrote {}\n", o->output);
      return 0;
    });
  };
}

}  // namespace

Verb add_fit_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("fit", "Fit a behavioral model (xbar.model/2) to a campaign file of kind crossbar, tia, adc or tile");
  auto o = std::make_shared<FitVerbOptions>();
  sub->add_option("campaign", o->campaign_path, "Campaign file (HDF5, xbar.campaign/2, kind crossbar, tia, adc or tile)")
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output, "Model file to write (HDF5, xbar.model/2; data/MODEL_SCHEMA.md)")
      ->capture_default_str();
  sub->add_option("--seed", o->seed,
                  "Seed of the held-out split: the round(n/5) instances with the smallest splitmix64(seed^k) are "
                  "held out (at least 1, never all)")
      ->capture_default_str();
  sub->add_option("--adc-bits", o->adc_bits, "Crossbar fits: ADC resolution for the error in LSB (LSB = 2 full scale / 2^bits)")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  sub->add_option("--predictive-chips", o->predictive_chips,
                  "Crossbar fits: fresh chips drawn from the fitted variation per held-out chip for the predictive "
                  "check (0 = skip)")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  sub->add_option("--tia-model", o->tia_model,
                  "Tile campaigns: TIA model file (xbar fit of a tia campaign) giving the op-amp's a0, r_out, swing "
                  "and tau (default: an ideal op-amp)")
      ->check(CLI::ExistingFile);
  sub->add_flag("--force", o->force, "Overwrite the output if it exists");
  sub->footer("Example:\n  xbar fit crossbar_small.h5 -o crossbar_small_model.h5 --seed 1 --adc-bits 8\n"
              "Tile models: xbar fit tile --help");
  Runner tile = add_fit_tile(*sub);
  auto* tile_sub = sub->get_subcommand("tile");
  return {
      sub, [o, tile, tile_sub, sub] {
        if (tile_sub->parsed()) return tile();
        if (o->campaign_path.empty()) {
          std::fprintf(stderr, "xbar fit: a campaign file is required (or `xbar fit tile ...`)\n%s",
                       sub->help().c_str());
          return 2;
        }
        if (!output_free("fit", o->output, o->force)) return 2;
        return run_on_campaign("fit", o->campaign_path, [&]() -> int {
          const auto campaign = characterize::read_campaign_file(o->campaign_path);
          fit::FitOptions fo;
          fo.seed = o->seed;
          fo.adc_bits = o->adc_bits;
          fo.predictive_chips = o->predictive_chips;
          fo.campaign_path = o->campaign_path;
          fo.xbar_version = XBAR_VERSION;
          fo.git_hash = XBAR_GIT_HASH;
          const auto m = fit::fit_campaign(campaign, fo, o->tia_model);
          if (m.tia) print_tia_fit(o->campaign_path, campaign, *m.tia);
          if (m.adc) print_adc_fit(o->campaign_path, campaign, *m.adc);
          if (m.tile) {
            fmt::print("{}: tile campaign, {} ok samples; TIA op-amp: {}\n", o->campaign_path,
                       fit::ok_samples(campaign).size(),
                       o->tia_model.empty() ? std::string("ideal (no --tia-model): a0 = inf, no r_out") : o->tia_model);
            print_tile_model(*m.tile);
          }
          if (m.crossbar) print_crossbar_fit(o->campaign_path, campaign, o->seed, *m.crossbar);
          fit::write_model_file(o->output, m);
          fmt::print("\nwrote {}\n", o->output);
          return 0;
        });
      }};
}

}  // namespace xbar::tools
