// xbar cost --tile tile.h5 --network net.pt [-o folder]: the verdict (verdict::run_verdict), printed
// and written as markdown with a gnuplot bar chart.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "verbs.hpp"
#include "xbar/report/gnuplot.hpp"
#include "xbar/verdict/verdict.hpp"

namespace xbar::tools {

using report::gnuplot_quote;
using report::gnuplot_terminal;
using report::run_gnuplot;

namespace {
struct CostVerbOptions {
  verdict::VerdictOptions run;
  std::string energy_dir = std::string(XBAR_SOURCE_DIR) + "/data/energy";
  std::string output = "cost";
  bool per_layer = false;
  bool quiet = false;
};

// The four energies as a log-scale bar chart, J per image.
void write_chart(const verdict::VerdictResult& r, const std::string& dir, const std::string& png) {
  const std::string dat = (std::filesystem::path(dir) / "verdict_energy.dat").string();
  {
    std::ofstream f(dat);
    f << "# figure energy_per_image_J accuracy_percent\n";
    const double an = 100 * r.acc_analog;
    f << fmt::format("\"E_run\" {:.6e} {:.4f}\n", r.e_run_j, an);
    f << fmt::format("\"E_sim behavioral (measured)\" {:.6e} {:.4f}\n", r.e_sim_behavioral_j, 100 * r.acc_nominal);
    f << fmt::format("\"E_sim behavioral (counted)\" {:.6e} {:.4f}\n", r.e_sim_behavioral_counted_j, 100 * r.acc_nominal);
    f << fmt::format("\"E_sim SPICE\" {:.6e} {:.4f}\n", r.e_sim_spice_j, 100 * r.acc_nominal);
    f << fmt::format("\"E_digital int8\" {:.6e} {:.4f}\n", r.e_digital8_j, 100 * r.acc_int8);
    f << fmt::format("\"E_digital int4\" {:.6e} {:.4f}\n", r.e_digital4_j, 100 * r.acc_int4);
  }
  double lo = 1e300, hi = 0;
  for (double e : {r.e_run_j, r.e_sim_behavioral_j, r.e_sim_behavioral_counted_j, r.e_sim_spice_j, r.e_digital8_j,
                   r.e_digital4_j})
    if (std::isfinite(e) && e > 0) {
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
  if (!(hi > 0)) lo = 1e-9, hi = 1;
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set yrange [{5:.3g}:{6:.3g}]
set title {2}
set ylabel 'energy per image [J] (log scale)'
set logscale y
set format y '1e%L'
set grid ytics
set style fill solid 0.6
set boxwidth 0.6
set xtics rotate by -20
set key off
plot {4} using 0:2:xtic(1) with boxes lc rgb '#3060a0', '' using 0:2:(sprintf("%.3g J\n%.1f %%", $2, $3)) with labels offset 0,1.5 font ',9'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(png),
                          gnuplot_quote("Energy per image (labels: energy, test accuracy): " +
                                        std::filesystem::path(r.options.network_path).filename().string() + " on " +
                                        std::filesystem::path(r.options.tile_path).filename().string()),
                          "", gnuplot_quote(dat), lo / 10, hi * 1000));
}
}  // namespace

Verb add_cost_verb(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "cost", "The verdict: energy of running a network on analog tiles against simulating it (behavioral, SPICE) "
              "and computing it digitally at matched accuracy");
  auto o = std::make_shared<CostVerbOptions>();
  auto& r = o->run;
  sub->add_option("--tile", r.tile_path, "Tile model file with its SPICE energy per MVM (/energy; data/presets/)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--network", r.network_path, "TorchScript network file (xbar train or torch.jit.script)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output, "Folder for verdict.md and verdict_energy.png")->capture_default_str();
  sub->add_option("--energy-dir", o->energy_dir, "Folder of the cited energy tables (*.toml)")->capture_default_str();
  sub->add_option("--images", r.images, "Test images (the first N)")->capture_default_str()->check(CLI::Range(1, 10000));
  sub->add_option("--chips", r.chips, "Chips drawn from the variation (0: the nominal chip's accuracy is matched)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  sub->add_option("--seed", r.seed, "Seed of the chips")->capture_default_str();
  sub->add_option("--threads", r.threads, "libtorch threads (0 = its default)")->capture_default_str();
  sub->add_option("--host-power-w", r.host_power_w,
                  "Power of one busy host core, W (default: RAPL if readable, else the table's host_power_per_core)");
  sub->add_option("--dac-bits", r.mapping.dac_bits, "Input DAC bits (0 = the tile model's)")->capture_default_str();
  sub->add_option("--adc-bits", r.mapping.adc_bits, "ADC bits (0 = the tile model's)")->capture_default_str();
  sub->add_flag("--per-layer-scaling", o->per_layer, "One weight scale per layer (default: per output column)");
  sub->add_option("--data-dir", r.data_dir, "Fashion-MNIST IDX folder")->capture_default_str();
  sub->add_flag("-q,--quiet", o->quiet, "No progress lines");
  sub->footer("Example:\n  xbar cost --tile data/presets/tile64_xbar180.h5 --network data/networks/mlp.pt -o cost_mlp64");
  return {sub, [o] {
            verdict::VerdictOptions run = o->run;
            run.mapping.per_column_scaling = !o->per_layer;
            run.energy_tables = verdict::energy_table_files(o->energy_dir);
            const bool quiet = o->quiet;
            const auto res = verdict::run_verdict(run, [quiet](const std::string& s) {
              if (!quiet) std::fprintf(stderr, "xbar cost: %s\n", s.c_str());
            });
            std::filesystem::create_directories(o->output);
            const std::string png = (std::filesystem::path(o->output) / "verdict_energy.png").string();
            std::string png_name = "verdict_energy.png";
            try {
              write_chart(res, o->output, png);
            } catch (const std::exception& e) {
              std::fprintf(stderr, "xbar cost: no chart: %s\n", e.what());
              png_name.clear();
            }
            const std::string md = verdict::verdict_markdown(res, png_name);
            const std::string md_path = (std::filesystem::path(o->output) / "verdict.md").string();
            std::ofstream(md_path) << md;
            fmt::print("{}\nwrote {}{}\n", md, md_path, png_name.empty() ? "" : " and " + png);
            return 0;
          }};
}

}  // namespace xbar::tools
