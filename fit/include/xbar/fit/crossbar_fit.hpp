#pragma once
// Fits a crossbar behavioral model (xbar.model/1) to a crossbar campaign (xbar.campaign/1).
//
//  - Nominal circuit: from the campaign's spec_text (characterize::parse_campaign_spec).
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
//  - Held-out error: instance k is held out when splitmix64(seed ^ k) % 5 == 0 (about 20%);
//    when none is, the last instance is. Each ok held-out sample is replayed through a
//    CrossbarModel with the nominal params, the sample's wire resistances and temperature and
//    its programmed conductances, and compared with i_spice_a.
#include <cstdint>
#include <string>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_spec.hpp"

namespace xbar::fit {

struct FitOptions {
  std::uint64_t seed = 1;     ///< held-out split seed
  int adc_bits = 8;           ///< ADC resolution for the LSB error, 1..32
  std::string campaign_path;  ///< provenance: the campaign file ("" = unknown, no SHA-256)
  std::string xbar_version;   ///< provenance: the fitting xbar
  std::string git_hash;       ///< provenance: its git commit

  /// Throws FitError naming the bad field, e.g. "fit.adc_bits = 0: must be between 1 and 32".
  void validate() const;
};

/// splitmix64 finalizer of x (a bijective 64-bit mixer).
std::uint64_t splitmix64(std::uint64_t x);
/// The held-out rule before the "at least one" fallback.
bool is_held_out(std::uint64_t seed, std::uint64_t instance);

/// Indices of the ok samples of held-out instances (with the fallback to the last instance).
/// Any campaign kind with an `instance` field (crossbar, tia, adc, opamp); throws FitError
/// for one without.
std::vector<std::size_t> held_out_samples(const characterize::CampaignFile& campaign, std::uint64_t seed);
/// Indices of the ok samples that are not held out (the fit set).
std::vector<std::size_t> fit_set_samples(const characterize::CampaignFile& campaign, std::uint64_t seed);
/// Indices of every ok sample.
std::vector<std::size_t> ok_samples(const characterize::CampaignFile& campaign);

/// The nominal behavioral parameters of a crossbar campaign spec.
behavioral::CrossbarModelParams nominal_params(const characterize::CampaignSpec& spec);
/// rows * g_max_s * max(|v_read_min_v|, |v_read_max_v|), amperes.
double full_scale_a(const characterize::CampaignSpec& spec);

/// Model outputs against SPICE over some samples (values flattened sample by sample, then
/// input by input, then output: the order of i_spice_a).
struct SpiceComparison {
  std::vector<double> model_a;  ///< behavioral outputs, amperes
  std::vector<double> spice_a;  ///< ngspice outputs, amperes
  behavioral::ErrorMetrics metrics;
};

/// Replays `samples` of `campaign` through CrossbarModel(nominal with each sample's wires and
/// temperature). Throws FitError if the campaign's shapes do not match `nominal`.
SpiceComparison compare_with_spice(const behavioral::CrossbarModelParams& nominal,
                                   const characterize::CampaignFile& campaign, const std::vector<std::size_t>& samples,
                                   double full_scale_a, int adc_bits);

/// Provenance of a model fitted now to `campaign` with `options` (SHA-256 of
/// options.campaign_path when given).
behavioral::ModelProvenance make_provenance(const characterize::CampaignFile& campaign, const FitOptions& options);

/// The whole fit. Throws FitError (not a crossbar campaign, no ok samples, ...).
behavioral::CrossbarModelFile fit_crossbar(const characterize::CampaignFile& campaign, const FitOptions& options);

}  // namespace xbar::fit
