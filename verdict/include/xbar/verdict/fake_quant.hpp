#pragma once
// The network run digitally at a reduced integer precision, for E_digital at matched accuracy.
//
// FakeQuantExecutor is a networks::LayerExecutor that computes W x with both operands fake-
// quantized to signed `bits`-bit integers with one symmetric scale per layer:
//   q(v, s) = clamp(round(v / s), -(2^(bits-1) - 1), 2^(bits-1) - 1) s
//   weights:     s_w = max |W| / (2^(bits-1) - 1)
//   activations: s_x = a_max / (2^(bits-1) - 1), a_max = max |x| seen by the layer while
//                calibrating (calibrating() true: x passes unquantized and a_max is recorded)
//   y = q(x, s_x) q(W, s_w)^T   in float32 (exactly the integer product times s_x s_w, up to
//                float rounding)
// Biases and everything outside the Linear and Conv2d layers stay float32, as in the digital
// network. Usage: set_calibrating(true), run the calibration images, set_calibrating(false),
// classify.
//
// ShapeProbe is a LayerExecutor that computes W x in float32 and records, per layer, the rows of
// x it was given (for one image: the output positions of that layer).
#include <torch/types.h>

#include <cstdint>
#include <map>

#include "xbar/networks/network.hpp"

namespace xbar::verdict {

class FakeQuantExecutor : public networks::LayerExecutor {
 public:
  explicit FakeQuantExecutor(int bits);  ///< 2..16; VerdictError otherwise
  torch::Tensor matmul(const networks::AnalogLayer& layer, const torch::Tensor& x) override;
  void set_calibrating(bool on) { calibrating_ = on; }
  bool calibrating() const { return calibrating_; }
  int bits() const { return bits_; }
  /// a_max of a layer after calibration (0 when the layer was never seen).
  double activation_max(int layer) const;

 private:
  int bits_;
  bool calibrating_ = false;
  std::map<int, double> a_max_;
};

/// q(v, s) of the header comment, elementwise; s > 0.
torch::Tensor fake_quantize(const torch::Tensor& v, double scale, int bits);

class ShapeProbe : public networks::LayerExecutor {
 public:
  torch::Tensor matmul(const networks::AnalogLayer& layer, const torch::Tensor& x) override;
  std::map<int, std::int64_t> rows;  ///< layer index -> x.size(0) of the last call
};

}  // namespace xbar::verdict
