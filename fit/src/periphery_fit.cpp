// TIA and ADC fits (periphery_fit.hpp).
#include "xbar/fit/periphery_fit.hpp"

#include <fmt/format.h>

#include <Eigen/QR>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

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

behavioral::NormalParameterFit normal_fit(const std::vector<double>& x) {
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

behavioral::PeripheryErrorMetrics metrics(const std::vector<double>& model, const std::vector<double>& ref,
                                          double unit_v, double lsb_v, double fs_v, std::size_t instances) {
  const Eigen::Map<const Eigen::VectorXd> a(model.data(), static_cast<Eigen::Index>(model.size()));
  const Eigen::Map<const Eigen::VectorXd> b(ref.data(), static_cast<Eigen::Index>(ref.size()));
  ErrorSummary e = compare(a, b);
  e.rms_abs *= unit_v;
  e.max_abs *= unit_v;
  const ScaledError s = scale_error(e, lsb_v, fs_v);
  behavioral::PeripheryErrorMetrics m;
  m.n_instances = instances;
  m.n_values = model.size();
  m.rms_abs_v = s.rms_abs;
  m.max_abs_v = s.max_abs;
  m.rms_lsb = s.rms_lsb;
  m.max_lsb = s.max_lsb;
  m.rms_pct_fs = s.rms_pct_fs;
  m.max_pct_fs = s.max_pct_fs;
  m.lsb_v = lsb_v;
  m.full_scale_v = fs_v;
  return m;
}

std::vector<long long> held_flags(const std::vector<std::size_t>& ok, const std::vector<std::size_t>& held) {
  std::vector<long long> out;
  for (std::size_t s : ok) out.push_back(std::binary_search(held.begin(), held.end(), s) ? 1 : 0);
  return out;
}

}  // namespace

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
  const auto spec = characterize::parse_campaign_spec(c.provenance.spec_text, "spec_text of the campaign");
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
  out.nominal = metrics(out.nominal_v, out.spice_v, 1.0, lsb, fs, samples.size());
  out.instance_informed = metrics(out.informed_v, out.spice_v, 1.0, lsb, fs, samples.size());
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
  out.transitions = metrics(out.model_t_v, out.spice_t_v, 1.0, lsb, fs, samples.size());
  out.codes = metrics(code_model, code_ref, lsb, lsb, fs, coded);
  return out;
}

behavioral::TiaModelFile fit_tia(const CampaignFile& c, const FitOptions& options) {
  options.validate();
  require_kind(c, "tia", "tia");
  const auto spec = characterize::parse_campaign_spec(c.provenance.spec_text, "spec_text of the campaign");
  const std::vector<std::size_t> ok = ok_samples(c);
  if (ok.empty()) throw FitError("the campaign has no ok samples to fit");
  const std::vector<std::size_t> held = held_out_samples(c, options.seed);
  const std::vector<std::size_t> fit_set = fit_set_samples(c, options.seed);
  if (fit_set.empty())
    throw FitError(fmt::format("every ok instance is held out with seed {}: run more instances or pick another --seed",
                               options.seed));

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
  m.opamp_v_offset = normal_fit(offsets);
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
  m.held_out_nominal = cmp.nominal;
  m.held_out_instance_informed = cmp.instance_informed;
  m.provenance = make_provenance(c, options);
  return m;
}

behavioral::AdcModelFile fit_adc(const CampaignFile& c, const FitOptions& options) {
  options.validate();
  require_kind(c, "adc", "adc");
  const auto spec = characterize::parse_campaign_spec(c.provenance.spec_text, "spec_text of the campaign");
  const std::vector<std::size_t> ok = ok_samples(c);
  if (ok.empty()) throw FitError("the campaign has no ok samples to fit");
  const std::vector<std::size_t> held = held_out_samples(c, options.seed);
  const std::vector<std::size_t> fit_set = fit_set_samples(c, options.seed);
  if (fit_set.empty())
    throw FitError(fmt::format("every ok instance is held out with seed {}: run more instances or pick another --seed",
                               options.seed));

  behavioral::AdcModelFile m;
  auto& p = m.nominal;
  p.bits = spec.adc.bits;
  p.v_min_v = spec.adc.v_min_v;
  p.v_max_v = spec.adc.v_max_v;
  p.noise_sigma_v = 0.0;  // a DC campaign has no noise to fit
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
  m.comparator_offset = normal_fit(residual);
  try {
    p.validate();
  } catch (const behavioral::ValidationError& e) {
    throw FitError(std::string("the fitted nominal ADC is not valid: ") + e.what());
  }

  const AdcComparison cmp = compare_adc_with_spice(p, c, held);
  m.held_out_transitions = cmp.transitions;
  m.held_out_codes = cmp.codes;
  m.provenance = make_provenance(c, options);
  return m;
}

}  // namespace xbar::fit
