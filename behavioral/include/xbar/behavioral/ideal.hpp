#pragma once
// The ideal (digital reference) crossbar: Kirchhoff's current law with no parasitics.
//
//   single-ended:  i_out[j] = sum_i g_s(i,j) * v_in_v[i]            i.e.  i = G^T v
//   differential:  i_out[j] = sum_i (g_pos(i,j) - g_neg(i,j)) * v[i]
//
// Units: siemens, volts, amperes. Shapes: G is rows x cols, v has rows entries, the result has
// cols entries. No I/O, no allocation beyond the result.
#include <Eigen/Core>

namespace xbar::behavioral {

/// i = G^T v for a crossbar of linear cells with ideal wires, drivers and virtual grounds.
Eigen::VectorXd ideal_column_currents(const Eigen::Ref<const Eigen::MatrixXd>& g_s,
                                      const Eigen::Ref<const Eigen::VectorXd>& v_in_v);

/// i = (G+ - G-)^T v for a differential crossbar.
Eigen::VectorXd ideal_column_currents(const Eigen::Ref<const Eigen::MatrixXd>& g_pos_s,
                                      const Eigen::Ref<const Eigen::MatrixXd>& g_neg_s,
                                      const Eigen::Ref<const Eigen::VectorXd>& v_in_v);

}  // namespace xbar::behavioral
