#pragma once
// `xbar validate` as one library call, for every model kind: a crossbar, TIA or ADC model file
// against a campaign of its kind, or a TIA model inside the behavioral tile of a tile campaign.
// One result type (ModelValidation): the error rows (recorded in the model file, held-out, all
// ok), each an ErrorSummary (error_metrics.hpp: absolute, % FS, LSB; RMS and max; counts), and
// what was compared over every ok sample, for prediction dumps and plots.
//
// Words: "recorded" = the model file's numbers from when it was fitted; "held-out" = the chips
// the fit never saw (fit::held_out_samples with the model's seed); "all ok" = every ok sample.
//
//   const auto v = fit::validate_model("model.h5", "campaign.h5", {});
//   for (const auto& row : v.rows) use(row.label, row.metrics.rms_lsb);
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/adc_measure.hpp"
#include "xbar/fit/crossbar_validation.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/fit/predictive_check.hpp"

namespace xbar::fit {

/// One row of the error table.
struct ErrorRow {
  std::string label;            ///< e.g. "held-out", "nominal, all ok", "codes, recorded"
  std::uint64_t n_samples = 0;  ///< campaign samples behind the row (recorded crossbar rows: as recorded)
  ErrorSummary metrics;         ///< n_instances = chips (0 = not recorded)
};

/// An ADC model against its campaign, over every ok sample: INL and DNL (characterize::
/// endpoint_inl_dnl, the one implementation) of the model's nominal transitions and of every
/// instance's measured ones, their envelope over the instances, and the transition error.
struct AdcValidation {
  int bits = 0;                                      ///< the model's resolution
  AdcComparison all;                                 ///< compare_adc_with_spice over every ok sample
  characterize::InlDnl model;                        ///< of the nominal transitions
  std::vector<characterize::InlDnl> instances;       ///< per ok sample, in sample order
  std::vector<double> inl_min, inl_max;              ///< per transition, over the instances, LSB
  std::vector<double> dnl_min, dnl_max;              ///< per code 1 .. M-1, over the instances, LSB
  std::vector<std::vector<double>> transition_error_lsb;  ///< per ok sample: (nominal - measured) / LSB
};

/// A TIA model inside the behavioral tile of a tile campaign.
struct TileValidation {
  TileComparison held_out;  ///< the held-out samples
  TileComparison all;       ///< every ok sample
};

struct ModelValidation {
  std::string model_kind;     ///< "crossbar", "tia" or "adc"
  std::string campaign_kind;  ///< the campaign's kind: the model's, or "tile" for a tia model
  std::string campaign_name;  ///< the campaign file's stem, for titles and file-name prefixes
  behavioral::ModelProvenance provenance;  ///< the model file's
  bool campaign_matches = true;  ///< the campaign's SHA-256 is the one the model recorded (or none recorded)
  std::string unit;              ///< of the absolute errors: "A" (crossbar) or "V"
  std::vector<ErrorRow> rows;    ///< the error table, in print order
  std::vector<std::size_t> ok_samples;        ///< every ok sample
  std::vector<std::size_t> held_out_samples;  ///< the held-out ones among them (sorted)
  std::vector<long long> ok_instances;        ///< the instance of each ok sample
  // Exactly one of these is set, by model_kind (and campaign_kind for a tia model):
  std::optional<CrossbarValidation> crossbar;  ///< crossbar model (with the predictive check)
  std::optional<TiaComparison> tia;            ///< tia model on a tia campaign, every ok sample
  std::optional<AdcValidation> adc;            ///< adc model
  std::optional<TileValidation> tile;          ///< tia model on a tile campaign
  /// True when ok sample `s` is held out.
  bool is_held_out(std::size_t s) const;
};

/// Reads both files and validates. Throws FitError when the campaign's kind does not fit the
/// model's (naming both files), behavioral::Error / characterize's errors for unreadable files,
/// and FitError for bad predictive options (crossbar models only use them).
ModelValidation validate_model(const std::string& model_path, const std::string& campaign_path,
                               const PredictiveCheckOptions& predictive = {});

/// The pieces, for callers that hold the files already.
ModelValidation validate_crossbar_model(const behavioral::CrossbarModelFile& m, const characterize::CampaignFile& c,
                                        const std::string& campaign_path, const PredictiveCheckOptions& predictive);
ModelValidation validate_tia_model(const behavioral::TiaModelFile& m, const characterize::CampaignFile& c,
                                   const std::string& model_path, const std::string& campaign_path);
ModelValidation validate_adc_model(const behavioral::AdcModelFile& m, const characterize::CampaignFile& c,
                                   const std::string& model_path, const std::string& campaign_path);

/// AdcValidation of `m` over `samples` of an adc campaign (compare_adc_with_spice's checks).
AdcValidation adc_validation(const behavioral::AdcModelParams& nominal, const characterize::CampaignFile& c,
                             const std::vector<std::size_t>& samples);

}  // namespace xbar::fit
