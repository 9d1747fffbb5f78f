#pragma once
// Fits a crossbar behavioral model (xbar.model/1) to a crossbar campaign (xbar.campaign/1).
//
//  - Nominal circuit: from the campaign's spec_text (stored_spec: its data files are not needed).
//  - Programming error: maximum likelihood over every cell of every ok sample that is not
//    stuck (a stuck cell's programmed value equals exactly the spec's stuck-on or stuck-off
//    conductance), on e = G_prog / G_target - 1 (normal) or ln(G_prog / G_target)
//    (lognormal, the spec's distribution; "none" is fitted as normal). 95% CI of sigma from
//    the chi-squared distribution; goodness of fit by one-sample Kolmogorov-Smirnov against the
//    fitted normal (asymptotic p-value, see distribution_fit.hpp).
//  - Stuck fractions: stuck cells are a chip property (the same for every pattern of an
//    instance), so each instance counts once: n_stuck_on / n_stuck_off of its first ok sample
//    over rows x physical columns cells; Clopper-Pearson 95% intervals.
//  - Wire spread: r / r_nominal - 1 of the row and of the column wire of each instance (two
//    independent draws per instance, where the nominal is > 0); normal MLE + chi-squared CI.
//    Zero nominal wires give 0.
//  - Circuit parameters: estimate_parameters (Levenberg-Marquardt) on the fit set.
//  - Held-out error ("held-out": chips the fit never saw): the ok instances are ranked by
//    splitmix64(seed ^ k) and the first round(n / 5) are held out (at least 1, and at most n - 1
//    so that the fit set is never empty; 1 of 1 when there is only one; held_out_instances).
//    Each ok held-out sample is replayed through a
//    CrossbarModel with the nominal params, the sample's wire resistances and temperature and
//    its programmed conductances, and compared with i_spice_a.
//  - Predictive check (predictive_check.hpp): options.predictive_chips fresh chips per held-out
//    chip from the fitted variation against the held-out SPICE chips; recorded in /predictive.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/parameter_mapping.hpp"  // nominal_params

namespace xbar::fit {

struct FitOptions {
  std::uint64_t seed = 1;     ///< held-out split seed
  int adc_bits = 8;           ///< ADC resolution for the LSB error, 1..32
  int predictive_chips = 20;  ///< crossbar: fresh chips per held-out chip for the predictive check, 0..10000 (0 = skip)
  std::string campaign_path;  ///< provenance: the campaign file ("" = unknown, no SHA-256)
  std::string xbar_version;   ///< provenance: the fitting xbar
  std::string git_hash;       ///< provenance: its git commit

