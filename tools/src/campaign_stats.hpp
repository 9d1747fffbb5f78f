#pragma once
// Statistics of a campaign output field against its reference (e.g. SPICE against ideal),
// per column (the field's last axis) over all ok samples and reads.
#include <cstdint>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"

namespace xbar::tools {

struct ErrorStats {
  double n = 0, sum_out = 0, sum_ref = 0, sum_err = 0, sum_err2 = 0, sum_ref2 = 0, max_abs = 0;
  void add(double out, double ref);
  double mean_out() const { return sum_out / n; }
  double mean_ref() const { return sum_ref / n; }
  double mean_err() const { return sum_err / n; }
  double std_err() const;  ///< sample standard deviation of out - ref
  double rel_rms() const;  ///< sqrt(sum (out-ref)^2 / sum ref^2)
};

struct FieldComparison {
  std::vector<ErrorStats> per_column;
  ErrorStats all;
};

/// Compares field `output` with its schema reference over the ok samples of `file`.
FieldComparison compare_field(const characterize::CampaignFile& file, const characterize::FieldSpec& output);

}  // namespace xbar::tools
