#include "xbar/fit/error_metrics.hpp"

#include <cassert>
#include <cmath>

namespace xbar::fit {

ErrorSummary compare(const Eigen::Ref<const Eigen::VectorXd>& a, const Eigen::Ref<const Eigen::VectorXd>& ref) {
  assert(a.size() == ref.size());
  ErrorSummary s;
  if (a.size() == 0) return s;
  const Eigen::VectorXd d = a - ref;
  const double ref_norm = ref.norm(), ref_max = ref.cwiseAbs().maxCoeff();
  s.max_abs = d.cwiseAbs().maxCoeff();
  s.rms_abs = std::sqrt(d.squaredNorm() / static_cast<double>(d.size()));
  s.relative_l2 = ref_norm > 0 ? d.norm() / ref_norm : (d.norm() > 0 ? INFINITY : 0.0);
  s.max_relative = ref_max > 0 ? s.max_abs / ref_max : (s.max_abs > 0 ? INFINITY : 0.0);
  return s;
}

ScaledError scale_error(const ErrorSummary& e, double lsb, double full_scale) {
  assert(lsb > 0 && full_scale > 0);
  ScaledError s;
  s.rms_abs = e.rms_abs;
  s.max_abs = e.max_abs;
  s.rms_lsb = e.rms_abs / lsb;
  s.max_lsb = e.max_abs / lsb;
  s.rms_pct_fs = 100.0 * e.rms_abs / full_scale;
  s.max_pct_fs = 100.0 * e.max_abs / full_scale;
  return s;
}

}  // namespace xbar::fit
