// xbar infer net.pt --tile tile.h5 --chips K -o results.h5 [--spice-check N | --spice-check-images N ...]
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "inference_report.hpp"
#include "output_path.hpp"
#include "verbs.hpp"
#include "xbar/networks/dataset.hpp"
#include "xbar/networks/network.hpp"
#include "xbar/spotcheck/spot_check.hpp"
#include "xbar_version.hpp"

namespace xbar::tools {

namespace {
struct InferVerbOptions {
  networks::InferenceOptions run;
  std::string output = "inference.h5";
  bool per_layer = false;
  bool no_nominal = false;
  bool no_offset_calibration = false;
  bool quiet = false;
  spotcheck::SpotCheckOptions spot;
  std::optional<std::uint64_t> spot_seed;  ///< default: --seed
  std::string spot_dir;                    ///< default: <output>.spotcheck
};

/// The spot check after the inference (spotcheck/spot_check.hpp), or nothing without --spice-check*.
std::optional<spotcheck::SpotCheckResult> spot_check(const InferVerbOptions& o, const networks::InferenceResult& res) {
  spotcheck::SpotCheckOptions s = o.spot;
  if (s.mvms == 0 && s.images == 0) return std::nullopt;
  s.seed = o.spot_seed.value_or(o.run.seed);
  s.folder = o.spot_dir.empty() ? o.output + ".spotcheck" : o.spot_dir;
  s.quiet = o.quiet;
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) s.xbar_program = self.string();
  if (s.chip >= res.options.chips)
    throw spotcheck::Error(fmt::format("--spice-check-chip = {}: the run draws {} chip(s) (0..{}); use -1 for the nominal chip",
                                       s.chip, res.options.chips, res.options.chips - 1));
  if (s.images > res.images)
    throw spotcheck::Error(fmt::format("--spice-check-images = {}: the run classifies only {} test images", s.images, res.images));
  const networks::Network net(res.options.network_path);
  const networks::Dataset test = networks::load_fashion_mnist(networks::Split::test, res.options.data_dir);
  const torch::Tensor inputs = res.options.preprocess.apply(test.images.slice(0, 0, res.images));
  fmt::print("\nspot check: SPICE (macro tile decks) in {} (xbar characterize {})\n", s.folder,
             (std::filesystem::path(s.folder) / "spotcheck.toml").string());
  return spotcheck::run_spot_check(net, res.design, res.options.seed, inputs, s);
}
}  // namespace

