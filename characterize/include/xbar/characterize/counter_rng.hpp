#pragma once
// Counter-based random numbers: every draw is a pure function of (seed, stream, index), so
// sample i of a campaign gets the same numbers whatever the worker count, completion order
// or number of resumes. The mixer is SplitMix64's finalizer applied to a combination of the
// three keys (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014); normals use the Box-Muller transform on two uniforms.
#include <cstdint>

namespace xbar::characterize {

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t stream) : key_(mix(mix(seed) ^ (stream * 0xD1B54A32D192ED03ULL))) {}

  /// 64 random bits for `index`.
  std::uint64_t bits(std::uint64_t index) const { return mix(key_ ^ mix(index + 0x9E3779B97F4A7C15ULL)); }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform(std::uint64_t index) const { return static_cast<double>(bits(index) >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(std::uint64_t index, double lo, double hi) const { return lo + (hi - lo) * uniform(index); }
  /// Standard normal; uses draws 2*index and 2*index+1.
  double normal(std::uint64_t index) const;

  static std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t key_;
};

}  // namespace xbar::characterize
