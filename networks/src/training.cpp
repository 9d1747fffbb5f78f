#include "xbar/networks/training.hpp"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "xbar/core/counter_rng.hpp"
#include "epoch_order.hpp"
#include "xbar/networks/error.hpp"

namespace xbar::networks {

namespace {

constexpr std::uint64_t kShufflePurpose = 0x53485546;  // "SHUF"

// A submodule holding `weight` [shape] and `bias` [out], uniform in +-1/sqrt(fan_in) (PyTorch's
// default for Linear and Conv2d: kaiming_uniform with a = sqrt(5) gives the same bound).
torch::jit::Module layer(const std::string& name, std::vector<std::int64_t> shape) {
  torch::jit::Module m(name);
  std::int64_t fan_in = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  m.register_parameter("weight", torch::empty(shape).uniform_(-bound, bound), false);
  m.register_parameter("bias", torch::empty({shape[0]}).uniform_(-bound, bound), false);
  return m;
}

}  // namespace

void TrainOptions::validate() const {
  std::vector<std::string> bad;
  if (net != "mlp" && net != "cnn") bad.push_back(fmt::format("train.net = '{}': must be 'mlp' or 'cnn'", net));
  if (epochs < 1) bad.push_back(fmt::format("train.epochs = {}: must be >= 1", epochs));
  if (batch_size < 1) bad.push_back(fmt::format("train.batch_size = {}: must be >= 1", batch_size));
  if (!(learning_rate > 0 && std::isfinite(learning_rate)))
    bad.push_back(fmt::format("train.learning_rate = {}: must be > 0", learning_rate));
  if (threads < 0) bad.push_back(fmt::format("train.threads = {}: must be >= 0", threads));
  if (train_images < 0) bad.push_back(fmt::format("train.train_images = {}: must be >= 0 (0 = all)", train_images));
  if (!bad.empty()) throw MappingError(xbar::join_lines(bad));
  preprocess.validate();
}

torch::jit::Module make_builtin_network(const std::string& name, std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::jit::Module net("xbar_" + name);
  if (name == "mlp") {
    net.register_module("fc1", layer("fc1", {256, 784}));
    net.register_module("fc2", layer("fc2", {128, 256}));
    net.register_module("fc3", layer("fc3", {10, 128}));
    net.define(R"(
def forward(self, x):
    x = torch.flatten(x, 1)
    x = torch.relu(torch.matmul(x, self.fc1.weight.t()) + self.fc1.bias)
    x = torch.relu(torch.matmul(x, self.fc2.weight.t()) + self.fc2.bias)
    return torch.matmul(x, self.fc3.weight.t()) + self.fc3.bias
)");
  } else if (name == "cnn") {
    net.register_module("conv1", layer("conv1", {16, 1, 3, 3}));
    net.register_module("conv2", layer("conv2", {32, 16, 3, 3}));
    net.register_module("fc1", layer("fc1", {64, 32 * 7 * 7}));
    net.register_module("fc2", layer("fc2", {10, 64}));
    net.define(R"(
def forward(self, x):
    x = torch.relu(torch.conv2d(x, self.conv1.weight, self.conv1.bias, [1, 1], [1, 1]))
    x = torch.max_pool2d(x, [2, 2])
    x = torch.relu(torch.conv2d(x, self.conv2.weight, self.conv2.bias, [1, 1], [1, 1]))
    x = torch.max_pool2d(x, [2, 2])
    x = torch.flatten(x, 1)
    x = torch.relu(torch.matmul(x, self.fc1.weight.t()) + self.fc1.bias)
    return torch.matmul(x, self.fc2.weight.t()) + self.fc2.bias
)");
  } else {
    throw MappingError(fmt::format("train.net = '{}': must be 'mlp' or 'cnn'", name));
  }
  return net;
}

TrainResult train_network(torch::jit::Module& net, const TrainOptions& o,
                          const std::function<void(const TrainProgress&)>& progress) {
  o.validate();
  if (o.threads > 0) at::set_num_threads(o.threads);
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset train = load_fashion_mnist(Split::train, o.data_dir);
  const Dataset test = load_fashion_mnist(Split::test, o.data_dir);
  TrainResult r;
  std::vector<torch::Tensor> params;
  for (const auto& p : net.parameters()) {
    p.set_requires_grad(true);
    params.push_back(p);
    r.parameters += p.numel();
  }
  torch::optim::Adam opt(params, torch::optim::AdamOptions(o.learning_rate));
  net.train();
  const std::int64_t n = o.train_images > 0 ? std::min<std::int64_t>(o.train_images, train.size()) : train.size();
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    // Cosine annealing per epoch: lr_e = lr (1 + cos(pi e / E)) / 2.
    static_cast<torch::optim::AdamOptions&>(opt.param_groups()[0].options())
        .lr(detail::cosine_lr(o.learning_rate, epoch, o.epochs));
    const torch::Tensor perm = detail::epoch_order(n, o.seed, kShufflePurpose, epoch);
    double loss_sum = 0;
    std::int64_t steps = 0;
    for (std::int64_t b0 = 0; b0 < n; b0 += o.batch_size) {
      const torch::Tensor idx = perm.slice(0, b0, std::min(n, b0 + o.batch_size));
      const torch::Tensor x = o.preprocess.apply(train.images.index_select(0, idx));
      const torch::Tensor y = train.labels.index_select(0, idx);
      opt.zero_grad();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(net.forward({x}).toTensor(), y);
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>();
      ++steps;
      if (progress && (steps % 50 == 0 || b0 + o.batch_size >= n))
        progress({epoch + 1, o.epochs, std::min(n, b0 + o.batch_size), n, loss_sum / static_cast<double>(steps)});
    }
    r.epoch_loss.push_back(loss_sum / static_cast<double>(steps));
  }
  net.eval();
  for (const auto& p : net.parameters()) p.set_requires_grad(false);
  torch::NoGradGuard no_grad;
  std::int64_t correct = 0;
  for (std::int64_t b0 = 0; b0 < test.size(); b0 += 1000) {
    const std::int64_t b1 = std::min(test.size(), b0 + 1000);
    const torch::Tensor pred = net.forward({o.preprocess.apply(test.images.slice(0, b0, b1))}).toTensor().argmax(1);
    correct += pred.eq(test.labels.slice(0, b0, b1)).sum().item<std::int64_t>();
  }
  r.test_accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
  r.train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

TrainResult train_builtin(const TrainOptions& o, const std::string& out_path,
                          const std::function<void(const TrainProgress&)>& progress) {
  o.validate();
  torch::jit::Module net = make_builtin_network(o.net, o.seed);
  TrainResult r = train_network(net, o, progress);
  const std::string tmp = out_path + ".tmp";
  try {
    net.save(tmp);
  } catch (const c10::Error& e) {
    throw NetworkError(fmt::format("{}: cannot write ({}); does the folder exist?", out_path, e.what_without_backtrace()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out_path, ec);
  if (ec) throw NetworkError(fmt::format("{}: cannot rename {} over it: {}", out_path, tmp, ec.message()));
  return r;
}

}  // namespace xbar::networks
