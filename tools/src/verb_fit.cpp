// xbar fit campaign.h5 -o model.h5 [--seed N] [--adc-bits B]
// Dispatches on the campaign kind: crossbar (fit_crossbar), tia (fit_tia), adc (fit_adc).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "output_table.hpp"
#include "periphery_report.hpp"
#include "verbs.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/fit_error.hpp"
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
};

}  // namespace

Verb add_fit_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("fit", "Fit a behavioral model (xbar.model/1) to a campaign file of kind crossbar, tia or adc");
  auto o = std::make_shared<FitVerbOptions>();
  sub->add_option("campaign", o->campaign_path, "Campaign file (HDF5, xbar.campaign/1, kind crossbar, tia or adc)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output, "Model file to write (HDF5, xbar.model/1; data/MODEL_SCHEMA.md)")
      ->capture_default_str();
  sub->add_option("--seed", o->seed,
                  "Seed of the held-out split: instance k is held out if splitmix64(seed^k) % 5 == 0")
      ->capture_default_str();
  sub->add_option("--adc-bits", o->adc_bits, "Crossbar fits: ADC resolution for the error in LSB (LSB = 2 full scale / 2^bits)")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  sub->footer("Example:\n  xbar fit crossbar_small.h5 -o crossbar_small_model.h5 --seed 1 --adc-bits 8");
  return {
      sub, [o] {
        return run_on_campaign("fit", o->campaign_path, [&]() -> int {
          const auto campaign = characterize::read_campaign_file(o->campaign_path);
          fit::FitOptions fo;
          fo.seed = o->seed;
          fo.adc_bits = o->adc_bits;
          fo.campaign_path = o->campaign_path;
          fo.xbar_version = XBAR_VERSION;
          fo.git_hash = XBAR_GIT_HASH;
          if (campaign.schema.kind == "tia" || campaign.schema.kind == "adc") {
            if (campaign.schema.kind == "tia") {
              const auto m = fit::fit_tia(campaign, fo);
              print_tia_fit(o->campaign_path, campaign, m);
              behavioral::write_tia_model_file(o->output, m);
            } else {
              const auto m = fit::fit_adc(campaign, fo);
              print_adc_fit(o->campaign_path, campaign, m);
              behavioral::write_adc_model_file(o->output, m);
            }
            fmt::print("\nwrote {}\n", o->output);
            return 0;
          }
          if (campaign.schema.kind == "tile")
            throw fit::FitError(
                "campaign kind 'tile': a tile campaign is not fitted but validated, with a TIA model fitted to a tia "
                "campaign: xbar validate tia_model.h5 " + o->campaign_path);
          if (campaign.schema.kind != "crossbar")
            throw fit::FitError(fmt::format("campaign kind '{}': xbar fit handles crossbar, tia and adc campaigns",
                                            campaign.schema.kind));
          const auto m = fit::fit_crossbar(campaign, fo);
          const auto& p = m.nominal;
          const auto& e = m.variation.programming_error;
          fmt::print("{}: {}x{} crossbar{}, {} cells, {} ok samples\n", o->campaign_path, p.rows, p.cols,
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
                     o->seed, m.held_out.full_scale_a, m.held_out.adc_bits);
          print_error_header();
          print_error_row("held-out", m.held_out);
          behavioral::write_crossbar_model_file(o->output, m);
          fmt::print("\nwrote {}\n", o->output);
          return 0;
        });
      }};
}

}  // namespace xbar::tools
