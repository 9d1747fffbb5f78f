#include "xbar/networks/network.hpp"

#include <fmt/format.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>

#include "xbar/networks/error.hpp"

namespace xbar::networks {

namespace {

using torch::jit::Node;
using torch::jit::Value;

// What forward() hands to the xbar operators on this thread.
struct ExecContext {
  const std::vector<AnalogLayer>* layers = nullptr;
  LayerExecutor* exec = nullptr;
  TrainableExecutor* trainable = nullptr;  // forward_train: the analog layers are autograd functions
  std::vector<std::int64_t>* positions = nullptr;  // conv2d output positions per input, per layer
  std::exception_ptr error;  // what the executor threw (the interpreter would rewrap it)
};
thread_local ExecContext* tl_context = nullptr;

// One analog layer's product as an autograd function: forward = the executor's matmul, backward =
// the executor's backward. The executor and the layer list are those of the forward_train() call,
// which the caller keeps alive until backward() has run.
struct AnalogMatmul : torch::autograd::Function<AnalogMatmul> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               std::int64_t index) {
    TrainableExecutor* exec = tl_context->trainable;
    const AnalogLayer& layer = (*tl_context->layers)[static_cast<std::size_t>(index)];
    ctx->save_for_backward({x});
    ctx->saved_data["exec"] = reinterpret_cast<std::int64_t>(exec);
    ctx->saved_data["layer"] = reinterpret_cast<std::int64_t>(&layer);
    (void)w;  // the executor programs its tiles from layer.weight (this tensor); w is here for autograd
    try {
      return exec->matmul(layer, x);
    } catch (...) {
      tl_context->error = std::current_exception();
      throw;
    }
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    auto* exec = reinterpret_cast<TrainableExecutor*>(ctx->saved_data["exec"].toInt());
    const auto* layer = reinterpret_cast<const AnalogLayer*>(ctx->saved_data["layer"].toInt());
    const torch::Tensor x = ctx->get_saved_variables()[0];
    auto [gx, gw] = exec->backward(*layer, x, grad[0].to(torch::kFloat32).contiguous(), ctx->needs_input_grad(0));
    return {gx, gw, torch::Tensor()};
  }
};

torch::Tensor run_matmul(const AnalogLayer& layer, const torch::Tensor& x2d) {
  if (tl_context && tl_context->trainable) {
    torch::Tensor y = AnalogMatmul::apply(x2d.contiguous(), layer.weight, static_cast<std::int64_t>(layer.index));
    TORCH_CHECK(y.dim() == 2 && y.size(0) == x2d.size(0) && y.size(1) == layer.out_features,
                "xbar: the executor of layer ", layer.index, " returned a wrong shape");
    return y;
  }
  if (tl_context && tl_context->exec) {
    torch::Tensor y;
    try {
      y = tl_context->exec->matmul(layer, x2d.contiguous());
    } catch (...) {
      tl_context->error = std::current_exception();
      throw;
    }
    TORCH_CHECK(y.dim() == 2 && y.size(0) == x2d.size(0) && y.size(1) == layer.out_features,
                "xbar: the executor of layer ", layer.index, " returned a wrong shape");
    return y;
  }
  return torch::matmul(x2d, layer.weight.t());
}

const AnalogLayer& layer_of(std::int64_t index, const torch::Tensor& w) {
  static const AnalogLayer none;
  if (!tl_context || !tl_context->layers) return none;
  TORCH_CHECK(index >= 0 && index < static_cast<std::int64_t>(tl_context->layers->size()),
              "xbar: analog layer index out of range");
  return (*tl_context->layers)[static_cast<std::size_t>(index)];
}

