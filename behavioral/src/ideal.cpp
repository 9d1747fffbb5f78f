#include "xbar/behavioral/ideal.hpp"

#include <cassert>

namespace xbar::behavioral {

Eigen::VectorXd ideal_column_currents(const Eigen::Ref<const Eigen::MatrixXd>& g_s,
                                      const Eigen::Ref<const Eigen::VectorXd>& v_in_v) {
  assert(g_s.rows() == v_in_v.size());
  return g_s.transpose() * v_in_v;
}

Eigen::VectorXd ideal_column_currents(const Eigen::Ref<const Eigen::MatrixXd>& g_pos_s,
                                      const Eigen::Ref<const Eigen::MatrixXd>& g_neg_s,
                                      const Eigen::Ref<const Eigen::VectorXd>& v_in_v) {
  assert(g_pos_s.rows() == v_in_v.size() && g_neg_s.rows() == v_in_v.size() && g_pos_s.cols() == g_neg_s.cols());
  return (g_pos_s - g_neg_s).transpose() * v_in_v;
}

}  // namespace xbar::behavioral
