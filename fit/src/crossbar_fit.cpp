#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/predictive_check.hpp"

#include "xbar/core/counter_rng.hpp"
#include "xbar/core/provenance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "xbar/behavioral/error.hpp"
#include "xbar/fit/distribution_fit.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/levenberg_marquardt.hpp"
#include "xbar/core/sha256.hpp"

namespace xbar::fit {

namespace {

using characterize::CampaignFile;
using characterize::SampleStatus;

void require_crossbar(const CampaignFile& c) {
  if (c.schema.kind != "crossbar")
    throw FitError(fmt::format("campaign kind '{}': this is not a crossbar campaign (xbar fit dispatches tia and adc campaigns to their own fits)", c.schema.kind));
}

// One scalar or array field of a record.
const double* field(const CampaignFile& c, std::size_t sample, const std::string& name) {
  return c.records[sample].values.data() + c.schema.offset_of(name);
}

behavioral::ConfidenceInterval95 ci(double low, double high) {
  behavioral::ConfidenceInterval95 c;
  c.low = low;
  c.high = high;
  return c;
}

}  // namespace

void FitOptions::validate() const {
  if (adc_bits < 1 || adc_bits > 32)
    throw FitError(fmt::format("fit.adc_bits = {}: must be between 1 and 32", adc_bits));
  if (predictive_chips < 0 || predictive_chips > 10000)
    throw FitError(fmt::format("fit.predictive_chips = {}: must be between 0 (skip) and 10000", predictive_chips));
}

std::size_t held_out_count(std::size_t n_instances) {
  if (n_instances <= 1) return n_instances;
  const auto fifth = static_cast<std::size_t>(std::llround(static_cast<double>(n_instances) / 5.0));
  return std::min(n_instances - 1, std::max<std::size_t>(1, fifth));
}

std::vector<std::uint64_t> held_out_instances(std::uint64_t seed, std::vector<std::uint64_t> instances) {
  std::sort(instances.begin(), instances.end());
  instances.erase(std::unique(instances.begin(), instances.end()), instances.end());
  const std::size_t h = held_out_count(instances.size());
  // Rank by splitmix64(seed ^ k); ties (never seen, but possible) by the instance number.
  std::stable_sort(instances.begin(), instances.end(), [seed](std::uint64_t a, std::uint64_t b) {
    return core::splitmix64(seed ^ a) < core::splitmix64(seed ^ b);
  });
  instances.resize(h);
  std::sort(instances.begin(), instances.end());
  return instances;
}

std::vector<std::size_t> ok_samples(const CampaignFile& campaign) {
  std::vector<std::size_t> out;
  for (std::size_t s = 0; s < campaign.records.size(); ++s)
    if (campaign.records[s].status == SampleStatus::ok) out.push_back(s);
  return out;
}

characterize::CampaignSpec stored_spec(const CampaignFile& campaign) {
  return characterize::parse_stored_campaign_spec(campaign.provenance.spec_text, "spec_text of the campaign");
}

std::vector<std::size_t> held_out_samples(const CampaignFile& campaign, std::uint64_t seed) {
  bool has_instance = false;
  for (const auto& f : campaign.schema.fields) has_instance = has_instance || (f.name == "instance" && f.shape.empty());
  if (!has_instance)
    throw FitError(fmt::format("campaign kind '{}' has no scalar 'instance' field: no held-out split", campaign.schema.kind));
  const std::vector<std::size_t> ok = ok_samples(campaign);
  std::vector<std::uint64_t> instances;
  for (std::size_t s : ok) instances.push_back(static_cast<std::uint64_t>(*field(campaign, s, "instance")));
  const std::vector<std::uint64_t> held = held_out_instances(seed, instances);
  std::vector<std::size_t> out;
  for (std::size_t r = 0; r < ok.size(); ++r)
    if (std::binary_search(held.begin(), held.end(), instances[r])) out.push_back(ok[r]);
  return out;
}

std::vector<std::size_t> fit_set_samples(const CampaignFile& campaign, std::uint64_t seed) {
  const std::vector<std::size_t> held = held_out_samples(campaign, seed);
  std::vector<std::size_t> out;
  for (std::size_t s : ok_samples(campaign))
    if (!std::binary_search(held.begin(), held.end(), s)) out.push_back(s);
  return out;
}

behavioral::ModelProvenance make_provenance(const CampaignFile& campaign, const FitOptions& options) {
  behavioral::ModelProvenance pv;
  pv.campaign_path = options.campaign_path;
  pv.campaign_sha256 = options.campaign_path.empty() ? "" : core::sha256_file_hex(options.campaign_path);
  pv.ngspice_version = campaign.provenance.ngspice_version;
  pv.xbar_version = options.xbar_version;
  pv.git_hash = options.git_hash;
  pv.fit_time = core::utc_now();
  pv.held_out_seed = options.seed;
  return pv;
}

double full_scale_a(const characterize::CampaignSpec& spec) {
  const auto& w = spec.workload;
  return spec.crossbar.rows * w.g_max_s * std::max(std::abs(w.v_read_min_v), std::abs(w.v_read_max_v));
}

namespace {

// Throws unless the campaign's arrays fit `nominal`; returns the number of inputs per sample.
int check_shapes(const behavioral::CrossbarModelParams& nominal, const CampaignFile& campaign) {
  require_crossbar(campaign);
  const int R = nominal.rows, C = nominal.cols, Cp = nominal.physical_cols();
  const auto& g_field = campaign.schema.field("g_programmed_s");
  const auto& i_field = campaign.schema.field("i_spice_a");
  if (g_field.shape != std::vector<std::uint64_t>{static_cast<std::uint64_t>(R), static_cast<std::uint64_t>(Cp)} ||
      i_field.shape.size() != 2 || i_field.shape[1] != static_cast<std::uint64_t>(C))
    throw FitError(
        fmt::format("campaign arrays do not match the model ({} rows x {} outputs{}): g_programmed_s is {}x{}", R, C,
                    nominal.differential ? ", differential" : "", g_field.shape.at(0), g_field.shape.at(1)));
  return static_cast<int>(campaign.schema.field("v_in_v").shape.at(0));
}

}  // namespace

Eigen::MatrixXd predict_sample(const behavioral::CrossbarModelParams& nominal, const CampaignFile& campaign,
                               std::size_t s, const ParameterScales& scales) {
  const int N = check_shapes(nominal, campaign);
  const int R = nominal.rows, C = nominal.cols, Cp = nominal.physical_cols();
  behavioral::CrossbarModelParams p = nominal;
  p.r_row_wire_ohm = *field(campaign, s, "r_row_wire_ohm") * scales.r_row_wire;
  p.r_col_wire_ohm = *field(campaign, s, "r_col_wire_ohm") * scales.r_col_wire;
  p.r_source_ohm = p.r_source_ohm * scales.r_source;
  p.v0_v = nominal.v0_v * scales.v0;
  p.temperature_c = *field(campaign, s, "temperature_c");
  behavioral::CrossbarModel model(p);
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> g(
      field(campaign, s, "g_programmed_s"), R, Cp);
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> v(field(campaign, s, "v_in_v"),
                                                                                              N, R);
  if (nominal.differential) {
    Eigen::MatrixXd gp(R, C), gn(R, C);
    for (int j = 0; j < C; ++j) {
      gp.col(j) = g.col(2 * j);
      gn.col(j) = g.col(2 * j + 1);
    }
    model.program(gp, gn);
  } else {
    model.program(Eigen::MatrixXd(g));
  }
  return model.forward(v.transpose(), behavioral::SinhSolve::exact);
}

SpiceComparison compare_with_spice(const behavioral::CrossbarModelParams& nominal, const CampaignFile& campaign,
                                   const std::vector<std::size_t>& samples, double full_scale, int adc_bits) {
  const int N = check_shapes(nominal, campaign);
  const int C = nominal.cols;

  SpiceComparison out;
  for (std::size_t s : samples) {
    const double* spice = field(campaign, s, "i_spice_a");  // [N, C] row-major
    const double* ideal = field(campaign, s, "i_ideal_a");  // [N, C] row-major
    const Eigen::MatrixXd i = predict_sample(nominal, campaign, s, {});  // C x N
    for (int n = 0; n < N; ++n) {
      for (int j = 0; j < C; ++j) {
        out.model_a.push_back(i(j, n));
        out.spice_a.push_back(spice[n * C + j]);
        out.ideal_a.push_back(ideal[n * C + j]);
      }
    }
  }
  out.n_samples = samples.size();
  out.adc_bits = adc_bits;
  out.metrics = error_metrics(out.model_a, out.spice_a, crossbar_lsb(full_scale, adc_bits), full_scale);
  return out;
}

behavioral::ParameterFit estimate_parameters(const behavioral::CrossbarModelParams& nominal, const CampaignFile& campaign,
                                             const std::vector<std::size_t>& fit_samples, double full_scale,
                                             std::size_t max_samples) {
  const int N = check_shapes(nominal, campaign);
  const int C = nominal.cols;
  behavioral::ParameterFit out;
  std::vector<std::size_t> use(fit_samples.begin(), fit_samples.begin() + std::min(max_samples, fit_samples.size()));
  // Which scales to estimate: those whose nominal is nonzero (a zero wire has no effect to fit).
  const double r_src0 = nominal.r_source_ohm.size() ? nominal.r_source_ohm[0] : 0.0;
  struct Free {
    const char* name;
    double ParameterScales::*scale;
    double nominal;
  };
  std::vector<Free> free;
  if (nominal.r_row_wire_ohm > 0) free.push_back({"r_row_wire_ohm", &ParameterScales::r_row_wire, nominal.r_row_wire_ohm});
  if (nominal.r_col_wire_ohm > 0) free.push_back({"r_col_wire_ohm", &ParameterScales::r_col_wire, nominal.r_col_wire_ohm});
  if (nominal.r_source_ohm.size() && nominal.r_source_ohm.maxCoeff() > 0)
    free.push_back({"r_source_ohm", &ParameterScales::r_source, r_src0});
  if (nominal.cell == behavioral::CellModel::sinh) free.push_back({"v0_v", &ParameterScales::v0, nominal.v0_v});
  if (free.empty() || use.empty()) return out;

  auto residuals = [&](const Eigen::VectorXd& x) {
    ParameterScales sc;
    // Clamped: a campaign whose outputs no crossbar explains (a crafted file) must not drive a
    // scale to inf, which the model would refuse with a message that names no file.
    for (std::size_t k = 0; k < free.size(); ++k)
      sc.*(free[k].scale) = std::exp(std::clamp(x[static_cast<Eigen::Index>(k)], -40.0, 40.0));
    Eigen::VectorXd r(static_cast<Eigen::Index>(use.size()) * N * C);
    Eigen::Index at = 0;
    for (std::size_t s : use) {
      const double* spice = field(campaign, s, "i_spice_a");  // [N, C]
      const Eigen::MatrixXd i = predict_sample(nominal, campaign, s, sc);
      for (int n = 0; n < N; ++n)
        for (int j = 0; j < C; ++j) r[at++] = (i(j, n) - spice[n * C + j]) / full_scale;
    }
    return r;
  };
  LmOptions lm;
  lm.max_iterations = 30;
  lm.step_tol = 1e-7;  // log scale: a 1e-7 relative change of every parameter
  // Unknowns: the log of each scale (keeps every resistance and V0 positive; starts at the spec).
  lm.fd_rel_step = 1e-7;  // in log space: a 1e-7 relative change of the parameter
  LmResult res;
  try {
    res = levenberg_marquardt(residuals, Eigen::VectorXd::Zero(static_cast<Eigen::Index>(free.size())), lm);
  } catch (const behavioral::Error& bad) {
    throw FitError(fmt::format("estimating the wire and source resistances failed ({}): the SPICE outputs "
                               "(/samples/i_spice_a) are not those of the crossbar the stored spec describes",
                               bad.what()));
  }
  for (std::size_t k = 0; k < free.size(); ++k) {
    const auto kk = static_cast<Eigen::Index>(k);
    behavioral::ParameterEstimate e;
    e.name = free[k].name;
    e.nominal = free[k].nominal;
    e.value = std::exp(res.params[kk]) * free[k].nominal;
    e.std_error = e.value * res.std_error[kk];  // delta method from log space
    e.ci95 = ci(std::exp(res.ci95_low[kk]) * free[k].nominal, std::exp(res.ci95_high[kk]) * free[k].nominal);
    out.parameters.push_back(e);
  }
  out.n_samples = use.size();
  out.n_residuals = static_cast<std::uint64_t>(res.n_residuals);
  out.iterations = res.iterations;
  out.converged = res.converged;
  out.rms_residual_rel_fs = res.rms_residual;
  return out;
}

namespace {

// Stuck cells and wire spread are chip properties: one ok sample (the first) per instance.
std::map<std::uint64_t, std::size_t> first_sample_of_each_instance(const CampaignFile& campaign,
                                                                   const std::vector<std::size_t>& ok) {
  std::map<std::uint64_t, std::size_t> first;
  for (std::size_t s : ok) first.emplace(static_cast<std::uint64_t>(*field(campaign, s, "instance")), s);
  return first;
}

}  // namespace

behavioral::ProgrammingErrorFit fit_programming_error(const CampaignFile& campaign,
                                                      const characterize::CampaignSpec& spec,
                                                      const std::vector<std::size_t>& ok, double g_on, double g_off) {
  const std::size_t cells =
      static_cast<std::size_t>(spec.crossbar.rows) * static_cast<std::size_t>(spec.crossbar.physical_cols());
  const bool lognormal = spec.variation.g_prog_error.distribution == characterize::Distribution::lognormal;
  std::vector<double> x;
  x.reserve(ok.size() * cells);
  for (std::size_t s : ok) {
    const double* gt = field(campaign, s, "g_target_s");
    const double* gp = field(campaign, s, "g_programmed_s");
    for (std::size_t c = 0; c < cells; ++c) {
      if (gp[c] == g_on || gp[c] == g_off || !(gt[c] > 0)) continue;  // stuck, or no target
      if (lognormal) {
        if (gp[c] > 0) x.push_back(std::log(gp[c] / gt[c]));
      } else {
        x.push_back(gp[c] / gt[c] - 1.0);
      }
    }
  }
  const NormalFit nf = fit_normal(x);
  const KsTest ks = ks_test_normal(x, nf.mean, nf.sigma);
  behavioral::ProgrammingErrorFit pe;
  pe.distribution = lognormal ? "lognormal" : "normal";
  pe.n = nf.n;
  pe.gof_test = "kolmogorov-smirnov";
  pe.gof_statistic = ks.statistic;
  pe.gof_p_value = ks.p_value;
  if (lognormal) {
    auto rel = [](double s) { return std::sqrt(std::expm1(s * s)); };
    pe.mean_log = nf.mean;
    pe.sigma_log = nf.sigma;
    pe.mean_rel = std::exp(nf.mean + 0.5 * nf.sigma * nf.sigma) - 1.0;
    pe.sigma_rel_d2d = rel(nf.sigma);
    pe.sigma_rel_d2d_ci95 = ci(rel(nf.sigma_ci95_low), rel(nf.sigma_ci95_high));
  } else {
    pe.mean_rel = nf.mean;
    pe.sigma_rel_d2d = nf.sigma;
    pe.sigma_rel_d2d_ci95 = ci(nf.sigma_ci95_low, nf.sigma_ci95_high);
  }
  return pe;
}

std::pair<behavioral::FractionFit, behavioral::FractionFit> fit_stuck_fractions(
    const CampaignFile& campaign, const characterize::CampaignSpec& spec, const std::vector<std::size_t>& ok) {
  const auto first = first_sample_of_each_instance(campaign, ok);
  const std::uint64_t cells =
      static_cast<std::uint64_t>(spec.crossbar.rows) * static_cast<std::uint64_t>(spec.crossbar.physical_cols());
  std::uint64_t n_on = 0, n_off = 0;
  for (const auto& [inst, s] : first) {
    n_on += static_cast<std::uint64_t>(*field(campaign, s, "n_stuck_on"));
    n_off += static_cast<std::uint64_t>(*field(campaign, s, "n_stuck_off"));
  }
  const std::uint64_t trials = first.size() * cells;
  auto fraction = [&](std::uint64_t k) {
    behavioral::FractionFit f;
    f.n_events = k;
    f.n_trials = trials;
    f.fraction = static_cast<double>(k) / static_cast<double>(trials);
    clopper_pearson95(k, trials, &f.ci95.low, &f.ci95.high);
    return f;
  };
  return {fraction(n_on), fraction(n_off)};
}

behavioral::WireSpreadFit fit_wire_spread(const CampaignFile& campaign, const characterize::CampaignSpec& spec,
                                          const std::vector<std::size_t>& ok) {
  std::vector<double> wire;
  for (const auto& [inst, s] : first_sample_of_each_instance(campaign, ok)) {
    if (spec.crossbar.r_row_wire_ohm > 0)
      wire.push_back(*field(campaign, s, "r_row_wire_ohm") / spec.crossbar.r_row_wire_ohm - 1.0);
    if (spec.crossbar.r_col_wire_ohm > 0)
      wire.push_back(*field(campaign, s, "r_col_wire_ohm") / spec.crossbar.r_col_wire_ohm - 1.0);
  }
  behavioral::WireSpreadFit w;
  if (wire.empty()) {
    w.ci95 = ci(0.0, 0.0);
    return w;
  }
  const NormalFit wf = fit_normal(wire);
  w.r_wire_sigma_rel_d2d = wf.sigma;
  w.mean_rel = wf.mean;
  w.ci95 = ci(wf.sigma_ci95_low, wf.sigma_ci95_high);
  w.n = wf.n;
  return w;
}

behavioral::CrossbarVariationFit fit_crossbar_variation(const CampaignFile& campaign,
                                                        const characterize::CampaignSpec& spec,
                                                        const std::vector<std::size_t>& ok) {
  if (ok.empty()) throw FitError("no ok samples to fit the crossbar variation to");
  behavioral::CrossbarVariationFit v;
  const auto& var = spec.variation;
  v.g_stuck_on_s = var.g_stuck_on_s >= 0 ? var.g_stuck_on_s : spec.workload.g_max_s;
  v.g_stuck_off_s = var.g_stuck_off_s >= 0 ? var.g_stuck_off_s : spec.workload.g_min_s;
  v.programming_error = fit_programming_error(campaign, spec, ok, v.g_stuck_on_s, v.g_stuck_off_s);
  std::tie(v.stuck_on, v.stuck_off) = fit_stuck_fractions(campaign, spec, ok);
  v.wire = fit_wire_spread(campaign, spec, ok);
  return v;
}

behavioral::CrossbarModelFile fit_crossbar(const CampaignFile& campaign, const FitOptions& options) {
  options.validate();
  require_crossbar(campaign);
  const auto spec = stored_spec(campaign);
  const std::vector<std::size_t> ok = ok_samples(campaign);
  if (ok.empty()) throw FitError("the campaign has no ok samples to fit");
  const std::vector<std::size_t> held = held_out_samples(campaign, options.seed);

  behavioral::CrossbarModelFile m;
  m.nominal = nominal_params(spec);
  m.variation = fit_crossbar_variation(campaign, spec, ok);
  m.estimated = estimate_parameters(m.nominal, campaign, fit_set_samples(campaign, options.seed), full_scale_a(spec));
  m.held_out = compare_with_spice(m.nominal, campaign, held, full_scale_a(spec), options.adc_bits).record();
  m.provenance = make_provenance(campaign, options);
  if (options.predictive_chips > 0) {
    PredictiveCheckOptions po;
    po.chips = options.predictive_chips;
    po.seed = options.seed;
    m.predictive = to_metrics(predictive_check(m, campaign, held, po));
  }
  return m;
}

}  // namespace xbar::fit