torch::Tensor analog_linear(const torch::Tensor& x, const torch::Tensor& w, const c10::optional<torch::Tensor>& b,
                            std::int64_t index) {
  if (!tl_context) return torch::linear(x, w, b);  // a module run outside Network::forward
  const AnalogLayer& layer = layer_of(index, w);
  TORCH_CHECK(x.size(-1) == layer.in_features, "xbar: layer ", layer.describe(), " expects ", layer.in_features,
              " input features, got ", x.size(-1));
  std::vector<std::int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = layer.out_features;
  torch::Tensor y = run_matmul(layer, x.reshape({-1, layer.in_features}).to(torch::kFloat32)).view(out_shape);
  if (layer.bias.defined()) y = y + layer.bias;  // the layer's own bias (set_layer_parameters may replace it)
  else if (b) y = y + *b;
  return y;
}

torch::Tensor analog_conv2d(const torch::Tensor& x_in, const torch::Tensor& w, const c10::optional<torch::Tensor>& b,
                            std::int64_t index) {
  if (!tl_context) {
    TORCH_CHECK(false, "xbar::analog_conv2d called outside Network::forward");
  }
  const AnalogLayer& layer = layer_of(index, w);
  const bool batched = x_in.dim() == 4;
  TORCH_CHECK(x_in.dim() == 3 || batched, "xbar: conv2d layer ", layer.describe(), " expects a 3-D or 4-D input, got ",
              x_in.dim(), "-D");
  const torch::Tensor x = batched ? x_in : x_in.unsqueeze(0);
  const std::int64_t B = x.size(0), kh = layer.kernel[0], kw = layer.kernel[1];
  TORCH_CHECK(x.size(1) * kh * kw == layer.in_features, "xbar: conv2d layer ", layer.describe(), " expects ",
              layer.in_features / (kh * kw), " input channels, got ", x.size(1));
  const std::int64_t ho =
      (x.size(2) + 2 * layer.padding[0] - layer.dilation[0] * (kh - 1) - 1) / layer.stride[0] + 1;
  const std::int64_t wo =
      (x.size(3) + 2 * layer.padding[1] - layer.dilation[1] * (kw - 1) - 1) / layer.stride[1] + 1;
  TORCH_CHECK(ho > 0 && wo > 0, "xbar: conv2d layer ", layer.describe(), ": input ", x.size(2), "x", x.size(3),
              " is smaller than the kernel");
  if (tl_context->positions) (*tl_context->positions)[static_cast<std::size_t>(layer.index)] = ho * wo;
  // im2col: [B, C kh kw, L] -> [B L, C kh kw], the order of weight.view(out, C kh kw).
  torch::Tensor cols = torch::im2col(x.to(torch::kFloat32), {kh, kw}, {layer.dilation[0], layer.dilation[1]},
                                     {layer.padding[0], layer.padding[1]}, {layer.stride[0], layer.stride[1]});
  cols = cols.transpose(1, 2).reshape({B * ho * wo, layer.in_features});
  torch::Tensor y = run_matmul(layer, cols).view({B, ho * wo, layer.out_features}).transpose(1, 2);
  y = y.reshape({B, layer.out_features, ho, wo}).contiguous();  // as aten::conv2d returns it
  if (layer.bias.defined()) y = y + layer.bias.view({1, -1, 1, 1});
  else if (b) y = y + b->view({1, -1, 1, 1});
  return batched ? y : y.squeeze(0);
}

TORCH_LIBRARY(xbar, m) {
  m.def("analog_linear(Tensor x, Tensor w, Tensor? b, int layer) -> Tensor", &analog_linear);
  m.def("analog_conv2d(Tensor x, Tensor w, Tensor? b, int layer) -> Tensor", &analog_conv2d);
}

std::string source_of(const Node* n) {
  // The user's own file and line when the archive kept them (scripted modules do), else the
  // serialized code's.
  const auto original = n->sourceRange().findSourceRangeThatGenerated();
  const auto flc = (original ? *original : n->sourceRange()).file_line_col();
  if (!flc) return "";
  const auto& [file, line, col] = *flc;
  return fmt::format("{}:{}", std::filesystem::path(file).filename().string(), line);
}

