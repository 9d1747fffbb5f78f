// Tile model assembly from component models (tile_assembly.hpp).
#include "xbar/fit/tile_assembly.hpp"
#include "xbar/fit/error_metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <vector>

#include "xbar/behavioral/error.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/core/provenance.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/distribution_fit.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/core/sha256.hpp"
#include "xbar/fit/periphery_fit.hpp"

namespace xbar::fit {

namespace {

std::string name_of(const std::string& path, const char* fallback) { return path.empty() ? fallback : path; }

behavioral::ModelProvenance source(const char* component, const std::string& path,
                                   const behavioral::ModelProvenance& p) {
  behavioral::ModelProvenance s = p;
  s.component = component;
  s.model_path = path;
  s.model_sha256 = path.empty() ? "" : core::sha256_file_hex(path);
  return s;
}

// The crossbar model's campaign: as recorded, else next to the model file.
std::string find_campaign(const behavioral::CrossbarModelFile& xb, const std::string& model_path) {
  const std::string recorded = xb.provenance.campaign_path;
  if (recorded.empty()) return "";
  std::error_code ec;
  if (std::filesystem::is_regular_file(recorded, ec)) return recorded;
  if (!model_path.empty()) {
    const auto beside = std::filesystem::path(model_path).parent_path() / std::filesystem::path(recorded).filename();
    if (std::filesystem::is_regular_file(beside, ec)) return beside.string();
  }
  return "";
}

// Normal MLE (with CI and KS) of the ADC instances' transitions about the nominal ones.
behavioral::NormalParameterFit adc_spread_about_nominal(const behavioral::AdcModelFile& adc, const std::string& path) {
  const Eigen::VectorXd t_nom = adc.nominal.transitions_v();
  const auto& t = adc.instances;
  std::vector<double> d;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.held_out[i] != 0) continue;
    if (t.transition_v.cols() != t_nom.size())
      throw FitError(fmt::format("{}: dataset /instances/transition_v has {} columns: expected {} (2^bits - 1)", path,
                                 t.transition_v.cols(), t_nom.size()));
    for (Eigen::Index k = 0; k < t_nom.size(); ++k) {
      const double x = t.transition_v(static_cast<Eigen::Index>(i), k);
      if (std::isfinite(x)) d.push_back(x - t_nom[k]);
    }
  }
  if (d.size() < 2)
    throw FitError(path + ": /instances has fewer than 2 finite fit-set transitions: cannot fit the comparator spread");
  return normal_parameter_fit(d);
}

}  // namespace

void TileAssemblyOptions::validate() const {
  std::string bad;
  auto note = [&](const std::string& m) { bad += (bad.empty() ? "" : "\n") + m; };
  if (dac_bits < 1 || dac_bits > 12) note(fmt::format("tile.dac_bits = {} (--dac-bits): must be between 1 and 12", dac_bits));
  if (!std::isfinite(v_read_min_v))
    note(fmt::format("tile.v_read_min_v = {} (--v-read-min): must be finite", v_read_min_v));
  if (!std::isnan(v_read_max_v) && !(std::isfinite(v_read_max_v) && v_read_max_v > v_read_min_v))
    note(fmt::format("tile.v_read_max_v = {} (--v-read-max): must be finite and > v_read_min_v ({})", v_read_max_v,
                     v_read_min_v));
  if (!std::isnan(g_min_s) && !(std::isfinite(g_min_s) && g_min_s > 0.0))
    note(fmt::format("tile.g_min_s = {} (--g-min): must be finite and > 0 S", g_min_s));
  if (!std::isnan(g_max_s) && !(std::isfinite(g_max_s) && g_max_s > (std::isnan(g_min_s) ? 0.0 : g_min_s)))
    note(std::isnan(g_min_s) ? fmt::format("tile.g_max_s = {} (--g-max): must be finite and > 0 S", g_max_s)
                             : fmt::format("tile.g_max_s = {} (--g-max): must be finite and > g_min_s ({})", g_max_s,
                                           g_min_s));
  if (!bad.empty()) throw FitError(bad);
}

behavioral::TileModelFile assemble_tile_model(const TileAssemblyOptions& o) {
  o.validate();
  const auto xb = behavioral::read_crossbar_model_file(o.crossbar_path);
  const auto tia = behavioral::read_tia_model_file(o.tia_path);
  const auto adc = behavioral::read_adc_model_file(o.adc_path);
  return assemble_tile_model(xb, tia, adc, o);
}

