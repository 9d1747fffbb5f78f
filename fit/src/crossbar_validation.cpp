#include "xbar/fit/crossbar_validation.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "xbar/core/sha256.hpp"
#include "xbar/fit/fit_error.hpp"

namespace xbar::fit {

CrossbarValidation validate_crossbar(const behavioral::CrossbarModelFile& m, const characterize::CampaignFile& campaign,
                                     const std::string& campaign_path, const PredictiveCheckOptions& predictive) {
  if (campaign.schema.kind != "crossbar")
    throw FitError(fmt::format("{}: campaign kind '{}': this model is a crossbar model; validate it against a crossbar "
                               "campaign",
                               campaign_path, campaign.schema.kind));
  predictive.validate();
  CrossbarValidation v;
  v.rows = m.nominal.rows;
  v.cols = m.nominal.cols;
  v.campaign_name = std::filesystem::path(campaign_path).stem().string();
  v.campaign_matches =
      m.provenance.campaign_sha256.empty() || core::sha256_file_hex(campaign_path) == m.provenance.campaign_sha256;
  v.recorded = m.held_out;
  const double fs = m.held_out.full_scale_a;
  const int bits = m.held_out.adc_bits;
  v.held_out_samples = held_out_samples(campaign, m.provenance.held_out_seed);
  const auto ok = ok_samples(campaign);
  std::set<double> held_inst, all_inst;
  const auto io = campaign.schema.offset_of("instance");
  for (std::size_t s : v.held_out_samples) held_inst.insert(campaign.records[s].values[io]);
  for (std::size_t s : ok) all_inst.insert(campaign.records[s].values[io]);
  v.n_held_out_chips = held_inst.size();
  v.n_chips = all_inst.size();
  v.held_out = compare_with_spice(m.nominal, campaign, v.held_out_samples, fs, bits);
  v.held_out.metrics.n_instances = v.n_held_out_chips;
  v.all = compare_with_spice(m.nominal, campaign, ok, fs, bits);
  v.all.metrics.n_instances = v.n_chips;
  const std::size_t outputs = static_cast<std::size_t>(m.nominal.cols);
  v.spice_vs_ideal_by_column.resize(outputs);
  for (std::size_t i = 0; i < v.all.spice_a.size(); ++i)
    v.spice_vs_ideal_by_column[i % outputs].add(v.all.spice_a[i], v.all.ideal_a[i]);
  v.predictive = predictive_check(m, campaign, v.held_out_samples, predictive);
  return v;
}

}  // namespace xbar::fit
