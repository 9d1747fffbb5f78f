#include "xbar/fit/campaign_stats.hpp"

namespace xbar::fit {

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

}  // namespace xbar::fit