behavioral::TileModelFile assemble_tile_model(const behavioral::CrossbarModelFile& xb,
                                              const behavioral::TiaModelFile& tia,
                                              const behavioral::AdcModelFile& adc, const TileAssemblyOptions& o) {
  o.validate();
  const std::string xb_name = name_of(o.crossbar_path, "crossbar model");
  const std::string tia_name = name_of(o.tia_path, "tia model");
  const std::string adc_name = name_of(o.adc_path, "adc model");

  if (xb.nominal.differential)
    throw FitError(xb_name +
                   ": /nominal@differential = 1: a tile model is single-ended (one TIA per physical column, as the "
                   "SPICE tile); fit a crossbar campaign with crossbar.differential = false");
  const auto& t = tia.nominal;
  const auto& a = adc.nominal;
  if (t.v_out_min_v > a.v_min_v)
    throw FitError(fmt::format("{}: /nominal@v_out_min_v = {} V is above the ADC's {} /nominal@v_min_v = {} V: the TIA "
                               "cannot reach the bottom of the ADC range (its output saturates first)",
                               tia_name, t.v_out_min_v, adc_name, a.v_min_v));
  if (t.v_out_max_v < a.v_max_v)
    throw FitError(fmt::format("{}: /nominal@v_out_max_v = {} V is below the ADC's {} /nominal@v_max_v = {} V: the TIA "
                               "cannot reach the top of the ADC range",
                               tia_name, t.v_out_max_v, adc_name, a.v_max_v));
  if (!(a.v_min_v < 0.0))
    throw FitError(fmt::format("{}: /nominal@v_min_v = {} V: must be < 0 V for a tile (a positive column current gives a "
                               "negative TIA output, v = -rf i)",
                               adc_name, a.v_min_v));

  // The mapping range and read voltage: the options, else the crossbar campaign's workload.
  double g_min = o.g_min_s, g_max = o.g_max_s, v_max = o.v_read_max_v;
  if (std::isnan(g_min) || std::isnan(g_max) || std::isnan(v_max)) {
    const std::string camp = find_campaign(xb, o.crossbar_path);
    if (camp.empty())
      throw FitError(fmt::format("{}: its campaign '{}' (/provenance@campaign_path) is not found: pass --g-min, --g-max "
                                 "and --v-read-max",
                                 xb_name, xb.provenance.campaign_path));
    if (!xb.provenance.campaign_sha256.empty() && core::sha256_file_hex(camp) != xb.provenance.campaign_sha256)
      throw FitError(fmt::format("{}: its campaign {} has changed since the fit (SHA-256 differs from "
                                 "/provenance@campaign_sha256): refit, or pass --g-min, --g-max and --v-read-max",
                                 xb_name, camp));
    const auto spec = stored_spec(characterize::read_campaign_file(camp));
    if (std::isnan(g_min)) g_min = spec.workload.g_min_s;
    if (std::isnan(g_max)) g_max = spec.workload.g_max_s;
    if (std::isnan(v_max)) v_max = spec.workload.v_read_max_v;
  }

  behavioral::TileModelFile m;
  m.nominal.crossbar = xb.nominal;
  m.nominal.dac.bits = o.dac_bits;
  m.nominal.dac.v_min_v = o.v_read_min_v;
  m.nominal.dac.v_max_v = v_max;
  try {
    m.nominal.dac.validate();
  } catch (const behavioral::ValidationError& e) {
    throw FitError(std::string("DAC options (--dac-bits, --v-read-min, --v-read-max): ") + e.what());
  }
  m.nominal.tia = {t};
  m.nominal.adc = {a};
  m.g_min_s = g_min;
  m.g_max_s = g_max;

  auto& v = m.variation;
  v.programming_error = xb.variation.programming_error;
  v.stuck_on = xb.variation.stuck_on;
  v.stuck_off = xb.variation.stuck_off;
  v.g_stuck_on_s = xb.variation.g_stuck_on_s;
  v.g_stuck_off_s = xb.variation.g_stuck_off_s;
  v.wire = xb.variation.wire;
  v.tia_opamp_v_offset = tia.opamp_v_offset;
  v.adc_comparator_offset = adc_spread_about_nominal(adc, adc_name);

  m.held_out_crossbar = xb.held_out;
  m.held_out_tia = tia.held_out_nominal;
  m.held_out_adc_codes = adc.held_out_codes;

  m.sources = {source("crossbar", o.crossbar_path, xb.provenance), source("tia", o.tia_path, tia.provenance),
               source("adc", o.adc_path, adc.provenance)};
  m.provenance.xbar_version = o.xbar_version;
  m.provenance.git_hash = o.git_hash;
  m.provenance.fit_time = core::utc_now();
  m.provenance.ngspice_version = xb.provenance.ngspice_version;
  m.provenance.held_out_seed = xb.provenance.held_out_seed;
  try {
    m.validate();
  } catch (const behavioral::ValidationError& e) {
    throw FitError(std::string("the assembled tile model is invalid (--g-min/--g-max?):\n") + e.what());
  }
  return m;
}

