// Unit tests of the ideal MVM (behavioral) and the error metrics (fit).
#include <doctest/doctest.h>

#include <cmath>

#include "xbar/behavioral/ideal.hpp"
#include "xbar/fit/error_metrics.hpp"

using namespace xbar;

TEST_CASE("ideal column currents are G^T v, by hand") {
  Eigen::MatrixXd g(2, 3);
  g << 1, 2, 3, 4, 5, 6;
  Eigen::VectorXd v(2);
  v << 10, 100;
  const Eigen::VectorXd i = behavioral::ideal_column_currents(g, v);
  REQUIRE(i.size() == 3);
  CHECK(i[0] == 410);
  CHECK(i[1] == 520);
  CHECK(i[2] == 630);
}

TEST_CASE("differential ideal currents use G+ - G-") {
  Eigen::MatrixXd gp(1, 2), gn(1, 2);
  gp << 3, 1;
  gn << 1, 3;
  Eigen::VectorXd v(1);
  v << 2;
  const Eigen::VectorXd i = behavioral::ideal_column_currents(gp, gn, v);
  CHECK(i[0] == 4);
  CHECK(i[1] == -4);
}

TEST_CASE("error metrics") {
  Eigen::VectorXd ref(4), a(4);
  ref << 1, -2, 2, 0;
  a << 1, -2, 2, 0.3;
  const auto s = fit::compare(a, ref);
  CHECK(s.relative_l2 == doctest::Approx(0.1));  // 0.3 / 3
  CHECK(s.max_relative == doctest::Approx(0.15));
  CHECK(s.max_abs == doctest::Approx(0.3));
  CHECK(s.rms_abs == doctest::Approx(0.15));
  CHECK(fit::compare(ref, ref).relative_l2 == 0.0);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(2), o = Eigen::VectorXd::Ones(2);
  CHECK(std::isinf(fit::compare(o, z).relative_l2));
}
