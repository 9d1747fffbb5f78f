#pragma once
// Inference of a network on analog tiles over many simulated chips, and its result file.
//
// run_inference() loads the network and the tile model, checks that the network takes the data
// set's images ([B, 1, 28, 28], ten scores out), calibrates the mapping on training images
// (analog_chip.hpp), then classifies the test images
//   digitally      with libtorch's own forward of the file (the reference),
//   on the nominal chip   (targets and nominal periphery: the mapping's own losses: DAC and ADC
//                  quantization, IR drop, finite op-amp gain),
//   on K chips     each drawn from the tile model's fitted variation (seed, chip),
// and reports every chip's accuracy with the mean and its 95 % Student-t confidence interval.
//
// The result file, schema "xbar.inference/2", is documented in data/INFERENCE_SCHEMA.md.
#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/dataset.hpp"

namespace xbar::networks {

struct InferenceOptions {
  std::string network_path;                 ///< TorchScript file
  std::string tile_path;                    ///< xbar.model/1 file of kind "tile"
  std::string data_dir = fashion_mnist_dir();  ///< Fashion-MNIST IDX files
  int chips = 10;                           ///< chips drawn from the variation, >= 0
  std::uint64_t seed = 1;                   ///< chip k depends only on (seed, k)
  int images = 0;                           ///< test images, 0 = all (10,000)
  int batch_size = 500;                     ///< images per forward pass, >= 1 (memory only)
  int threads = 0;                          ///< libtorch intra-op threads, 0 = its default
  bool nominal = true;                      ///< also run the nominal chip
  MappingOptions mapping;
  Preprocess preprocess;
  std::string xbar_version;                 ///< for provenance (the caller's)
  std::string git_hash;                     ///< for provenance

  void validate() const;  ///< MappingError naming the field
};

/// One chip's (or the digital reference's) classification of the test images.
struct ChipResult {
  int chip = -1;                 ///< chip index; -1 = nominal, -2 = digital
  double accuracy = 0.0;         ///< fraction correct, 0..1
  Eigen::MatrixXi confusion;     ///< 10 x 10, [true class, predicted class]
  double program_s = 0.0;        ///< programming every tile (drawing and factorizing), s
  double run_s = 0.0;            ///< classifying the images, s
  std::int64_t tile_mvms = 0;    ///< tile MVMs done
};

struct InferenceResult {
  InferenceOptions options;
  std::string network_sha256, tile_sha256;
  std::string time;                    ///< when it ran, ISO 8601 UTC
  std::int64_t images = 0;             ///< test images classified
  std::vector<AnalogLayer> layers;     ///< the network's analog layers
  ChipDesign design;                   ///< the calibrated mapping
  double calibration_s = 0.0;
  ChipResult digital;                  ///< libtorch's own forward
  ChipResult nominal;                  ///< chip = -1 (run when options.nominal)
  std::vector<ChipResult> chips;       ///< chip = 0 .. K-1
  double mean_accuracy = 0.0;          ///< over chips (NaN with K = 0)
  double std_accuracy = 0.0;           ///< sample standard deviation (NaN with K < 2)
  double ci95_low = 0.0, ci95_high = 0.0;  ///< Student-t 95 % interval of the mean (NaN with K < 2)
  std::int64_t tile_mvms_per_image = 0;  ///< tile MVMs one image needs
};

/// Progress of run_inference: stage ("calibrate", "digital", "nominal", "chip"), chip index, and
/// images done of total in that stage.
struct Progress {
  std::string stage;
  int chip = -1;
  int chips = 0;
  std::int64_t done = 0, total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

InferenceResult run_inference(const InferenceOptions& options, const ProgressFn& progress = {});

/// Classifies `images` (uint8 [N, 1, 28, 28]) with `labels` through `net` on `exec` (nullptr:
/// digitally through the rewritten graph; `torch_reference`: libtorch's own forward).
ChipResult classify(const Network& net, LayerExecutor* exec, bool torch_reference, const Dataset& data,
                    std::int64_t n_images, const Preprocess& pre, int batch_size, const ProgressFn& progress,
                    Progress stage);

/// Mean, sample standard deviation and Student-t 95 % interval of `values`.
struct MeanCi {
  double mean = 0, std = 0, low = 0, high = 0;
};
MeanCi mean_ci95(const std::vector<double>& values);

/// Writes the result file atomically (schema xbar.inference/2). Throws behavioral::ModelFileError
/// naming the file on failure.
void write_inference_file(const std::string& path, const InferenceResult& result);
/// The same, with further groups written by `extra` (e.g. spot checks, spotcheck/) before the file
/// is checksummed and renamed into place. `extra` gets the open file (hid_t, HDF5's C API).
void write_inference_file(const std::string& path, const InferenceResult& result,
                          const std::function<void(std::int64_t file_id)>& extra);

/// The preprocessed calibration images: `n` training images chosen by a seeded rule.
torch::Tensor calibration_images(const Dataset& train, int n, std::uint64_t seed, const Preprocess& pre);

}  // namespace xbar::networks