// "self.features.0.weight" -> "features.0"; "" when the name says nothing.
std::string module_path_of(const Value* weight) {
  std::string name = weight->debugName();
  if (name.rfind("self.", 0) != 0) return "";
  name = name.substr(5);
  for (const char* suffix : {".weight_fused_bn", ".weight_t", ".weight", ".bias"})
    if (name.size() > std::strlen(suffix) && name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return name.substr(0, name.size() - std::strlen(suffix));
  return name;
}

// The line of a TorchScript interpreter error that says what went wrong (its last non-empty line,
// e.g. "RuntimeError: mat1 and mat2 shapes cannot be multiplied (28x28 and 20x6)").
std::string torch_reason(const std::string& what) {
  std::string last;
  std::size_t start = 0;
  while (start < what.size()) {
    const std::size_t end = std::min(what.find('\n', start), what.size());
    const std::string line = what.substr(start, end - start);
    if (line.find_first_not_of(" \t") != std::string::npos && line.find("Exception raised from") == std::string::npos)
      last = line;
    if (line.find("Exception raised from") != std::string::npos) break;  // the C++ backtrace follows
    start = end + 1;
  }
  return last;
}

c10::optional<c10::IValue> constant(const Value* v) { return torch::jit::toIValue(v); }

std::vector<std::int64_t> int_list(const Value* v, std::size_t n, const std::string& what, const std::string& where) {
  const auto iv = constant(v);
  if (!iv || !iv->isIntList())
    throw NetworkError(fmt::format("{}: {} of a convolution must be a constant list of integers", where, what));
  std::vector<std::int64_t> out = iv->toIntVector();
  if (out.size() == 1) out.assign(n, out[0]);
  if (out.size() != n) throw NetworkError(fmt::format("{}: {} has {} entries, expected {}", where, what, out.size(), n));
  return out;
}

void collect_nodes(torch::jit::Block* block, std::vector<Node*>& out) {
  for (Node* n : block->nodes()) {
    out.push_back(n);
    for (torch::jit::Block* sub : n->blocks()) collect_nodes(sub, out);
  }
}

// Weight-bearing operations that tiles cannot run: stop instead of silently running them digitally.
const std::map<std::string, std::string>& unsupported_weight_ops() {
  static const std::map<std::string, std::string> ops = {
      {"aten::conv1d", "1-D convolutions are not mapped to tiles"},
      {"aten::conv3d", "3-D convolutions are not mapped to tiles"},
      {"aten::conv_transpose1d", "transposed convolutions are not mapped to tiles"},
      {"aten::conv_transpose2d", "transposed convolutions are not mapped to tiles"},
      {"aten::conv_transpose3d", "transposed convolutions are not mapped to tiles"},
      {"aten::lstm", "recurrent layers are not mapped to tiles"},
      {"aten::gru", "recurrent layers are not mapped to tiles"},
      {"aten::rnn_tanh", "recurrent layers are not mapped to tiles"},
      {"aten::rnn_relu", "recurrent layers are not mapped to tiles"},
      {"aten::bilinear", "bilinear layers are not mapped to tiles"},
  };
  return ops;
}

bool has_constant_matrix(const Node* n) {
  for (const Value* v : n->inputs())
    if (auto iv = constant(v); iv && iv->isTensor() && iv->toTensor().dim() >= 2) return true;
  return false;
}

// x @ C, torch.mm(x, C) and torch.addmm(b, x, C) (beta = alpha = 1) with a constant 2-D C and
// a computed x are a Linear with weight C^T: replaced by aten::linear(x, C^T, b), which the
// rewrite then maps. Returns the new node, or nullptr when `n` is not such a product.
Node* linear_from_matmul(const std::shared_ptr<torch::jit::Graph>& graph, Node* n, std::set<Node*>& destroyed) {
  const std::string kind = n->kind().toQualString();
  const bool addmm = kind == "aten::addmm";
  if (kind != "aten::matmul" && kind != "aten::mm" && !addmm) return nullptr;
  Value* x = n->input(addmm ? 1 : 0);
  const auto c = constant(n->input(addmm ? 2 : 1));
  if (constant(x) || !c || !c->isTensor() || c->toTensor().dim() != 2) return nullptr;
  c10::IValue bias;  // None
  if (addmm) {
    const auto b = constant(n->input(0)), beta = constant(n->input(3)), alpha = constant(n->input(4));
    if (!b || !b->isTensor() || !beta || !alpha || beta->toScalar().toDouble() != 1.0 || alpha->toScalar().toDouble() != 1.0)
      return nullptr;
    bias = b->toTensor();
  }
  // `x @ W^T + b` (b a constant vector, the only use of the product) takes b as its bias; the
  // bias constant also names the layer ("self.fc1.bias" -> fc1) when the weight's name is lost.
  Node* add = nullptr;
  std::string name_from = n->input(addmm ? 2 : 1)->debugName() + "_t";
  if (!addmm && n->output()->uses().size() == 1) {
    Node* u = n->output()->uses()[0].user;
    const auto b = u->kind() == c10::Symbol::fromQualString("aten::add") && u->inputs().size() == 3 &&
                           u->input(0) == n->output()
                       ? constant(u->input(1))
                       : c10::nullopt;
    const auto alpha = b ? constant(u->input(2)) : c10::nullopt;
    if (b && b->isTensor() && b->toTensor().dim() == 1 && b->toTensor().size(0) == c->toTensor().size(1) && alpha &&
        alpha->toScalar().toDouble() == 1.0) {
      bias = b->toTensor();
      add = u;
      name_from = u->input(1)->debugName();
    }
  }
  torch::jit::WithInsertPoint guard(n);
  Value* w = graph->insertConstant(c->toTensor().t().contiguous());
  w->setDebugName(name_from);
  Value* out = graph->insert(c10::Symbol::fromQualString("aten::linear"), {x, w, graph->insertConstant(bias)});
  out->node()->setSourceRange(n->sourceRange());
  if (add) {
    add->output()->replaceAllUsesWith(out);
    destroyed.insert(add);
    add->destroy();
  }
  n->output()->replaceAllUsesWith(out);
  n->destroy();
  return out->node();
}

}  // namespace