  /// Throws FitError naming the bad field, e.g. "fit.adc_bits = 0: must be between 1 and 32".
  void validate() const;
};

/// How many of n instances are held out: round(n / 5), at least 1 and at most n - 1 (n >= 2);
/// n when n <= 1. 4 chips hold out 1, 8 hold out 2, 10 hold out 2.
std::size_t held_out_count(std::size_t n_instances);

/// The held-out instances (sorted) among `instances` (duplicates count once): ranked by
/// core::splitmix64(seed ^ k), the first held_out_count(n) of them. A pure function of the seed
/// and the set of instances.
std::vector<std::uint64_t> held_out_instances(std::uint64_t seed, std::vector<std::uint64_t> instances);

/// Indices of the ok samples of held-out instances (held_out_instances over the ok instances).
/// Any campaign kind with an `instance` field (crossbar, tia, adc, opamp); throws FitError
/// for one without.
std::vector<std::size_t> held_out_samples(const characterize::CampaignFile& campaign, std::uint64_t seed);
/// Indices of the ok samples that are not held out (the fit set).
std::vector<std::size_t> fit_set_samples(const characterize::CampaignFile& campaign, std::uint64_t seed);
/// Indices of every ok sample.
std::vector<std::size_t> ok_samples(const characterize::CampaignFile& campaign);
/// The campaign's spec, parsed from its stored spec_text with
/// characterize::parse_stored_campaign_spec: the data files it ran from are not needed.
characterize::CampaignSpec stored_spec(const characterize::CampaignFile& campaign);

/// rows * g_max_s * max(|v_read_min_v|, |v_read_max_v|), amperes.
double full_scale_a(const characterize::CampaignSpec& spec);

/// Multipliers of the nominal circuit's parameters that fit_crossbar estimates (1 = the spec).
struct ParameterScales {
  double r_row_wire = 1.0;  ///< times each sample's recorded row wire resistance
  double r_col_wire = 1.0;  ///< times each sample's recorded column wire resistance
  double r_source = 1.0;    ///< times the spec's r_source_ohm
  double v0 = 1.0;          ///< times the spec's sinh V0
};

/// The model's output currents (C x N, amperes) for ok sample `s`: CrossbarModel(nominal with
/// the sample's wires and temperature, times `scales`), programmed with the sample's
/// g_programmed_s and read with its v_in_v (sinh: exact solve). Throws FitError on a shape mismatch.
Eigen::MatrixXd predict_sample(const behavioral::CrossbarModelParams& nominal,
                               const characterize::CampaignFile& campaign, std::size_t s,
                               const ParameterScales& scales);

/// Levenberg-Marquardt estimate of the circuit parameters from SPICE outputs: the scales of
/// ParameterScales whose nominal is nonzero (r_row_wire, r_col_wire, r_source; v0 for sinh
/// cells), minimizing sum (model - SPICE)^2 / full_scale^2 over the fit-set samples (not held
/// out; at most `max_samples` of them, every input). Each estimate is reported as the
/// parameter's value (scale x nominal: the spec's r_row_wire_ohm, r_col_wire_ohm, r_source_ohm
/// (row 0) or v0_v) with its standard error and 95% interval (fit/levenberg_marquardt.hpp). The
/// unknowns are the logs of the scales (every value stays positive); the interval is mapped back
/// from log space and the standard error is the delta-method value x se(log). On SPICE data the
/// model is the circuit, so the estimates land within SPICE's solver tolerance of the spec
/// (about 1e-9 relative); their intervals are that tight too, and may exclude the spec.
behavioral::ParameterFit estimate_parameters(const behavioral::CrossbarModelParams& nominal,
                                             const characterize::CampaignFile& campaign,
                                             const std::vector<std::size_t>& fit_samples, double full_scale_a,
                                             std::size_t max_samples = 4);

/// Model outputs against SPICE over some samples (values flattened sample by sample, then
/// input by input, then output: the order of i_spice_a).
struct SpiceComparison {
  std::vector<double> model_a;  ///< behavioral outputs, amperes
  std::vector<double> spice_a;  ///< ngspice outputs, amperes
  std::vector<double> ideal_a;  ///< the ideal MVM of the targets (i_ideal_a), amperes
  ErrorSummary metrics;         ///< model against SPICE (A, % FS, LSB = crossbar_lsb(full scale, adc_bits))
  std::uint64_t n_samples = 0;  ///< samples compared
  int adc_bits = 8;             ///< ADC resolution of the LSB figures
  /// The metrics as the model file records them (/held_out).
  behavioral::ErrorMetrics record() const { return to_crossbar_record(metrics, n_samples, adc_bits); }
};

/// Replays `samples` of `campaign` through CrossbarModel(nominal with each sample's wires and
/// temperature). Throws FitError if the campaign's shapes do not match `nominal`.
SpiceComparison compare_with_spice(const behavioral::CrossbarModelParams& nominal,
                                   const characterize::CampaignFile& campaign, const std::vector<std::size_t>& samples,
                                   double full_scale_a, int adc_bits);

/// Provenance of a model fitted now to `campaign` with `options` (SHA-256 of
/// options.campaign_path when given).
behavioral::ModelProvenance make_provenance(const characterize::CampaignFile& campaign, const FitOptions& options);

/// The programming error over the cells of `ok` samples that are not stuck (programmed value
/// exactly g_on or g_off) and have a target > 0: normal or lognormal MLE (the spec's
/// distribution), chi-squared CI, KS.
behavioral::ProgrammingErrorFit fit_programming_error(const characterize::CampaignFile& campaign,
                                                      const characterize::CampaignSpec& spec,
                                                      const std::vector<std::size_t>& ok, double g_on, double g_off);
/// Stuck-on and stuck-off fractions over the first ok sample of each instance (Clopper-Pearson).
std::pair<behavioral::FractionFit, behavioral::FractionFit> fit_stuck_fractions(
    const characterize::CampaignFile& campaign, const characterize::CampaignSpec& spec,
    const std::vector<std::size_t>& ok);
/// The relative spread of the row and column wires (first ok sample of each instance; wires
/// whose nominal is 0 are left out; none at all gives sigma 0 with the interval [0, 0]).
behavioral::WireSpreadFit fit_wire_spread(const characterize::CampaignFile& campaign,
                                          const characterize::CampaignSpec& spec, const std::vector<std::size_t>& ok);
/// The variation part of the fit (programming error, stuck fractions, wire spread, stuck
/// conductances) over `samples` (ok samples) of a campaign that records g_target_s,
/// g_programmed_s, n_stuck_on, n_stuck_off, r_row_wire_ohm, r_col_wire_ohm and instance: kind
/// crossbar, or kind tile. Throws FitError when `samples` is empty.
behavioral::CrossbarVariationFit fit_crossbar_variation(const characterize::CampaignFile& campaign,
                                                        const characterize::CampaignSpec& spec,
                                                        const std::vector<std::size_t>& samples);

/// The whole fit. Throws FitError (not a crossbar campaign, no ok samples, ...).
behavioral::CrossbarModelFile fit_crossbar(const characterize::CampaignFile& campaign, const FitOptions& options);

}  // namespace xbar::fit
