// xbar infer net.pt --tile tile.h5 --chips K -o results.h5
#include <fmt/format.h>

#include <memory>

#include "inference_report.hpp"
#include "output_path.hpp"
#include "verbs.hpp"
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
};
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
  sub->footer("Example:\n  xbar infer data/networks/mlp.pt --tile data/presets/tile128_xbar180.h5 --chips 10 -o mlp_128.h5");
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
            networks::write_inference_file(o->output, res);
            fmt::print("\nwrote {}\n", o->output);
            return 0;
          }};
}

}  // namespace xbar::tools