std::string AnalogLayer::shape() const {
  return op == "conv2d" ? fmt::format("conv2d {}->{} {}x{}", in_features / (kernel[0] * kernel[1]), out_features,
                                      kernel[0], kernel[1])
                        : fmt::format("linear {}->{}", in_features, out_features);
}

std::string AnalogLayer::describe() const {
  std::string s = fmt::format("layer {} ({}", index, shape());
  if (!name.empty()) s += ", " + name;
  if (!source.empty()) s += " at " + source;
  return s + ")";
}

struct Network::Impl {
  std::string path;
  torch::jit::Module original;
  torch::jit::Module rewritten;
  std::vector<AnalogLayer> layers;
  mutable std::vector<std::int64_t> positions;  // per layer: outputs per input (1 for linear)
  // Where each layer's weight and bias came from in `original` (found by value after loading),
  // for save(): parameter names ("" = not a parameter), and whether the weight is stored
  // transposed ([in, out], as `x @ W` keeps it).
  // Found on the first set_layer_parameters() or check_saveable(), before any weight changes (not
  // at load: inference never needs them).
  std::vector<std::string> weight_param, bias_param;
  std::vector<bool> weight_transposed;
  bool parameters_found = false;

  [[noreturn]] void fail(const std::string& what) const { throw NetworkError(path + ": " + what); }

  std::string where(const Node* n, const std::string& name) const {
    std::string w = fmt::format("{}", n->kind().toQualString());
    if (!name.empty()) w += " (" + name + ")";
    if (const std::string s = source_of(n); !s.empty()) w += " at " + s;
    return w;
  }

