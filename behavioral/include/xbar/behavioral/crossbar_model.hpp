#pragma once
// CrossbarModel: a behavioral crossbar that is exact at the circuit level, with gradients.
//
// Circuit. The same one that netlists::make_crossbar_deck writes (see
// xbar/netlists/crossbar.hpp for the picture and the node names): row i is driven from its
// left end by an ideal source v_i behind r_source_ohm[i]; row and column wires have one
// segment per cell (r_row_wire_ohm, r_col_wire_ohm); column k ends at its bottom in a 0 V
// virtual ground whose current is output k (positive into the sense node). Zero-ohm segments
// merge their end nodes, as the netlist does. Differential: logical output j uses physical
// columns 2j (G+) and 2j+1 (G-), and I_j = I_2j - I_2j+1. Wire capacitances do not matter at
// DC and are not modelled.
//
// Cells:   linear  I = G V
//          sinh    I = G V0 sinh(V / V0)      (small-signal conductance G at V = 0)
// Temperature (as the deck): every resistance is R (1 + tc1 (T - Tnom)), wires and sources
// with wire_tc1_per_k, linear cells with cell_tc1_per_k; a sinh cell's G is divided by
// (1 + cell_tc1 (T - Tnom)). Gradients are with respect to the nominal (programmed) values.
//
// Linear cells: exact. With Y the nodal (Laplacian) matrix of the whole network, f the free
// nodes, s the sources (at v) and o the sense nodes (at 0), KCL gives
//   V_f = -Y_ff^-1 Y_fs v,    I_o = -(Y V)_o,
// so I = M v with M = Y_of Y_ff^-1 Y_fs - Y_os (cols x rows). program() computes M once: a
// multifrontal Cholesky of Y_ff with a geometric nested-dissection order (cut the array in
// half across its longer side, recursively) that keeps the sources and sense nodes for last,
// so the final dense front is the Kron reduction S = Y_tt - Y_tf Y_ff^-1 Y_ft onto those
// terminals and M = -S_os is read off it; O(N^3) flops in dense kernels for an N x N array.
// forward() is then one GEMM, I = M V. The factors are kept for backward().
//
// Gradients (adjoint). For L = sum_o w_o I_o (w = dL/dI), let U be the node voltages of the
// same network with every input source at 0 V and every sense node o driven at w_o (the
// "adjoint circuit"; for sinh cells, each cell replaced by its small-signal conductance
// G cosh(V_cell / V0) at the solution). Then, for an element between nodes a and b,
//   linear element g:      dL/dg = -(U_a - U_b)(V_a - V_b)
//   sinh cell G:           dL/dG = -(U_a - U_b) V0 sinh((V_a - V_b) / V0)
//   input source i:        dL/dv_i = -(Y U)_{s_i}     (= (M^T w)_i for linear cells)
// Derivation: with F(V, p) = Y V (element currents summed at each node), KCL is F_f = 0 and
// L = -w^T F_o. Perturbing p: J_ff dV_f = -dF_f/dp and dL = -w^T (dF_o/dp + J_of dV_f). U
// solves J_ff U_f = -J_fo w with U_o = w, U_s = 0, so -w^T J_of dV_f = U_f^T J_ff dV_f =
// -U_f^T dF_f/dp, hence dL/dp = -sum_n U_n dF_n/dp; an element contributes -(U_a - U_b) di/dp.
// Check, one cell and no wires: U = (0 at the row, w at the column), dL/dG = w v.
// A resistance r = 1/g gives dL/dr = dL/dg (-1/r^2) = i^U i^V (its adjoint and forward
// currents, which KCL gives as sums of cell currents, so zero-ohm segments work too);
// dL/d r_row_wire_ohm sums that over every row segment, and so on. Batches: L sums over the
// batch, so parameter gradients are summed over it and dL/dv is per input.
//
// Three ways to the same linear-cell gradients (BackwardOptions::method; all exact, they agree
// to rounding, ~1e-13 relative, tests/behavioral/test_behavioral_crossbar.cpp):
//   per_input  V and U of every input by the programmed factors, then the sums above;
//              O(N^2 log N) per input.
//   batch_sum  L = <M, W V^T> is linear in the batch's W V^T, so dL/dG is the reverse mode of
//              program() itself: with S_bar = d L / d S (S the terminal Schur complement) the
//              factorization is run backwards front by front (frontal_solver.hpp), once per batch:
//              about twice program()'s flops whatever the batch, plus the GEMMs W V^T and M^T W.
//   sweep      from S, each input's terminal currents are GEMMs: forward source currents S_ss v
//              and column currents M v; adjoint -M^T w and -S_oo w. With them every node voltage
//              follows by Ohm's law and KCL alone, marching column by column from the sources and
//              climbing each column from its sense node: O(N^2) per input, forward and adjoint
//              together. Rounding grows along the march by up to about
//              exp(rows sqrt(r_col G_max) + cols sqrt(r_row G_max)) (13 at 128 x 128 with 1 ohm
//              wires and G <= 1e-4 S; 1e11 with 100 ohm wires), and the march checks itself: the
//              current left past the end of every row and above the top of every column must be 0
//              (CrossbarGradients::stats.worst_final_step holds it, relative).
// automatic (the default) takes the sweep when that growth is at most 1e4 and it is cheaper than
// the others by a flop count (it redoes the batch by a factorization method if the residual
// exceeds 1e-9), else batch_sum for large batches and per_input for small ones. Training needs
// only dL/dv and dL/dG: {.outputs = false, .wire_gradients = false}. Results do not depend on
// the thread count (single-threaded kernels, sums in a fixed order); they may differ between
// methods, hence between batch sizes under automatic, by rounding.
//
// Sinh cells: forward(v, SinhSolve::exact) runs Newton-Raphson on the nodal equations per
// input, from the ideal voltages (rows at v, columns at 0), refactoring the Jacobian
// (Y with cell conductances G cosh(V_cell/V0)) each step, until max |dV| < newton_abs_tol_v
// or < newton_rel_tol max |V|. forward(v, SinhSolve::fast) is a chord iteration batched over
// the inputs that reuses the programmed factorization (cells at G):
//   V <- V + w (V_lin - J0^-1 A^T G phi(A V) - V),   phi(x) = V0 sinh(x/V0) - x,
// started from the linear solution V_lin and relaxed with w = 2 / (1 + cosh(max|V_cell|/V0)),
// stopping when the outputs change by less than fast_rel_tol (relative L2). Each step shrinks
// the error by about (c - 1)/(c + 1) <= 0.15 for |V_cell| <= 0.2 V, V0 = 0.25 V (c = the
// cosh above), so the error left is a fraction of the last change: about 1e-5 relative at
// the default 3e-4, in 2-4 steps (see bench/results). Its speed comes from batching (every
// front works on all inputs at once): per input, 15-40x faster than exact on a batch of 256,
// but only ~4x on a single input. backward() of a sinh model always uses the exact solve.
//
// Costs, measured (bench/results/behavioral_*.md, one core): program() 2 ms at 64 x 64,
// 11 ms at 128, 80 ms at 256; stored factors about 13 N^2 log2(N) doubles (53 MB at 256).
// backward() for training: bench/results/behavioral_backward_2026-11-30.md.
//
// Units: volts, amperes, siemens, ohms. Shapes: v is rows x B (one input per column), output
// currents and dL/dI are cols x B (logical outputs), conductances are rows x cols.
//
// Example:
//   CrossbarModelParams p;
//   p.rows = 64; p.cols = 64; p.r_row_wire_ohm = p.r_col_wire_ohm = 1.0;
//   CrossbarModel model(p);
//   model.program(g_s);                           // once per array: ~O(N^3)
//   Eigen::MatrixXd i = model.forward(v);         // cols x B, one GEMM
//   CrossbarGradients grad = model.backward(v, dl_di);
#include <Eigen/Core>
#include <memory>

