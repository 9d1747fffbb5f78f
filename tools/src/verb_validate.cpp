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
#include "xbar/fit/crossbar_validation.hpp"
#include "xbar/report/report_error.hpp"
#include "xbar/fit/fit_error.hpp"

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
  fit::PredictiveCheckOptions predictive;
};

std::ofstream open_out(const std::string& path) {
  std::ofstream out(path);
  if (!out) throw report::ReportError(path + ": cannot write");
  out.precision(17);
  return out;
}

// Crossbar plots, every file name prefixed with the campaign's name: SPICE against the ideal MVM
// (µA), the error by output column (the IR-drop profile along the array, % FS and LSB), and the
// predictive histogram (fresh chips from the fitted variation against the held-out SPICE chips).
std::vector<std::string> write_plots(const std::string& dir, const fit::CrossbarValidation& v, int outputs) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const std::string name = v.campaign_name;
  const auto path = [&](const std::string& what) { return (fs::path(dir) / (name + "_" + what)).string(); };
  const double fs_a = v.recorded.full_scale_a;
  const double lsb_pct = 100.0 * 2.0 / std::ldexp(1.0, v.recorded.adc_bits);  // one LSB in % FS
  const std::string points = path("validate_points.dat");
  {
    auto out = open_out(points);
    out << "# spice_uA ideal_uA model_uA spice-ideal_pct_fs column\n";
    for (std::size_t i = 0; i < v.all.spice_a.size(); ++i)
      out << 1e6 * v.all.spice_a[i] << ' ' << 1e6 * v.all.ideal_a[i] << ' ' << 1e6 * v.all.model_a[i] << ' '
          << 100.0 * (v.all.spice_a[i] - v.all.ideal_a[i]) / fs_a << ' ' << i % static_cast<std::size_t>(outputs)
          << '\n';
  }
  // Per column: mean and RMS of SPICE - ideal over every ok sample and input.
  const std::string cols = path("error_by_column.dat");
  {
    std::vector<double> sum(static_cast<std::size_t>(outputs)), sq(sum.size()), cnt(sum.size());
    for (std::size_t i = 0; i < v.all.spice_a.size(); ++i) {
      const double e = 100.0 * (v.all.spice_a[i] - v.all.ideal_a[i]) / fs_a;
      const std::size_t j = i % sum.size();
      sum[j] += e;
      sq[j] += e * e;
      cnt[j] += 1;
    }
    auto out = open_out(cols);
    out << "# column mean_pct_fs rms_pct_fs\n";
    for (std::size_t j = 0; j < sum.size(); ++j)
      out << j << ' ' << (cnt[j] ? sum[j] / cnt[j] : 0.0) << ' ' << (cnt[j] ? std::sqrt(sq[j] / cnt[j]) : 0.0) << '\n';
  }
  const auto& p = v.predictive;
  const std::string spice_hist = path("predictive_spice.dat"), model_hist = path("predictive_model.dat");
  double lo = 0, hi = 0;
  for (const auto* d : {&p.spice, &p.model})
    for (double e : d->values_pct_fs) {
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
  {
    auto a = open_out(spice_hist);
    for (double e : p.spice.values_pct_fs) a << e << '\n';
    auto b = open_out(model_hist);
    for (double e : p.model.values_pct_fs) b << e << '\n';
  }
  const double bin = hi > lo ? (hi - lo) / 40.0 : 1e-6;
  const std::string scatter = path("spice_vs_ideal.png");
  const std::string column = path("error_by_column.png");
  const std::string hist = path("predictive_error_histogram.png");
  run_gnuplot(fmt::format(R"(set terminal {0}
set grid
set output {1}
set title {2}
set xlabel 'ideal MVM of the targets [µA]'
set ylabel 'output current [µA]'
set key top left
plot {3} using 2:1 with points pt 7 ps 0.4 title 'SPICE', {3} using 2:3 with points pt 6 ps 0.6 title 'behavioral model (recorded conductances)', x with lines lw 1 title 'y = x (ideal)'
set output {4}
set title {5}
set xlabel 'output column (distance from the row drivers grows to the right)'
set ylabel 'SPICE - ideal [% of full scale]'
set y2label 'LSB'
set y2tics 0.5
set xrange [-0.5:{15}]
set link y2 via y / {6:.17g} inverse y * {6:.17g}
set key bottom left
plot {7} using 1:2 with linespoints pt 7 title 'mean over samples and inputs', {7} using 1:3 with linespoints pt 6 title 'RMS'
unset y2tics
unset y2label
unset link y2
set autoscale x
set output {8}
set title {9}
set xlabel 'output - ideal MVM [% of full scale]'
set ylabel 'fraction of values per bin'
set key top right
set style fill transparent solid 0.4
binw = {10:.17g}
set boxwidth binw absolute
bin(x) = binw * floor(x / binw + 0.5)
plot {11} using (bin($1)):(1.0 / {12}) smooth frequency with boxes title 'held-out SPICE chips', {13} using (bin($1)):(1.0 / {14}) smooth frequency with boxes title 'fresh chips from the fitted variation (model)'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(scatter),
                          gnuplot_quote(name + ": SPICE and the behavioral model against the ideal MVM (all ok samples)"),
                          gnuplot_quote(points), gnuplot_quote(column),
                          gnuplot_quote(fmt::format("{}: error by output column, SPICE against the ideal MVM (1 LSB = {:.3g} % FS)", name, lsb_pct)),
                          lsb_pct, gnuplot_quote(cols), gnuplot_quote(hist),
                          gnuplot_quote(fmt::format("{}: predictive check, KS D = {:.3f} (p = {:.2g}), {} SPICE and {} fresh chips", name,
                                                    p.ks_values.statistic, p.ks_values.p_value, p.spice.n_chips, p.model.n_chips)),
                          bin, gnuplot_quote(spice_hist), std::max<std::uint64_t>(1, p.spice.n_values), gnuplot_quote(model_hist),
                          std::max<std::uint64_t>(1, p.model.n_values), outputs - 0.5));
  return {scatter, column, hist};
}

}  // namespace