  void check_finite(const torch::Tensor& t, const std::string& what) const {
    if (t.defined() && t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      fail(fmt::format("{} has NaN or infinite values: the network cannot be mapped (retrain or fix the file)", what));
  }

  // For each layer, the parameter of `original` its weight (and bias) equals, preferring the one
  // named after the layer's module. A weight changed by folding matches nothing.
  void find_parameters() {
    if (parameters_found) return;
    parameters_found = true;
    torch::NoGradGuard no_grad;
    std::vector<std::pair<std::string, torch::Tensor>> params;  // converted once, not once per layer
    for (const auto& p : original.named_parameters(true)) params.emplace_back(p.name, p.value.detach().to(torch::kFloat32));
    for (const AnalogLayer& l : layers) {
      std::string w_name, b_name;
      bool transposed = false;
      for (const auto& [name, v] : params) {
        const bool preferred = name == l.name + ".weight";
        if ((w_name.empty() || preferred) && v.numel() == l.weight.numel()) {
          if (v.dim() >= 2 && v.size(0) == l.out_features && torch::equal(v.reshape(l.weight.sizes()), l.weight)) {
            w_name = name;
            transposed = false;
          } else if (v.dim() == 2 && v.size(0) == l.in_features && torch::equal(v.t(), l.weight)) {
            w_name = name;
            transposed = true;
          }
        }
        if (l.bias.defined() && (b_name.empty() || name == l.name + ".bias") && v.dim() == 1 &&
            v.numel() == l.out_features && torch::equal(v, l.bias))
          b_name = name;
      }
      weight_param.push_back(w_name);
      bias_param.push_back(b_name);
      weight_transposed.push_back(transposed);
    }
  }


  void rewrite() {
    auto graph = rewritten.get_method("forward").graph();
    std::vector<Node*> nodes;
    collect_nodes(graph->block(), nodes);
    const auto lin = c10::Symbol::fromQualString("aten::linear");
    const auto conv = c10::Symbol::fromQualString("aten::conv2d");
    const auto convolution = c10::Symbol::fromQualString("aten::_convolution");
    const auto bn = c10::Symbol::fromQualString("aten::batch_norm");
    const auto analog_linear_sym = c10::Symbol::fromQualString("xbar::analog_linear");
    const auto analog_conv_sym = c10::Symbol::fromQualString("xbar::analog_conv2d");
    std::map<const Value*, std::size_t> linear_out;  // output of an analog linear -> layer
    std::set<Node*> destroyed;                      // nodes folded into a layer on the way
    for (Node* n : nodes) {
      if (destroyed.count(n)) continue;
      const std::string kind = n->kind().toQualString();
      if (auto it = unsupported_weight_ops().find(kind); it != unsupported_weight_ops().end())
        fail(fmt::format("{}: not supported: {}; Linear and Conv2d (groups = 1) run on tiles", where(n, ""), it->second));
      if (Node* as_linear = linear_from_matmul(graph, n, destroyed)) n = as_linear;  // x @ W^T (+ b) with a constant W
      else if ((kind == "aten::matmul" || kind == "aten::mm" || kind == "aten::addmm" || kind == "aten::bmm" ||
                kind == "aten::einsum") &&
               has_constant_matrix(n))
        fail(fmt::format("{}: a product with a constant weight matrix is not mapped to tiles; write it as "
                         "torch.nn.Linear or x @ W (W a parameter, 2-D)",
                         where(n, "")));
      if (n->kind() != lin && n->kind() != conv && n->kind() != convolution) continue;
      const std::string name = module_path_of(n->input(1));
      const std::string at = where(n, name);
      AnalogLayer layer;
      layer.index = static_cast<int>(layers.size());
      layer.name = name;
      layer.source = source_of(n);
      const auto w = constant(n->input(1));
      if (!w || !w->isTensor())
        fail(fmt::format("{}: its weight is computed at run time, not a parameter: it cannot be programmed into a tile",
                         at));
      torch::Tensor weight = w->toTensor().to(torch::kFloat32).contiguous();
      check_finite(weight, fmt::format("the weight of {}", at));
      torch::Tensor bias;
      if (auto b = constant(n->input(2)); b && b->isTensor()) bias = b->toTensor().to(torch::kFloat32).contiguous();
      else if (!b || !b->isNone()) fail(fmt::format("{}: its bias is computed at run time", at));
      check_finite(bias, fmt::format("the bias of {}", at));
      Value* out = nullptr;
      torch::jit::WithInsertPoint guard(n);
      if (n->kind() == lin) {
        if (weight.dim() != 2) fail(fmt::format("{}: weight of {} dimensions, expected 2", at, weight.dim()));
        layer.op = "linear";
        layer.weight = weight;
        layer.out_features = weight.size(0);
        layer.in_features = weight.size(1);
        out = graph->insert(analog_linear_sym, {n->input(0), n->input(1), n->input(2), static_cast<std::int64_t>(layer.index)});
        linear_out[out] = layers.size();
      } else {
        if (n->kind() == conv && n->schema().overload_name() == "padding")
          fail(fmt::format("{}: padding given as a string ('same' or 'valid') is not supported; give it in pixels", at));
        if (weight.dim() != 4)
          fail(fmt::format("{}: not supported: only 2-D convolutions run on tiles (weight of {} dimensions)", at,
                           weight.dim()));
        const std::size_t groups_at = n->kind() == conv ? 6 : 8;
        if (n->kind() == convolution) {
          const auto transposed = constant(n->input(6));
          if (!transposed || transposed->toBool())
            fail(fmt::format("{}: not supported: transposed convolutions are not mapped to tiles", at));
        }
        const auto groups = constant(n->input(groups_at));
        if (!groups || groups->toInt() != 1)
          fail(fmt::format("{}: not supported: grouped or depthwise convolutions (groups = {}) are not mapped to "
                           "tiles; groups must be 1",
                           at, groups ? std::to_string(groups->toInt()) : "not constant"));
        layer.op = "conv2d";
        layer.kernel = {weight.size(2), weight.size(3)};
        layer.stride = int_list(n->input(3), 2, "stride", at);
        layer.padding = int_list(n->input(4), 2, "padding", at);
        layer.dilation = int_list(n->input(5), 2, "dilation", at);
        layer.out_features = weight.size(0);
        layer.in_features = weight.size(1) * weight.size(2) * weight.size(3);
        layer.weight = weight.reshape({layer.out_features, layer.in_features}).contiguous();
        out = graph->insert(analog_conv_sym, {n->input(0), n->input(1), n->input(2), static_cast<std::int64_t>(layer.index)});
      }
      layer.folded_batchnorm = n->input(1)->debugName().find("fused_bn") != std::string::npos;
      layer.bias = bias;
      layers.push_back(std::move(layer));
      n->output()->replaceAllUsesWith(out);
      n->destroy();
    }
    // BatchNorm right after a Linear (eval mode, constant statistics): fold into W and b.
    for (Node* n : graph->nodes()) {
      if (n->kind() != bn) continue;
      auto it = linear_out.find(n->input(0));
      if (it == linear_out.end()) continue;
      const auto training = constant(n->input(5));
      const auto gamma = constant(n->input(1)), beta = constant(n->input(2)), mean = constant(n->input(3)),
                 var = constant(n->input(4)), eps = constant(n->input(7));
      if (!training || training->toBool() || !mean || !var || !eps || !mean->isTensor() || !var->isTensor()) continue;
      AnalogLayer& layer = layers[it->second];
      const torch::Tensor m = mean->toTensor().to(torch::kFloat64), v = var->toTensor().to(torch::kFloat64);
      const torch::Tensor g = gamma && gamma->isTensor() ? gamma->toTensor().to(torch::kFloat64) : torch::ones_like(m);
      const torch::Tensor be = beta && beta->isTensor() ? beta->toTensor().to(torch::kFloat64) : torch::zeros_like(m);
      if (m.numel() != layer.out_features) continue;
      const torch::Tensor s = g / torch::sqrt(v + eps->toDouble());
      const torch::Tensor b0 = layer.bias.defined() ? layer.bias.to(torch::kFloat64) : torch::zeros_like(m);
      layer.weight = (layer.weight.to(torch::kFloat64) * s.unsqueeze(1)).to(torch::kFloat32).contiguous();
      layer.bias = ((b0 - m) * s + be).to(torch::kFloat32).contiguous();
      check_finite(layer.weight, fmt::format("the weight of {} after folding its BatchNorm", layer.describe()));
      layer.folded_batchnorm = true;
      Node* lin_node = n->input(0)->node();
      torch::jit::WithInsertPoint guard(lin_node);
      lin_node->replaceInput(1, graph->insertConstant(layer.weight));
      lin_node->replaceInput(2, graph->insertConstant(layer.bias));
      n->output()->replaceAllUsesWith(n->input(0));
    }
    torch::jit::EliminateDeadCode(graph);
    positions.assign(layers.size(), 1);
  }
};

Network::Network(const std::string& path) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) m.fail("no such file (a TorchScript file: torch.jit.script(model).save(path) in Python, or `xbar train`)");
  try {
    m.original = torch::jit::load(path);
  } catch (const c10::Error& e) {
    m.fail(fmt::format("not a TorchScript file that libtorch 1.13 can load ({}); save it with "
                       "torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path)",
                       e.what_without_backtrace()));
  }
  m.original.eval();
  for (const auto& p : m.original.named_parameters(true))
    if (!torch::isfinite(p.value).all().item<bool>())
      m.fail(fmt::format("parameter {} has NaN or infinite values: the network cannot be mapped", p.name));
  for (const auto& p : m.original.named_buffers(true))
    if (p.value.is_floating_point() && !torch::isfinite(p.value).all().item<bool>())
      m.fail(fmt::format("buffer {} has NaN or infinite values", p.name));
  try {
    m.rewritten = torch::jit::freeze(m.original.clone());
  } catch (const c10::Error& e) {
    m.fail(fmt::format("libtorch cannot freeze this module ({}); a module with a forward(x) method is needed",
                       e.what_without_backtrace()));
  }
  m.rewrite();
  if (m.layers.empty()) m.fail("no Linear or Conv2d layer found: nothing to run on tiles");
}

Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

