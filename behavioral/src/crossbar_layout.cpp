#include "crossbar_layout.hpp"

#include <vector>

namespace xbar::behavioral::detail {

CrossbarLayout::CrossbarLayout(const CrossbarModelParams& p)
    : rows_(p.rows),
      pcols_(p.physical_cols()),
      row_wire_(p.r_row_wire_ohm > 0.0),
      col_wire_(p.r_col_wire_ohm > 0.0),
      has_source_(p.rows, 0),
      source_elem_(p.rows, -1),
      cell_scale_(1.0 / (1.0 + p.cell_tc1_per_k * (p.temperature_c - p.tnom_c))),
      wire_scale_(1.0 + p.wire_tc1_per_k * (p.temperature_c - p.tnom_c)) {
  const int R = rows_, K = pcols_;
  for (int i = 0; i < R && p.r_source_ohm.size() == R; ++i) has_source_[i] = p.r_source_ohm[i] > 0.0;

  network_.rows = R;
  network_.cols = K;
  network_.n_nodes = n_nodes();
  network_.terminal.assign(n_nodes(), 0);
  for (int i = 0; i < R; ++i) network_.terminal[in(i)] = 1;
  for (int k = 0; k < K; ++k) network_.terminal[out(k)] = 1;

  std::vector<double> g;
  auto add = [&](int a, int b, int row, int col, double conductance) {
    network_.elements.push_back({a, b, row, col});
    g.push_back(conductance);
  };
  for (int i = 0; i < R; ++i)
    for (int k = 0; k < K; ++k) add(row_node(i, k), col_node(i, k), i, k, 0.0);
  for (int i = 0; i < R; ++i) {
    if (!has_source_[i]) continue;
    source_elem_[i] = static_cast<int>(network_.elements.size());
    add(in(i), drv(i), i, 0, 1.0 / (p.r_source_ohm[i] * wire_scale_));
  }
  if (row_wire_) {
    first_row_segment_ = static_cast<int>(network_.elements.size());
    const double g_row = 1.0 / (p.r_row_wire_ohm * wire_scale_);
    for (int i = 0; i < R; ++i)
      for (int k = 0; k < K; ++k) add(k == 0 ? drv(i) : row_node(i, k - 1), row_node(i, k), i, k, g_row);
  }
  if (col_wire_) {
    first_col_segment_ = static_cast<int>(network_.elements.size());
    const double g_col = 1.0 / (p.r_col_wire_ohm * wire_scale_);
    for (int k = 0; k < K; ++k)
      for (int i = 0; i < R; ++i) add(col_node(i, k), i + 1 < R ? col_node(i + 1, k) : out(k), i, k, g_col);
  }
  base_g_ = Eigen::Map<const Eigen::VectorXd>(g.data(), static_cast<Eigen::Index>(g.size()));
}

GridNetwork CrossbarLayout::network() const { return network_; }

}  // namespace xbar::behavioral::detail
