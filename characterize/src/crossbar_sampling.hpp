#pragma once
// Internal: how a crossbar sample's conductances are drawn, shared by the crossbar and tile
// kinds so that the same spec gives the same arrays in both.
#include <Eigen/Core>
#include <cstdint>

#include "xbar/characterize/campaign_spec.hpp"

namespace xbar::characterize {

// Purposes of the RNG streams (never renumber: files depend on them). Every kind's purposes
// are listed here so that no two draws of one campaign share a stream.
enum RngPurpose : std::uint64_t {
  kWireSpread = 1,    // per instance: wire-resistance spread
  kStuck = 2,         // per instance: stuck cells
  kTarget = 3,        // per sample: random target conductances
  kProgramming = 4,   // per sample: programming error
  kInput = 5,         // per sample: random inputs (voltages, or DAC codes in the tile kind)
  // 16: op-amp mismatch, per instance (opamp_sampling.hpp, kOpampMismatchPurpose)
  // 17, 18, 19: ADC comparator offsets, ADC ladder, R-2R DAC ladder, per instance (adc_sampling.hpp)
};

/// The chip-level draws and the corner of `instance`, applied to `p` (a copy of spec.crossbar):
/// the wire-resistance spread (normal, relative, clipped at 0) and the temperature fields.
void apply_instance_variation(const CampaignSpec& spec, std::uint64_t instance, netlists::CrossbarParams& p);

/// rows x physical_cols target conductances of sample `index`: the weights file (already read,
/// physical columns) or uniform/normal draws in [g_min_s, g_max_s].
Eigen::MatrixXd sample_target_conductances(const CampaignSpec& spec, const Eigen::MatrixXd& weights_file,
                                           std::uint64_t index);
/// The targets after stuck cells (per instance) and programming error (per sample); counts the
/// stuck cells into n_on and n_off.
Eigen::MatrixXd sample_programmed_conductances(const CampaignSpec& spec, const Eigen::MatrixXd& target,
                                               std::uint64_t index, std::uint64_t instance, double* n_on,
                                               double* n_off);

}  // namespace xbar::characterize
