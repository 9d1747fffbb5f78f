// xbar validate model.h5 campaign.h5 [--plots DIR] [--dump-predictions FILE.csv]
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "output_table.hpp"
#include "periphery_report.hpp"
#include "verbs.hpp"
#include "xbar/report/gnuplot.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/core/sha256.hpp"

namespace xbar::tools {

using report::gnuplot_quote;
using report::gnuplot_terminal;
using report::run_gnuplot;

namespace {
struct ValidateOptions {
  std::string model_path;
  std::string campaign_path;
  std::string plots_dir;
  std::string dump_path;
};


std::vector<std::string> write_plots(const std::string& dir, const fit::SpiceComparison& all) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const std::string data = (fs::path(dir) / "validate_points.dat").string();
  {
    std::ofstream out(data);
    if (!out) throw fit::FitError(data + ": cannot write");
    out << "# spice_a model_a residual_a\n";
    out.precision(17);
    for (std::size_t i = 0; i < all.model_a.size(); ++i)
      out << all.spice_a[i] << ' ' << all.model_a[i] << ' ' << all.model_a[i] - all.spice_a[i] << '\n';
  }
  double max_res = 0;
  for (std::size_t i = 0; i < all.model_a.size(); ++i)
    max_res = std::max(max_res, std::abs(all.model_a[i] - all.spice_a[i]));
  const double bin = max_res > 0 ? 2.0 * max_res / 50.0 : 1e-18;
  const std::string scatter = (fs::path(dir) / "model_vs_spice.png").string();
  const std::string hist = (fs::path(dir) / "residual_histogram.png").string();
  const std::string term = gnuplot_terminal();
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title 'behavioral model against SPICE (all ok samples)'
set xlabel 'SPICE output current [A]'
set ylabel 'model output current [A]'
set key top left
set grid
plot {2} using 1:2 with points pt 7 ps 0.4 title 'outputs', x with lines lw 1 title 'y = x'
set output {3}
set title 'residual model - SPICE'
set xlabel 'residual [A]'
set ylabel 'count'
set style fill solid 0.6
binw = {4:.17g}
bin(x) = binw * floor(x / binw + 0.5)
plot {2} using (bin($3)):(1.0) smooth frequency with boxes title 'residuals'
set output
)",
                          term, gnuplot_quote(scatter), gnuplot_quote(data), gnuplot_quote(hist), bin));
  return {scatter, hist};
}
}  // namespace

Verb add_validate_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("validate", "Recompute a model's error against the SPICE samples of a campaign");
  auto o = std::make_shared<ValidateOptions>();
  sub->add_option("model", o->model_path, "Model file (HDF5, xbar.model/1)")->required()->check(CLI::ExistingFile);
  sub->add_option("campaign", o->campaign_path, "Campaign file (HDF5, xbar.campaign/1)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--plots", o->plots_dir,
                  "Write gnuplot PNGs here: model vs SPICE scatter and residual histogram (crossbar, tia); INL, DNL "
                  "and transition error (adc)");
  sub->add_option("--dump-predictions", o->dump_path,
                  "Write every ok sample's model predictions as CSV. crossbar: sample,input,output,model_a,spice_a; "
                  "tia: sample,instance,held_out,point,i_in_a,spice_v,nominal_v,informed_v; "
                  "adc: sample,instance,held_out,point,v_in_v,code_nominal,code_instance");
  sub->footer("Example:\n  xbar validate model.h5 campaign.h5 --plots plots/");
  return {
      sub, [o] {
        return run_on_campaign("validate", o->campaign_path, [&]() -> int {
          const std::string kind = behavioral::model_kind_of(o->model_path);
          if (kind == "tia" || kind == "adc") {
            const PeripheryValidateOptions po{o->model_path, o->campaign_path, o->plots_dir, o->dump_path};
            return kind == "tia" ? validate_tia(po) : validate_adc(po);
          }
          const auto m = behavioral::read_crossbar_model_file(o->model_path);
          const auto campaign = characterize::read_campaign_file(o->campaign_path);
          if (campaign.schema.kind != "crossbar")
            throw fit::FitError(fmt::format("{}: campaign kind '{}': this model is a crossbar model", o->campaign_path,
                                            campaign.schema.kind));
          const std::string sha = core::sha256_file_hex(o->campaign_path);
          fmt::print("{}: {}x{} crossbar model fitted {} to {}\n", o->model_path, m.nominal.rows, m.nominal.cols,
                     m.provenance.fit_time, m.provenance.campaign_path);
          if (!m.provenance.campaign_sha256.empty() && sha != m.provenance.campaign_sha256)
            fmt::print(
                "note: {} is not the campaign the model was fitted to (SHA-256 differs); "
                "its held-out split is applied anyway\n",
                o->campaign_path);
          const auto& h = m.held_out;
          const auto held =
              fit::compare_with_spice(m.nominal, campaign, fit::held_out_samples(campaign, m.provenance.held_out_seed),
                                      h.full_scale_a, h.adc_bits);
          const auto all =
              fit::compare_with_spice(m.nominal, campaign, fit::ok_samples(campaign), h.full_scale_a, h.adc_bits);
          fmt::print("\nerror of the model against SPICE (full scale {:.4e} A, {}-bit ADC):\n", h.full_scale_a,
                     h.adc_bits);
          print_error_header();
          print_error_row("recorded", h);
          print_error_row("held-out", held.metrics);
          print_error_row("all ok", all.metrics);
          if (!o->dump_path.empty()) {
            const auto& ifield = campaign.schema.field("i_spice_a");
            const std::size_t n_in = ifield.shape.at(0), n_out = ifield.shape.at(1);
            const auto samples = fit::ok_samples(campaign);
            std::ofstream out(o->dump_path);
            if (!out) throw fit::FitError(o->dump_path + ": cannot write");
            out.precision(17);
            out << "sample,input,output,model_a,spice_a\n";
            std::size_t k = 0;
            for (std::size_t s : samples)
              for (std::size_t n = 0; n < n_in; ++n)
                for (std::size_t j = 0; j < n_out; ++j, ++k)
                  out << s << ',' << n << ',' << j << ',' << all.model_a[k] << ',' << all.spice_a[k] << '\n';
            fmt::print("\nwrote {}\n", o->dump_path);
          }
          if (!o->plots_dir.empty()) {
            fmt::print("\nplots:\n");
            for (const auto& png : write_plots(o->plots_dir, all)) fmt::print("  {}\n", png);
          }
          return 0;
        });
      }};
}

}  // namespace xbar::tools
