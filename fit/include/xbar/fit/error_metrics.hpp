#pragma once
// Error metrics between a model (or any engine) and a reference (SPICE or closed form).
//
//   relative L2:     ||a - ref||_2 / ||ref||_2          (0 if both are zero vectors)
//   max relative:    max_k |a_k - ref_k| / max_k |ref_k|
//   rms, max abs:    in the units of the inputs
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

}  // namespace xbar::fit