// Runs the rewritten graph with `exec` behind the xbar operators; with `trainable`, autograd on and
// each analog layer an AnalogMatmul (forward_train), else without gradients (forward).
torch::Tensor Network::run(const torch::Tensor& x, LayerExecutor* exec, TrainableExecutor* trainable) const {
  const Impl& impl = *impl_;
  static const bool simple_executor = [] {  // the plain interpreter: no profiling, no fusion
    torch::jit::getExecutorMode() = false;
    torch::jit::getProfilingMode() = false;
    return true;
  }();
  (void)simple_executor;
  ExecContext ctx;
  ctx.layers = &impl.layers;
  ctx.exec = exec;
  ctx.trainable = trainable;
  ctx.positions = &impl.positions;
  ExecContext* saved = tl_context;
  tl_context = &ctx;
  struct Restore {
    ExecContext* saved;
    ~Restore() { tl_context = saved; }
  } restore{saved};
  torch::AutoGradMode grad_mode(trainable != nullptr);
  c10::IValue out;
  try {
    out = const_cast<torch::jit::Module&>(impl.rewritten).forward({x});
  } catch (...) {
    if (ctx.error) std::rethrow_exception(ctx.error);  // the executor's own error, not the interpreter's wrapping
    throw;
  }
  if (!out.isTensor()) throw NetworkError(impl.path + ": forward() must return one tensor");
  return out.toTensor();
}

