#pragma once
// Private numerical kernels of CrossbarModel: node-voltage solves (linear, Newton, chord) and
// the adjoint gradient sums. Node voltages are n_nodes x B row-major matrices (one row per node
// id of CrossbarLayout, one column per input). No I/O.
#include <Eigen/Core>

#include "crossbar_layout.hpp"
#include "frontal_solver.hpp"

namespace xbar::behavioral::detail {

/// What the kernels need to know about a programmed crossbar.
struct CrossbarSystem {
  const CrossbarLayout& layout;
  const NestedDissection& nd;
  const Eigen::VectorXd& g;  ///< element conductances, cells at their effective G (siemens)
  double v0_v;               ///< sinh cells: V0; 0 for linear cells
};

/// Terminal rows of x: in_i = v(i, b), o_k = w(k, b) (w empty: 0 V).
void set_terminals(const CrossbarLayout& layout, const Eigen::Ref<const Eigen::MatrixXd>& v,
                   const Eigen::Ref<const Eigen::MatrixXd>& w, Eigen::Ref<RowMatrixXd> x);

/// Ideal voltages: every row node at its input, every column node at 0 V (terminals included).
void set_ideal(const CrossbarLayout& layout, const Eigen::Ref<const Eigen::MatrixXd>& v, Eigen::Ref<RowMatrixXd> x);

/// Output currents (K x B, physical columns): column sums of the cell currents.
void column_currents(const CrossbarSystem& s, const Eigen::Ref<const RowMatrixXd>& x,
                     Eigen::Ref<Eigen::MatrixXd> i_phys);

struct IterationOutcome {
  int iterations = 0;
  bool converged = false;
  double last_step = 0.0;  ///< Newton: max |dV| (V); chord: relative change of the outputs
};

/// Newton-Raphson on the nodal equations of one input (x: n_nodes x 1, holding the start, e.g.
/// set_ideal). `work` is refactored every step; on return g_jac holds the Jacobian conductances
/// at the final x (cells G cosh(V_cell/V0), the rest as in s.g).
IterationOutcome newton_solve(const CrossbarSystem& s, double abs_tol_v, double rel_tol, int max_iterations,
                              FrontalFactor& work, Eigen::VectorXd& g_jac, Eigen::Ref<RowMatrixXd> x);

/// Chord iteration for a batch (v: rows x B) on the programmed factorization of the linear
/// network (cells at G); x (n_nodes x B) receives the node voltages, i_phys (K x B) the outputs.
IterationOutcome chord_solve(const CrossbarSystem& s, const FrontalFactor& programmed,
                             const Eigen::Ref<const Eigen::MatrixXd>& v, double rel_tol, int max_iterations,
                             Eigen::Ref<RowMatrixXd> x, Eigen::Ref<Eigen::MatrixXd> i_phys);

/// Gradient sums over a batch, in effective (temperature-scaled) quantities.
struct GradientSums {
  Eigen::MatrixXd dl_dg;      ///< R x K: dL/dG_eff per physical cell
  double row_segments = 0.0;  ///< sum over row segments and inputs of i^U i^V = dL/dR_row_eff
  double col_segments = 0.0;  ///< the same over column segments
  Eigen::VectorXd source;     ///< R: i^U i^V of each source resistor = dL/dR_source_eff
  GradientSums(int rows, int pcols);
};

/// Adds the gradients of one batch given forward node voltages x and adjoint voltages u
/// (n_nodes x B). Writes the forward outputs (K x B, column sums of cell currents) and
/// dL/dv = -(adjoint current drawn from each source) (R x B).
void accumulate_gradients(const CrossbarSystem& s, const Eigen::Ref<const RowMatrixXd>& x,
                          const Eigen::Ref<const RowMatrixXd>& u, GradientSums& sums,
                          Eigen::Ref<Eigen::MatrixXd> i_phys, Eigen::Ref<Eigen::MatrixXd> dl_dv);

/// Terminal data of one batch for sweep_gradients (physical columns; all row-major, one row per
/// terminal, one column per input). Forward: sources at v, sense nodes at 0 V; adjoint: sources
/// at 0 V, sense nodes at w.
struct SweepTerminals {
  Eigen::Ref<const RowMatrixXd> v;      ///< R x B source voltages (forward)
  Eigen::Ref<const RowMatrixXd> w;      ///< K x B sense-node voltages (adjoint)
  Eigen::Ref<const RowMatrixXd> src_x;  ///< R x B current from each source into the array, forward
  Eigen::Ref<const RowMatrixXd> col_x;  ///< K x B current from each column into its sense node, forward
  Eigen::Ref<const RowMatrixXd> src_u;  ///< the same two in the adjoint circuit
  Eigen::Ref<const RowMatrixXd> col_u;
};

/// Exact gradients of a linear crossbar by marching through the array (O(R K) per input).
/// Knowing, besides the terminal voltages, the current each source drives into its row and each
/// column drives into its sense node (from the Kron reduction S), every node voltage follows by
/// KCL and Ohm's law alone: column k = 0, 1, ...: the row nodes step down by the row-segment
/// currents, then the column is climbed from its sense node, each cell's current leaving the
/// column segment above it. Forward and adjoint are marched together and the cell, segment and
/// source current products summed (GradientSums, linear cells only). Rounding errors grow along
/// the march roughly as exp(R sqrt(r_col G) + K sqrt(r_row G)); the march's own check is KCL at
/// the far ends (the current left in each row past its last cell and in each column above its top
/// cell, both 0 exactly). Returns that residual relative to the largest terminal current.
/// Resistances are the effective (temperature-scaled) ones; r_source_ohm may be empty (0 ohm).
/// wire_sums = false leaves row_segments, col_segments and source alone (only dl_dg).
double sweep_gradients(const CrossbarSystem& s, const Eigen::VectorXd& r_source_ohm, double r_row_ohm,
                       double r_col_ohm, const SweepTerminals& t, bool wire_sums, GradientSums& sums);

}  // namespace xbar::behavioral::detail
