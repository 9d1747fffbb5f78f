// Unit tests of the ideal MVM (behavioral). The error metrics are tested with fit (tests/fit/).
#include <doctest/doctest.h>

#include <cmath>

#include "xbar/behavioral/ideal.hpp"

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
