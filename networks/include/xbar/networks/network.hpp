#pragma once
// A network a user brings, as TorchScript, with its Linear and Conv2d layers lifted out so that
// tiles can run them.
//
// Network(path) loads a TorchScript file (torch.jit.script(model).save(...) or torch.jit.trace,
// from Python, or `xbar train`), puts it in eval mode and freezes it with libtorch's own
// torch::jit::freeze, which inlines every submodule, turns parameters into constants, drops
// dropout and folds each BatchNorm that follows a convolution into it. xbar then folds each
// BatchNorm that follows a Linear into it, and replaces every matrix-vector layer by an xbar
// operator that hands the product W x to a LayerExecutor (an analog chip) and adds the bias
// digitally:
//   aten::linear(x, W, b)                            -> xbar::analog_linear   (any leading dims)
//   x @ C, torch.mm(x, C), torch.addmm(b, x, C)       -> the same, with W = C^T (C a constant 2-D
//                                                       tensor: a parameter after freezing)
//   aten::conv2d / aten::_convolution (2-D, groups 1) -> xbar::analog_conv2d (im2col, then W x)
// Everything else (ReLU and other activations, pooling, flatten and view, residual additions,
// normalization, attention's activation-by-activation products, softmax, ...) stays in the graph
// and runs digitally in libtorch, so any TorchScript network runs: its weight layers on tiles,
// the rest digital. A weight-bearing operation that tiles cannot run (a transposed, grouped,
// 1-D or 3-D convolution, a recurrent cell, a batched product with a constant tensor) is a NetworkError
// naming the operation, the module and the source line; so is a NaN or infinite weight.
//
// forward(x, nullptr) runs the rewritten graph digitally (W x in float32, as libtorch);
// forward_torch(x) runs the original module: the two agree to float rounding (tests: 1e-5).
// One Network may be used by one thread at a time (forward sets a thread-local executor).
//
// Training. The analog layers' weights and biases can be replaced (set_layer_parameters) by
// tensors that require gradients; forward_train() then runs the graph with autograd on: each
// analog layer is a custom autograd function whose forward is the executor's matmul and whose
// backward is the executor's backward (the exact circuit gradient, or a straight-through one),
// the bias is added digitally, and every other operation is differentiated by libtorch.
// save() writes the original module with the current layer parameters put back, so the result is
// the user's own TorchScript network, fine-tuned.
#include <torch/script.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xbar::networks {

/// One Linear or Conv2d of the network, in the order the graph runs them.
struct AnalogLayer {
  int index = 0;                 ///< 0, 1, ... in execution order
  std::string op;                ///< "linear" or "conv2d"
  std::string name;              ///< module path of the weight, e.g. "features.0" (or "" when unknown)
  std::string source;            ///< source location in the network's code, e.g. "net.py:14" (or "")
  torch::Tensor weight;          ///< float32 [out, in]; conv2d: [out, C kh kw] (im2col order)
  torch::Tensor bias;            ///< float32 [out], or undefined
  std::int64_t in_features = 0;  ///< columns of weight (tile rows it needs)
  std::int64_t out_features = 0;  ///< rows of weight (outputs)
  std::vector<std::int64_t> kernel, stride, padding, dilation;  ///< conv2d only: [kh, kw], ...
  bool folded_batchnorm = false;  ///< a BatchNorm was folded into weight and bias
  /// "linear 784->256" or "conv2d 1->16 3x3", for tables.
  std::string shape() const;
  /// "layer 0 (linear 784->256, fc1 at net.py:14)", for messages.
  std::string describe() const;
};

/// Computes W x for one layer (the bias is added by the network). Implemented by analog chips.
class LayerExecutor {
 public:
  virtual ~LayerExecutor() = default;
  /// x: float32 [B, in_features], contiguous. Returns float32 [B, out_features].
  virtual torch::Tensor matmul(const AnalogLayer& layer, const torch::Tensor& x) = 0;
};

/// A LayerExecutor that can also differentiate its product, for hardware-aware training.
class TrainableExecutor : public LayerExecutor {
 public:
  /// For y = matmul(layer, x) (x float32 [B, in_features]) and grad_y = dL/dy (float32 [B,
  /// out_features]): {dL/dx [B, in_features], dL/dW [out_features, in_features]} with W =
  /// layer.weight. An undefined dL/dx is allowed when `need_x_grad` is false.
  virtual std::pair<torch::Tensor, torch::Tensor> backward(const AnalogLayer& layer, const torch::Tensor& x,
                                                           const torch::Tensor& grad_y, bool need_x_grad) = 0;
};

class Network {
 public:
  /// Loads, freezes and rewrites `path`. Throws NetworkError naming the file and the problem.
  explicit Network(const std::string& path);
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;

  /// The rewritten graph; `exec` runs every analog layer (nullptr: digitally, W x in float32).
  torch::Tensor forward(const torch::Tensor& x, LayerExecutor* exec = nullptr) const;
  /// forward() with autograd: the output carries a grad_fn through every analog layer (see the
  /// header). `exec` and the layer parameters must outlive the backward pass.
  torch::Tensor forward_train(const torch::Tensor& x, TrainableExecutor& exec) const;
  /// Replaces layer `index`'s weight ([out, in], as AnalogLayer::weight) and bias ([out], or
  /// undefined when the layer has none) by these tensors (kept by reference: a training loop
  /// passes its leaves). Throws NetworkError for a wrong index or shape.
  void set_layer_parameters(int index, const torch::Tensor& weight, const torch::Tensor& bias);
  /// Writes the original module with each analog layer's current weight and bias put back into the
  /// parameters they came from (found by value against the weights as loaded, before the first change), atomically
  /// (path.tmp, then rename). Throws NetworkError naming a layer whose parameters cannot be put
  /// back (a folded BatchNorm, a weight computed at run time).
  void save(const std::string& path) const;
  /// Throws the NetworkError save() would throw for a layer whose parameters cannot be put back.
  void check_saveable() const;
  /// libtorch's own forward of the loaded module (eval mode), the digital reference.
  torch::Tensor forward_torch(const torch::Tensor& x) const;
  /// Runs one input of shape `input_shape` through forward() and checks the output is
  /// [1, classes]; throws NetworkError naming the file, the shapes and torch's own words.
  void check_io(const std::vector<std::int64_t>& input_shape, int classes) const;

  const std::vector<AnalogLayer>& layers() const;
  const std::string& path() const;
  /// Multiply-accumulates of the analog layers per input (conv2d: per output position too),
  /// from the last check_io() or forward() shapes; 0 before either.
  std::int64_t analog_macs_per_input() const;

 private:
  struct Impl;
  /// forward() and forward_train(): the graph with `exec` behind the xbar operators.
  torch::Tensor run(const torch::Tensor& x, LayerExecutor* exec, TrainableExecutor* trainable) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xbar::networks
