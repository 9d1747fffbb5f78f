#include "frontal_solver.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cassert>
#include <climits>
#include <cstring>
#include <utility>

#include "xbar/behavioral/error.hpp"

namespace xbar::behavioral::detail {

namespace {

/// Bounding box of the cells owning a node's elements.
struct Box {
  int row0 = INT_MAX, row1 = -1, col0 = INT_MAX, col1 = -1;  // inclusive
  void add(int row, int col) {
    row0 = std::min(row0, row);
    row1 = std::max(row1, row);
    col0 = std::min(col0, col);
    col1 = std::max(col1, col);
  }
  bool inside(const NestedDissection::Front& f) const {
    return row0 >= f.row0 && row1 < f.row1 && col0 >= f.col0 && col1 < f.col1;
  }
};

/// Column pc of a front split into its panel (columns < n_elim, all n rows) and its update
/// (columns >= n_elim, rows >= n_elim): entry (p, pc) of the front is ptr[p - shift].
struct FrontColumn {
  double* ptr;
  int shift;
};

struct FrontView {
  Eigen::Ref<Eigen::MatrixXd> panel;   // n x n_elim
  Eigen::Map<Eigen::MatrixXd> update;  // n_boundary x n_boundary
  int n_elim;
  FrontColumn column(int pc) {
    if (pc < n_elim) return {panel.data() + static_cast<Eigen::Index>(pc) * panel.outerStride(), 0};
    return {update.data() + static_cast<Eigen::Index>(pc - n_elim) * update.outerStride(), n_elim};
  }
  double& at(int row, int col) {  // lower triangle: row >= col
    return col < n_elim ? panel(row, col) : update(row - n_elim, col - n_elim);
  }
  /// Stamps conductance g between positions a and b (lower triangle).
  void stamp(int a, int b, double g) {
    at(a, a) += g;
    at(b, b) += g;
    at(std::max(a, b), std::min(a, b)) -= g;
  }
};

/// Adds a child's update (lower triangle) into the parent's front (lower triangle). The
/// child's boundary is sorted by parent position, so lower maps to lower, and it maps onto a
/// few runs of consecutive parent positions, added as contiguous column segments.
void extend_add(FrontView& front, const double* update, const NestedDissection::Front& child) {
  const int n = static_cast<int>(child.parent_pos.size());
  for (int c = 0; c < n; ++c) {
    const double* src = update + static_cast<Eigen::Index>(c) * n;
    const FrontColumn dst = front.column(child.parent_pos[c]);
    for (const auto& [first, parent, length] : child.parent_runs) {
      const int start = std::max(first, c), stop = first + length;
      const int offset = parent - first - dst.shift;  // r + offset >= 0 for every r >= c
      for (int r = start; r < stop; ++r) dst.ptr[r + offset] += src[r];
    }
  }
}

}  // namespace

NestedDissection::NestedDissection(GridNetwork network, int leaf_cells) : network_(std::move(network)) {
  assert(network_.rows > 0 && network_.cols > 0 && leaf_cells > 0);
  std::vector<int> leaf_of_cell(static_cast<std::size_t>(network_.rows) * network_.cols, -1);
  build_tree(0, network_.rows, 0, network_.cols, leaf_cells, leaf_of_cell);
  assign_elements(leaf_of_cell);
  analyze_fronts();
  plan_update_stack();
}

int NestedDissection::build_tree(int row0, int row1, int col0, int col1, int leaf_cells,
                                 std::vector<int>& leaf_of_cell) {
  const int h = row1 - row0, w = col1 - col0;
  Front front;
  front.row0 = row0;
  front.row1 = row1;
  front.col0 = col0;
  front.col1 = col1;
  if (h * w > leaf_cells) {
    // Cut across the longer side: a vertical cut separates h row-wire nodes, a horizontal one
    // w column-wire nodes.
    if (w >= h) {
      const int mid = col0 + w / 2;
      front.children.push_back(build_tree(row0, row1, col0, mid, leaf_cells, leaf_of_cell));
      front.children.push_back(build_tree(row0, row1, mid, col1, leaf_cells, leaf_of_cell));
    } else {
      const int mid = row0 + h / 2;
      front.children.push_back(build_tree(row0, mid, col0, col1, leaf_cells, leaf_of_cell));
      front.children.push_back(build_tree(mid, row1, col0, col1, leaf_cells, leaf_of_cell));
    }
  }
  const int index = static_cast<int>(fronts_.size());
  if (front.children.empty()) {
    for (int i = row0; i < row1; ++i)
      for (int k = col0; k < col1; ++k) leaf_of_cell[static_cast<std::size_t>(i) * network_.cols + k] = index;
  }
  fronts_.push_back(std::move(front));
  return index;
}

void NestedDissection::assign_elements(const std::vector<int>& leaf_of_cell) {
  for (int e = 0; e < static_cast<int>(network_.elements.size()); ++e) {
    const GridElement& el = network_.elements[e];
    assert(el.a != el.b && el.row >= 0 && el.row < network_.rows && el.col >= 0 && el.col < network_.cols);
    fronts_[leaf_of_cell[static_cast<std::size_t>(el.row) * network_.cols + el.col]].elements.push_back(e);
  }
}

void NestedDissection::analyze_fronts() {
  std::vector<Box> box(network_.n_nodes);
  for (const GridElement& el : network_.elements) {
    box[el.a].add(el.row, el.col);
    box[el.b].add(el.row, el.col);
  }
  // Bottom-up: which nodes each front holds, and which of them it eliminates.
  std::vector<int> mark(network_.n_nodes, -1);
  for (int f = 0; f < static_cast<int>(fronts_.size()); ++f) {
    Front& front = fronts_[f];
    std::vector<int> candidates;
    auto take = [&](int node) {
      if (mark[node] != f) {
        mark[node] = f;
        candidates.push_back(node);
      }
    };
    for (int e : front.elements) {
      take(network_.elements[e].a);
      take(network_.elements[e].b);
    }
    for (int c : front.children) {
      const Front& child = fronts_[c];
      for (std::size_t j = child.n_elim; j < child.nodes.size(); ++j) take(child.nodes[j]);
    }
    auto eliminated = [&](int node) { return !network_.terminal[node] && box[node].inside(front); };
    front.n_elim =
        static_cast<int>(std::stable_partition(candidates.begin(), candidates.end(), eliminated) - candidates.begin());
    front.nodes = std::move(candidates);
    max_elim_ = std::max(max_elim_, front.n_elim);
    max_boundary_ = std::max(max_boundary_, front.n_boundary());
  }
  // Top-down: sort each child's boundary by its position in the parent (so extend-add maps
  // the lower triangle onto the lower triangle), then record the positions.
  std::vector<int> pos(network_.n_nodes, -1);
  for (std::size_t f = fronts_.size(); f-- > 0;) {
    Front& front = fronts_[f];
    for (int j = 0; j < static_cast<int>(front.nodes.size()); ++j) pos[front.nodes[j]] = j;
    for (int e : front.elements)
      front.element_pos.emplace_back(pos[network_.elements[e].a], pos[network_.elements[e].b]);
    for (int c : front.children) {
      Front& child = fronts_[c];
      std::sort(child.nodes.begin() + child.n_elim, child.nodes.end(), [&](int a, int b) { return pos[a] < pos[b]; });
      for (std::size_t j = child.n_elim; j < child.nodes.size(); ++j) child.parent_pos.push_back(pos[child.nodes[j]]);
      for (int j = 0; j < static_cast<int>(child.parent_pos.size()); ++j) {
        if (j > 0 && child.parent_pos[j] == child.parent_pos[j - 1] + 1) {
          ++child.parent_runs.back()[2];
        } else {
          child.parent_runs.push_back({j, child.parent_pos[j], 1});
        }
      }
    }
  }
  const Front& root = fronts_.back();
  terminal_order_.assign(root.nodes.begin() + root.n_elim, root.nodes.end());
#ifndef NDEBUG
  for (int node : terminal_order_) assert(network_.terminal[node]);
#endif
}

void NestedDissection::plan_update_stack() {
  long long top = 0;
  for (Front& front : fronts_) {
    const long long size = static_cast<long long>(front.n_boundary()) * front.n_boundary();
    front.update_at = top;
    update_stack_ = std::max(update_stack_, top + size);
    // Once assembled, the children's updates are popped and this one moves down over them.
    front.update_kept_at = front.children.empty() ? top : fronts_[front.children.front()].update_kept_at;
    top = front.update_kept_at + size;
  }
}

long long NestedDissection::factor_entries() const {
  long long total = 0;
  for (const Front& f : fronts_) total += static_cast<long long>(f.n_elim) * (f.n_elim + f.n_boundary());
  return total;
}

double NestedDissection::adjoint_flops() const {
  double total = 0;
  for (const Front& f : fronts_) {
    const double ne = f.n_elim, nb = f.n_boundary();
    total += 2.0 * ne * nb * (ne + nb);
  }
  return total;
}

void FrontalFactor::assemble(const NestedDissection& nd, std::size_t f, const Eigen::Ref<const Eigen::VectorXd>& g_s) {
  const auto& fronts = nd.fronts();
  const auto& front = fronts[f];
  const int n = static_cast<int>(front.nodes.size()), ne = front.n_elim, nb = n - ne;
  panel_[f].setZero(n, ne);
  Eigen::Map<Eigen::MatrixXd> update(stack_.data() + front.update_at, nb, nb);
  update.setZero();
  FrontView view{panel_[f], update, ne};
  for (std::size_t j = 0; j < front.elements.size(); ++j) {
    view.stamp(front.element_pos[j].first, front.element_pos[j].second, g_s[front.elements[j]]);
  }
  for (int c : front.children) extend_add(view, stack_.data() + fronts[c].update_kept_at, fronts[c]);
}

void FrontalFactor::factorize(const NestedDissection& nd, const Eigen::Ref<const Eigen::VectorXd>& g_s) {
  const auto& fronts = nd.fronts();
  assert(g_s.size() == static_cast<Eigen::Index>(nd.network().elements.size()));
  panel_.resize(fronts.size());
  stack_.resize(nd.update_stack_doubles());
  for (std::size_t f = 0; f < fronts.size(); ++f) {
    const auto& front = fronts[f];
    const int ne = front.n_elim, nb = front.n_boundary();
    assemble(nd, f, g_s);
    // A front with nothing to eliminate (zero-ohm wires merge every node of a leaf into a
    // terminal) passes its assembled update on as it is: Eigen's product blocking divides by
    // the inner dimension, so an empty product must not reach it.
    if (ne == 0) {
      if (front.update_kept_at != front.update_at)
        std::memmove(stack_.data() + front.update_kept_at, stack_.data() + front.update_at,
                     sizeof(double) * static_cast<std::size_t>(nb) * static_cast<std::size_t>(nb));
      continue;
    }
    // In place: L11 L11^T = F_ee, L21 = F_be L11^-T, U = F_bb - L21 L21^T.
    Eigen::Ref<Eigen::MatrixXd> l11 = panel_[f].topRows(ne);
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(l11);
    if (llt.info() != Eigen::Success) {
      throw Error(
          "crossbar network is not positive definite: a conductance is negative or a node has no path "
          "to a source or sense node");
    }
    l11.triangularView<Eigen::Lower>().transpose().solveInPlace<Eigen::OnTheRight>(panel_[f].bottomRows(nb));
    Eigen::Map<Eigen::MatrixXd> update(stack_.data() + front.update_at, nb, nb);
    update.selfadjointView<Eigen::Lower>().rankUpdate(panel_[f].bottomRows(nb), -1.0);
    if (front.update_kept_at != front.update_at) {
      std::memmove(stack_.data() + front.update_kept_at, update.data(), sizeof(double) * update.size());
    }
  }
  const int nt = fronts.back().n_boundary();
  schur_ = Eigen::Map<const Eigen::MatrixXd>(stack_.data() + fronts.back().update_kept_at, nt, nt);
}

void FrontalFactor::solve(const NestedDissection& nd, Eigen::Ref<RowMatrixXd> x, bool injections) const {
  const auto& fronts = nd.fronts();
  const auto& terminal = nd.network().terminal;
  const Eigen::Index b = x.cols();
  RowMatrixXd ye(nd.max_elim(), b), yb(nd.max_boundary(), b);
  if (injections) {
    // Forward: y_e = L11^-1 J_e; the boundary injections become J_b - L21 y_e.
    for (std::size_t f = 0; f < fronts.size(); ++f) {
      const auto& front = fronts[f];
      const int ne = front.n_elim, nb = front.n_boundary();
      if (ne == 0) continue;  // nothing eliminated here (see factorize)
      auto e = ye.topRows(ne);
      for (int j = 0; j < ne; ++j) e.row(j) = x.row(front.nodes[j]);
      panel_[f].topRows(ne).triangularView<Eigen::Lower>().solveInPlace(e);
      for (int j = 0; j < ne; ++j) x.row(front.nodes[j]) = e.row(j);
      auto t = yb.topRows(nb);
      t.noalias() = panel_[f].bottomRows(nb) * e;
      for (int j = 0; j < nb; ++j) {
        const int node = front.nodes[ne + j];
        if (!terminal[node]) x.row(node) -= t.row(j);
      }
    }
  }
  // Backward: V_e = L11^-T (y_e - L21^T V_b), from the root down.
  for (std::size_t f = fronts.size(); f-- > 0;) {
    const auto& front = fronts[f];
    const int ne = front.n_elim, nb = front.n_boundary();
    if (ne == 0) continue;
    auto e = ye.topRows(ne);
    auto t = yb.topRows(nb);
    for (int j = 0; j < nb; ++j) t.row(j) = x.row(front.nodes[ne + j]);
    if (injections) {
      for (int j = 0; j < ne; ++j) e.row(j) = x.row(front.nodes[j]);
      e.noalias() -= panel_[f].bottomRows(nb).transpose() * t;
    } else {
      e.setZero();
      e.noalias() -= panel_[f].bottomRows(nb).transpose() * t;
    }
    panel_[f].topRows(ne).triangularView<Eigen::Lower>().transpose().solveInPlace(e);
    for (int j = 0; j < ne; ++j) x.row(front.nodes[j]) = e.row(j);
  }
}

void FrontalFactor::schur_adjoint(const NestedDissection& nd, const Eigen::Ref<const Eigen::MatrixXd>& s_bar,
                                  Eigen::Ref<Eigen::VectorXd> dl_dg) const {
  const auto& fronts = nd.fronts();
  assert(panel_.size() == fronts.size());
  assert(s_bar.rows() == fronts.back().n_boundary() && s_bar.cols() == s_bar.rows());
  assert(dl_dg.size() == static_cast<Eigen::Index>(nd.network().elements.size()));
  // U_bar of every front whose parent is done and which is not yet (lower triangles); freed
  // as soon as it is used, so at most one path of siblings is held.
  std::vector<Eigen::MatrixXd> u_bar(fronts.size());
  u_bar.back() = s_bar;
  Eigen::MatrixXd f_bar, kt, p;
  for (std::size_t f = fronts.size(); f-- > 0;) {
    const auto& front = fronts[f];
    const int n = static_cast<int>(front.nodes.size()), ne = front.n_elim, nb = n - ne;
    f_bar.resize(n, n);
    if (ne == 0) {
      f_bar = u_bar[f];
    } else {
      const Eigen::Ref<const Eigen::MatrixXd> l11 = panel_[f].topRows(ne);
      kt = panel_[f].bottomRows(nb);  // K^T = L21 L11^-1 (nb x ne)
      l11.triangularView<Eigen::Lower>().solveInPlace<Eigen::OnTheRight>(kt);
      p.noalias() = u_bar[f].selfadjointView<Eigen::Lower>() * kt;  // U_bar K^T (nb x ne)
      f_bar.bottomLeftCorner(nb, ne) = -p;
      auto ee = f_bar.topLeftCorner(ne, ne);
      ee.triangularView<Eigen::Lower>() = kt.transpose() * p;  // K U_bar K^T
      f_bar.bottomRightCorner(nb, nb).triangularView<Eigen::Lower>() = u_bar[f].triangularView<Eigen::Lower>();
    }
    u_bar[f] = Eigen::MatrixXd();
    auto at = [&](int a, int b) { return a >= b ? f_bar(a, b) : f_bar(b, a); };
    for (std::size_t j = 0; j < front.elements.size(); ++j) {
      const auto [a, b] = front.element_pos[j];
      dl_dg[front.elements[j]] = f_bar(a, a) + f_bar(b, b) - 2.0 * at(a, b);
    }
    // The reverse of extend-add: gather each child's boundary block (lower to lower, as the
    // child's boundary is sorted by parent position), by runs of consecutive positions.
    for (int c : front.children) {
      const auto& child = fronts[c];
      const int m = static_cast<int>(child.parent_pos.size());
      Eigen::MatrixXd& dst = u_bar[c];
      dst.resize(m, m);
      for (int col = 0; col < m; ++col) {
        const double* src = f_bar.data() + static_cast<Eigen::Index>(child.parent_pos[col]) * n;
        double* out = dst.data() + static_cast<Eigen::Index>(col) * m;
        for (const auto& [first, parent, length] : child.parent_runs) {
          const int start = std::max(first, col), stop = first + length;
          const int offset = parent - first;
          for (int r = start; r < stop; ++r) out[r] = src[r + offset];
        }
      }
    }
  }
}

}  // namespace xbar::behavioral::detail