torch::Tensor Network::forward(const torch::Tensor& x, LayerExecutor* exec) const {
  return run(x, exec, nullptr);
}

torch::Tensor Network::forward_train(const torch::Tensor& x, TrainableExecutor& exec) const {
  return run(x, &exec, &exec);
}

void Network::set_layer_parameters(int index, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (index < 0 || index >= static_cast<int>(impl_->layers.size()))
    throw NetworkError(fmt::format("{}: set_layer_parameters: no layer {} (the network has {})", impl_->path, index,
                                   impl_->layers.size()));
  impl_->find_parameters();  // before the first weight changes
  AnalogLayer& l = impl_->layers[static_cast<std::size_t>(index)];
  if (!weight.defined() || weight.sizes() != l.weight.sizes() || weight.scalar_type() != torch::kFloat32)
    throw NetworkError(fmt::format("{}: {}: the new weight must be float32 [{}]", impl_->path, l.describe(),
                                   fmt::join(l.weight.sizes(), ", ")));
  if (l.bias.defined() != bias.defined() || (bias.defined() && (bias.sizes() != l.bias.sizes() || bias.scalar_type() != torch::kFloat32)))
    throw NetworkError(fmt::format("{}: {}: the new bias must be {}", impl_->path, l.describe(),
                                   l.bias.defined() ? fmt::format("float32 [{}]", l.out_features) : "undefined (the layer has none)"));
  l.weight = weight;
  l.bias = bias;
}

