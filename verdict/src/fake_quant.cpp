// FakeQuantExecutor and ShapeProbe (fake_quant.hpp).
#include "xbar/verdict/fake_quant.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "xbar/verdict/error.hpp"

namespace xbar::verdict {

FakeQuantExecutor::FakeQuantExecutor(int bits) : bits_(bits) {
  if (bits < 2 || bits > 16)
    throw Error("fake quantization bits = " + std::to_string(bits) + ": must be between 2 and 16");
}

torch::Tensor fake_quantize(const torch::Tensor& v, double scale, int bits) {
  const double q_max = std::ldexp(1.0, bits - 1) - 1.0;
  return torch::clamp(torch::round(v / scale), -q_max, q_max) * scale;
}

torch::Tensor FakeQuantExecutor::matmul(const networks::AnalogLayer& layer, const torch::Tensor& x) {
  const torch::Tensor w = layer.weight;
  if (calibrating_) {
    double& m = a_max_[layer.index];
    m = std::max(m, x.abs().max().item<double>());
    return torch::matmul(x, w.t());
  }
  const double q_max = std::ldexp(1.0, bits_ - 1) - 1.0;
  const double w_max = w.abs().max().item<double>();
  const auto it = a_max_.find(layer.index);
  const double a_max = it == a_max_.end() ? 0.0 : it->second;
  if (w_max <= 0.0 || a_max <= 0.0) return torch::zeros({x.size(0), w.size(0)}, x.options());
  const torch::Tensor wq = fake_quantize(w, w_max / q_max, bits_);
  const torch::Tensor xq = fake_quantize(x, a_max / q_max, bits_);
  return torch::matmul(xq, wq.t());
}

double FakeQuantExecutor::activation_max(int layer) const {
  const auto it = a_max_.find(layer);
  return it == a_max_.end() ? 0.0 : it->second;
}

torch::Tensor ShapeProbe::matmul(const networks::AnalogLayer& layer, const torch::Tensor& x) {
  rows[layer.index] = x.size(0);
  return torch::matmul(x, layer.weight.t());
}

}  // namespace xbar::verdict
