#pragma once
// `xbar validate` of a crossbar model, as one library call: the model's error against a
// campaign's SPICE outputs on the held-out chips and on every ok chip, next to the numbers the
// model file recorded, and the predictive check (predictive_check.hpp: fresh chips from the
// fitted variation against the held-out SPICE chips, both against the ideal MVM).
//
//   auto v = fit::validate_crossbar(read_crossbar_model_file("model.h5"),
//                                   characterize::read_campaign_file("campaign.h5"), "campaign.h5", {});
//   v.held_out.metrics.rms_pct_fs;   v.predictive.model.rms_pct_fs;
#include <string>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/predictive_check.hpp"

namespace xbar::fit {

struct CrossbarValidation {
  int rows = 0, cols = 0;           ///< the model's array: inputs and logical outputs
  std::string campaign_name;        ///< the campaign file's name without folder and extension, for titles
  bool campaign_matches = true;     ///< the campaign file's SHA-256 is the one the model recorded
  std::vector<std::size_t> held_out_samples;  ///< the held-out split (today's rule, the model's seed)
  std::uint64_t n_held_out_chips = 0, n_chips = 0;  ///< held-out and all ok instances
  behavioral::ErrorMetrics recorded;  ///< the model file's /held_out
  SpiceComparison held_out;           ///< replay of the held-out samples (solver agreement)
  SpiceComparison all;                ///< replay of every ok sample
  PredictiveCheck predictive;         ///< fresh chips against the held-out SPICE chips
  /// SPICE against the ideal MVM per output column over every ok sample and input (the IR-drop
  /// profile along the array): out = i_spice_a, ref = i_ideal_a, amperes.
  std::vector<ErrorAccumulator> spice_vs_ideal_by_column;
};

/// Throws FitError when the campaign is not a crossbar campaign of the model's shape (naming
/// `campaign_path`), or the predictive options are bad.
CrossbarValidation validate_crossbar(const behavioral::CrossbarModelFile& model, const characterize::CampaignFile& campaign,
                                     const std::string& campaign_path, const PredictiveCheckOptions& predictive);

}  // namespace xbar::fit
