#pragma once
// What digital training (training.cpp) and hardware-aware training (hwa.cpp) share per epoch: the
// image order and the learning rate. Private to networks/.
#include <torch/types.h>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "xbar/core/counter_rng.hpp"

namespace xbar::networks::detail {

/// The order of epoch `epoch` over n images: a Fisher-Yates shuffle drawn from
/// core::CounterRng(seed, stream_key({purpose, epoch})), as an int64 tensor.
inline torch::Tensor epoch_order(std::int64_t n, std::uint64_t seed, std::uint64_t purpose, int epoch) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const core::CounterRng rng(seed, core::stream_key({purpose, static_cast<std::uint64_t>(epoch)}));
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(order[static_cast<std::size_t>(i)],
              order[static_cast<std::size_t>(rng.bits(static_cast<std::uint64_t>(i)) % static_cast<std::uint64_t>(i + 1))]);
  return torch::tensor(order, torch::kInt64);
}

/// Cosine annealing per epoch: lr (1 + cos(pi e / E)) / 2 in epoch e of E.
inline double cosine_lr(double lr, int epoch, int epochs) { return lr * 0.5 * (1.0 + std::cos(M_PI * epoch / epochs)); }

}  // namespace xbar::networks::detail