behavioral::TileModelFile fit_tile(const characterize::CampaignFile& campaign, const FitOptions& options,
                                   const behavioral::TiaModelFile* tia_model, const std::string& tia_model_path) {
  options.validate();
  if (campaign.schema.kind != "tile")
    throw FitError(fmt::format("campaign kind '{}': not a tile campaign", campaign.schema.kind));
  const auto spec = stored_spec(campaign);
  const std::vector<std::size_t> ok = ok_samples(campaign);
  if (ok.empty()) throw FitError("the campaign has no ok samples to fit");
  const std::vector<std::size_t> fit_set = fit_set_samples(campaign, options.seed);
  const std::vector<std::size_t> held = held_out_samples(campaign, options.seed);
  if (fit_set.empty()) throw FitError("the fit set is empty (every instance is held out): run more instances");
  const int C = spec.crossbar.cols;
  const std::uint64_t o_inst = campaign.schema.offset_of("instance");
  const std::uint64_t o_rest = campaign.schema.offset_of("v_tia_rest_v");

  behavioral::TiaModelParams tia0 = tia_model ? tia_model->nominal : ideal_tile_tia(spec);
  // One fit-set sample per instance (its first).
  std::map<double, std::size_t> first;
  for (std::size_t s : fit_set) first.emplace(campaign.records.at(s).values[o_inst], s);
  std::vector<double> offsets;
  std::vector<Eigen::VectorXd> transitions;
  Eigen::MatrixXd level_sum;
  behavioral::TileModelParams nominal;
  for (const auto& [inst, s] : first) {
    Eigen::MatrixXd g;
    behavioral::TileModelParams tp = tile_sample_params(campaign, s, tia0, &g);
    if (level_sum.size() == 0) {
      nominal = tp;
      level_sum = Eigen::MatrixXd::Zero(tp.dac.level_table_v.rows(), tp.dac.level_table_v.cols());
    }
    level_sum += tp.dac.level_table_v;
    const double* v = campaign.records.at(s).values.data();
    for (int k = 0; k < C; ++k) {
      offsets.push_back(v[o_rest + static_cast<std::size_t>(k)] / (1.0 + tp.tia[0].rf_ohm * g.col(k).sum()));
      transitions.push_back(tp.adc[static_cast<std::size_t>(k)].transition_v);
    }
  }
  const Eigen::Index M = transitions.front().size();
  Eigen::VectorXd t_sum = Eigen::VectorXd::Zero(M), t_n = Eigen::VectorXd::Zero(M);
  for (const auto& t : transitions)
    for (Eigen::Index k = 0; k < M; ++k)
      if (std::isfinite(t[k])) t_sum[k] += t[k], t_n[k] += 1;
  const Eigen::VectorXd t_nominal = t_sum.cwiseQuotient(t_n);
  std::vector<double> residual;
  for (const auto& t : transitions)
    for (Eigen::Index k = 0; k < M; ++k)
      if (std::isfinite(t[k])) residual.push_back(t[k] - t_nominal[k]);
  if (offsets.size() < 2 || residual.size() < 2)
    throw FitError("fewer than 2 fit-set columns: cannot fit the TIA offset and ADC transition spreads");

  behavioral::TileModelFile m;
  m.variation.tia_opamp_v_offset = normal_parameter_fit(offsets);
  m.variation.adc_comparator_offset = normal_parameter_fit(residual);
  nominal.crossbar.r_row_wire_ohm = spec.crossbar.r_row_wire_ohm;
  nominal.crossbar.r_col_wire_ohm = spec.crossbar.r_col_wire_ohm;
  if (spec.dac.architecture == netlists::DacArchitecture::r2r)
    nominal.dac.level_table_v = level_sum / static_cast<double>(first.size());
  else
    nominal.dac.level_table_v.resize(0, 0);
  behavioral::TiaModelParams tia = nominal.tia[0];  // tia0 with the spec's rf and sampling time
  tia.v_offset_v = m.variation.tia_opamp_v_offset.mean_v;
  nominal.tia = {tia};
  behavioral::AdcModelParams adc = nominal.adc[0];
  adc.transition_v = t_nominal;
  nominal.adc = {adc};
  m.nominal = nominal;
  m.g_min_s = spec.workload.g_min_s;
  m.g_max_s = spec.workload.g_max_s;

  const behavioral::CrossbarVariationFit xv = fit_crossbar_variation(campaign, spec, ok);
  m.variation.programming_error = xv.programming_error;
  m.variation.stuck_on = xv.stuck_on;
  m.variation.stuck_off = xv.stuck_off;
  m.variation.g_stuck_on_s = xv.g_stuck_on_s;
  m.variation.g_stuck_off_s = xv.g_stuck_off_s;
  m.variation.wire = xv.wire;

  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.held_out_crossbar.rms_abs_a = m.held_out_crossbar.max_abs_a = m.held_out_crossbar.rms_pct_fs = nan;
  m.held_out_crossbar.max_pct_fs = m.held_out_crossbar.rel_l2 = m.held_out_crossbar.rms_lsb = nan;
  m.held_out_crossbar.max_lsb = nan;
  m.held_out_crossbar.full_scale_a = full_scale_a(spec);
  m.held_out_crossbar.adc_bits = spec.adc.bits;
  if (!held.empty()) {
    const TileComparison cmp = compare_tile_with_spice(tia, campaign, held);
    m.held_out_tia = to_periphery_record(cmp.nominal.v_tia);
    m.held_out_adc_codes = to_periphery_record(cmp.nominal.codes);
  }

  m.provenance = make_provenance(campaign, options);
  behavioral::ModelProvenance src = m.provenance;
  src.component = "tile_campaign";
  m.sources = {src};
  if (tia_model) m.sources.push_back(source("tia", tia_model_path, tia_model->provenance));
  try {
    m.validate();
  } catch (const behavioral::ValidationError& e) {
    throw FitError(std::string("the fitted tile model is invalid:\n") + e.what());
  }
  return m;
}

