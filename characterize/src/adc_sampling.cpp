#include "adc_sampling.hpp"

#include <algorithm>

#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/core/counter_rng.hpp"

namespace xbar::characterize {

namespace {

std::vector<double> draw(std::uint64_t seed, std::uint64_t purpose, std::uint64_t instance, std::uint64_t slot, int n,
                         double sigma, bool relative) {
  std::vector<double> out;
  if (sigma == 0.0) return out;
  const core::CounterRng rng(seed, rng_stream(purpose, instance));
  for (int j = 0; j < n; ++j) {
    const double x = sigma * rng.normal(slot * kSlotStride + static_cast<std::uint64_t>(j));
    out.push_back(relative ? std::max(-0.9, x) : x);
  }
  return out;
}

}  // namespace

netlists::AdcMismatch sample_adc_mismatch(const netlists::AdcParams& p, const VariationSpec& v, std::uint64_t seed,
                                          std::uint64_t instance, std::uint64_t slot) {
  netlists::AdcMismatch m;
  m.comparator_offset_v = draw(seed, kAdcOffsetStream, instance, slot, p.comparators(), v.comparator_offset_sigma_v, false);
  m.ladder_r_rel = draw(seed, kAdcLadderStream, instance, slot, p.comparators() + 1, v.ladder_r_sigma_rel, true);
  return m;
}

netlists::DacMismatch sample_dac_mismatch(const netlists::DacParams& p, const VariationSpec& v, std::uint64_t seed,
                                          std::uint64_t instance, std::uint64_t slot) {
  netlists::DacMismatch m;
  if (p.architecture == netlists::DacArchitecture::r2r) {
    m.r_rel = draw(seed, kDacLadderStream, instance, slot, 2 * p.bits, v.dac_r_sigma_rel, true);
  }
  return m;
}

}  // namespace xbar::characterize
