#pragma once
// Private: a multifrontal Cholesky solver for resistive networks laid out on a grid of cells,
// with a geometric nested-dissection elimination tree. Used by CrossbarModel.
//
// The network: nodes 0..n_nodes-1, some of them terminals (nodes held at a known voltage:
// sources and virtual grounds), and two-terminal conductances ("elements"), each owned by one
// cell (row, col) of the grid. Its nodal matrix is the weighted Laplacian
//   Y = sum_e g_e (u_a - u_b)(u_a - u_b)^T.
// Splitting the nodes into free (f) and terminal (t) ones, KCL at the free nodes reads
//   Y_ff V_f + Y_ft V_t = J_f        (J_f: currents injected into the free nodes)
// and Y_ff is symmetric positive definite when every free node has a path to a terminal.
//
// Elimination tree: the rectangle of cells is cut in half, across its longer side, until a
// piece has at most `leaf_cells` cells. Each tree node ("front") owns a rectangle. A free node
// is eliminated in the smallest front whose rectangle holds every cell owning one of its
// elements; terminals are never eliminated. A front gathers its leaf elements (leaves) or its
// children's update matrices (extend-add), eliminates its nodes with a dense partial Cholesky
//   F = [F_ee F_eb; F_be F_bb],  L11 L11^T = F_ee,  L21 = F_be L11^-T,  U = F_bb - L21 L21^T,
// and hands the update U on to its parent. Updates live on a stack (postorder: a front's
// children's updates are the top entries when it is assembled). The root's update is the Kron reduction of the
// whole network onto its terminals, S = Y_tt - Y_tf Y_ff^-1 Y_ft: the terminal currents are
// I_t = S V_t - (reduced injections). Costs for an n x n grid: O(n^3) flops to factor (all in
// dense LLT, TRSM and SYRK kernels), O(n^2 log n) memory and flops per solve.
//
// The structure (NestedDissection) depends only on the topology; FrontalFactor holds the
// numbers for one set of conductances, so one structure serves many factorizations.
#include <Eigen/Core>
#include <array>
#include <vector>

namespace xbar::behavioral::detail {

using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// One two-terminal conductance between nodes a and b, owned by cell (row, col).
struct GridElement {
  int a = 0;
  int b = 0;
  int row = 0;
  int col = 0;
};

/// Topology of a network on a rows x cols grid of cells.
struct GridNetwork {
  int rows = 0;
  int cols = 0;
  int n_nodes = 0;
  std::vector<char> terminal;         ///< n_nodes flags: 1 = held at a known voltage
  std::vector<GridElement> elements;  ///< every element; stamps and ownership
};

/// Elimination tree and front index lists (symbolic analysis). Immutable after construction.
class NestedDissection {
 public:
  struct Front {
    int row0 = 0, row1 = 0, col0 = 0, col1 = 0;    ///< owned cells [row0,row1) x [col0,col1)
    std::vector<int> children;                     ///< indices of child fronts (before this one)
    std::vector<int> nodes;                        ///< eliminated nodes first, then boundary nodes
    int n_elim = 0;                                ///< how many of `nodes` are eliminated here
    std::vector<int> parent_pos;                   ///< position of each boundary node in the parent (increasing)
    std::vector<std::array<int, 3>> parent_runs;   ///< runs (first boundary index, parent position, length)
    std::vector<int> elements;                     ///< leaf only: element indices
    std::vector<std::pair<int, int>> element_pos;  ///< leaf only: local positions of (a, b)
    long long update_at = 0;                       ///< update stack: where U is built (doubles)
    long long update_kept_at = 0;                  ///< update stack: where U waits for the parent
    int n_boundary() const { return static_cast<int>(nodes.size()) - n_elim; }
  };

  explicit NestedDissection(GridNetwork network, int leaf_cells = 16);