namespace xbar::behavioral {

enum class CellModel {
  linear,  ///< ohmic cell, I = G V
  sinh,    ///< nonlinear read I-V, I = G V0 sinh(V / V0)
};

/// How forward() solves a crossbar of sinh cells (linear cells are always exact).
enum class SinhSolve {
  exact,  ///< Newton-Raphson per input to newton_abs_tol_v / newton_rel_tol
  fast,   ///< batched chord iteration on the programmed factorization to fast_rel_tol
};

/// Every parameter of a CrossbarModel. Validated in one place: validate().
struct CrossbarModelParams {
  int rows = 16;                       ///< word lines (inputs), 1..1024
  int cols = 16;                       ///< logical outputs, 1..1024
  bool differential = false;           ///< two physical columns per output: 2j = G+, 2j+1 = G-
  CellModel cell = CellModel::linear;  ///< cell I-V model
  double v0_v = 0.25;                  ///< sinh cell: characteristic voltage V0, volts, > 0
  double r_row_wire_ohm = 0.0;         ///< row wire resistance per segment (one per cell), ohms, >= 0
  double r_col_wire_ohm = 0.0;         ///< column wire resistance per segment, ohms, >= 0
  Eigen::VectorXd r_source_ohm;        ///< driver resistance per row, ohms, >= 0; empty = 0 for all rows
  double temperature_c = 27.0;         ///< circuit temperature, Celsius
  double tnom_c = 27.0;                ///< temperature of the nominal values, Celsius
  double cell_tc1_per_k = 0.0;         ///< cell resistance temperature coefficient, 1/K
  double wire_tc1_per_k = 0.0;         ///< wire and source resistance temperature coefficient, 1/K
  double newton_abs_tol_v = 1e-12;     ///< exact sinh solve: converged when max |dV| < this, volts
  double newton_rel_tol = 1e-12;       ///< ... or when max |dV| < this times max |V|
  int newton_max_iterations = 50;      ///< exact sinh solve: Newton steps per input, >= 1
  double fast_rel_tol = 3e-4;          ///< fast sinh solve: stop when outputs change by less (relative L2)
  int fast_max_iterations = 30;        ///< fast sinh solve: chord steps per batch, >= 1
  int leaf_cells = 16;                 ///< nested dissection: most cells per leaf front (speed only), 1..4096