std::string tile_range_summary(const behavioral::TileModelFile& tile) {
  const auto& n = tile.nominal;
  const auto& t = n.tia[0];
  const auto& a = n.adc[0];
  const double v_read = std::max(std::abs(n.dac.v_min_v), std::abs(n.dac.v_max_v));
  const double i_fs = n.crossbar.rows * tile.g_max_s * v_read;
  const double i_mid = n.crossbar.rows * 0.5 * (tile.g_min_s + tile.g_max_s) * 0.5 * v_read;
  const double span = -a.v_min_v;  // 0 V (no current) .. v_min_v (full scale)
  return fmt::format(
      "  column full scale   rows x g_max x v_read_max = {} x {:.3g} S x {:.3g} V = {:.4g} A\n"
      "  typical column      rows x mean g x mean v    = {:.4g} A (uniform weights and inputs)\n"
      "  TIA at nominal rf   rf = {:.4g} ohm: full scale -> {:.4g} V (swing {:.3g} .. {:.3g} V)\n"
      "  ADC input range     {:.3g} .. {:.3g} V, {} bits, LSB {:.4g} V\n"
      "  rf for full scale -> ADC bottom: {:.4g} ohm; for the typical column: {:.4g} ohm\n",
      n.crossbar.rows, tile.g_max_s, v_read, i_fs, i_mid, t.rf_ohm, -t.rf_ohm * i_fs, t.v_out_min_v, t.v_out_max_v,
      a.v_min_v, a.v_max_v, a.bits, a.lsb_v(), span / i_fs, span / i_mid);
}

}  // namespace xbar::fit
