#pragma once
// Nonlinear least squares by Levenberg-Marquardt (Marquardt's diagonal scaling), with Eigen.
//
// Minimizes C(p) = 1/2 |r(p)|^2 over p (n parameters, m >= n residuals). Each iteration solves
//   (J^T J + lambda diag(J^T J)) delta = -J^T r
// (LDLT), accepts p + delta when the cost drops (lambda /= 10), else retries with lambda *= 10.
// J is the caller's Jacobian, or forward differences: column j from r(p + h_j e_j) with
// h_j = fd_rel_step max(|p_j|, 1) (like step_tol, this assumes parameters scaled to order 1).
// Stops when |delta| <= step_tol (|p| + 1) (scale p to order 1), when the cost drops by less than
// cost_tol C (relative) on an accepted step, when C <= cost_abs_tol, when lambda passes 1e10
// without a decrease (a minimum to rounding: "no_decrease"), or at max_iterations.
//
// Uncertainty at the solution: covariance = s^2 (J^T J)^-1 with s^2 = 2 C / (m - n) (the
// residual variance), standard error = sqrt(diag), and a 95% interval p_j +- t(0.975; m - n) se_j
// (Student's t, Boost.Math). With m == n the interval is NaN. A rank-deficient J^T J gives NaN
// for the parameters it cannot identify.
#include <Eigen/Core>
#include <functional>
#include <string>

namespace xbar::fit {

struct LmOptions {
  int max_iterations = 50;     ///< accepted + rejected steps, >= 1
  double lambda0 = 1e-3;       ///< initial damping
  double step_tol = 1e-10;     ///< step size to stop at, relative to |p| + 1
  double cost_tol = 1e-12;     ///< relative cost decrease to stop at
  double cost_abs_tol = 0.0;   ///< stop when the cost is at or below this
  double fd_rel_step = 1e-6;   ///< forward-difference step, relative to max(|p_j|, 1)
};

struct LmResult {
  Eigen::VectorXd params;       ///< the estimate
  Eigen::VectorXd std_error;    ///< standard error of each parameter (NaN if not identifiable)
  Eigen::VectorXd ci95_low;     ///< 95% interval (Student's t with m - n degrees of freedom)
  Eigen::VectorXd ci95_high;
  Eigen::MatrixXd covariance;   ///< s^2 (J^T J)^-1
  double cost = 0.0;            ///< 1/2 |r|^2 at the estimate
  double initial_cost = 0.0;    ///< 1/2 |r|^2 at the start
  double rms_residual = 0.0;    ///< sqrt(2 C / m)
  Eigen::Index n_residuals = 0;  ///< m
  int iterations = 0;           ///< steps tried (accepted or not)
  int evaluations = 0;          ///< calls of the residual function (finite differences included)
  bool converged = false;       ///< stopped on a tolerance, not on max_iterations
  std::string stop_reason;      ///< which test stopped it
};

using ResidualFunction = std::function<Eigen::VectorXd(const Eigen::VectorXd& p)>;
/// J(p) given r(p) (m x n). Empty = forward differences.
using JacobianFunction = std::function<Eigen::MatrixXd(const Eigen::VectorXd& p, const Eigen::VectorXd& r)>;

/// Runs LM from p0. Throws FitError for m < n, a non-finite residual at p0, or bad options.
LmResult levenberg_marquardt(const ResidualFunction& residuals, const Eigen::VectorXd& p0, const LmOptions& options = {},
                             const JacobianFunction& jacobian = {});

}  // namespace xbar::fit
