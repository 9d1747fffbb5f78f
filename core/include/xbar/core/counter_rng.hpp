#pragma once
// Counter-based random numbers: every draw is a pure function of (seed, stream, index), so
// sample i of a campaign gets the same numbers whatever the worker count, completion order
// or number of resumes. The mixer is SplitMix64's finalizer applied to a combination of the
// three keys (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014); normals use the Box-Muller transform on two uniforms.
//
// Every random draw in xbar comes from here: campaign samples (characterize), ADC noise
// (behavioral), held-out splits (fit) and simulated chips (networks). Streams are keyed by
// purpose and index with stream_key(), so two purposes never share draws.
#include <cstdint>
#include <initializer_list>

namespace xbar::core {

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

  /// SplitMix64's finalizer of z + 0x9E3779B97F4A7C15 (a bijective 64-bit mixer).
  static std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t key_;
};

/// SplitMix64 finalizer (CounterRng::mix), for keys and hashes.
inline std::uint64_t splitmix64(std::uint64_t x) { return CounterRng::mix(x); }

/// A stream key from a list of integers (e.g. purpose, chip, layer, tile): a chained mix, so
/// that (1, 2) and (2, 1) differ.
inline std::uint64_t stream_key(std::initializer_list<std::uint64_t> keys) {
  std::uint64_t h = 0x243F6A8885A308D3ULL;
  for (std::uint64_t k : keys) h = CounterRng::mix(h ^ CounterRng::mix(k));
  return h;
}

/// Standard normal by Box-Muller from two uniforms u1 in (0, 1] and u2 in [0, 1).
double box_muller(double u1, double u2);

}  // namespace xbar::core
