#pragma once
// Predictive validation of a fitted crossbar model: does the fitted variation predict new chips?
//
// Three words, used the same way in `xbar fit`, `xbar validate` and the README:
//  - "recorded": the numbers the model file stores (/held_out), computed when it was fitted.
//  - "held-out": the chips the fit never saw (fit::held_out_samples: about a fifth of the
//    instances, by rank). Replaying a held-out sample through the model with that sample's own
//    recorded conductances, wires and temperature (fit::compare_with_spice) measures how well
//    the behavioral solver agrees with ngspice on the same circuit (about 1e-12 % of full
//    scale), not whether the fitted variation describes chips.
//  - "predictive": for every held-out chip, `chips` fresh chips are drawn from the fitted
//    distributions (programming error, stuck-on/off fractions, wire spread; draw_crossbar_chip),
//    programmed with that chip's target conductances and read with its input vectors through
//    the behavioral model. The error of each output against the ideal MVM of the targets
//    (i_ideal_a), in % of full scale, is compared with the same error of the held-out SPICE
//    chips (i_spice_a - i_ideal_a): a two-sample Kolmogorov-Smirnov test over the values, one
//    over the chips' RMS errors, and percentile-bootstrap 95% intervals (over chips) of the
//    RMS error of each side.
//
// The value-level KS test treats every output as independent; outputs of one chip share its
// wires and stuck cells, so its p-value is optimistic (too small) when chips differ. The
// chip-level test (one RMS per chip) has independent values but little power with few
// held-out chips. Both are printed; read them with the intervals.
//
// KS two-sample: D = sup |F_spice(x) - F_model(x)|, n_e = n1 n2 / (n1 + n2),
//   p = Q((sqrt(n_e) + 0.12 + 0.11 / sqrt(n_e)) D), Q the Kolmogorov survival function
//   (distribution_fit.hpp). Boost 1.74 (Debian bookworm) has no two-sample KS or
//   Anderson-Darling test; boost::math::statistics::anderson_darling_normality is one-sample.
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/distribution_fit.hpp"

namespace xbar::fit {

struct PredictiveCheckOptions {
  int chips = 20;              ///< fresh chips drawn per held-out chip (instance), 1..10000
  std::uint64_t seed = 1;      ///< seed of the fresh chips' draws
  int bootstrap = 2000;        ///< bootstrap resamples of the chips for the 95% intervals, 100..100000
  /// Throws FitError naming the field, e.g. "predictive.chips = 0: must be between 1 and 10000".
  void validate() const;
};

/// The error against the ideal MVM of one set of chips, percent of full scale.
struct ErrorDistribution {
  std::uint64_t n_chips = 0;   ///< chips (SPICE: held-out instances; model: fresh draws)
  std::uint64_t n_values = 0;  ///< output currents
  double mean_pct_fs = 0.0;    ///< mean of (output - ideal)
  double std_pct_fs = 0.0;     ///< its standard deviation (1/n)
  double rms_pct_fs = 0.0;     ///< RMS of (output - ideal)
  behavioral::ConfidenceInterval95 rms_ci95;  ///< percentile bootstrap over chips of rms_pct_fs (NaN: < 2 chips)
  std::vector<double> values_pct_fs;          ///< every (output - ideal), % FS
  std::vector<double> chip_rms_pct_fs;        ///< RMS per chip, % FS
};

struct PredictiveCheck {
  ErrorDistribution spice;  ///< held-out SPICE chips
  ErrorDistribution model;  ///< fresh chips drawn from the fitted variation
  KsTest ks_values;         ///< two-sample KS over values_pct_fs (optimistic p; see above)
  KsTest ks_chips;          ///< two-sample KS over chip_rms_pct_fs
  double full_scale_a = 0.0;
  int chips_per_sample = 0;
  std::uint64_t seed = 0;
};

/// One fresh chip's conductances (rows x physical cols, S) for targets `g_target_s` and its wire
/// resistances, drawn from `m.variation` with core::CounterRng(seed, chip):
///   r_row = r_row_wire_ohm max(0, 1 + mean_rel + sigma N(0)), r_col likewise with N(1)
///   cell c = i Cp + j: u = U(4 + c); u < f_on: g_stuck_on_s; u < f_on + f_off: g_stuck_off_s;
///   otherwise e = CounterRng(stream_key({seed, chip}), sample).normal(c):
///   normal g = G max(0, 1 + mean_rel + sigma_rel_d2d e); lognormal g = G exp(mean_log + sigma_log e).
/// Wires and stuck cells are the chip's (the same for every `sample`); the programming error is
/// drawn again per sample (pattern), as in a campaign. predictive_check numbers the fresh chips
/// of held-out instance i as chip = i * chips + k, k = 0..chips-1.
struct DrawnChip {
  Eigen::MatrixXd g_s;
  double r_row_wire_ohm = 0.0, r_col_wire_ohm = 0.0;
};
DrawnChip draw_crossbar_chip(const behavioral::CrossbarModelFile& m, const Eigen::Ref<const Eigen::MatrixXd>& g_target_s,
                             std::uint64_t seed, std::uint64_t chip, std::uint64_t sample);

/// The predictive check of `m` on `samples` (ok samples of a crossbar campaign; normally
/// held_out_samples). Throws FitError when `samples` is empty or the shapes do not match.
PredictiveCheck predictive_check(const behavioral::CrossbarModelFile& m, const characterize::CampaignFile& campaign,
                                 const std::vector<std::size_t>& samples, const PredictiveCheckOptions& options = {});

/// The numbers of `p` that the model file records (/predictive).
behavioral::PredictiveMetrics to_metrics(const PredictiveCheck& p);

/// Two-sample Kolmogorov-Smirnov test (asymptotic p-value with Stephens' correction). The
/// vectors are copied and sorted; both need at least one value (else D = 0, p = 1).
KsTest ks_two_sample(std::vector<double> a, std::vector<double> b);

}  // namespace xbar::fit
