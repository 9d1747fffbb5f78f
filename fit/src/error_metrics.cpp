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

namespace {

// The record fields and their ErrorSummary counterparts, listed once for both directions.
template <class Record>
struct Field {
  double ErrorSummary::*summary;
  double Record::*record;
};
constexpr Field<behavioral::ErrorMetrics> kCrossbarFields[] = {
    {&ErrorSummary::rms_abs, &behavioral::ErrorMetrics::rms_abs_a},
    {&ErrorSummary::max_abs, &behavioral::ErrorMetrics::max_abs_a},
    {&ErrorSummary::rms_pct_fs, &behavioral::ErrorMetrics::rms_pct_fs},
    {&ErrorSummary::max_pct_fs, &behavioral::ErrorMetrics::max_pct_fs},
    {&ErrorSummary::rms_lsb, &behavioral::ErrorMetrics::rms_lsb},
    {&ErrorSummary::max_lsb, &behavioral::ErrorMetrics::max_lsb},
    {&ErrorSummary::relative_l2, &behavioral::ErrorMetrics::rel_l2},
    {&ErrorSummary::full_scale, &behavioral::ErrorMetrics::full_scale_a},
};
constexpr Field<behavioral::PeripheryErrorMetrics> kPeripheryFields[] = {
    {&ErrorSummary::rms_abs, &behavioral::PeripheryErrorMetrics::rms_abs_v},
    {&ErrorSummary::max_abs, &behavioral::PeripheryErrorMetrics::max_abs_v},
    {&ErrorSummary::rms_lsb, &behavioral::PeripheryErrorMetrics::rms_lsb},
    {&ErrorSummary::max_lsb, &behavioral::PeripheryErrorMetrics::max_lsb},
    {&ErrorSummary::rms_pct_fs, &behavioral::PeripheryErrorMetrics::rms_pct_fs},
    {&ErrorSummary::max_pct_fs, &behavioral::PeripheryErrorMetrics::max_pct_fs},
    {&ErrorSummary::lsb, &behavioral::PeripheryErrorMetrics::lsb_v},
    {&ErrorSummary::full_scale, &behavioral::PeripheryErrorMetrics::full_scale_v},
};

template <class Record, std::size_t N>
void to_record(const ErrorSummary& e, Record& r, const Field<Record> (&fields)[N]) {
  for (const auto& f : fields) r.*(f.record) = e.*(f.summary);
}

template <class Record, std::size_t N>
void from_record(const Record& r, ErrorSummary& e, const Field<Record> (&fields)[N]) {
  for (const auto& f : fields) e.*(f.summary) = r.*(f.record);
}

}  // namespace

behavioral::ErrorMetrics to_crossbar_record(const ErrorSummary& e, std::uint64_t n_samples, int adc_bits) {
  behavioral::ErrorMetrics m;
  to_record(e, m, kCrossbarFields);
  m.n_samples = n_samples;
  m.n_values = e.n_values;
  m.adc_bits = adc_bits;
  if (std::isinf(m.rel_l2)) m.rel_l2 = 0.0;  // the file's convention: 0 when SPICE is all 0
  return m;
}

behavioral::PeripheryErrorMetrics to_periphery_record(const ErrorSummary& e) {
  behavioral::PeripheryErrorMetrics m;
  to_record(e, m, kPeripheryFields);
  m.n_instances = e.n_instances;
  m.n_values = e.n_values;
  return m;
}

ErrorSummary from_record(const behavioral::ErrorMetrics& m) {
  ErrorSummary e;
  from_record(m, e, kCrossbarFields);
  e.n_values = m.n_values;  // n_instances stays 0: the crossbar record counts samples, not chips
  e.lsb = crossbar_lsb(m.full_scale_a, m.adc_bits);
  return e;
}

ErrorSummary from_record(const behavioral::PeripheryErrorMetrics& m) {
  ErrorSummary e;
  from_record(m, e, kPeripheryFields);
  e.n_instances = m.n_instances;
  e.n_values = m.n_values;
  return e;
}

}  // namespace xbar::fit