  /// Checks every field; throws ValidationError listing one message per bad field, e.g.
  /// "crossbar_model.rows = 0: must be between 1 and 1024".
  void validate() const;
  /// Physical columns: cols, or 2 cols when differential.
  int physical_cols() const { return differential ? 2 * cols : cols; }
};

/// How an iterative (sinh) solve went.
struct SolveStats {
  int inputs = 0;               ///< input vectors solved
  int max_iterations = 0;       ///< most Newton (exact) or chord (fast, per batch) steps taken
  double mean_iterations = 0;   ///< mean steps per input
  int not_converged = 0;        ///< inputs that stopped at the iteration limit
  double worst_final_step = 0;  ///< exact: largest last max|dV| (V); fast: largest last relative change;
                                ///< backward by sweep: its KCL residual (relative to the largest terminal current)
};

/// backward(): the forward result and every gradient of L = sum_b w_b . I_b.
struct CrossbarGradients {
  Eigen::MatrixXd i_out_a;       ///< cols x B output currents, amperes (the forward pass)
  Eigen::MatrixXd dl_dv;         ///< rows x B: dL/dv_in per input, (units of L) per volt
  Eigen::MatrixXd dl_dg_s;       ///< rows x cols: dL/dG (G+ when differential), per siemens
  Eigen::MatrixXd dl_dg_neg_s;   ///< rows x cols: dL/dG- when differential, else empty
  double dl_dr_row_wire = 0.0;   ///< dL/d r_row_wire_ohm, per ohm
  double dl_dr_col_wire = 0.0;   ///< dL/d r_col_wire_ohm, per ohm
  Eigen::VectorXd dl_dr_source;  ///< rows: dL/d r_source_ohm[i], per ohm
  SolveStats stats;              ///< sinh: the exact solves behind the gradients
};

/// How backward() computes the gradients of a linear crossbar (sinh cells always solve per input).
enum class BackwardMethod {
  automatic,  ///< the cheaper of the two for this array and batch size (a rule on flop counts)
  per_input,  ///< forward and adjoint node voltages of every input through the programmed factors
  batch_sum,  ///< reverse mode through the programmed factorization, once per batch (linear cells)
  sweep,      ///< march through the array from the terminal currents, O(rows x cols) per input (linear cells)
};

/// What backward() computes, and how. The defaults give every gradient.
struct BackwardOptions {
  bool outputs = true;         ///< fill CrossbarGradients::i_out_a (one GEMM with M); false: left empty
  bool wire_gradients = true;  ///< dL/dr_row_wire, dL/dr_col_wire, dL/dr_source; false: 0 (training needs only dL/dv and dL/dG)
  BackwardMethod method = BackwardMethod::automatic;  ///< batch_sum needs linear cells
};

/// Size of the factorization (for reports).
struct CrossbarFactorInfo {
  int fronts = 0;                ///< fronts in the elimination tree
  int largest_front = 0;         ///< most nodes in one dense front
  long long factor_entries = 0;  ///< stored factor entries (doubles)
};

/// A programmed crossbar. Not copyable (it owns its factorization); movable (a moved-from
/// model may only be destroyed or assigned to). const methods may run concurrently from
/// several threads.
class CrossbarModel {
 public:
  /// Validates `params` (throws ValidationError) and analyzes the network's structure.
  explicit CrossbarModel(const CrossbarModelParams& params);
  ~CrossbarModel();
  CrossbarModel(CrossbarModel&&) noexcept;
  CrossbarModel& operator=(CrossbarModel&&) noexcept;