  const GridNetwork& network() const { return network_; }
  /// Fronts in postorder: children before parents, the root last.
  const std::vector<Front>& fronts() const { return fronts_; }
  /// Terminal nodes in the order of the rows and columns of FrontalFactor::terminal_schur().
  const std::vector<int>& terminal_order() const { return terminal_order_; }
  int max_elim() const { return max_elim_; }
  int max_boundary() const { return max_boundary_; }
  /// Stored factor entries (sum over fronts of n_elim^2 + n_elim n_boundary).
  long long factor_entries() const;
  /// Flops of FrontalFactor::schur_adjoint (sum over fronts of 2 ne nb (ne + nb)), for choosing
  /// between it and per-input solves.
  double adjoint_flops() const;
  /// Doubles the update-matrix stack needs at its peak.
  long long update_stack_doubles() const { return update_stack_; }

 private:
  int build_tree(int row0, int row1, int col0, int col1, int leaf_cells, std::vector<int>& leaf_of_cell);
  void assign_elements(const std::vector<int>& leaf_of_cell);
  void analyze_fronts();
  void plan_update_stack();

  GridNetwork network_;
  std::vector<Front> fronts_;
  std::vector<int> terminal_order_;  // the root's boundary nodes
  int max_elim_ = 0;
  int max_boundary_ = 0;
  long long update_stack_ = 0;
};

/// Numeric factors of one network for one set of element conductances.
class FrontalFactor {
 public:
  /// Factors the network with conductance g[e] for element e (siemens, >= 0). Throws
  /// behavioral::Error if a front is not positive definite (a free node without a path to a
  /// terminal, or a negative conductance).
  void factorize(const NestedDissection& nd, const Eigen::Ref<const Eigen::VectorXd>& g_s);

  /// Kron reduction onto the terminals, rows and columns in nd.terminal_order(); only the
  /// lower triangle is valid.
  const Eigen::MatrixXd& terminal_schur() const { return schur_; }

  /// Solves for the node voltages of B independent right-hand sides at once.
  /// x is n_nodes x B. On entry, terminal rows hold the terminal voltages and, if
  /// `injections`, free rows hold the currents injected into the free nodes (amperes; ignored
  /// otherwise). On exit every row holds its node voltage (terminal rows are unchanged).
  void solve(const NestedDissection& nd, Eigen::Ref<RowMatrixXd> x, bool injections) const;

  /// Reverse mode through the factorization: given a symmetric cotangent S_bar of the terminal
  /// Schur complement (rows and columns in nd.terminal_order(), lower triangle read), writes
  /// dl_dg[e] = d<S_bar, S>/dg_e for every element, where <S_bar, S> = sum_pq S_bar_pq S_pq
  /// over the full symmetric matrices. Per front, with K = F_ee^-1 F_eb = L11^-T L21^T and the
  /// cotangent U_bar of its update U = F_bb - F_be K:
  ///   F_bar_bb = U_bar,  F_bar_eb = -K U_bar,  F_bar_ee = K U_bar K^T;
  /// a child's U_bar is F_bar at its boundary positions (the reverse of extend-add) and an
  /// element g between positions a, b gets F_bar_aa + F_bar_bb - 2 F_bar_ab (the reverse of its
  /// stamp). About twice the flops of factorize(), all in dense SYMM/GEMM/TRSM kernels, and
  /// independent of how many inputs S_bar sums.
  void schur_adjoint(const NestedDissection& nd, const Eigen::Ref<const Eigen::MatrixXd>& s_bar,
                     Eigen::Ref<Eigen::VectorXd> dl_dg) const;

 private:
  void assemble(const NestedDissection& nd, std::size_t f, const Eigen::Ref<const Eigen::VectorXd>& g_s);

  // Per front, the n x n_elim panel [L11; L21] (lower triangle of the top block = L11).
  std::vector<Eigen::MatrixXd> panel_;
  Eigen::VectorXd stack_;  // update matrices, nd.update_stack_doubles()
  Eigen::MatrixXd schur_;
};

}  // namespace xbar::behavioral::detail
