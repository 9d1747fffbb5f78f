#include "xbar/fit/distribution_fit.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>

namespace xbar::fit {

NormalFit fit_normal(const std::vector<double>& x) {
  NormalFit f;
  f.n = x.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x.empty()) {
    f.mean = f.sigma = f.sigma_ci95_low = f.sigma_ci95_high = nan;
    return f;
  }
  double sum = 0;
  for (double v : x) sum += v;
  f.mean = sum / static_cast<double>(f.n);
  double ss = 0;
  for (double v : x) ss += (v - f.mean) * (v - f.mean);
  f.sigma = std::sqrt(ss / static_cast<double>(f.n));
  if (f.n < 2) {
    f.sigma_ci95_low = f.sigma_ci95_high = nan;
    return f;
  }
  boost::math::chi_squared chi2(static_cast<double>(f.n - 1));
  f.sigma_ci95_low = std::sqrt(ss / boost::math::quantile(chi2, 0.975));
  f.sigma_ci95_high = std::sqrt(ss / boost::math::quantile(chi2, 0.025));
  return f;
}

double kolmogorov_q(double lambda) {
  if (lambda < 0.2) return 1.0;  // the series converges slowly there, and Q = 1 to 1e-16
  double q = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    q += (k % 2 == 1 ? 2.0 : -2.0) * term;
    if (term < 1e-300 || term < 1e-17 * std::abs(q)) break;
  }
  return std::clamp(q, 0.0, 1.0);
}

KsTest ks_test_normal(std::vector<double> x, double mean, double sigma) {
  KsTest t;
  const std::size_t n = x.size();
  if (n == 0 || !(sigma > 0)) {
    t.statistic = t.p_value = std::numeric_limits<double>::quiet_NaN();
    return t;
  }
  std::sort(x.begin(), x.end());
  boost::math::normal_distribution<double> nd(mean, sigma);
  double d = 0;
  const double nn = static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double c = boost::math::cdf(nd, x[i]);
    d = std::max({d, static_cast<double>(i + 1) / nn - c, c - static_cast<double>(i) / nn});
  }
  t.statistic = d;
  const double sn = std::sqrt(nn);
  t.p_value = kolmogorov_q((sn + 0.12 + 0.11 / sn) * d);
  return t;
}

void clopper_pearson95(std::uint64_t k, std::uint64_t n, double* low, double* high) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (n == 0 || k > n) {
    *low = *high = nan;
    return;
  }
  const double kd = static_cast<double>(k), nd = static_cast<double>(n);
  *low = k == 0 ? 0.0 : boost::math::ibeta_inv(kd, nd - kd + 1.0, 0.025);
  *high = k == n ? 1.0 : boost::math::ibeta_inv(kd + 1.0, nd - kd, 0.975);
}

}  // namespace xbar::fit
