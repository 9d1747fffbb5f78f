#pragma once
// Hardware-aware training: fine-tuning a network through its analog layers, the forward pass on
// simulated chips and the backward pass through the tile model's exact circuit gradient (or, to
// compare, the straight-through gradient the other simulators use).
//
// Each training step
//   1. draws a fresh chip from the tile model's fitted variation, chip number = the step's number,
//      with streams stream_key({kTrainChipPurpose, step, layer, tile}) that evaluation chips
//      (kChipPurpose) never use, and programs every tile with the current weights (targets by the
//      mapping of analog_chip.hpp, scaled by the current per-column |W| maxima);
//   2. runs the network forward on it (the same decode as inference: DAC codes, TileModel's ADC
//      codes, digital partial sums), the bias and every non-analog operation in libtorch;
//   3. back-propagates. gradient = exact: each tile's TileModel::backward on the step's codes gives
//      dL/dG of the programmed cells (the adjoint of the crossbar with its wire and source
//      resistances, the TIA's partials, the ADC's surrogate) and dL/d(DAC level); then
//        dL/dG_target = dL/dG_programmed * G_programmed / G_target   (the relative programming error;
//                                                                    0 for stuck cells),
//        dL/dW(o, i)  = (g_max - g_min) / w_max(o) * (W >= 0 ? dL/dG+ : -dL/dG-)   (w_max held fixed),
//        dL/dx        = dL/d(level) * v_read / x_max inside [0, x_max] (straight through the DAC's
//                       rounding; zero where the code clamps), minus the same for the negative read.
//      gradient = straight_through: dL/dx = dL/dy W and dL/dW = dL/dy^T x, as if the layer were ideal.
//   4. takes an Adam step on the analog layers' weights and biases (other parameters stay fixed).
// The mapping (input and output ranges, TIA feedback and reference) is recalibrated on the current
// weights at the start of every epoch, on training images.
//
// Evaluation uses run_inference's chips (kChipPurpose, the evaluation seed), the nominal chip and
// the digital forward of the trained weights, and the result is saved as the user's own
// TorchScript module with the trained weights put back (Network::save).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/dataset.hpp"
#include "xbar/networks/inference.hpp"
#include "xbar/networks/network.hpp"

namespace xbar::networks {

enum class GradientMode { exact, straight_through };
GradientMode parse_gradient_mode(const std::string& s);  ///< "exact" or "ste"; MappingError otherwise
const char* to_string(GradientMode m);

inline constexpr std::uint64_t kTrainChipPurpose = 0x48574154;  // "HWAT"

struct HwaOptions {
  std::string network_path;            ///< TorchScript file to fine-tune
  std::string tile_path;               ///< xbar.model/1 file of kind "tile"
  std::string output_path;             ///< where the fine-tuned TorchScript goes ("" = not saved)
  GradientMode gradient = GradientMode::exact;
  int epochs = 1;                      ///< passes over the training images, >= 0 (0: evaluate only)
  int batch_size = 256;                ///< images per step (one chip per step), >= 1
  double learning_rate = 1e-4;         ///< Adam step size, > 0 (cosine-annealed per epoch)
  std::uint64_t seed = 1;              ///< training chips and the data order
  int train_images = 0;                ///< first N training images per epoch (0 = all 60,000)
  double r_wire_ohm = -1.0;            ///< nominal row and column wire resistance per cell, ohm (< 0: the tile model's)
  MappingOptions mapping;
  Preprocess preprocess;
  std::string data_dir = fashion_mnist_dir();
  int threads = 0;                     ///< libtorch intra-op threads, 0 = its default
  int eval_chips = 10;                 ///< evaluation chips, >= 0
  std::uint64_t eval_seed = 1;         ///< evaluation chip k is run_inference's chip k of this seed
  int eval_images = 0;                 ///< test images for evaluation, 0 = all 10,000

  void validate() const;               ///< MappingError naming the field
};

/// The tile model file with the options' overrides (r_wire_ohm) applied; the fitted variation is kept.
behavioral::TileModelFile hwa_tile(const HwaOptions& o);

struct HwaProgress {
  std::string stage;                   ///< "train", "eval"
  int epoch = 0, epochs = 0;
  std::int64_t done = 0, total = 0;    ///< images of this epoch (train) or chips (eval)
  double loss = 0.0;                   ///< running mean of this epoch's loss
};

struct HwaResult {
  std::vector<double> epoch_loss;      ///< mean training loss per epoch
  std::int64_t steps = 0;              ///< training steps (= training chips drawn)
  double train_s = 0, program_s = 0, forward_s = 0, backward_s = 0;  ///< wall times of training, s
  double digital_accuracy = 0;         ///< the trained weights, digitally (float32)
  double nominal_accuracy = 0;         ///< the nominal chip
  std::vector<double> chip_accuracy;   ///< evaluation chips 0..K-1
  MeanCi chips;                        ///< their mean and 95 % interval
};

/// A LayerExecutor for training: draws and programs a chip per step, runs the layers on it and
/// differentiates them (exactly, or straight through).
class HwaExecutor : public TrainableExecutor {
 public:
  HwaExecutor(const ChipDesign& design, GradientMode mode, std::uint64_t seed);
  ~HwaExecutor() override;
  /// Programs every tile of chip `chip` (with_variation false: the nominal chip) with the network's
  /// current layer weights.
  void draw(const Network& net, std::uint64_t chip, bool with_variation = true);
  torch::Tensor matmul(const AnalogLayer& layer, const torch::Tensor& x) override;
  std::pair<torch::Tensor, torch::Tensor> backward(const AnalogLayer& layer, const torch::Tensor& x,
                                                   const torch::Tensor& grad_y, bool need_x_grad) override;
  /// Tests: forward with continuous DAC levels (x / x_max v_read, clamped) and the ADC's surrogate
  /// codes instead of integer codes, the function the exact backward differentiates. It equals the
  /// backward's point for inputs on the DAC's code grid of an ideal DAC.
  void set_surrogate_forward(bool on) { surrogate_ = on; }
  double program_seconds() const { return program_s_; }

 private:
  struct LayerState;
  const ChipDesign& design_;
  GradientMode mode_;
  std::uint64_t seed_;
  bool surrogate_ = false;
  std::vector<std::unique_ptr<LayerState>> layers_;
  double program_s_ = 0;
};

/// Fine-tunes options.network_path through the analog layers, saves it, and evaluates it on the
/// evaluation chips.
HwaResult train_hwa(const HwaOptions& options, const std::function<void(const HwaProgress&)>& progress = {});

}  // namespace xbar::networks
