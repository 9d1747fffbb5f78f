#pragma once
// The one error-metrics type of xbar (ErrorSummary) and the one place it is computed: a model
// (or any engine) against a reference (SPICE or a closed form), for crossbar currents, TIA
// outputs, ADC transitions and codes, and tile outputs alike.
//
//   e_k = a_k - ref_k, k = 1 .. n (n_values)
//   rms_abs = sqrt(sum e_k^2 / n)            max_abs = max |e_k|        (units of the inputs, A or V)
//   relative_l2 = ||e||_2 / ||ref||_2        (0 if both are zero vectors, inf if only ref is)
//   max_relative = max |e_k| / max |ref_k|
//   rms_lsb = rms_abs / lsb                  max_lsb = max_abs / lsb            (when lsb > 0)
//   rms_pct_fs = 100 rms_abs / full_scale    max_pct_fs = 100 max_abs / full_scale (when full_scale > 0)
//
// ErrorAccumulator keeps the running sums (pairs added one at a time, e.g. per column of a
// campaign field); error_metrics() turns sums or two vectors into an ErrorSummary. The model
// files store the same figures in their own field lists (behavioral::ErrorMetrics,
// behavioral::PeripheryErrorMetrics): to_crossbar_record / to_periphery_record and
// from_record convert, nothing else computes them.
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"

namespace xbar::fit {

struct ErrorSummary {
  std::uint64_t n_instances = 0;  ///< chips (instances) compared; 0 = not counted
  std::uint64_t n_values = 0;     ///< values compared
  double relative_l2 = 0.0;       ///< ||a - ref|| / ||ref||
  double max_relative = 0.0;      ///< max |a - ref| / max |ref|
  double rms_abs = 0.0;           ///< sqrt(mean((a - ref)^2)), units of the inputs
  double max_abs = 0.0;           ///< max |a - ref|, units of the inputs
  double rms_lsb = 0.0;           ///< rms_abs / lsb (0 when lsb = 0)
  double max_lsb = 0.0;           ///< max_abs / lsb
  double rms_pct_fs = 0.0;        ///< 100 rms_abs / full_scale (0 when full_scale = 0)
  double max_pct_fs = 0.0;        ///< 100 max_abs / full_scale
  double lsb = 0.0;               ///< one LSB, units of the inputs (0 = none given)
  double full_scale = 0.0;        ///< full scale, units of the inputs (0 = none given)
};

/// Running sums of (out, ref) pairs: what every metric above and a column's mean and spread
/// need. Add pairs, then call error_metrics(accumulator, ...).
struct ErrorAccumulator {
  double n = 0, sum_out = 0, sum_ref = 0, sum_err = 0, sum_err2 = 0, sum_ref2 = 0, max_abs = 0, max_ref = 0;
  void add(double out, double ref);
  double mean_out() const { return sum_out / n; }
  double mean_ref() const { return sum_ref / n; }
  double mean_err() const { return sum_err / n; }
  double std_err() const;  ///< sample standard deviation of out - ref (0 for n < 2)
  double rel_rms() const;  ///< sqrt(sum (out-ref)^2 / sum ref^2); NaN when every ref is 0
};

/// The metrics of the accumulated pairs; lsb and full_scale may be 0 (then the LSB and % FS
/// figures are 0).
ErrorSummary error_metrics(const ErrorAccumulator& acc, double lsb = 0.0, double full_scale = 0.0,
                           std::uint64_t n_instances = 0);
/// The metrics of `a` against `ref` (same size; asserted). `unit` multiplies every difference
/// first (e.g. ADC codes compared in codes and reported in volts: unit = lsb).
ErrorSummary error_metrics(const Eigen::Ref<const Eigen::VectorXd>& a, const Eigen::Ref<const Eigen::VectorXd>& ref,
                           double lsb, double full_scale, std::uint64_t n_instances = 0, double unit = 1.0);
ErrorSummary error_metrics(const std::vector<double>& a, const std::vector<double>& ref, double lsb,
                           double full_scale, std::uint64_t n_instances = 0, double unit = 1.0);

/// error_metrics(a, ref, 0, 0): relative and absolute figures only.
ErrorSummary compare(const Eigen::Ref<const Eigen::VectorXd>& a, const Eigen::Ref<const Eigen::VectorXd>& ref);

/// One LSB of an ADC that spans +-full_scale with `bits` bits: 2 full_scale / 2^bits (the
/// crossbar models' convention, data/MODEL_SCHEMA.md /held_out).
double crossbar_lsb(double full_scale_a, int adc_bits);

/// The model files' records of an ErrorSummary (crossbar: amperes, n_samples = n_instances is
/// NOT implied: pass the sample count) and back.
behavioral::ErrorMetrics to_crossbar_record(const ErrorSummary& e, std::uint64_t n_samples, int adc_bits);
behavioral::PeripheryErrorMetrics to_periphery_record(const ErrorSummary& e);
ErrorSummary from_record(const behavioral::ErrorMetrics& m);
ErrorSummary from_record(const behavioral::PeripheryErrorMetrics& m);

}  // namespace xbar::fit
