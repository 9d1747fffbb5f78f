#pragma once
// The built-in benchmark networks and their training, with libtorch, reproducible by seed.
//
//   mlp  784-256-128-10, ReLU                       (235,146 parameters)
//   cnn  conv 1->16 3x3 pad 1, ReLU, max-pool 2;
//        conv 16->32 3x3 pad 1, ReLU, max-pool 2;
//        linear 1568->64, ReLU; linear 64->10         (105,866 parameters)
//
// Each is built as a TorchScript module in C++ (submodules fc1, conv1, ... holding `weight` and
// `bias`, a forward written with aten operators), initialized as PyTorch initializes Linear and
// Conv2d (weights and biases uniform in +-1/sqrt(fan_in)) from torch::manual_seed(seed), trained
// with Adam on cross-entropy, the learning rate annealed per epoch on a cosine
// (lr (1 + cos(pi e / E)) / 2 in epoch e of E), over the 60,000 training images in an order drawn from
// core::CounterRng(seed), and saved with Module::save, so Python's torch.jit.load runs the file
// and xbar's Network loads it like any user's network. With the same seed and thread count the
// weights are bit for bit the same.
#include <torch/script.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xbar/networks/dataset.hpp"

namespace xbar::networks {

struct TrainOptions {
  std::string net = "mlp";            ///< "mlp" or "cnn"
  int epochs = 10;                    ///< passes over the training set, >= 1
  std::uint64_t seed = 1;             ///< initialization and data order
  int batch_size = 64;                ///< images per step, >= 1
  double learning_rate = 1e-3;        ///< Adam step size, > 0
  std::string data_dir = fashion_mnist_dir();
  Preprocess preprocess;              ///< what the network will expect at inference
  int threads = 0;                    ///< libtorch intra-op threads, 0 = its default
  int train_images = 0;               ///< use the first N training images (0 = all 60,000): quick runs and tests

  void validate() const;  ///< MappingError naming the field
};

struct TrainProgress {
  int epoch = 0, epochs = 0;
  std::int64_t done = 0, total = 0;  ///< images of this epoch
  double loss = 0.0;                 ///< running mean of this epoch's loss
};

struct TrainResult {
  std::vector<double> epoch_loss;    ///< mean training loss per epoch
  double test_accuracy = 0.0;        ///< on the 10,000 test images, after training
  double train_s = 0.0;              ///< wall time of training
  std::int64_t parameters = 0;
};

/// A fresh built-in network ("mlp" or "cnn"), initialized from `seed`.
torch::jit::Module make_builtin_network(const std::string& name, std::uint64_t seed);

/// Trains `net` in place on the training set, then measures test accuracy.
TrainResult train_network(torch::jit::Module& net, const TrainOptions& options,
                          const std::function<void(const TrainProgress&)>& progress = {});

/// make_builtin_network + train_network + save to `out_path` (atomically: `out_path`.tmp, then rename).
TrainResult train_builtin(const TrainOptions& options, const std::string& out_path,
                          const std::function<void(const TrainProgress&)>& progress = {});

}  // namespace xbar::networks
