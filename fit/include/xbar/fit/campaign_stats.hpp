#pragma once
// Statistics of a campaign output field against its schema reference (e.g. i_spice_a against
// i_ideal_a, codes against codes_ideal), per column (the field's last axis) over all ok samples
// and reads. The sums are fit::ErrorAccumulator (error_metrics.hpp): turn one into an
// ErrorSummary with error_metrics(acc, lsb, full_scale) when a full scale is known.
#include <vector>

#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/error_metrics.hpp"

namespace xbar::fit {

struct FieldComparison {
  std::vector<ErrorAccumulator> per_column;  ///< one per index of the field's last axis
  ErrorAccumulator all;                      ///< every value of every ok sample
};

/// Compares field `output` with its schema reference over the ok samples of `file` (samples
/// without values are skipped). Throws characterize's error if the reference field is unknown.
FieldComparison compare_field(const characterize::CampaignFile& file, const characterize::FieldSpec& output);

}  // namespace xbar::fit
