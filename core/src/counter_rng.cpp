#include "xbar/core/counter_rng.hpp"

#include <cmath>

namespace xbar::core {

double box_muller(double u1, double u2) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

double CounterRng::normal(std::uint64_t index) const {
  return box_muller(1.0 - uniform(2 * index), uniform(2 * index + 1));  // u1 in (0, 1]: log is finite
}

}  // namespace xbar::core
