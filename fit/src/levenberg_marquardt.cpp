#include "xbar/fit/levenberg_marquardt.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "xbar/fit/fit_error.hpp"

namespace xbar::fit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

LmResult levenberg_marquardt(const ResidualFunction& residuals, const Eigen::VectorXd& p0, const LmOptions& o,
                             const JacobianFunction& jacobian) {
  if (o.max_iterations < 1) throw FitError(fmt::format("lm.max_iterations = {}: must be >= 1", o.max_iterations));
  if (!(o.lambda0 > 0) || !(o.fd_rel_step > 0))
    throw FitError("lm.lambda0 and lm.fd_rel_step must be > 0");
  const Eigen::Index n = p0.size();
  LmResult res;
  auto eval = [&](const Eigen::VectorXd& p) {
    ++res.evaluations;
    return residuals(p);
  };
  auto jac = [&](const Eigen::VectorXd& p, const Eigen::VectorXd& r) -> Eigen::MatrixXd {
    if (jacobian) return jacobian(p, r);
    Eigen::MatrixXd j(r.size(), n);
    for (Eigen::Index k = 0; k < n; ++k) {
      Eigen::VectorXd q = p;
      const double h = o.fd_rel_step * std::max(std::abs(p[k]), 1.0);
      q[k] += h;
      j.col(k) = (eval(q) - r) / (q[k] - p[k]);
    }
    return j;
  };

  Eigen::VectorXd p = p0;
  Eigen::VectorXd r = eval(p);
  const Eigen::Index m = r.size();
  if (m < n) throw FitError(fmt::format("least squares: {} residuals for {} parameters (need m >= n)", m, n));
  if (!r.allFinite()) throw FitError("least squares: the residuals at the starting point are not finite");
  double cost = 0.5 * r.squaredNorm();
  res.initial_cost = cost;
  double lambda = o.lambda0;
  Eigen::MatrixXd j = jac(p, r);
  res.stop_reason = "max_iterations";
  while (res.iterations < o.max_iterations) {
    if (cost <= o.cost_abs_tol) {
      res.converged = true;
      res.stop_reason = "cost_abs_tol";
      break;
    }
    ++res.iterations;
    const Eigen::MatrixXd jtj = j.transpose() * j;
    const Eigen::VectorXd g = j.transpose() * r;
    Eigen::MatrixXd a = jtj;
    for (Eigen::Index k = 0; k < n; ++k) a(k, k) += lambda * std::max(jtj(k, k), 1e-300);
    const Eigen::VectorXd delta = a.ldlt().solve(-g);
    if (!delta.allFinite()) {
      lambda *= 10;
      continue;
    }
    const Eigen::VectorXd p_new = p + delta;
    const Eigen::VectorXd r_new = eval(p_new);
    const double cost_new = r_new.allFinite() ? 0.5 * r_new.squaredNorm() : std::numeric_limits<double>::infinity();
    if (cost_new < cost) {
      const double drop = cost - cost_new;
      p = p_new;
      r = r_new;
      cost = cost_new;
      lambda = std::max(lambda / 10, 1e-12);
      if (delta.norm() <= o.step_tol * (p.norm() + 1.0)) {
        res.converged = true;
        res.stop_reason = "step_tol";
        break;
      }
      if (drop <= o.cost_tol * cost_new) {
        res.converged = true;
        res.stop_reason = "cost_tol";
        break;
      }
      j = jac(p, r);
    } else {
      lambda *= 10;
      if (lambda > 1e10) {  // even tiny steps along the gradient do not lower the cost: a minimum to rounding
        res.converged = true;
        res.stop_reason = "no_decrease";
        break;
      }
      if (delta.norm() <= o.step_tol * (p.norm() + 1.0)) {
        res.converged = true;
        res.stop_reason = "step_tol";
        break;
      }
    }
  }

  // Uncertainty at the estimate (the Jacobian of the last accepted point).
  j = jac(p, r);
  res.params = p;
  res.cost = cost;
  res.n_residuals = m;
  res.rms_residual = std::sqrt(2 * cost / static_cast<double>(m));
  res.std_error = Eigen::VectorXd::Constant(n, kNaN);
  res.ci95_low = Eigen::VectorXd::Constant(n, kNaN);
  res.ci95_high = Eigen::VectorXd::Constant(n, kNaN);
  res.covariance = Eigen::MatrixXd::Constant(n, n, kNaN);
  if (m > n) {
    // (J^T J)^-1 through the column-scaled normal matrix (columns of J differ by orders of
    // magnitude); a parameter whose scaled eigen-direction is below rounding stays NaN.
    Eigen::VectorXd scale(n);
    for (Eigen::Index k = 0; k < n; ++k) scale[k] = j.col(k).norm();
    if (scale.minCoeff() > 0) {
      const Eigen::MatrixXd js = j * scale.cwiseInverse().asDiagonal();
      const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(js.transpose() * js);
      const double s2 = 2 * cost / static_cast<double>(m - n);
      if (eig.info() == Eigen::Success && eig.eigenvalues().minCoeff() > 1e-12 * eig.eigenvalues().maxCoeff()) {
        const Eigen::MatrixXd inv =
            eig.eigenvectors() * eig.eigenvalues().cwiseInverse().asDiagonal() * eig.eigenvectors().transpose();
        res.covariance = s2 * scale.cwiseInverse().asDiagonal() * inv * scale.cwiseInverse().asDiagonal();
        const boost::math::students_t t_dist(static_cast<double>(m - n));
        const double t = boost::math::quantile(t_dist, 0.975);
        for (Eigen::Index k = 0; k < n; ++k) {
          res.std_error[k] = std::sqrt(std::max(res.covariance(k, k), 0.0));
          res.ci95_low[k] = p[k] - t * res.std_error[k];
          res.ci95_high[k] = p[k] + t * res.std_error[k];
        }
      }
    }
  }
  return res;
}

}  // namespace xbar::fit
