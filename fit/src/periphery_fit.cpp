// TIA and ADC fits (periphery_fit.hpp).
#include "xbar/fit/periphery_fit.hpp"

#include <fmt/format.h>

#include <Eigen/QR>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <set>

#include "xbar/behavioral/error.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/fit/distribution_fit.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/fit_error.hpp"

namespace xbar::fit {

namespace {

using characterize::CampaignFile;

void require_kind(const CampaignFile& c, const char* kind, const char* model) {
  if (c.schema.kind != kind)
    throw FitError(
        fmt::format("campaign kind '{}': a {} model needs a campaign of kind '{}'", c.schema.kind, model, kind));
}

// Offset of a field, with a message naming it when the campaign predates it.
std::uint64_t offset(const CampaignFile& c, const std::string& name) {
  for (const auto& f : c.schema.fields)
    if (f.name == name) return c.schema.offset_of(name);
  throw FitError(fmt::format("campaign of kind '{}' has no field '{}' (was it written by an older xbar? run "
                             "`xbar characterize` again)",
                             c.schema.kind, name));
}

double median(std::vector<double> x) {
  assert(!x.empty());
  std::sort(x.begin(), x.end());
  const std::size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

std::vector<long long> held_flags(const std::vector<std::size_t>& ok, const std::vector<std::size_t>& held) {
  std::vector<long long> out;
  for (std::size_t s : ok) out.push_back(std::binary_search(held.begin(), held.end(), s) ? 1 : 0);
  return out;
}

}  // namespace

behavioral::NormalParameterFit normal_parameter_fit(const std::vector<double>& x) {
  const NormalFit nf = fit_normal(x);
  const KsTest ks = ks_test_normal(x, nf.mean, nf.sigma);
  behavioral::NormalParameterFit f;
  f.mean_v = nf.mean;
  f.sigma_v = nf.sigma;
  f.sigma_ci95.low = nf.sigma_ci95_low;
  f.sigma_ci95.high = nf.sigma_ci95_high;
  f.gof_statistic = ks.statistic;
  f.gof_p_value = ks.p_value;
  f.n = nf.n;
  return f;
}

TiaLine fit_tia_line(const Eigen::Ref<const Eigen::VectorXd>& i_in_a,
                     const Eigen::Ref<const Eigen::VectorXd>& v_out_v) {
  assert(i_in_a.size() == v_out_v.size() && i_in_a.size() >= 2);
  // Scale the current column to O(1) so the QR sees comparable columns.
  const double scale = std::max(i_in_a.cwiseAbs().maxCoeff(), std::numeric_limits<double>::min());
  Eigen::MatrixXd a(i_in_a.size(), 2);
  a.col(0) = i_in_a / scale;
  a.col(1).setOnes();
  const Eigen::Vector2d x = a.colPivHouseholderQr().solve(v_out_v);
  return {x[0] / scale, x[1]};
}

behavioral::TiaModelParams instance_tia_params(const behavioral::TiaModelParams& nominal, const CampaignFile& c,
                                               std::size_t sample) {
  const double* v = c.records.at(sample).values.data();
  behavioral::TiaModelParams p = nominal;
  p.a0_vv = v[offset(c, "a0_vv")];
  p.r_out_ohm = v[offset(c, "r_out_ohm")];
  p.v_offset_v = v[offset(c, "opamp_v_offset_v")];
  p.v_out_min_v = v[offset(c, "v_out_low_v")];
  p.v_out_max_v = v[offset(c, "v_out_high_v")];
  return p;
}

TiaComparison compare_tia_with_spice(const behavioral::TiaModelParams& nominal, const CampaignFile& c,
                                     const std::vector<std::size_t>& samples) {
  require_kind(c, "tia", "tia");
  nominal.validate();
  const auto spec = stored_spec(c);
  if (!(std::abs(nominal.rf_ohm - spec.tia.rf_ohm) <= 1e-9 * spec.tia.rf_ohm))
    throw FitError(fmt::format("the model's rf_ohm = {:g} but the campaign's tia.rf_ohm = {:g}: not the same TIA; fit a "
                               "model to this campaign with xbar fit",
                               nominal.rf_ohm, spec.tia.rf_ohm));
  const double fs = 2.0 * spec.tia_bench.i_full_scale_a * spec.tia.rf_ohm;
  const double lsb = spec.tia_bench.lsb_v(spec.tia.rf_ohm);
  const std::size_t P = c.schema.field("i_in_a").size();
  const std::uint64_t oi = offset(c, "i_in_a"), ov = offset(c, "v_out_v");
  TiaComparison out;
  out.samples = samples;
  for (std::size_t s : samples) {
    const double* v = c.records.at(s).values.data();
    const behavioral::TiaModelParams inst = instance_tia_params(nominal, c, s);
    try {
      inst.validate();
    } catch (const behavioral::ValidationError& e) {
      throw FitError(fmt::format("sample {}: this instance's op-amp figures do not make a valid TIA model: {}", s,
                                 e.what()));
    }
    for (std::size_t k = 0; k < P; ++k) {
      const double i = v[oi + k];
      out.i_in_a.push_back(i);
      out.spice_v.push_back(v[ov + k]);
      out.nominal_v.push_back(behavioral::tia_evaluate(nominal, i, 0.0).v_out_v);
      out.informed_v.push_back(behavioral::tia_evaluate(inst, i, 0.0).v_out_v);
    }
  }
  out.nominal = error_metrics(out.nominal_v, out.spice_v, lsb, fs, samples.size());
  out.instance_informed = error_metrics(out.informed_v, out.spice_v, lsb, fs, samples.size());
  return out;
}

Eigen::VectorXd adc_ramp_v(const behavioral::AdcModelParams& p) {
  const int m = p.transitions();
  const Eigen::Index n = 16 * (m + 2) + 1;
  Eigen::VectorXd v(n);
  for (Eigen::Index j = 0; j < n; ++j) v[j] = p.v_min_v + (static_cast<double>(j) / 16.0 - 1.0) * p.lsb_v();
  return v;
}

AdcComparison compare_adc_with_spice(const behavioral::AdcModelParams& nominal, const CampaignFile& c,
                                     const std::vector<std::size_t>& samples) {
  require_kind(c, "adc", "adc");
  const behavioral::AdcModel model(nominal);
  const auto& tf = c.schema.field("transition_v");
  const int M = nominal.transitions();
  if (tf.size() != static_cast<std::uint64_t>(M))
    throw FitError(fmt::format("the campaign's ADC has {} transitions, the model {} (bits = {}): not the same ADC",
                               tf.size(), M, nominal.bits));
  const auto spec = stored_spec(c);
  const double tol = 1e-9 * (std::abs(spec.adc.v_max_v - spec.adc.v_min_v));
  if (!(std::abs(nominal.v_min_v - spec.adc.v_min_v) <= tol && std::abs(nominal.v_max_v - spec.adc.v_max_v) <= tol))
    throw FitError(fmt::format("the model's input range is {:g}..{:g} V but the campaign's adc.v_min_v..adc.v_max_v is "
                               "{:g}..{:g} V: not the same ADC; fit a model to this campaign with xbar fit",
                               nominal.v_min_v, nominal.v_max_v, spec.adc.v_min_v, spec.adc.v_max_v));
  const std::uint64_t ot = offset(c, "transition_v");
  const Eigen::VectorXd t_model = nominal.transitions_v();
  AdcComparison out;
  out.samples = samples;
  out.ramp_v = adc_ramp_v(nominal);
  for (Eigen::Index j = 0; j < out.ramp_v.size(); ++j) out.codes_nominal.push_back(model.code(out.ramp_v[j]));
  std::vector<double> code_model, code_ref;
  std::size_t coded = 0;
  for (std::size_t s : samples) {
    const double* v = c.records.at(s).values.data() + ot;
    Eigen::VectorXd t(M);
    bool finite = true;
    for (int k = 0; k < M; ++k) {
      t[k] = v[k];
      if (std::isfinite(v[k])) {
        out.model_t_v.push_back(t_model[k]);
        out.spice_t_v.push_back(v[k]);
      } else {
        finite = false;
      }
    }
    std::vector<int> codes;
    if (finite) {
      behavioral::AdcModelParams p = nominal;
      p.transition_v = t;
      const behavioral::AdcModel inst(p);
      for (Eigen::Index j = 0; j < out.ramp_v.size(); ++j) {
        codes.push_back(inst.code(out.ramp_v[j]));
        code_model.push_back(out.codes_nominal[static_cast<std::size_t>(j)]);
        code_ref.push_back(codes.back());
      }
      ++coded;
    }
    out.codes_instance.push_back(std::move(codes));
  }
  const double lsb = nominal.lsb_v(), fs = nominal.v_max_v - nominal.v_min_v;
  out.transitions = error_metrics(out.model_t_v, out.spice_t_v, lsb, fs, samples.size());
  out.codes = error_metrics(code_model, code_ref, lsb, fs, coded, lsb);
  return out;
}

namespace {

// What every periphery fit starts from: the campaign's spec and its ok, held-out and fit samples.
struct FitSets {
  characterize::CampaignSpec spec;
  std::vector<std::size_t> ok, held, fit_set;
};

FitSets prepare_fit(const CampaignFile& c, const FitOptions& options, const char* kind) {
  options.validate();
  require_kind(c, kind, kind);
  FitSets f{stored_spec(c), ok_samples(c), {}, {}};
  if (f.ok.empty()) throw FitError("the campaign has no ok samples to fit");
  f.held = held_out_samples(c, options.seed);
  f.fit_set = fit_set_samples(c, options.seed);
  if (f.fit_set.empty())
    throw FitError(fmt::format("every ok instance is held out with seed {}: run more instances or pick another --seed",
                               options.seed));
  return f;
}

}  // namespace

behavioral::TiaModelFile fit_tia(const CampaignFile& c, const FitOptions& options) {
  const FitSets sets = prepare_fit(c, options, "tia");
  const auto& spec = sets.spec;
  const std::vector<std::size_t>& ok = sets.ok;
  const std::vector<std::size_t>& held = sets.held;
  const std::vector<std::size_t>& fit_set = sets.fit_set;

  const std::size_t P = c.schema.field("i_in_a").size();
  const std::uint64_t oi = offset(c, "i_in_a"), ov = offset(c, "v_out_v"), oinst = offset(c, "instance");
  const std::uint64_t oos = offset(c, "opamp_v_offset_v"), oa0 = offset(c, "a0_vv"), oro = offset(c, "r_out_ohm");
  const std::uint64_t ohi = offset(c, "v_out_high_v"), olo = offset(c, "v_out_low_v");
  const std::uint64_t ost = offset(c, "settling_time_s"), osd = offset(c, "settled");

  behavioral::TiaModelFile m;
  auto& t = m.instances;
  const Eigen::Index n = static_cast<Eigen::Index>(ok.size());
  for (Eigen::VectorXd* col : {&t.opamp_v_offset_v, &t.gain_ohm, &t.v_out_offset_v, &t.a0_vv, &t.r_out_ohm,
                               &t.v_out_high_v, &t.v_out_low_v})
    col->resize(n);
  t.held_out = held_flags(ok, held);
  for (Eigen::Index r = 0; r < n; ++r) {
    const double* v = c.records[ok[static_cast<std::size_t>(r)]].values.data();
    t.instance.push_back(static_cast<long long>(v[oinst]));
    const Eigen::Map<const Eigen::VectorXd> i(v + oi, static_cast<Eigen::Index>(P));
    const Eigen::Map<const Eigen::VectorXd> vo(v + ov, static_cast<Eigen::Index>(P));
    const TiaLine line = fit_tia_line(i, vo);
    t.gain_ohm[r] = line.gain_ohm;
    t.v_out_offset_v[r] = line.v_out_offset_v;
    t.opamp_v_offset_v[r] = v[oos];
    t.a0_vv[r] = v[oa0];
    t.r_out_ohm[r] = v[oro];
    t.v_out_high_v[r] = v[ohi];
    t.v_out_low_v[r] = v[olo];
  }

  std::vector<double> offsets, a0, r_out, hi, lo, settle;
  for (std::size_t s : fit_set) {
    const double* v = c.records[s].values.data();
    offsets.push_back(v[oos]);
    a0.push_back(v[oa0]);
    r_out.push_back(v[oro]);
    hi.push_back(v[ohi]);
    lo.push_back(v[olo]);
    if (v[osd] == 1.0) settle.push_back(v[ost]);
  }
  auto& p = m.nominal;
  p.rf_ohm = spec.tia.rf_ohm;
  p.a0_vv = median(a0);
  p.r_out_ohm = median(r_out);
  p.v_out_min_v = median(lo);
  p.v_out_max_v = median(hi);
  m.opamp_v_offset = normal_parameter_fit(offsets);
  p.v_offset_v = m.opamp_v_offset.mean_v;
  // Single-pole settling of a full-scale step V = i_fs rf to LSB/2 = i_fs rf / 2^bits:
  // V exp(-t/tau) = V 2^-bits  =>  tau = t / ln(2^bits) = t / (bits ln 2).
  const int bits = spec.tia_bench.lsb_bits;
  m.settling.lsb_bits = bits;
  m.settling.n_settled = settle.size();
  m.settling.t_settle_median_s = settle.empty() ? spec.tia_bench.t_stop_s - spec.tia_bench.t_delay_s : median(settle);
  p.tau_s = m.settling.t_settle_median_s / (bits * std::log(2.0));
  p.t_sample_s = std::numeric_limits<double>::infinity();
  try {
    p.validate();
  } catch (const behavioral::ValidationError& e) {
    throw FitError(std::string("the fitted nominal TIA is not valid: ") + e.what());
  }

  const TiaComparison cmp = compare_tia_with_spice(p, c, held);
  m.held_out_nominal = to_periphery_record(cmp.nominal);
  m.held_out_instance_informed = to_periphery_record(cmp.instance_informed);
  m.provenance = make_provenance(c, options);
  return m;
}

behavioral::AdcModelFile fit_adc(const CampaignFile& c, const FitOptions& options) {
  const FitSets sets = prepare_fit(c, options, "adc");
  const auto& spec = sets.spec;
  const std::vector<std::size_t>& ok = sets.ok;
  const std::vector<std::size_t>& held = sets.held;
  const std::vector<std::size_t>& fit_set = sets.fit_set;

  behavioral::AdcModelFile m;
  auto& p = m.nominal;
  p = adc_model_params(spec.adc, {});  // bits and range; the transitions are estimated below
  p.noise_sigma_v = 0.0;               // a DC campaign has no noise to fit
  const int M = p.transitions();
  if (c.schema.field("transition_v").size() != static_cast<std::uint64_t>(M))
    throw FitError(fmt::format("field transition_v has {} entries per sample, the spec's {}-bit ADC {}",
                               c.schema.field("transition_v").size(), p.bits, M));
  const std::uint64_t ot = offset(c, "transition_v"), oinst = offset(c, "instance");

  auto& t = m.instances;
  t.held_out = held_flags(ok, held);
  t.transition_v.resize(static_cast<Eigen::Index>(ok.size()), M);
  for (std::size_t r = 0; r < ok.size(); ++r) {
    const double* v = c.records[ok[r]].values.data();
    t.instance.push_back(static_cast<long long>(v[oinst]));
    for (int k = 0; k < M; ++k) t.transition_v(static_cast<Eigen::Index>(r), k) = v[ot + static_cast<std::size_t>(k)];
  }

  p.transition_v.resize(M);
  std::vector<double> residual;
  const double lsb = p.lsb_v();
  for (int k = 0; k < M; ++k) {
    double sum = 0;
    std::size_t used = 0;
    for (std::size_t s : fit_set) {
      const double x = c.records[s].values[ot + static_cast<std::size_t>(k)];
      if (!std::isfinite(x)) continue;
      sum += x;
      ++used;
      residual.push_back(x - (p.v_min_v + (k + 0.5) * lsb));
    }
    if (used == 0)
      throw FitError(fmt::format("transition {} is NaN (never tripped) in every fit-set instance", k + 1));
    p.transition_v[k] = sum / static_cast<double>(used);
  }
  m.comparator_offset = normal_parameter_fit(residual);
  try {
    p.validate();
  } catch (const behavioral::ValidationError& e) {
    throw FitError(std::string("the fitted nominal ADC is not valid: ") + e.what());
  }

  const AdcComparison cmp = compare_adc_with_spice(p, c, held);
  m.held_out_transitions = to_periphery_record(cmp.transitions);
  m.held_out_codes = to_periphery_record(cmp.codes);
  m.provenance = make_provenance(c, options);
  return m;
}

behavioral::TileModelParams tile_sample_params(const CampaignFile& c, std::size_t s,
                                              const behavioral::TiaModelParams& tia, Eigen::MatrixXd* g_s) {
  require_kind(c, "tile", "tile");
  const auto spec = stored_spec(c);
  const int R = spec.crossbar.rows, C = spec.crossbar.cols;
  const int M = (1 << spec.adc.bits) - 1, L = 1 << spec.dac.bits;
  const std::uint64_t o_g = offset(c, "g_programmed_s"), o_os = offset(c, "adc_comparator_offset_v"),
                      o_rr = offset(c, "r_row_wire_ohm"), o_rc = offset(c, "r_col_wire_ohm"),
                      o_lvl = offset(c, "dac_level_v"), o_lad = offset(c, "adc_ladder_r_rel");
  const double* v = c.records.at(s).values.data();
  netlists::TileParams p;
  p.crossbar = spec_crossbar_at_corner(spec);
  p.crossbar.r_row_wire_ohm = v[o_rr];
  p.crossbar.r_col_wire_ohm = v[o_rc];
  p.dac = spec.dac;
  p.dac.architecture = netlists::DacArchitecture::ideal;  // levels come from the recorded table below
  p.tia = spec.tia;
  p.adc = spec.adc;
  p.timing = spec.tile.timing;
  for (int k = 0; k < C; ++k) {
    netlists::AdcMismatch m;
    m.comparator_offset_v.assign(v + o_os + static_cast<std::size_t>(k) * M, v + o_os + static_cast<std::size_t>(k + 1) * M);
    m.ladder_r_rel.assign(v + o_lad + static_cast<std::size_t>(k) * (M + 1), v + o_lad + static_cast<std::size_t>(k + 1) * (M + 1));
    p.adc_mismatch.push_back(m);
  }
  if (g_s) *g_s = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(v + o_g, R, C);
  behavioral::TileModelParams tp = tile_model_params(p, tia);
  tp.dac.level_table_v = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(v + o_lvl, R, L);
  return tp;
}

TileComparison compare_tile_with_spice(const behavioral::TiaModelParams& tia, const CampaignFile& c,
                                       const std::vector<std::size_t>& samples) {
  require_kind(c, "tile", "tile");
  const auto spec = stored_spec(c);
  const int R = spec.crossbar.rows, C = spec.crossbar.cols, N = spec.workload.inputs_per_pattern;
  const int M = (1 << spec.adc.bits) - 1;
  const double lsb = (spec.adc.v_max_v - spec.adc.v_min_v) / M, fs = spec.adc.v_max_v - spec.adc.v_min_v;
  const std::uint64_t o_in = offset(c, "input_codes"), o_v = offset(c, "v_tia_v"), o_code = offset(c, "codes");
  const std::uint64_t o_rest = offset(c, "v_tia_rest_v");
  TileComparison out;
  out.samples = samples;
  std::set<double> instances;
  std::vector<double> dcode[2], zero;
  std::size_t exact[2] = {0, 0};
  TileVariantComparison* variant[2] = {&out.nominal, &out.informed};
  for (std::size_t s : samples) {
    const double* v = c.records.at(s).values.data();
    instances.insert(v[offset(c, "instance")]);
    Eigen::MatrixXd g;
    behavioral::TileModelParams tp = tile_sample_params(c, s, tia, &g);
    behavioral::TileModelParams tp_informed = tp;
    tp_informed.tia.assign(static_cast<std::size_t>(C), tp.tia[0]);
    // Each column's offset such that the model's rest (periphery.hpp: a0 v_os (1 + rf g_in) / D,
    // linear in v_os) is SPICE's measured rest, with g_in the conductance the model's TIA sees.
    behavioral::TileModel nominal_model(tp);
    nominal_model.program(g);
    behavioral::TiaModelParams unit = tp.tia[0];
    unit.v_offset_v = 1.0;
    for (int k = 0; k < C; ++k)
      tp_informed.tia[static_cast<std::size_t>(k)].v_offset_v =
          v[o_rest + k] / behavioral::tia_transfer(unit, nominal_model.g_in_s()[k]).rest_v;
    Eigen::MatrixXi codes_in(R, N);
    for (int n = 0; n < N; ++n)
      for (int i = 0; i < R; ++i) codes_in(i, n) = static_cast<int>(std::lround(v[o_in + static_cast<std::size_t>(n) * R + i]));
    behavioral::TileModel informed_model(tp_informed);
    informed_model.program(g);
    const behavioral::TileModel* model[2] = {&nominal_model, &informed_model};
    for (int w = 0; w < 2; ++w) {
      const behavioral::TileOutputs y = model[w]->forward(codes_in);
      for (int n = 0; n < N; ++n)
        for (int k = 0; k < C; ++k) {
          const std::size_t at = static_cast<std::size_t>(n) * C + k;
          const int sc = static_cast<int>(std::lround(v[o_code + at]));
          if (w == 0) {
            out.spice_v.push_back(v[o_v + at]);
            out.spice_codes.push_back(sc);
            zero.push_back(0.0);
          }
          variant[w]->model_v.push_back(y.v_tia_v(k, n));
          variant[w]->model_codes.push_back(y.codes(k, n));
          dcode[w].push_back(y.codes(k, n) - sc);
          if (y.codes(k, n) == sc) ++exact[w];
        }
    }
  }
  if (out.spice_v.empty()) throw FitError("no tile samples to compare");
  for (int w = 0; w < 2; ++w) {
    variant[w]->v_tia = error_metrics(variant[w]->model_v, out.spice_v, lsb, fs, instances.size());
    variant[w]->codes = error_metrics(dcode[w], zero, lsb, fs, instances.size(), lsb);
    variant[w]->exact_code_fraction = static_cast<double>(exact[w]) / static_cast<double>(dcode[w].size());
  }
  return out;
}

}  // namespace xbar::fit