Verb add_validate_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("validate", "Recompute a model's error against the SPICE samples of a campaign");
  auto o = std::make_shared<ValidateOptions>();
  sub->add_option("model", o->model_path, "Model file (HDF5, xbar.model/2)")->required()->check(CLI::ExistingFile);
  sub->add_option("campaign", o->campaign_path, "Campaign file (HDF5, xbar.campaign/2)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--plots", o->plots_dir,
                  "Write gnuplot PNGs here, named <campaign>_*.png. crossbar: SPICE and model against the ideal MVM "
                  "(µA), error by output column (% FS, LSB), predictive histogram; tia: model vs SPICE scatter and "
                  "residual histogram; adc: INL, DNL and transition error");
  sub->add_option("--chips", o->predictive.chips,
                  "Predictive check (crossbar): fresh chips drawn from the fitted variation per held-out chip, 1..10000")
      ->capture_default_str();
  sub->add_option("--predictive-seed", o->predictive.seed, "Seed of the predictive check's fresh chips")
      ->capture_default_str();
  sub->add_option("--dump-predictions", o->dump_path,
                  "Write every ok sample's model predictions as CSV. crossbar: sample,input,output,model_a,spice_a,ideal_a; "
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
          const auto v = fit::validate_crossbar(m, campaign, o->campaign_path, o->predictive);
          fmt::print("{}: {}x{} crossbar model fitted {} to {}\n", o->model_path, m.nominal.rows, m.nominal.cols,
                     m.provenance.fit_time, m.provenance.campaign_path);
          if (!v.campaign_matches)
            fmt::print(
                "note: {} is not the campaign the model was fitted to (SHA-256 differs); "
                "its held-out split is applied anyway\n",
                o->campaign_path);
          const auto& h = m.held_out;
          fmt::print("\nerror of the model against SPICE (full scale {:.4e} A, {}-bit ADC). recorded: the model file's "
                     "numbers from when it was fitted; held-out: the {} of {} chips the fit never saw, each replayed "
                     "with its own recorded conductances and wires (this measures solver agreement, not the "
                     "variation); all ok: every chip\n",
                     h.full_scale_a, h.adc_bits, v.n_held_out_chips, v.n_chips);
          print_error_header();
          print_error_row("recorded", h);
          print_error_row("held-out", v.held_out.metrics);
          print_error_row("all ok", v.all.metrics);
          print_predictive(fit::to_metrics(v.predictive));
          if (!o->dump_path.empty()) {
            const auto& ifield = campaign.schema.field("i_spice_a");
            const std::size_t n_in = ifield.shape.at(0), n_out = ifield.shape.at(1);
            const auto samples = fit::ok_samples(campaign);
            auto out = open_out(o->dump_path);
            out << "sample,input,output,model_a,spice_a,ideal_a\n";
            std::size_t k = 0;
            for (std::size_t s : samples)
              for (std::size_t n = 0; n < n_in; ++n)
                for (std::size_t j = 0; j < n_out; ++j, ++k)
                  out << s << ',' << n << ',' << j << ',' << v.all.model_a[k] << ',' << v.all.spice_a[k] << ','
                      << v.all.ideal_a[k] << '\n';
            fmt::print("\nwrote {}\n", o->dump_path);
          }
          if (!o->plots_dir.empty()) {
            fmt::print("\nplots:\n");
            for (const auto& png : write_plots(o->plots_dir, v, m.nominal.cols)) fmt::print("  {}\n", png);
          }
          return 0;
        });
      }};
}

}  // namespace xbar::tools
