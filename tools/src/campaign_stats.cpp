#include "campaign_stats.hpp"

#include <algorithm>
#include <cmath>

namespace xbar::tools {

void ErrorStats::add(double out, double ref) {
  const double e = out - ref;
  n += 1;
  sum_out += out;
  sum_ref += ref;
  sum_err += e;
  sum_err2 += e * e;
  sum_ref2 += ref * ref;
  max_abs = std::max(max_abs, std::abs(e));
}

double ErrorStats::std_err() const {
  return n > 1 ? std::sqrt(std::max(0.0, (sum_err2 - sum_err * sum_err / n) / (n - 1))) : 0.0;
}

double ErrorStats::rel_rms() const { return sum_ref2 > 0 ? std::sqrt(sum_err2 / sum_ref2) : NAN; }

FieldComparison compare_field(const characterize::CampaignFile& f, const characterize::FieldSpec& out) {
  const auto& ref = f.schema.field(out.reference);
  const std::uint64_t oo = f.schema.offset_of(out.name), ro = f.schema.offset_of(ref.name);
  const std::uint64_t cols = out.shape.empty() ? 1 : out.shape.back();
  FieldComparison c;
  c.per_column.resize(cols);
  for (const auto& r : f.records) {
    if (r.status != characterize::SampleStatus::ok || r.values.empty()) continue;
    for (std::uint64_t k = 0; k < out.size(); ++k) {
      c.per_column[k % cols].add(r.values[oo + k], r.values[ro + k]);
      c.all.add(r.values[oo + k], r.values[ro + k]);
    }
  }
  return c;
}

}  // namespace xbar::tools