  /// Programs the cell conductances (siemens, finite, >= 0; 0 = open cell): g_s is rows x cols
  /// (G+ when differential), g_neg_s rows x cols when differential, else empty. Factors the
  /// network and computes M; this is the one expensive call (see program_seconds()).
  void program(const Eigen::Ref<const Eigen::MatrixXd>& g_s,
               const Eigen::Ref<const Eigen::MatrixXd>& g_neg_s = Eigen::MatrixXd());
  bool programmed() const;
  /// Wall time of the last program() call, seconds.
  double program_seconds() const;

  /// M, cols x rows: I = M v exactly for linear cells; for sinh cells, the small-signal
  /// matrix at v = 0.
  const Eigen::MatrixXd& effective_matrix() const;

  /// Output currents (cols x B, amperes) for inputs v_in_v (rows x B, volts). Linear: one GEMM.
  /// `stats` (may be null) receives how the sinh solve went.
  Eigen::MatrixXd forward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v, SinhSolve mode = SinhSolve::exact,
                          SolveStats* stats = nullptr) const;
  /// The same into a caller's cols x B matrix (no allocation for linear cells).
  void forward_into(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v, Eigen::Ref<Eigen::MatrixXd> i_out_a,
                    SinhSolve mode = SinhSolve::exact, SolveStats* stats = nullptr) const;

  /// Gradients of L = sum over the batch of dl_di(:,b) . I(:,b), for inputs v_in_v (rows x B)
  /// and dl_di (cols x B). Sinh cells use the exact solve.
  CrossbarGradients backward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v,
                             const Eigen::Ref<const Eigen::MatrixXd>& dl_di) const;
  /// The same with options: which gradients, and the method for linear cells. Throws
  /// ValidationError for method = batch_sum with sinh cells, or with wire_gradients and a
  /// zero-ohm row or column wire (whose gradient is the KCL limit that only per_input gives).
  CrossbarGradients backward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v, const Eigen::Ref<const Eigen::MatrixXd>& dl_di,
                             const BackwardOptions& options) const;
  /// The method backward() with BackwardMethod::automatic uses for a batch of `batch` inputs.
  BackwardMethod backward_method(Eigen::Index batch, const BackwardOptions& options = {}) const;

  const CrossbarModelParams& params() const;
  CrossbarFactorInfo factor_info() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xbar::behavioral