void Network::check_saveable() const {
  impl_->find_parameters();
  for (std::size_t i = 0; i < impl_->layers.size(); ++i) {
    const AnalogLayer& l = impl_->layers[i];
    if (impl_->weight_param[i].empty() || (l.bias.defined() && impl_->bias_param[i].empty()))
      throw NetworkError(fmt::format("{}: {}: its {} is not a parameter of the module as saved (a BatchNorm folded into "
                                     "it, or computed at run time), so trained values cannot be put back; fold it "
                                     "in Python first (torch.ao.quantization.fuse_modules) and save again",
                                     impl_->path, l.describe(), impl_->weight_param[i].empty() ? "weight" : "bias"));
  }
}

void Network::save(const std::string& path) const {
  torch::NoGradGuard no_grad;
  torch::jit::Module out = impl_->original.clone();
  std::map<std::string, torch::Tensor> params;
  for (const auto& p : out.named_parameters(true)) params.emplace(p.name, p.value);
  check_saveable();
  for (std::size_t i = 0; i < impl_->layers.size(); ++i) {
    const AnalogLayer& l = impl_->layers[i];
    torch::Tensor& w = params.at(impl_->weight_param[i]);
    const torch::Tensor nw = impl_->weight_transposed[i] ? l.weight.detach().t() : l.weight.detach().reshape(w.sizes());
    w.copy_(nw.to(w.scalar_type()));
    if (l.bias.defined()) {
      torch::Tensor& b = params.at(impl_->bias_param[i]);
      b.copy_(l.bias.detach().to(b.scalar_type()));
    }
  }
  const std::string tmp = path + ".tmp";
  try {
    out.save(tmp);
  } catch (const c10::Error& e) {
    throw NetworkError(fmt::format("{}: cannot write ({}); does the folder exist?", path, e.what_without_backtrace()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw NetworkError(fmt::format("{}: cannot rename {} over it: {}", path, tmp, ec.message()));
}

torch::Tensor Network::forward_torch(const torch::Tensor& x) const {
  torch::NoGradGuard no_grad;
  auto out = const_cast<torch::jit::Module&>(impl_->original).forward({x});
  if (!out.isTensor()) throw NetworkError(impl_->path + ": forward() must return one tensor");
  return out.toTensor();
}

void Network::check_io(const std::vector<std::int64_t>& input_shape, int classes) const {
  torch::Tensor y;
  try {
    y = forward(torch::zeros(input_shape));
  } catch (const NetworkError&) {
    throw;
  } catch (const std::exception& e) {
    throw NetworkError(fmt::format("{}: the network does not accept the data's input of shape [{}]: {}", impl_->path,
                                   fmt::join(input_shape, ", "), torch_reason(e.what())));
  }
  if (y.dim() != 2 || y.size(0) != input_shape[0] || y.size(1) != classes)
    throw NetworkError(fmt::format("{}: output of shape [{}] for an input of [{}]: expected [{}, {}] (one score per class)",
                                   impl_->path, fmt::join(y.sizes(), ", "), fmt::join(input_shape, ", "), input_shape[0],
                                   classes));
}

const std::vector<AnalogLayer>& Network::layers() const { return impl_->layers; }
const std::string& Network::path() const { return impl_->path; }

std::int64_t Network::analog_macs_per_input() const {
  std::int64_t macs = 0;
  for (std::size_t l = 0; l < impl_->layers.size(); ++l)
    macs += impl_->layers[l].in_features * impl_->layers[l].out_features * impl_->positions[l];
  return macs;
}

}  // namespace xbar::networks
