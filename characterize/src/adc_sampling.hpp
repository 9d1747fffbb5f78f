#pragma once
// Internal: per-instance mismatch draws of the converters, shared by the "adc" kind and the
// tile-chain kind. Every draw comes from CounterRng(seed, rng_stream(purpose, instance)), with
// the draw index = slot * kSlotStride + element, so a converter's mismatch depends only on
// (seed, instance, slot, element): slot says which converter of the instance (the column of an
// ADC, the row of a DAC; 0 for the "adc" kind).
//
//   comparator offset k (k = 1 .. M):  offset = comparator_offset_sigma_v * z
//   ladder resistor j:                 r_rel  = max(-0.9, ladder_r_sigma_rel * z)
//   R-2R resistor j (dac.hpp order):   r_rel  = max(-0.9, dac_r_sigma_rel * z)
// A zero sigma gives an empty vector (no mismatch) and draws nothing.
#include <cstdint>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/dac.hpp"

namespace xbar::characterize {

/// Purposes of the converter RNG streams (never renumber: files depend on them). The crossbar
/// kind uses 1..5.
enum : std::uint64_t { kAdcOffsetStream = 17, kAdcLadderStream = 18, kDacLadderStream = 19 };
/// Draw indices reserved per slot (normal() uses draws 2i and 2i+1, so this is 2048 normals).
constexpr std::uint64_t kSlotStride = 4096;

netlists::AdcMismatch sample_adc_mismatch(const netlists::AdcParams& p, const VariationSpec& v, std::uint64_t seed,
                                          std::uint64_t instance, std::uint64_t slot);
netlists::DacMismatch sample_dac_mismatch(const netlists::DacParams& p, const VariationSpec& v, std::uint64_t seed,
                                          std::uint64_t instance, std::uint64_t slot);

}  // namespace xbar::characterize
