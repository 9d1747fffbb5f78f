#pragma once
// Distribution estimators: normal maximum likelihood with a chi-squared interval for sigma,
// the Kolmogorov-Smirnov goodness-of-fit test, and the Clopper-Pearson interval of a fraction.
// Kernels: no I/O.
//
// Normal MLE over x_1..x_n: mu = mean(x), sigma^2 = (1/n) sum (x_i - mu)^2.
// 95% CI of sigma: n sigma^2 / s^2 ~ chi2(n - 1), so
//   [sqrt(n sigma^2 / chi2_q(0.975; n-1)), sqrt(n sigma^2 / chi2_q(0.025; n-1))].
// KS: D = sup |F_n(x) - Phi((x - mu) / sigma)| with the fitted mu, sigma; p-value from the
// asymptotic Kolmogorov distribution with Stephens' small-sample correction:
//   lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) D,  p = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2).
// With parameters estimated from the same data (Lilliefors' setting) this p-value is
// conservative: it is larger than the exact one, so it rejects a bad fit less often.
// Clopper-Pearson: [B^-1(0.025; k, n-k+1), B^-1(0.975; k+1, n-k)] (0 or 1 at the ends).
#include <cstdint>
#include <vector>

namespace xbar::fit {

struct NormalFit {
  double mean = 0.0;            ///< MLE of the mean
  double sigma = 0.0;           ///< MLE of the standard deviation (1/n)
  double sigma_ci95_low = 0.0;  ///< chi-squared 95% interval of sigma
  double sigma_ci95_high = 0.0;
  std::uint64_t n = 0;  ///< values used
};

/// Normal MLE with a 95% interval of sigma; needs n >= 2 (else NaN interval).
NormalFit fit_normal(const std::vector<double>& x);

struct KsTest {
  double statistic = 0.0;  ///< D
  double p_value = 1.0;    ///< asymptotic Kolmogorov p-value (Stephens' correction)
};

/// One-sample KS test of x against N(mean, sigma^2). `x` is copied and sorted.
KsTest ks_test_normal(std::vector<double> x, double mean, double sigma);

/// Kolmogorov survival function Q(lambda) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2).
double kolmogorov_q(double lambda);

/// Clopper-Pearson 95% interval of k events in n trials (n >= 1); writes low and high.
void clopper_pearson95(std::uint64_t k, std::uint64_t n, double* low, double* high);

}  // namespace xbar::fit
