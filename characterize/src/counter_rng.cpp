#include "xbar/characterize/counter_rng.hpp"

#include <cmath>

namespace xbar::characterize {

double CounterRng::normal(std::uint64_t index) const {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double u1 = 1.0 - uniform(2 * index);  // (0, 1]: log is finite
  const double u2 = uniform(2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace xbar::characterize
