#pragma once
// Error metrics between a model (or any engine) and a reference (SPICE or closed form).
//
//   relative L2:     ||a - ref||_2 / ||ref||_2          (0 if both are zero vectors)
//   max relative:    max_k |a_k - ref_k| / max_k |ref_k|
//   rms, max abs:    in the units of the inputs
//   in LSB:          rms_abs / lsb, max_abs / lsb
//   in % of FS:      100 rms_abs / full_scale, 100 max_abs / full_scale
#include <Eigen/Core>

namespace xbar::fit {

struct ErrorSummary {
  double relative_l2 = 0.0;   ///< ||a - ref|| / ||ref||
  double max_relative = 0.0;  ///< max |a - ref| / max |ref|
  double rms_abs = 0.0;       ///< sqrt(mean((a - ref)^2)), units of the inputs
  double max_abs = 0.0;       ///< max |a - ref|, units of the inputs
};

/// Compares `a` with `ref` (same size; asserted).
ErrorSummary compare(const Eigen::Ref<const Eigen::VectorXd>& a, const Eigen::Ref<const Eigen::VectorXd>& ref);

/// An ErrorSummary's absolute errors in converter units.
struct ScaledError {
  double rms_abs = 0.0, max_abs = 0.0;        ///< units of the inputs
  double rms_lsb = 0.0, max_lsb = 0.0;        ///< divided by lsb
  double rms_pct_fs = 0.0, max_pct_fs = 0.0;  ///< percent of full_scale
};

/// rms_abs and max_abs of `e` in LSB and in percent of full scale (lsb, full_scale > 0; asserted).
ScaledError scale_error(const ErrorSummary& e, double lsb, double full_scale);

}  // namespace xbar::fit
