// fit::ks_two_sample, fit::held_out_count, fit::draw_crossbar_chip: the kernels of the predictive
// check (predictive_check.hpp), on hand-made inputs with known answers.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "xbar/core/counter_rng.hpp"
#include "xbar/fit/distribution_fit.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/fit/predictive_check.hpp"

using namespace xbar;

TEST_CASE("two-sample KS: identical samples, disjoint samples, a known D") {
  const std::vector<double> a{1, 2, 3, 4, 5};
  auto t = fit::ks_two_sample(a, a);
  CHECK(t.statistic == 0.0);
  CHECK(t.p_value == doctest::Approx(1.0));
  t = fit::ks_two_sample({1, 2, 3}, {10, 11, 12, 13});
  CHECK(t.statistic == 1.0);
  // {1,2,3,4} against {3,4,5,6}: the CDFs differ most at x in [2, 3): 2/4 - 0 = 0.5.
  t = fit::ks_two_sample({1, 2, 3, 4}, {3, 4, 5, 6});
  CHECK(t.statistic == doctest::Approx(0.5));
  const double ne = 2.0, lambda = (std::sqrt(ne) + 0.12 + 0.11 / std::sqrt(ne)) * 0.5;
  CHECK(t.p_value == doctest::Approx(fit::kolmogorov_q(lambda)));
  // Two large samples of one normal distribution: p is not small; shifted by 0.3 sigma: it is.
  const core::CounterRng rng(5, 0);
  std::vector<double> x, y, z;
  for (std::uint64_t i = 0; i < 4000; ++i) {
    x.push_back(rng.normal(i));
    y.push_back(rng.normal(10000 + i));
    z.push_back(rng.normal(20000 + i) + 0.3);
  }
  CHECK(fit::ks_two_sample(x, y).p_value > 0.01);
  CHECK(fit::ks_two_sample(x, z).p_value < 1e-6);
  CHECK(fit::ks_two_sample({}, y).p_value == 1.0);
}

TEST_CASE("draw_crossbar_chip: no variation gives the targets; the drawn spreads match the fitted ones") {
  behavioral::CrossbarModelFile m;
  m.nominal.rows = 64;
  m.nominal.cols = 64;
  m.nominal.r_row_wire_ohm = 2.0;
  m.nominal.r_col_wire_ohm = 3.0;
  const Eigen::MatrixXd g = Eigen::MatrixXd::Constant(64, 64, 50e-6);
  auto d = fit::draw_crossbar_chip(m, g, 1, 0, 0);
  CHECK(d.g_s == g);
  CHECK(d.r_row_wire_ohm == 2.0);
  CHECK(d.r_col_wire_ohm == 3.0);

  m.variation.programming_error.sigma_rel_d2d = 0.05;
  m.variation.stuck_on.fraction = 0.02;
  m.variation.stuck_off.fraction = 0.03;
  m.variation.g_stuck_on_s = 1e-4;
  m.variation.g_stuck_off_s = 1e-6;
  m.variation.wire.r_wire_sigma_rel_d2d = 0.1;
  double n_on = 0, n_off = 0, sum = 0, sum_sq = 0, n = 0;
  std::vector<double> r_row;
  for (std::uint64_t chip = 0; chip < 20; ++chip) {
    d = fit::draw_crossbar_chip(m, g, 7, chip, 0);
    r_row.push_back(d.r_row_wire_ohm / 2.0 - 1.0);
    for (Eigen::Index k = 0; k < g.size(); ++k) {
      const double v = d.g_s.data()[k];
      if (v == 1e-4) {
        ++n_on;
      } else if (v == 1e-6) {
        ++n_off;
      } else {
        const double e = v / 50e-6 - 1.0;
        sum += e;
        sum_sq += e * e;
        ++n;
      }
    }
  }
  const double cells = 20.0 * 64 * 64;
  CHECK(n_on / cells == doctest::Approx(0.02).epsilon(0.1));
  CHECK(n_off / cells == doctest::Approx(0.03).epsilon(0.1));
  CHECK(std::sqrt(sum_sq / n - (sum / n) * (sum / n)) == doctest::Approx(0.05).epsilon(0.02));
  CHECK(std::abs(sum / n) < 0.002);
  // Stuck cells and wires are the chip's: the same for another sample (pattern) of that chip;
  // the programming error is drawn again.
  const auto a = fit::draw_crossbar_chip(m, g, 7, 3, 0), b = fit::draw_crossbar_chip(m, g, 7, 3, 1);
  CHECK(a.r_row_wire_ohm == b.r_row_wire_ohm);
  int same_stuck = 0, same_programmed = 0;
  for (Eigen::Index k = 0; k < g.size(); ++k) {
    const bool sa = a.g_s.data()[k] == 1e-4 || a.g_s.data()[k] == 1e-6;
    const bool sb = b.g_s.data()[k] == 1e-4 || b.g_s.data()[k] == 1e-6;
    CHECK(sa == sb);
    same_stuck += sa && a.g_s.data()[k] == b.g_s.data()[k];
    same_programmed += !sa && a.g_s.data()[k] == b.g_s.data()[k];
  }
  CHECK(same_stuck > 0);
  CHECK(same_programmed == 0);
  // Lognormal: ln(G / G_target) ~ N(mean_log, sigma_log^2).
  m.variation.stuck_on.fraction = m.variation.stuck_off.fraction = 0;
  m.variation.programming_error.distribution = "lognormal";
  m.variation.programming_error.sigma_log = 0.2;
  m.variation.programming_error.mean_log = -0.01;
  d = fit::draw_crossbar_chip(m, g, 9, 0, 0);
  std::vector<double> l;
  for (Eigen::Index k = 0; k < g.size(); ++k) l.push_back(std::log(d.g_s.data()[k] / 50e-6));
  const auto nf = fit::fit_normal(l);
  CHECK(nf.mean == doctest::Approx(-0.01).epsilon(0.5));
  CHECK(nf.sigma == doctest::Approx(0.2).epsilon(0.05));
}

TEST_CASE("predictive options are validated with the field named") {
  fit::PredictiveCheckOptions o;
  o.chips = 0;
  CHECK_THROWS_WITH(o.validate(), "predictive.chips = 0: must be between 1 and 10000");
  o.chips = 5;
  o.bootstrap = 10;
  CHECK_THROWS_WITH(o.validate(), "predictive.bootstrap = 10: must be between 100 and 100000");
}
