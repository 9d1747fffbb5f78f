// The one place error metrics are computed (error_metrics.hpp).
#include "xbar/fit/error_metrics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace xbar::fit {

void ErrorAccumulator::add(double out, double ref) {
  const double e = out - ref;
  n += 1;
  sum_out += out;
  sum_ref += ref;
  sum_err += e;
  sum_err2 += e * e;
  sum_ref2 += ref * ref;
  max_abs = std::max(max_abs, std::abs(e));
  max_ref = std::max(max_ref, std::abs(ref));
}

double ErrorAccumulator::std_err() const {
  return n > 1 ? std::sqrt(std::max(0.0, (sum_err2 - sum_err * sum_err / n) / (n - 1))) : 0.0;
}

double ErrorAccumulator::rel_rms() const { return sum_ref2 > 0 ? std::sqrt(sum_err2 / sum_ref2) : NAN; }

namespace {

// Scales the absolute figures by `unit`, then expresses them in LSB and % FS.
ErrorSummary finish(const ErrorAccumulator& a, double lsb, double full_scale, std::uint64_t n_instances, double unit) {
  ErrorSummary s;
  s.n_instances = n_instances;
  s.n_values = static_cast<std::uint64_t>(a.n);
  s.lsb = lsb;
  s.full_scale = full_scale;
  if (a.n == 0) return s;
  s.rms_abs = std::sqrt(a.sum_err2 / a.n) * unit;
  s.max_abs = a.max_abs * unit;
  s.relative_l2 = a.sum_ref2 > 0 ? std::sqrt(a.sum_err2 / a.sum_ref2) : (a.sum_err2 > 0 ? INFINITY : 0.0);
  s.max_relative = a.max_ref > 0 ? a.max_abs / a.max_ref : (a.max_abs > 0 ? INFINITY : 0.0);
  if (lsb > 0) {
    s.rms_lsb = s.rms_abs / lsb;
    s.max_lsb = s.max_abs / lsb;
  }
  if (full_scale > 0) {
    s.rms_pct_fs = 100.0 * s.rms_abs / full_scale;
    s.max_pct_fs = 100.0 * s.max_abs / full_scale;
  }
  return s;
}

template <class A, class B>
ErrorSummary of_pairs(const A& a, const B& ref, std::size_t n, double lsb, double full_scale,
                      std::uint64_t n_instances, double unit) {
  ErrorAccumulator acc;
  for (std::size_t k = 0; k < n; ++k) acc.add(a[k], ref[k]);
  return finish(acc, lsb, full_scale, n_instances, unit);
}

}  // namespace

ErrorSummary error_metrics(const ErrorAccumulator& acc, double lsb, double full_scale, std::uint64_t n_instances) {
  return finish(acc, lsb, full_scale, n_instances, 1.0);
}

ErrorSummary error_metrics(const Eigen::Ref<const Eigen::VectorXd>& a, const Eigen::Ref<const Eigen::VectorXd>& ref,
                           double lsb, double full_scale, std::uint64_t n_instances, double unit) {
  assert(a.size() == ref.size());
  return of_pairs(a, ref, static_cast<std::size_t>(a.size()), lsb, full_scale, n_instances, unit);
}

ErrorSummary error_metrics(const std::vector<double>& a, const std::vector<double>& ref, double lsb,
                           double full_scale, std::uint64_t n_instances, double unit) {
  assert(a.size() == ref.size());
  return of_pairs(a, ref, a.size(), lsb, full_scale, n_instances, unit);
}

ErrorSummary compare(const Eigen::Ref<const Eigen::VectorXd>& a, const Eigen::Ref<const Eigen::VectorXd>& ref) {
  return error_metrics(a, ref, 0.0, 0.0);
}

double crossbar_lsb(double full_scale_a, int adc_bits) { return 2.0 * full_scale_a / std::ldexp(1.0, adc_bits); }

behavioral::ErrorMetrics to_crossbar_record(const ErrorSummary& e, std::uint64_t n_samples, int adc_bits) {
  behavioral::ErrorMetrics m;
  m.n_samples = n_samples;
  m.n_values = e.n_values;
  m.rms_abs_a = e.rms_abs;
  m.max_abs_a = e.max_abs;
  m.rms_pct_fs = e.rms_pct_fs;
  m.max_pct_fs = e.max_pct_fs;
  m.rel_l2 = std::isinf(e.relative_l2) ? 0.0 : e.relative_l2;  // the file's convention: 0 when SPICE is all 0
  m.rms_lsb = e.rms_lsb;
  m.max_lsb = e.max_lsb;
  m.full_scale_a = e.full_scale;
  m.adc_bits = adc_bits;
  return m;
}

behavioral::PeripheryErrorMetrics to_periphery_record(const ErrorSummary& e) {
  behavioral::PeripheryErrorMetrics m;
  m.n_instances = e.n_instances;
  m.n_values = e.n_values;
  m.rms_abs_v = e.rms_abs;
  m.max_abs_v = e.max_abs;
  m.rms_lsb = e.rms_lsb;
  m.max_lsb = e.max_lsb;
  m.rms_pct_fs = e.rms_pct_fs;
  m.max_pct_fs = e.max_pct_fs;
  m.lsb_v = e.lsb;
  m.full_scale_v = e.full_scale;
  return m;
}

ErrorSummary from_record(const behavioral::ErrorMetrics& m) {
  ErrorSummary e;
  e.n_instances = 0;  // the crossbar record counts samples, not chips
  e.n_values = m.n_values;
  e.rms_abs = m.rms_abs_a;
  e.max_abs = m.max_abs_a;
  e.relative_l2 = m.rel_l2;
  e.rms_pct_fs = m.rms_pct_fs;
  e.max_pct_fs = m.max_pct_fs;
  e.rms_lsb = m.rms_lsb;
  e.max_lsb = m.max_lsb;
  e.full_scale = m.full_scale_a;
  e.lsb = crossbar_lsb(m.full_scale_a, m.adc_bits);
  return e;
}

ErrorSummary from_record(const behavioral::PeripheryErrorMetrics& m) {
  ErrorSummary e;
  e.n_instances = m.n_instances;
  e.n_values = m.n_values;
  e.rms_abs = m.rms_abs_v;
  e.max_abs = m.max_abs_v;
  e.rms_lsb = m.rms_lsb;
  e.max_lsb = m.max_lsb;
  e.rms_pct_fs = m.rms_pct_fs;
  e.max_pct_fs = m.max_pct_fs;
  e.lsb = m.lsb_v;
  e.full_scale = m.full_scale_v;
  return e;
}

}  // namespace xbar::fit
