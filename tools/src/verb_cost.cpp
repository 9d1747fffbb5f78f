// xbar cost --tile tile.h5 --network net.pt [-o folder]: the verdict (verdict::run_verdict), printed
// and written as markdown with a gnuplot bar chart.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "verbs.hpp"
#include "xbar/report/verdict_plot.hpp"
#include "xbar/verdict/verdict.hpp"

namespace xbar::tools {

namespace {
struct CostVerbOptions {
  verdict::VerdictOptions run;
  std::string energy_dir = std::string(XBAR_SOURCE_DIR) + "/data/energy";
  std::string output = "cost";
  bool per_layer = false;
  bool quiet = false;
};

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
            std::string png, png_name = "verdict_energy.png";
            try {
              png = report::plot_verdict_energy(res, o->output);
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
