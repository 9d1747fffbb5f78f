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

}  // namespace xbar::behavioral::detail