Verb add_infer_verb(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "infer", "Run a network (TorchScript) on analog tiles over many simulated chips: accuracy with 95 % intervals");
  auto o = std::make_shared<InferVerbOptions>();
  auto& r = o->run;
  sub->add_option("network", r.network_path, "TorchScript file (torch.jit.script(model).save(...) or xbar train)")
      ->required();
  sub->add_option("--tile", r.tile_path, "Tile model file (xbar.model kind tile; data/presets/)")->required();
  sub->add_option("--chips", r.chips, "Chips drawn from the tile model's variation")->capture_default_str()->check(CLI::Range(0, 100000));
  sub->add_option("--seed", r.seed, "Seed: chip k depends only on (seed, k)")->capture_default_str();
  sub->add_option("-o,--output", o->output, "Result file (HDF5, xbar.inference/2; data/INFERENCE_SCHEMA.md)")->capture_default_str();
  sub->add_option("--images", r.images, "Test images (0 = all 10,000)")->capture_default_str()->check(CLI::Range(0, 10000));
  sub->add_option("--batch-size", r.batch_size, "Images per forward pass (memory only)")->capture_default_str()->check(CLI::Range(1, 100000));
  sub->add_option("--threads", r.threads, "libtorch threads (0 = its default); results do not depend on it")->capture_default_str();
  sub->add_option("--dac-bits", r.mapping.dac_bits, "Input DAC bits (0 = the tile model's)")->capture_default_str();
  sub->add_option("--adc-bits", r.mapping.adc_bits, "ADC bits (0 = the tile model's; others: ideal transitions, fitted offsets kept)")->capture_default_str();
  sub->add_flag("--per-layer-scaling", o->per_layer, "One weight scale per layer (default: per output column)");
  sub->add_option("--input-quantile", r.mapping.input_quantile, "DAC full scale: this quantile of |x| on the calibration images")->capture_default_str();
  sub->add_option("--output-quantile", r.mapping.output_quantile, "ADC full scale: this quantile of the column currents")->capture_default_str();
  sub->add_option("--offset-headroom-sigma", r.mapping.offset_headroom_sigma, "Zero current rests this many op-amp offset sigmas (times the noise gain) below the ADC window's top (a TIA reference per layer)")->capture_default_str();
  sub->add_flag("--no-offset-calibration", o->no_offset_calibration, "Decode with the nominal rest instead of each column's zero-input read");
  sub->add_option("--calibration-images", r.mapping.calibration_images, "Training images used to calibrate the ranges")->capture_default_str();
  sub->add_option("--scale", r.preprocess.scale, "Input preprocessing: x = (pixel * scale - mean) / std")->capture_default_str();
  sub->add_option("--mean", r.preprocess.mean, "Input preprocessing mean")->capture_default_str();
  sub->add_option("--std", r.preprocess.std, "Input preprocessing standard deviation")->capture_default_str();
  sub->add_option("--data-dir", r.data_dir, "Fashion-MNIST IDX folder")->capture_default_str();
  sub->add_flag("--no-nominal", o->no_nominal, "Skip the nominal chip");
  sub->add_flag("-q,--quiet", o->quiet, "No progress bar");
  auto* sc = sub->add_option("--spice-check", o->spot.mvms,
                             "Spot check: rerun N tile MVMs of one chip (picked by a seeded rule) in SPICE with the chip's draws "
                             "and compare the ADC codes (README, Spot checks)")
                 ->check(CLI::Range(1, 1000000));
  auto* sci = sub->add_option("--spice-check-images", o->spot.images,
                              "Spot check: every tile MVM of the first --spice-check-layers layers for the first N test images, "
                              "and how often SPICE's codes change the prediction")
                  ->check(CLI::Range(1, 10000));
  sc->excludes(sci);
  sub->add_option("--spice-check-layers", o->spot.layers,
                  "Whole-image spot check: L analog layers from --spice-check-first-layer (0 = all the rest)")
      ->capture_default_str()->check(CLI::Range(0, 10000));
  sub->add_option("--spice-check-first-layer", o->spot.first_layer,
                  "Whole-image spot check: the first analog layer checked (0 = the network's first)")
      ->capture_default_str()->check(CLI::Range(0, 10000));
  sub->add_option("--spice-check-chip", o->spot.chip, "The chip spot-checked (-1 = the nominal chip)")
      ->capture_default_str()->check(CLI::Range(-1, 100000));
  sub->add_option("--spice-check-seed", o->spot_seed, "Seed of the spot check's rule (default: --seed)");
  sub->add_option("--spice-check-workers", o->spot.workers, "ngspice worker processes of the spot check's campaign")
      ->capture_default_str()->check(CLI::Range(1, 256));
  sub->add_option("--spice-check-cycles", o->spot.cycles_per_deck, "Most MVMs (read cycles) per SPICE tile deck")
      ->capture_default_str()->check(CLI::Range(1, 10000));
  sub->add_option("--spice-check-dir", o->spot_dir,
                  "Folder of the spot check's decks, spec and campaign (default: <output>.spotcheck); rerunning the same "
                  "command resumes its campaign");
  sub->footer("Example:\n  xbar infer data/networks/mlp.pt --tile data/presets/tile128_xbar180.h5 --chips 10 -o mlp_128.h5\n"
              "  xbar infer data/networks/mlp.pt --tile data/presets/tile64_xbar180.h5 --chips 1 --images 100 \\\n"
              "      --spice-check-images 1 -o mlp_64_spot.h5      # SPICE reruns image 0's first-layer MVMs");
  return {sub, [o] {
            networks::InferenceOptions run = o->run;
            run.mapping.per_column_scaling = !o->per_layer;
            run.nominal = !o->no_nominal;
            run.mapping.offset_calibration = !o->no_offset_calibration;
            run.xbar_version = XBAR_VERSION;
            run.git_hash = XBAR_GIT_HASH;
            const networks::InferenceResult res = run_inference_with_progress(run, o->quiet);
            print_inference(res);
            create_parent_folder(o->output);
            const std::optional<spotcheck::SpotCheckResult> spot = spot_check(*o, res);
            if (spot) fmt::print("\n{}", spotcheck::describe(*spot));
            networks::write_inference_file(o->output, res, [&](std::int64_t file) {
              if (spot) spotcheck::write_spot_check_group(file, *spot);
            });
            fmt::print("\nwrote {}\n", o->output);
            return 0;
          }};
}

}  // namespace xbar::tools
