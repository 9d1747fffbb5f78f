// Levenberg-Marquardt (fit/levenberg_marquardt.hpp) against problems with known answers.
#include <doctest/doctest.h>

#include <Eigen/LU>
#include <Eigen/QR>
#include <cmath>
#include <random>

#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/levenberg_marquardt.hpp"

using xbar::fit::levenberg_marquardt;
using xbar::fit::LmOptions;

TEST_CASE("LM: Rosenbrock residuals (10 (y - x^2), 1 - x) reach (1, 1) from (-1.2, 1)") {
  auto r = [](const Eigen::VectorXd& p) {
    Eigen::VectorXd out(2);
    out << 10 * (p[1] - p[0] * p[0]), 1 - p[0];
    return out;
  };
  Eigen::VectorXd p0(2);
  p0 << -1.2, 1.0;
  LmOptions o;
  o.max_iterations = 200;
  o.cost_abs_tol = 1e-24;
  const auto res = levenberg_marquardt(r, p0, o);
  CHECK(res.converged);
  CHECK(std::abs(res.params[0] - 1) < 1e-8);
  CHECK(std::abs(res.params[1] - 1) < 1e-8);
}

TEST_CASE("LM: noise-free exponential decay a exp(-b x) + c is recovered; analytic and finite-difference Jacobians agree") {
  const double a = 2.5, b = 1.3, c = -0.4;
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(40, 0.0, 4.0);
  auto r = [&](const Eigen::VectorXd& p) {
    return Eigen::VectorXd(p[0] * (-p[1] * x.array()).exp() + p[2] - (a * (-b * x.array()).exp() + c));
  };
  auto j = [&](const Eigen::VectorXd& p, const Eigen::VectorXd&) {
    Eigen::MatrixXd m(x.size(), 3);
    m.col(0) = (-p[1] * x.array()).exp();
    m.col(1) = -p[0] * x.array() * (-p[1] * x.array()).exp();
    m.col(2).setOnes();
    return m;
  };
  Eigen::VectorXd p0(3);
  p0 << 1.0, 0.5, 0.0;
  for (bool analytic : {true, false}) {
    const auto res = analytic ? levenberg_marquardt(r, p0, {}, j) : levenberg_marquardt(r, p0);
    CAPTURE(analytic);
    CHECK(res.converged);
    CHECK(std::abs(res.params[0] - a) < 1e-6);
    CHECK(std::abs(res.params[1] - b) < 1e-6);
    CHECK(std::abs(res.params[2] - c) < 1e-6);
    CHECK(res.initial_cost > 1e6 * res.cost);
  }
}

TEST_CASE("LM: a linear model gives the QR least-squares solution and its covariance s^2 (X^T X)^-1") {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0.0, 0.05);
  const int m = 60;
  Eigen::MatrixXd X(m, 2);
  Eigen::VectorXd y(m);
  for (int i = 0; i < m; ++i) {
    X(i, 0) = 1.0;
    X(i, 1) = i / 10.0;
    y[i] = 0.3 + 0.7 * X(i, 1) + noise(rng);
  }
  auto r = [&](const Eigen::VectorXd& p) { return Eigen::VectorXd(X * p - y); };
  const auto res = levenberg_marquardt(r, Eigen::VectorXd::Zero(2));
  const Eigen::VectorXd ls = X.colPivHouseholderQr().solve(y);
  CHECK((res.params - ls).norm() < 1e-8);
  const double s2 = (X * ls - y).squaredNorm() / (m - 2);
  const Eigen::MatrixXd cov = s2 * (X.transpose() * X).inverse();
  CHECK((res.covariance - cov).norm() < 1e-6 * cov.norm());
  // The 95% intervals cover the true slope and intercept for this seed.
  CHECK(res.ci95_low[0] < 0.3);
  CHECK(res.ci95_high[0] > 0.3);
  CHECK(res.ci95_low[1] < 0.7);
  CHECK(res.ci95_high[1] > 0.7);
}

TEST_CASE("LM: 95% intervals cover the truth about 95% of the time (200 noisy exponential fits)") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.02);
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(30, 0.0, 3.0);
  int covered = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    Eigen::VectorXd y = 1.5 * (-0.8 * x.array()).exp();
    for (Eigen::Index i = 0; i < y.size(); ++i) y[i] += noise(rng);
    auto r = [&](const Eigen::VectorXd& p) { return Eigen::VectorXd(p[0] * (-p[1] * x.array()).exp() - y.array()); };
    Eigen::VectorXd p0(2);
    p0 << 1.0, 1.0;
    const auto res = levenberg_marquardt(r, p0);
    if (res.ci95_low[1] <= 0.8 && 0.8 <= res.ci95_high[1]) ++covered;
  }
  // Binomial(200, 0.95): 99.9% of runs land in [181, 197].
  CHECK(covered >= 181);
  CHECK(covered <= 197);
}

TEST_CASE("LM: fewer residuals than parameters and a non-finite start are errors") {
  auto r1 = [](const Eigen::VectorXd&) { return Eigen::VectorXd::Zero(1).eval(); };
  CHECK_THROWS_AS(levenberg_marquardt(r1, Eigen::VectorXd::Zero(2)), xbar::fit::FitError);
  auto r2 = [](const Eigen::VectorXd&) { return Eigen::VectorXd::Constant(3, std::nan("")).eval(); };
  CHECK_THROWS_AS(levenberg_marquardt(r2, Eigen::VectorXd::Zero(2)), xbar::fit::FitError);
}
