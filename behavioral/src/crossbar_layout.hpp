#pragma once
// Private: node numbering and element list of the crossbar circuit of netlists/crossbar.hpp.
//
// Node ids (R rows, K physical columns):
//   in_i = i                      row source node (terminal, at v_i)
//   o_k  = R + k                  sense node (terminal, at 0 V; the adjoint drives it at w_k)
//   d_i  = R + K + i              driver output; in_i itself when r_source_ohm[i] == 0
//   r_ik = 2R + K + i K + k       row wire at column k; the row's driver node when r_row == 0
//   c_ik = 2R + K + RK + i K + k  column wire at row i; o_k when r_col == 0
// Merged ids are simply never used. Elements, in this order (the first R K are the cells, so
// cell (i, k) is element i K + k):
//   cell (i,k):        row_node(i,k) -> col_node(i,k)                 owner (i, k)
//   source i:          in_i -> d_i            (r_source_ohm[i] > 0)   owner (i, 0)
//   row segment (i,k): r_i,k-1 (d_i for k=0) -> r_ik   (r_row > 0)    owner (i, k)
//   col segment (i,k): c_ik -> c_i+1,k (o_k for i = R-1) (r_col > 0)  owner (i, k)
// Each element's "a -> b" is the direction its current is counted in.
#include <Eigen/Core>

#include "frontal_solver.hpp"
#include "xbar/behavioral/crossbar_model.hpp"

namespace xbar::behavioral::detail {

class CrossbarLayout {
 public:
  explicit CrossbarLayout(const CrossbarModelParams& p);

  int rows() const { return rows_; }
  int pcols() const { return pcols_; }
  int n_nodes() const { return 2 * rows_ + pcols_ + 2 * rows_ * pcols_; }
  int n_cells() const { return rows_ * pcols_; }

  int in(int i) const { return i; }
  int out(int k) const { return rows_ + k; }
  int drv(int i) const { return has_source_[i] ? rows_ + pcols_ + i : in(i); }
  int row_node(int i, int k) const { return row_wire_ ? 2 * rows_ + pcols_ + i * pcols_ + k : drv(i); }
  int col_node(int i, int k) const { return col_wire_ ? 2 * rows_ + pcols_ + rows_ * pcols_ + i * pcols_ + k : out(k); }

  /// Element index of source resistor i, or -1 when r_source_ohm[i] == 0 (merged).
  int source_element(int i) const { return source_elem_[i]; }
  /// Element index of row segment (i, k) (the segment ending at r_ik), or -1 for zero-ohm rows.
  int row_segment_element(int i, int k) const { return row_wire_ ? first_row_segment_ + i * pcols_ + k : -1; }
  /// Element index of column segment (i, k) (from c_ik down), or -1 for zero-ohm columns.
  int col_segment_element(int i, int k) const { return col_wire_ ? first_col_segment_ + k * rows_ + i : -1; }
  bool has_row_wire() const { return row_wire_; }
  bool has_col_wire() const { return col_wire_; }

  /// Topology for NestedDissection.
  GridNetwork network() const;
  /// Element conductances: wires and sources at temperature, cells set to 0.
  const Eigen::VectorXd& base_conductance() const { return base_g_; }
  /// Multiplier from nominal cell G to the effective one, 1 / (1 + cell_tc1 dT).
  double cell_scale() const { return cell_scale_; }
  /// Multiplier from nominal wire/source R to the effective one, 1 + wire_tc1 dT.
  double wire_scale() const { return wire_scale_; }

 private:
  int rows_, pcols_;
  bool row_wire_, col_wire_;
  std::vector<char> has_source_;
  std::vector<int> source_elem_;
  int first_row_segment_ = -1, first_col_segment_ = -1;
  Eigen::VectorXd base_g_;
  double cell_scale_, wire_scale_;
  GridNetwork network_;
};

}  // namespace xbar::behavioral::detail
