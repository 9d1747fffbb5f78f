#include "xbar/behavioral/periphery.hpp"

#include "xbar/core/counter_rng.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "cat.hpp"
#include "xbar/behavioral/error.hpp"

namespace xbar::behavioral {

using detail::cat;

namespace {


double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// sigmoid'(x) = s (1 - s), written to stay finite for large |x|.
double sigmoid_prime(double x) {
  const double e = std::exp(-std::abs(x));
  return e / ((1.0 + e) * (1.0 + e));
}

}  // namespace

// ------------------------------------------------------------------------------------ DAC ---

void DacModelParams::validate() const {
  std::vector<std::string> bad;
  if (bits < 1 || bits > 12) bad.push_back(cat("dac_model.bits = ", bits, ": must be between 1 and 12"));
  if (!std::isfinite(v_min_v)) bad.push_back(cat("dac_model.v_min_v = ", v_min_v, ": must be finite"));
  if (!(std::isfinite(v_max_v) && v_max_v > v_min_v))
    bad.push_back(cat("dac_model.v_max_v = ", v_max_v, ": must be finite and > v_min_v = ", v_min_v));
  if (level_table_v.size() != 0) {
    if (bits >= 1 && bits <= 12 && level_table_v.cols() != (1 << bits))
      bad.push_back(cat("dac_model.level_table_v has ", level_table_v.cols(), " columns: must be 2^bits = ", 1 << bits));
    if (!level_table_v.allFinite()) bad.push_back("dac_model.level_table_v: every level must be finite");
  }
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

double DacModelParams::ideal_level_v(int code) const {
  if (code < 0 || code >= codes())
    throw ValidationError({cat("dac_model code ", code, ": must be between 0 and ", codes() - 1)});
  return v_min_v + code * (v_max_v - v_min_v) / (codes() - 1);
}

DacModel::DacModel(const DacModelParams& params, int rows) : p_(params), rows_(rows) {
  p_.validate();
  if (rows < 1) throw ValidationError({cat("dac_model rows = ", rows, ": must be >= 1")});
  if (p_.level_table_v.size() != 0 && p_.level_table_v.rows() != rows)
    throw ValidationError({cat("dac_model.level_table_v has ", p_.level_table_v.rows(), " rows: must be one per row (",
                               rows, ")")});
}

Eigen::MatrixXd DacModel::forward(const Eigen::Ref<const Eigen::MatrixXi>& codes) const {
  if (codes.rows() != rows_)
    throw ValidationError({cat("DacModel::forward: codes have ", codes.rows(), " rows: must be ", rows_)});
  Eigen::MatrixXd v(codes.rows(), codes.cols());
  const bool table = p_.level_table_v.size() != 0;
  for (Eigen::Index b = 0; b < codes.cols(); ++b) {
    for (Eigen::Index i = 0; i < codes.rows(); ++i) {
      const int c = codes(i, b);
      const double ideal = p_.ideal_level_v(c);  // range check for both cases
      v(i, b) = table ? p_.level_table_v(i, c) : ideal;
    }
  }
  return v;
}

DacGradients DacModel::backward(const Eigen::Ref<const Eigen::MatrixXi>& codes,
                                const Eigen::Ref<const Eigen::MatrixXd>& dl_dv) const {
  if (codes.rows() != rows_ || dl_dv.rows() != codes.rows() || dl_dv.cols() != codes.cols())
    throw ValidationError({cat("DacModel::backward: codes ", codes.rows(), "x", codes.cols(), " and dl_dv ", dl_dv.rows(),
                               "x", dl_dv.cols(), " must both be rows x B with rows = ", rows_)});
  DacGradients g;
  const bool table = p_.level_table_v.size() != 0;
  const double step = (p_.v_max_v - p_.v_min_v) / (p_.codes() - 1);
  g.dl_dcode = dl_dv * step;
  if (table) g.dl_dlevel_table = Eigen::MatrixXd::Zero(rows_, p_.codes());
  for (Eigen::Index b = 0; b < codes.cols(); ++b) {
    for (Eigen::Index i = 0; i < codes.rows(); ++i) {
      const int c = codes(i, b);
      (void)p_.ideal_level_v(c);
      if (table) {
        g.dl_dlevel_table(i, c) += dl_dv(i, b);
      } else {
        const double f = static_cast<double>(c) / (p_.codes() - 1);  // level = (1 - f) v_min + f v_max
        g.dl_dv_min += dl_dv(i, b) * (1.0 - f);
        g.dl_dv_max += dl_dv(i, b) * f;
      }
    }
  }
  return g;
}

// ------------------------------------------------------------------------------------ TIA ---

void TiaModelParams::validate() const {
  std::vector<std::string> bad;
  if (!(std::isfinite(rf_ohm) && rf_ohm > 0)) bad.push_back(cat("tia_model.rf_ohm = ", rf_ohm, ": must be finite and > 0"));
  if (!(a0_vv > 0)) bad.push_back(cat("tia_model.a0_vv = ", a0_vv, ": must be > 0 (inf = ideal op-amp)"));
  if (!(std::isfinite(r_out_ohm) && r_out_ohm >= 0))
    bad.push_back(cat("tia_model.r_out_ohm = ", r_out_ohm, ": must be finite and >= 0"));
  if (!std::isfinite(v_offset_v)) bad.push_back(cat("tia_model.v_offset_v = ", v_offset_v, ": must be finite"));
  if (!std::isfinite(v_out_min_v)) bad.push_back(cat("tia_model.v_out_min_v = ", v_out_min_v, ": must be finite"));
  if (!(std::isfinite(v_out_max_v) && v_out_max_v > v_out_min_v))
    bad.push_back(cat("tia_model.v_out_max_v = ", v_out_max_v, ": must be finite and > v_out_min_v = ", v_out_min_v));
  if (!(std::isfinite(tau_s) && tau_s >= 0)) bad.push_back(cat("tia_model.tau_s = ", tau_s, ": must be finite and >= 0"));
  if (!(t_sample_s > 0)) bad.push_back(cat("tia_model.t_sample_s = ", t_sample_s, ": must be > 0 (inf = fully settled)"));
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

double TiaModelParams::gain_ohm(double g_in_s) const {
  if (std::isinf(a0_vv)) return -rf_ohm;
  return (r_out_ohm - rf_ohm * a0_vv) / (1.0 + a0_vv + (rf_ohm + r_out_ohm) * g_in_s);
}

double TiaModelParams::settled_fraction() const {
  if (tau_s == 0.0 || std::isinf(t_sample_s)) return 1.0;
  return -std::expm1(-t_sample_s / tau_s);
}

TiaTransfer tia_transfer(const TiaModelParams& p, double g_in_s) {
  TiaTransfer l;
  const double noise_gain = 1.0 + p.rf_ohm * g_in_s;
  if (std::isinf(p.a0_vv)) {
    l.rest_v = p.v_offset_v * noise_gain;
  } else {
    const double d = 1.0 + p.a0_vv + (p.rf_ohm + p.r_out_ohm) * g_in_s;
    l.rest_v = p.a0_vv * p.v_offset_v * noise_gain / d;
  }
  l.slope_ohm = p.settled_fraction() * p.gain_ohm(g_in_s);
  return l;
}

TiaPartials tia_evaluate(const TiaModelParams& p, double i_in_a, double g_in_s) {
  TiaPartials d;
  const TiaTransfer line = tia_transfer(p, g_in_s);
  const double v_lin = line.rest_v + line.slope_ohm * i_in_a;
  if (v_lin < p.v_out_min_v) {
    d.v_out_v = p.v_out_min_v;
    d.saturated = true;
    d.dv_dv_out_min = 1.0;
    return d;
  }
  if (v_lin > p.v_out_max_v) {
    d.v_out_v = p.v_out_max_v;
    d.saturated = true;
    d.dv_dv_out_max = 1.0;
    return d;
  }
  d.v_out_v = v_lin;
  d.dv_di = line.slope_ohm;
  const double s = p.settled_fraction();
  const double gt = p.gain_ohm(g_in_s);
  const double g = g_in_s, rf = p.rf_ohm, vos = p.v_offset_v;
  // rest = a0 vos (1 + rf g) / D and G_T = (r_out - rf a0) / D, D = 1 + a0 + (rf + r_out) g:
  // d rest/dx = (d numerator/dx - rest dD/dx) / D and dG_T/dx = (d numerator/dx - G_T dD/dx) / D,
  // with dD/dg = rf + r_out, dD/drf = dD/dr_out = g, dD/da0 = 1.
  if (std::isinf(p.a0_vv)) {
    d.dv_dg_in = vos * rf;
    d.dv_drf = vos * g - s * i_in_a;
    d.dv_dv_offset = 1.0 + rf * g;
  } else {
    const double a0 = p.a0_vv, r_out = p.r_out_ohm;
    const double dd = 1.0 + a0 + (rf + r_out) * g;
    const double rest = line.rest_v;
    const double drest_dg = (a0 * vos * rf - rest * (rf + r_out)) / dd;
    const double dgt_dg = -gt * (rf + r_out) / dd;
    const double drest_drf = (a0 * vos * g - rest * g) / dd;
    const double dgt_drf = (-a0 - gt * g) / dd;
    const double drest_da0 = (vos * (1.0 + rf * g) - rest) / dd;
    const double dgt_da0 = (-rf - gt) / dd;
    const double drest_dr_out = -rest * g / dd;
    const double dgt_dr_out = (1.0 - gt * g) / dd;
    d.dv_dg_in = drest_dg + s * dgt_dg * i_in_a;
    d.dv_drf = drest_drf + s * dgt_drf * i_in_a;
    d.dv_da0 = drest_da0 + s * dgt_da0 * i_in_a;
    d.dv_dr_out = drest_dr_out + s * dgt_dr_out * i_in_a;
    d.dv_dv_offset = a0 * (1.0 + rf * g) / dd;
  }
  if (p.tau_s > 0.0 && !std::isinf(p.t_sample_s)) {
    // s = 1 - exp(-t/tau): ds/dtau = -exp(-t/tau) t / tau^2.
    const double ds_dtau = -std::exp(-p.t_sample_s / p.tau_s) * p.t_sample_s / (p.tau_s * p.tau_s);
    d.dv_dtau = ds_dtau * gt * i_in_a;
  }
  return d;
}

// ------------------------------------------------------------------------------------ ADC ---

void AdcModelParams::validate() const {
  std::vector<std::string> bad;
  if (bits < 1 || bits > 16) bad.push_back(cat("adc_model.bits = ", bits, ": must be between 1 and 16"));
  if (!std::isfinite(v_min_v)) bad.push_back(cat("adc_model.v_min_v = ", v_min_v, ": must be finite"));
  if (!(std::isfinite(v_max_v) && v_max_v > v_min_v))
    bad.push_back(cat("adc_model.v_max_v = ", v_max_v, ": must be finite and > v_min_v = ", v_min_v));
  if (transition_v.size() != 0) {
    if (bits >= 1 && bits <= 16 && transition_v.size() != transitions())
      bad.push_back(cat("adc_model.transition_v has ", transition_v.size(), " entries: must be 2^bits - 1 = ",
                        transitions(), " (or empty for the ideal transitions)"));
    if (!transition_v.allFinite()) bad.push_back("adc_model.transition_v: every transition must be finite");
  }
  if (!(std::isfinite(noise_sigma_v) && noise_sigma_v >= 0))
    bad.push_back(cat("adc_model.noise_sigma_v = ", noise_sigma_v, ": must be finite and >= 0"));
  if (!(std::isfinite(smooth_width_lsb) && smooth_width_lsb > 0))
    bad.push_back(cat("adc_model.smooth_width_lsb = ", smooth_width_lsb, ": must be finite and > 0"));
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

Eigen::VectorXd AdcModelParams::transitions_v() const {
  if (transition_v.size() != 0) return transition_v;
  const int m = transitions();
  Eigen::VectorXd t(m);
  for (int k = 1; k <= m; ++k) t[k - 1] = v_min_v + (k - 0.5) * lsb_v();
  return t;
}

double adc_noise_unit(std::uint64_t seed, std::int64_t column, std::int64_t batch) {
  const std::uint64_t key = (static_cast<std::uint64_t>(column) << 32) + static_cast<std::uint64_t>(batch);
  const std::uint64_t r1 = core::splitmix64(seed ^ core::splitmix64(key));
  const std::uint64_t r2 = core::splitmix64(r1);
  const double u1 = static_cast<double>(r1 >> 11) * 0x1.0p-53;
  const double u2 = static_cast<double>(r2 >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(2.0 * M_PI * u2);
}

AdcModel::AdcModel(const AdcModelParams& params) : p_(params) {
  p_.validate();
  t_ = p_.transitions_v();
  sorted_.assign(t_.data(), t_.data() + t_.size());
  std::sort(sorted_.begin(), sorted_.end());
}

int AdcModel::code(double v, double n_v) const {
  // #{k : T_k <= x}, x = v + n: start where the ideal transitions put x and walk to the first
  // transition above x (transitions are near their ideal places, so one or two steps); equal to
  // upper_bound(sorted, x) from any start, including NaN-free inputs outside the range.
  const double x = v + n_v;
  const int m = static_cast<int>(sorted_.size());
  if (std::isnan(x)) return m;  // as upper_bound: no transition compares above NaN
  const double pos = (x - p_.v_min_v) / p_.lsb_v() + 0.5;
  int k = pos > 0.0 ? (pos < m ? static_cast<int>(pos) : m) : 0;
  while (k < m && sorted_[static_cast<std::size_t>(k)] <= x) ++k;
  while (k > 0 && sorted_[static_cast<std::size_t>(k - 1)] > x) --k;
  return k;
}

double AdcModel::surrogate_code(double v, double n_v) const {
  const double lsb = p_.lsb_v();
  if (p_.surrogate == AdcSurrogate::straight_through) {
    return std::clamp((v - p_.v_min_v) / lsb, -0.5, p_.transitions() + 0.5);
  }
  const double w = p_.smooth_width_lsb * lsb;
  double c = 0.0;
  for (double t : sorted_) c += sigmoid((v + n_v - t) / w);
  return c;
}

double AdcModel::dsurrogate_dv(double v, double n_v) const {
  const double lsb = p_.lsb_v();
  if (p_.surrogate == AdcSurrogate::straight_through) {
    const double x = (v - p_.v_min_v) / lsb;
    return (x > -0.5 && x < p_.transitions() + 0.5) ? 1.0 / lsb : 0.0;
  }
  const double w = p_.smooth_width_lsb * lsb;
  double d = 0.0;
  for (double t : sorted_) d += sigmoid_prime((v + n_v - t) / w) / w;
  return d;
}

void AdcModel::accumulate_dsurrogate_dt(double v, double n_v, double w_l, Eigen::Ref<Eigen::VectorXd> dl_dt) const {
  if (p_.surrogate == AdcSurrogate::straight_through) return;
  const double w = p_.smooth_width_lsb * p_.lsb_v();
  for (Eigen::Index k = 0; k < t_.size(); ++k) dl_dt[k] -= w_l * sigmoid_prime((v + n_v - t_[k]) / w) / w;
}

}  // namespace xbar::behavioral
