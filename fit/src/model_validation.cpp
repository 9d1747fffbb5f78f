// `xbar validate` for every model kind (model_validation.hpp).
#include "xbar/fit/model_validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <set>
#include <tuple>

#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/core/sha256.hpp"
#include "xbar/fit/fit_error.hpp"

namespace xbar::fit {

namespace {

using characterize::CampaignFile;

// The campaign must be of `kind`; otherwise say which file is which.
void require_campaign_kind(const std::string& model_path, const std::string& campaign_path, const CampaignFile& c,
                           const char* kind) {
  if (c.schema.kind != kind)
    throw FitError(fmt::format(
        "{}: campaign kind '{}': {} holds a model of kind '{}'; validate it against a campaign of that kind",
        campaign_path, c.schema.kind, model_path, kind));
}

// What every kind shares: the names, the provenance check, the ok and held-out samples.
ModelValidation start(const std::string& kind, const CampaignFile& c, const std::string& campaign_path,
                      const behavioral::ModelProvenance& pv) {
  ModelValidation v;
  v.model_kind = kind;
  v.campaign_kind = c.schema.kind;
  v.campaign_name = std::filesystem::path(campaign_path).stem().string();
  v.provenance = pv;
  v.campaign_matches = pv.campaign_sha256.empty() || core::sha256_file_hex(campaign_path) == pv.campaign_sha256;
  v.unit = kind == "crossbar" ? "A" : "V";
  v.ok_samples = ok_samples(c);
  v.held_out_samples = held_out_samples(c, pv.held_out_seed);
  const auto io = c.schema.offset_of("instance");
  for (std::size_t s : v.ok_samples) v.ok_instances.push_back(static_cast<long long>(c.records[s].values[io]));
  return v;
}


ErrorRow row(std::string label, std::uint64_t n_samples, const ErrorSummary& m) {
  return ErrorRow{std::move(label), n_samples, m};
}

// A periphery model variant's three rows: as recorded in the model file, held-out, all ok.
void add_variant_rows(ModelValidation& v, const std::string& variant, const behavioral::PeripheryErrorMetrics& recorded,
                      const ErrorSummary& held, const ErrorSummary& all) {
  v.rows.push_back(row(variant + ", recorded", recorded.n_instances, from_record(recorded)));
  v.rows.push_back(row(variant + ", held-out", v.held_out_samples.size(), held));
  v.rows.push_back(row(variant + ", all ok", v.ok_samples.size(), all));
}

ModelValidation validate_tile(const behavioral::TiaModelFile& m, const CampaignFile& c, const std::string& campaign_path) {
  ModelValidation v = start("tia", c, campaign_path, m.provenance);
  TileValidation t{compare_tile_with_spice(m.nominal, c, v.held_out_samples),
                   compare_tile_with_spice(m.nominal, c, v.ok_samples)};
  const std::size_t nh = v.held_out_samples.size(), na = v.ok_samples.size();
  for (auto [name, h, a] : {std::tuple{"nominal", &t.held_out.nominal, &t.all.nominal},
                             std::tuple{"informed", &t.held_out.informed, &t.all.informed}}) {
    v.rows.push_back(row(fmt::format("{} TIA outputs, held-out", name), nh, h->v_tia));
    v.rows.push_back(row(fmt::format("{} TIA outputs, all ok", name), na, a->v_tia));
    v.rows.push_back(row(fmt::format("{} codes, held-out", name), nh, h->codes));
    v.rows.push_back(row(fmt::format("{} codes, all ok", name), na, a->codes));
  }
  v.tile = std::move(t);
  return v;
}

}  // namespace

bool ModelValidation::is_held_out(std::size_t s) const {
  return std::binary_search(held_out_samples.begin(), held_out_samples.end(), s);
}

ModelValidation validate_crossbar_model(const behavioral::CrossbarModelFile& m, const CampaignFile& c,
                                        const std::string& campaign_path, const PredictiveCheckOptions& predictive) {
  CrossbarValidation x = validate_crossbar(m, c, campaign_path, predictive);
  ModelValidation v = start("crossbar", c, campaign_path, m.provenance);
  v.rows.push_back(row("recorded", m.held_out.n_samples, from_record(m.held_out)));
  v.rows.push_back(row("held-out", x.held_out.n_samples, x.held_out.metrics));
  v.rows.push_back(row("all ok", x.all.n_samples, x.all.metrics));
  v.crossbar = std::move(x);
  return v;
}

ModelValidation validate_tia_model(const behavioral::TiaModelFile& m, const CampaignFile& c,
                                   const std::string& model_path, const std::string& campaign_path) {
  if (c.schema.kind == "tile") return validate_tile(m, c, campaign_path);
  require_campaign_kind(model_path, campaign_path, c, "tia");
  ModelValidation v = start("tia", c, campaign_path, m.provenance);
  const TiaComparison held = compare_tia_with_spice(m.nominal, c, v.held_out_samples);
  TiaComparison all = compare_tia_with_spice(m.nominal, c, v.ok_samples);
  add_variant_rows(v, "nominal", m.held_out_nominal, held.nominal, all.nominal);
  add_variant_rows(v, "instance-informed", m.held_out_instance_informed, held.instance_informed,
                   all.instance_informed);
  v.tia = std::move(all);
  return v;
}

AdcValidation adc_validation(const behavioral::AdcModelParams& nominal, const CampaignFile& c,
                             const std::vector<std::size_t>& samples) {
  AdcValidation a;
  a.bits = nominal.bits;
  a.all = compare_adc_with_spice(nominal, c, samples);
  const Eigen::VectorXd t = nominal.transitions_v();
  a.model = characterize::endpoint_inl_dnl(std::vector<double>(t.data(), t.data() + t.size()));
  const int M = nominal.transitions();
  const double lsb = nominal.lsb_v();
  const auto ot = c.schema.offset_of("transition_v");
  constexpr double inf = std::numeric_limits<double>::infinity();
  a.inl_min.assign(static_cast<std::size_t>(M), inf);
  a.inl_max.assign(a.inl_min.size(), -inf);
  a.dnl_min.assign(a.inl_min.size() - 1, inf);
  a.dnl_max.assign(a.dnl_min.size(), -inf);
  for (std::size_t s : samples) {
    const double* v = c.records.at(s).values.data() + ot;
    const std::vector<double> measured(v, v + M);
    characterize::InlDnl f = characterize::endpoint_inl_dnl(measured);
    for (std::size_t k = 0; k < f.inl_lsb.size(); ++k) {
      a.inl_min[k] = std::min(a.inl_min[k], f.inl_lsb[k]);
      a.inl_max[k] = std::max(a.inl_max[k], f.inl_lsb[k]);
    }
    for (std::size_t k = 0; k < f.dnl_lsb.size(); ++k) {
      a.dnl_min[k] = std::min(a.dnl_min[k], f.dnl_lsb[k]);
      a.dnl_max[k] = std::max(a.dnl_max[k], f.dnl_lsb[k]);
    }
    std::vector<double> err;
    for (int k = 0; k < M; ++k) err.push_back((nominal.transition_v[k] - measured[static_cast<std::size_t>(k)]) / lsb);
    a.transition_error_lsb.push_back(std::move(err));
    a.instances.push_back(std::move(f));
  }
  return a;
}

ModelValidation validate_adc_model(const behavioral::AdcModelFile& m, const CampaignFile& c,
                                   const std::string& model_path, const std::string& campaign_path) {
  require_campaign_kind(model_path, campaign_path, c, "adc");
  ModelValidation v = start("adc", c, campaign_path, m.provenance);
  const AdcComparison held = compare_adc_with_spice(m.nominal, c, v.held_out_samples);
  AdcValidation all = adc_validation(m.nominal, c, v.ok_samples);
  add_variant_rows(v, "transitions", m.held_out_transitions, held.transitions, all.all.transitions);
  add_variant_rows(v, "codes", m.held_out_codes, held.codes, all.all.codes);
  v.adc = std::move(all);
  return v;
}

ModelValidation validate_model(const std::string& model_path, const std::string& campaign_path,
                               const PredictiveCheckOptions& predictive) {
  const std::string kind = behavioral::model_kind_of(model_path);
  const auto c = characterize::read_campaign_file(campaign_path);
  if (kind == "tia") return validate_tia_model(behavioral::read_tia_model_file(model_path), c, model_path, campaign_path);
  if (kind == "adc") return validate_adc_model(behavioral::read_adc_model_file(model_path), c, model_path, campaign_path);
  return validate_crossbar_model(behavioral::read_crossbar_model_file(model_path), c, campaign_path, predictive);
}

}  // namespace xbar::fit
