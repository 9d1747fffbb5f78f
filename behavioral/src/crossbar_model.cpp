#include "xbar/behavioral/crossbar_model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "cat.hpp"
#include "crossbar_kernels.hpp"
#include "crossbar_layout.hpp"
#include "frontal_solver.hpp"
#include "xbar/behavioral/error.hpp"

namespace xbar::behavioral {

using detail::RowMatrixXd;

namespace {

constexpr int kMaxDim = 1024;
// Batched solves keep n_nodes x chunk doubles per matrix; this bounds the chunk (32 MB).
constexpr long long kChunkDoubles = 4'000'000;
// The automatic method sweeps when rounding errors can grow by at most this along the march
// (crossbar_kernels.hpp), and keeps the sweep only if its KCL residual is below kSweepResidualMax.
constexpr double kSweepGrowthMax = 1e4;
constexpr double kSweepResidualMax = 1e-9;
constexpr double kSweepFlopsPerCell = 16.0;

using detail::cat;

bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }

void check_resistance(std::vector<std::string>& bad, const char* field, double value) {
  if (!finite_nonneg(value))
    bad.push_back(cat("crossbar_model.", field, " = ", value, ": must be finite and >= 0 ohm"));
}

void check_conductances(std::vector<std::string>& bad, const char* field, const Eigen::Ref<const Eigen::MatrixXd>& g,
                        int rows, int cols) {
  if (g.rows() != rows || g.cols() != cols) {
    bad.push_back(cat(field, " has shape ", g.rows(), "x", g.cols(), ": must be rows x cols = ", rows, "x", cols));
    return;
  }
  for (Eigen::Index j = 0; j < g.cols(); ++j) {
    for (Eigen::Index i = 0; i < g.rows(); ++i) {
      if (!finite_nonneg(g(i, j))) {
        bad.push_back(cat(field, "(", i, ",", j, ") = ", g(i, j), ": must be finite and >= 0 S"));
        return;  // one message per field
      }
    }
  }
}

void check_finite(std::vector<std::string>& bad, const char* what, const Eigen::Ref<const Eigen::MatrixXd>& m) {
  if (m.allFinite()) return;
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      if (!std::isfinite(m(i, j))) {
        bad.push_back(cat(what, "(", i, ",", j, ") = ", m(i, j), ": must be finite"));
        return;
      }
    }
  }
}

void throw_if(std::vector<std::string> bad) {
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

/// Lower-triangle read of a symmetric matrix.
double sym(const Eigen::MatrixXd& s, int a, int b) { return a >= b ? s(a, b) : s(b, a); }

}  // namespace

void CrossbarModelParams::validate() const {
  std::vector<std::string> bad;
  if (rows < 1 || rows > kMaxDim)
    bad.push_back(cat("crossbar_model.rows = ", rows, ": must be between 1 and ", kMaxDim));
  if (cols < 1 || cols > kMaxDim)
    bad.push_back(cat("crossbar_model.cols = ", cols, ": must be between 1 and ", kMaxDim));
  if (cell == CellModel::sinh && !(std::isfinite(v0_v) && v0_v > 0.0)) {
    bad.push_back(cat("crossbar_model.v0_v = ", v0_v, ": must be finite and > 0 V for the sinh cell"));
  }
  check_resistance(bad, "r_row_wire_ohm", r_row_wire_ohm);
  check_resistance(bad, "r_col_wire_ohm", r_col_wire_ohm);
  if (r_source_ohm.size() != 0 && r_source_ohm.size() != rows) {
    bad.push_back(cat("crossbar_model.r_source_ohm has ", r_source_ohm.size(),
                      " entries: must be empty (0 ohm) or one per row (", rows, ")"));
  } else {
    for (Eigen::Index i = 0; i < r_source_ohm.size(); ++i) {
      if (!finite_nonneg(r_source_ohm[i])) {
        bad.push_back(cat("crossbar_model.r_source_ohm(", i, ") = ", r_source_ohm[i], ": must be finite and >= 0 ohm"));
        break;
      }
    }
  }
  for (auto [field, t] : {std::pair{"temperature_c", temperature_c}, std::pair{"tnom_c", tnom_c}}) {
    if (!(std::isfinite(t) && t > -273.15))
      bad.push_back(cat("crossbar_model.", field, " = ", t, ": must be finite and above -273.15 C"));
  }
  for (auto [field, tc] : {std::pair{"cell_tc1_per_k", cell_tc1_per_k}, std::pair{"wire_tc1_per_k", wire_tc1_per_k}}) {
    if (!std::isfinite(tc) || !(1.0 + tc * (temperature_c - tnom_c) > 0.0)) {
      bad.push_back(cat("crossbar_model.", field, " = ", tc, ": must be finite with 1 + tc1 (T - Tnom) > 0 (T = ",
                        temperature_c, " C, Tnom = ", tnom_c, " C)"));
    }
  }
  if (!(newton_abs_tol_v > 0.0))
    bad.push_back(cat("crossbar_model.newton_abs_tol_v = ", newton_abs_tol_v, ": must be > 0 V"));
  if (!(newton_rel_tol >= 0.0))
    bad.push_back(cat("crossbar_model.newton_rel_tol = ", newton_rel_tol, ": must be >= 0"));
  if (newton_max_iterations < 1)
    bad.push_back(cat("crossbar_model.newton_max_iterations = ", newton_max_iterations, ": must be >= 1"));
  if (!(fast_rel_tol > 0.0)) bad.push_back(cat("crossbar_model.fast_rel_tol = ", fast_rel_tol, ": must be > 0"));
  if (fast_max_iterations < 1)
    bad.push_back(cat("crossbar_model.fast_max_iterations = ", fast_max_iterations, ": must be >= 1"));
  if (leaf_cells < 1 || leaf_cells > 4096)
    bad.push_back(cat("crossbar_model.leaf_cells = ", leaf_cells, ": must be between 1 and 4096"));
  throw_if(std::move(bad));
}

struct CrossbarModel::Impl {
  CrossbarModelParams p;
  detail::CrossbarLayout layout;
  detail::NestedDissection nd;
  detail::FrontalFactor factor;  // programmed: cells at G_eff
  Eigen::VectorXd g;             // element conductances as programmed
  Eigen::MatrixXd m;             // cols x rows
  Eigen::MatrixXd sweep_v;       // (rows + K) x rows: [S_ss; M_phys], forward source and column currents
  Eigen::MatrixXd sweep_w;       // (rows + K) x K: [S_so; -S_oo] = [-M_phys^T; -S_oo], the adjoint's
  double sweep_growth = 0.0;     // exp(R sqrt(r_col G_max) + K sqrt(r_row G_max)), set by program()
  std::vector<int> pos_in, pos_out;  // terminal positions in nd.terminal_order() of in_i, o_k
  bool programmed = false;
  double program_s = 0.0;

  explicit Impl(const CrossbarModelParams& params)
      : p(params), layout(params), nd(layout.network(), params.leaf_cells), g(layout.base_conductance()) {
    const auto& order = nd.terminal_order();
    std::vector<int> pos(layout.n_nodes(), -1);
    for (int j = 0; j < static_cast<int>(order.size()); ++j) pos[order[j]] = j;
    for (int i = 0; i < p.rows; ++i) pos_in.push_back(pos[layout.in(i)]);
    for (int k = 0; k < layout.pcols(); ++k) pos_out.push_back(pos[layout.out(k)]);
  }

  detail::CrossbarSystem system() const { return {layout, nd, g, p.cell == CellModel::sinh ? p.v0_v : 0.0}; }
  int chunk(Eigen::Index batch) const {
    const long long by_memory = std::max<long long>(1, kChunkDoubles / layout.n_nodes());
    return static_cast<int>(std::max<long long>(1, std::min<long long>(batch, by_memory)));
  }
  void require_programmed(const char* what) const {
    if (!programmed)
      throw Error(cat("CrossbarModel::", what, ": the model is not programmed; call program(g_s) first"));
  }

  void set_cells(const Eigen::Ref<const Eigen::MatrixXd>& g_s, const Eigen::Ref<const Eigen::MatrixXd>& g_neg_s);
  void compute_m();
  Eigen::MatrixXd to_logical(const Eigen::Ref<const Eigen::MatrixXd>& i_phys) const;
  Eigen::MatrixXd to_physical(const Eigen::Ref<const Eigen::MatrixXd>& w) const;
  void check_inputs(const char* what, const Eigen::Ref<const Eigen::MatrixXd>& v) const;
  void forward_exact(const Eigen::Ref<const Eigen::MatrixXd>& v, Eigen::Ref<Eigen::MatrixXd> out, SolveStats& st) const;
  void forward_fast(const Eigen::Ref<const Eigen::MatrixXd>& v, Eigen::Ref<Eigen::MatrixXd> out, SolveStats& st) const;
  void backward_linear(const Eigen::Ref<const Eigen::MatrixXd>& v, const Eigen::Ref<const Eigen::MatrixXd>& w,
                       detail::GradientSums& sums, CrossbarGradients& out) const;
  void backward_batch_sum(const Eigen::Ref<const Eigen::MatrixXd>& v, const Eigen::Ref<const Eigen::MatrixXd>& w,
                          const BackwardOptions& options, detail::GradientSums& sums, CrossbarGradients& out) const;
  BackwardMethod choose(Eigen::Index batch, const BackwardOptions& options) const;
  BackwardMethod factor_method(Eigen::Index batch, const BackwardOptions& options) const;
  double cost(BackwardMethod method, Eigen::Index batch) const;  // flop-equivalents, per_input or batch_sum
  double backward_sweep(const Eigen::Ref<const Eigen::MatrixXd>& v, const Eigen::Ref<const Eigen::MatrixXd>& w,
                        bool wire_sums, detail::GradientSums& sums, CrossbarGradients& out) const;
  void backward_sinh(const Eigen::Ref<const Eigen::MatrixXd>& v, const Eigen::Ref<const Eigen::MatrixXd>& w,
                     detail::GradientSums& sums, CrossbarGradients& out) const;
  void finish_gradients(const detail::GradientSums& sums, CrossbarGradients& out) const;
};

void CrossbarModel::Impl::set_cells(const Eigen::Ref<const Eigen::MatrixXd>& g_s,
                                    const Eigen::Ref<const Eigen::MatrixXd>& g_neg_s) {
  const int K = layout.pcols();
  for (int i = 0; i < p.rows; ++i) {
    for (int k = 0; k < K; ++k) {
      const double nominal = !p.differential ? g_s(i, k) : (k % 2 == 0 ? g_s(i, k / 2) : g_neg_s(i, k / 2));
      g[i * K + k] = nominal * layout.cell_scale();
    }
  }
}

void CrossbarModel::Impl::compute_m() {
  const Eigen::MatrixXd& s = factor.terminal_schur();
  const int K = layout.pcols();
  Eigen::MatrixXd m_phys(K, p.rows);
  for (int i = 0; i < p.rows; ++i)
    for (int k = 0; k < K; ++k) m_phys(k, i) = -sym(s, pos_out[k], pos_in[i]);
  m = to_logical(m_phys);
  sweep_v.resize(p.rows + K, p.rows);
  sweep_w.resize(p.rows + K, K);
  for (int j = 0; j < p.rows; ++j)
    for (int i = 0; i < p.rows; ++i) sweep_v(i, j) = sym(s, pos_in[i], pos_in[j]);
  sweep_v.bottomRows(K) = m_phys;
  sweep_w.topRows(p.rows) = -m_phys.transpose();
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) sweep_w(p.rows + k, j) = -sym(s, pos_out[k], pos_out[j]);
  const double g_max = g.head(layout.n_cells()).maxCoeff();  // effective (temperature-scaled) cells
  sweep_growth = std::exp(p.rows * std::sqrt(p.r_col_wire_ohm * layout.wire_scale() * g_max) +
                          K * std::sqrt(p.r_row_wire_ohm * layout.wire_scale() * g_max));
}

Eigen::MatrixXd CrossbarModel::Impl::to_logical(const Eigen::Ref<const Eigen::MatrixXd>& i_phys) const {
  if (!p.differential) return i_phys;
  Eigen::MatrixXd out(p.cols, i_phys.cols());
  for (int j = 0; j < p.cols; ++j) out.row(j) = i_phys.row(2 * j) - i_phys.row(2 * j + 1);
  return out;
}

Eigen::MatrixXd CrossbarModel::Impl::to_physical(const Eigen::Ref<const Eigen::MatrixXd>& w) const {
  if (!p.differential) return w;
  Eigen::MatrixXd out(2 * p.cols, w.cols());
  for (int j = 0; j < p.cols; ++j) {
    out.row(2 * j) = w.row(j);
    out.row(2 * j + 1) = -w.row(j);
  }
  return out;
}

void CrossbarModel::Impl::check_inputs(const char* what, const Eigen::Ref<const Eigen::MatrixXd>& v) const {
  require_programmed(what);
  std::vector<std::string> bad;
  if (v.rows() != p.rows) {
    bad.push_back(cat("CrossbarModel::", what, ": v_in_v has ", v.rows(), " rows: must have one per crossbar row (",
                      p.rows, ")"));
  }
  check_finite(bad, "v_in_v", v);
  throw_if(std::move(bad));
}

void CrossbarModel::Impl::forward_exact(const Eigen::Ref<const Eigen::MatrixXd>& v, Eigen::Ref<Eigen::MatrixXd> out,
                                        SolveStats& st) const {
  const auto sys = system();
  detail::FrontalFactor work;
  Eigen::VectorXd g_jac;
  RowMatrixXd x(layout.n_nodes(), 1);
  Eigen::MatrixXd i_phys(layout.pcols(), 1);
  long long total = 0;
  for (Eigen::Index b = 0; b < v.cols(); ++b) {
    detail::set_ideal(layout, v.col(b), x);
    const auto o =
        detail::newton_solve(sys, p.newton_abs_tol_v, p.newton_rel_tol, p.newton_max_iterations, work, g_jac, x);
    detail::column_currents(sys, x, i_phys);
    out.col(b) = to_logical(i_phys);
    total += o.iterations;
    st.max_iterations = std::max(st.max_iterations, o.iterations);
    st.not_converged += o.converged ? 0 : 1;
    st.worst_final_step = std::max(st.worst_final_step, o.last_step);
  }
  st.inputs = static_cast<int>(v.cols());
  st.mean_iterations = v.cols() ? static_cast<double>(total) / v.cols() : 0.0;
}

void CrossbarModel::Impl::forward_fast(const Eigen::Ref<const Eigen::MatrixXd>& v, Eigen::Ref<Eigen::MatrixXd> out,
                                       SolveStats& st) const {
  const auto sys = system();
  const int step = chunk(v.cols());
  double total = 0.0;
  for (Eigen::Index b0 = 0; b0 < v.cols(); b0 += step) {
    const Eigen::Index nb = std::min<Eigen::Index>(step, v.cols() - b0);
    RowMatrixXd x(layout.n_nodes(), nb);
    Eigen::MatrixXd i_phys(layout.pcols(), nb);
    const auto o =
        detail::chord_solve(sys, factor, v.middleCols(b0, nb), p.fast_rel_tol, p.fast_max_iterations, x, i_phys);
    out.middleCols(b0, nb) = to_logical(i_phys);
    total += static_cast<double>(o.iterations) * nb;
    st.max_iterations = std::max(st.max_iterations, o.iterations);
    st.not_converged += o.converged ? 0 : static_cast<int>(nb);
    st.worst_final_step = std::max(st.worst_final_step, o.last_step);
  }
  st.inputs = static_cast<int>(v.cols());
  st.mean_iterations = v.cols() ? total / v.cols() : 0.0;
}

void CrossbarModel::Impl::backward_linear(const Eigen::Ref<const Eigen::MatrixXd>& v,
                                          const Eigen::Ref<const Eigen::MatrixXd>& w, detail::GradientSums& sums,
                                          CrossbarGradients& out) const {
  const auto sys = system();
  const Eigen::MatrixXd w_phys = to_physical(w);
  const int step = chunk(v.cols());
  for (Eigen::Index b0 = 0; b0 < v.cols(); b0 += step) {
    const Eigen::Index nb = std::min<Eigen::Index>(step, v.cols() - b0);
    RowMatrixXd x = RowMatrixXd::Zero(layout.n_nodes(), nb), u = RowMatrixXd::Zero(layout.n_nodes(), nb);
    detail::set_terminals(layout, v.middleCols(b0, nb), Eigen::MatrixXd(), x);
    factor.solve(nd, x, false);
    detail::set_terminals(layout, Eigen::MatrixXd::Zero(p.rows, nb), w_phys.middleCols(b0, nb), u);
    factor.solve(nd, u, false);
    Eigen::MatrixXd i_phys(layout.pcols(), nb), dl_dv(p.rows, nb);
    detail::accumulate_gradients(sys, x, u, sums, i_phys, dl_dv);
  }
  // Exact through M (the KCL sums above agree to rounding).
  out.i_out_a = m * v;
  out.dl_dv = m.transpose() * w;
}

// Reverse mode through the programmed factorization. For linear cells L = sum_b w_b . M v_b =
// <M_phys, W_phys V^T> with M_phys = -S_os, so the cotangent of the terminal Schur complement S
// is S_bar(o_k, s_i) = S_bar(s_i, o_k) = -(W_phys V^T)(k, i) / 2 (zero elsewhere), and
// FrontalFactor::schur_adjoint turns it into dL/dg of every element at a cost that does not
// grow with the batch; only the GEMMs W V^T, M^T W (and M V, S_ss V) do.
void CrossbarModel::Impl::backward_batch_sum(const Eigen::Ref<const Eigen::MatrixXd>& v,
                                             const Eigen::Ref<const Eigen::MatrixXd>& w,
                                             const BackwardOptions& options, detail::GradientSums& sums,
                                             CrossbarGradients& out) const {
  const int K = layout.pcols();
  const Eigen::MatrixXd w_phys = to_physical(w);
  Eigen::MatrixXd c(K, p.rows);
  c.noalias() = w_phys * v.transpose();
  const int nt = static_cast<int>(nd.terminal_order().size());
  Eigen::MatrixXd s_bar = Eigen::MatrixXd::Zero(nt, nt);
  for (int i = 0; i < p.rows; ++i) {
    for (int k = 0; k < K; ++k) {
      const int a = std::max(pos_out[k], pos_in[i]), b = std::min(pos_out[k], pos_in[i]);
      s_bar(a, b) = -0.5 * c(k, i);
    }
  }
  Eigen::VectorXd dl_dg(g.size());
  factor.schur_adjoint(nd, s_bar, dl_dg);
  for (int i = 0; i < p.rows; ++i)
    for (int k = 0; k < K; ++k) sums.dl_dg(i, k) = dl_dg[i * K + k];
  out.dl_dv.noalias() = m.transpose() * w;
  if (options.outputs) out.i_out_a.noalias() = m * v;
  if (!options.wire_gradients) return;
  // dL/dR = dL/dg dg/dR = -g^2 dL/dg per segment (every segment of a kind has the same R).
  for (int i = 0; i < p.rows; ++i) {
    for (int k = 0; k < K; ++k) {
      if (const int e = layout.row_segment_element(i, k); e >= 0) sums.row_segments -= g[e] * g[e] * dl_dg[e];
      if (const int e = layout.col_segment_element(i, k); e >= 0) sums.col_segments -= g[e] * g[e] * dl_dg[e];
    }
  }
  // Source i: dL/dR = sum_b i^V i^U, with the forward source current S_ss v (outputs at 0 V)
  // and the adjoint one -dL/dv (crossbar_model.hpp); the same limit as per_input at 0 ohm.
  Eigen::MatrixXd i_src(p.rows, v.cols());
  i_src.noalias() = sweep_v.topRows(p.rows) * v;
  sums.source = -(i_src.array() * out.dl_dv.array()).rowwise().sum().matrix();
}

// The sweep (crossbar_kernels.hpp) in chunks of inputs that keep its row state in cache; the
// terminal currents come from S: forward I_src = S_ss v, I_col = M v; adjoint I_src = S_so w =
// -M^T w, I_col = -S_oo w. Returns the worst relative KCL residual.
double CrossbarModel::Impl::backward_sweep(const Eigen::Ref<const Eigen::MatrixXd>& v,
                                           const Eigen::Ref<const Eigen::MatrixXd>& w, bool wire_sums,
                                           detail::GradientSums& sums, CrossbarGradients& out) const {
  constexpr Eigen::Index kSweepChunk = 256;  // bounds the terminal-current buffers
  const auto sys = system();
  const Eigen::MatrixXd w_phys = to_physical(w);
  out.dl_dv.resize(p.rows, v.cols());
  Eigen::VectorXd r_src;
  if (p.r_source_ohm.size()) r_src = p.r_source_ohm * layout.wire_scale();
  const double r_row = p.r_row_wire_ohm * layout.wire_scale(), r_col = p.r_col_wire_ohm * layout.wire_scale();
  double residual = 0.0;
  for (Eigen::Index b0 = 0; b0 < v.cols(); b0 += kSweepChunk) {
    const Eigen::Index nb = std::min<Eigen::Index>(kSweepChunk, v.cols() - b0);
    const RowMatrixXd vr = v.middleCols(b0, nb), wr = w_phys.middleCols(b0, nb);
    RowMatrixXd tx(p.rows + layout.pcols(), nb), tu(p.rows + layout.pcols(), nb);
    tx.noalias() = sweep_v * vr;
    tu.noalias() = sweep_w * wr;
    out.dl_dv.middleCols(b0, nb) = -tu.topRows(p.rows);  // dL/dv = M^T w = -(adjoint source current)
    const detail::SweepTerminals t{vr, wr, tx.topRows(p.rows), tx.bottomRows(layout.pcols()), tu.topRows(p.rows),
                                   tu.bottomRows(layout.pcols())};
    residual = std::max(residual, detail::sweep_gradients(sys, r_src, r_row, r_col, t, wire_sums, sums));
  }
  return residual;
}

// Flop counts: per_input solves the forward and the adjoint voltages of each input through the
// factors (2 x 2 flops per stored entry) and sums per cell; batch_sum costs schur_adjoint once;
// the sweep costs kSweepFlopsPerCell per cell and input. The factor 2 on per_input and the
// sweep's constant are measured (bench_behavioral: per_input's solves run at about half the flop
// rate of schur_adjoint's dense kernels; a sweep step per cell and input takes about as long as
// 13-20 of their flops, bench_behavioral 2026-11-30, thread CPU time).
// The GEMMs with M and S, about the same in every method, are left out.
BackwardMethod CrossbarModel::Impl::choose(Eigen::Index batch, const BackwardOptions& options) const {
  if (options.method != BackwardMethod::automatic) return options.method;
  if (p.cell != CellModel::linear) return BackwardMethod::per_input;
  const BackwardMethod other = factor_method(batch, options);
  if (!(sweep_growth <= kSweepGrowthMax)) return other;
  const double sweep = kSweepFlopsPerCell * layout.n_cells() * static_cast<double>(batch);
  return sweep <= cost(other, batch) ? BackwardMethod::sweep : other;
}

double CrossbarModel::Impl::cost(BackwardMethod method, Eigen::Index batch) const {
  if (method == BackwardMethod::batch_sum) return nd.adjoint_flops();
  return 2.0 * (4.0 * static_cast<double>(nd.factor_entries()) + 12.0 * layout.n_cells()) * static_cast<double>(batch);
}

BackwardMethod CrossbarModel::Impl::factor_method(Eigen::Index batch, const BackwardOptions& options) const {
  if (options.wire_gradients && (!layout.has_row_wire() || !layout.has_col_wire())) return BackwardMethod::per_input;
  return cost(BackwardMethod::batch_sum, batch) < cost(BackwardMethod::per_input, batch) ? BackwardMethod::batch_sum
                                                                                        : BackwardMethod::per_input;
}

void CrossbarModel::Impl::backward_sinh(const Eigen::Ref<const Eigen::MatrixXd>& v,
                                        const Eigen::Ref<const Eigen::MatrixXd>& w, detail::GradientSums& sums,
                                        CrossbarGradients& out) const {
  const auto sys = system();
  const Eigen::MatrixXd w_phys = to_physical(w);
  detail::FrontalFactor work;
  Eigen::VectorXd g_jac;
  RowMatrixXd x = RowMatrixXd::Zero(layout.n_nodes(), 1), u = RowMatrixXd::Zero(layout.n_nodes(), 1);
  Eigen::MatrixXd i_phys(layout.pcols(), 1);
  out.i_out_a.resize(p.cols, v.cols());
  out.dl_dv.resize(p.rows, v.cols());
  SolveStats& st = out.stats;
  long long total = 0;
  for (Eigen::Index b = 0; b < v.cols(); ++b) {
    detail::set_ideal(layout, v.col(b), x);
    const auto o =
        detail::newton_solve(sys, p.newton_abs_tol_v, p.newton_rel_tol, p.newton_max_iterations, work, g_jac, x);
    work.factorize(nd, g_jac);  // the adjoint network: small-signal conductances at the solution
    detail::set_terminals(layout, Eigen::VectorXd::Zero(p.rows), w_phys.col(b), u);
    work.solve(nd, u, false);
    detail::accumulate_gradients(sys, x, u, sums, i_phys, out.dl_dv.col(b));
    out.i_out_a.col(b) = to_logical(i_phys);
    total += o.iterations;
    st.max_iterations = std::max(st.max_iterations, o.iterations);
    st.not_converged += o.converged ? 0 : 1;
    st.worst_final_step = std::max(st.worst_final_step, o.last_step);
  }
  st.inputs = static_cast<int>(v.cols());
  st.mean_iterations = v.cols() ? static_cast<double>(total) / v.cols() : 0.0;
}

void CrossbarModel::Impl::finish_gradients(const detail::GradientSums& sums, CrossbarGradients& out) const {
  // Nominal parameters: G_eff = G cell_scale, R_eff = R wire_scale.
  const Eigen::MatrixXd dl_dg_phys = sums.dl_dg * layout.cell_scale();
  if (p.differential) {
    out.dl_dg_s.resize(p.rows, p.cols);
    out.dl_dg_neg_s.resize(p.rows, p.cols);
    for (int j = 0; j < p.cols; ++j) {
      out.dl_dg_s.col(j) = dl_dg_phys.col(2 * j);
      out.dl_dg_neg_s.col(j) = dl_dg_phys.col(2 * j + 1);
    }
  } else {
    out.dl_dg_s = dl_dg_phys;
  }
  out.dl_dr_row_wire = sums.row_segments * layout.wire_scale();
  out.dl_dr_col_wire = sums.col_segments * layout.wire_scale();
  out.dl_dr_source = sums.source * layout.wire_scale();
}

CrossbarModel::CrossbarModel(const CrossbarModelParams& params) {
  params.validate();
  impl_ = std::make_unique<Impl>(params);
}

CrossbarModel::~CrossbarModel() = default;
CrossbarModel::CrossbarModel(CrossbarModel&&) noexcept = default;
CrossbarModel& CrossbarModel::operator=(CrossbarModel&&) noexcept = default;

void CrossbarModel::program(const Eigen::Ref<const Eigen::MatrixXd>& g_s,
                            const Eigen::Ref<const Eigen::MatrixXd>& g_neg_s) {
  const auto t0 = std::chrono::steady_clock::now();
  Impl& m = *impl_;
  std::vector<std::string> bad;
  check_conductances(bad, "g_s", g_s, m.p.rows, m.p.cols);
  if (m.p.differential) {
    check_conductances(bad, "g_neg_s", g_neg_s, m.p.rows, m.p.cols);
  } else if (g_neg_s.size() != 0) {
    bad.push_back("g_neg_s is set but crossbar_model.differential = false: set differential or leave g_neg_s empty");
  }
  throw_if(std::move(bad));
  m.programmed = false;
  m.set_cells(g_s, g_neg_s);
  m.factor.factorize(m.nd, m.g);
  m.compute_m();
  m.programmed = true;
  m.program_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool CrossbarModel::programmed() const { return impl_->programmed; }
double CrossbarModel::program_seconds() const { return impl_->program_s; }

const Eigen::MatrixXd& CrossbarModel::effective_matrix() const {
  impl_->require_programmed("effective_matrix");
  return impl_->m;
}

Eigen::MatrixXd CrossbarModel::forward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v, SinhSolve mode,
                                       SolveStats* stats) const {
  Eigen::MatrixXd out(impl_->p.cols, v_in_v.cols());
  forward_into(v_in_v, out, mode, stats);
  return out;
}

void CrossbarModel::forward_into(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v, Eigen::Ref<Eigen::MatrixXd> i_out_a,
                                 SinhSolve mode, SolveStats* stats) const {
  const Impl& m = *impl_;
  m.check_inputs("forward", v_in_v);
  if (i_out_a.rows() != m.p.cols || i_out_a.cols() != v_in_v.cols()) {
    throw ValidationError({cat("CrossbarModel::forward: i_out_a has shape ", i_out_a.rows(), "x", i_out_a.cols(),
                               ": must be cols x batch = ", m.p.cols, "x", v_in_v.cols())});
  }
  SolveStats st;
  if (m.p.cell == CellModel::linear) {
    i_out_a.noalias() = m.m * v_in_v;
    st.inputs = static_cast<int>(v_in_v.cols());
  } else if (mode == SinhSolve::exact) {
    m.forward_exact(v_in_v, i_out_a, st);
  } else {
    m.forward_fast(v_in_v, i_out_a, st);
  }
  if (stats) *stats = st;
}

CrossbarGradients CrossbarModel::backward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v,
                                          const Eigen::Ref<const Eigen::MatrixXd>& dl_di) const {
  return backward(v_in_v, dl_di, BackwardOptions{});
}

BackwardMethod CrossbarModel::backward_method(Eigen::Index batch, const BackwardOptions& options) const {
  return impl_->choose(batch, options);
}

CrossbarGradients CrossbarModel::backward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v,
                                          const Eigen::Ref<const Eigen::MatrixXd>& dl_di,
                                          const BackwardOptions& options) const {
  const Impl& m = *impl_;
  m.check_inputs("backward", v_in_v);
  std::vector<std::string> bad;
  if (dl_di.rows() != m.p.cols || dl_di.cols() != v_in_v.cols()) {
    bad.push_back(cat("CrossbarModel::backward: dl_di has shape ", dl_di.rows(), "x", dl_di.cols(),
                      ": must be cols x batch = ", m.p.cols, "x", v_in_v.cols()));
  }
  check_finite(bad, "dl_di", dl_di);
  if (options.method == BackwardMethod::sweep && m.p.cell != CellModel::linear)
    bad.push_back("CrossbarModel::backward: options.method = sweep needs linear cells (crossbar_model.cell = sinh): "
                  "use automatic or per_input");
  if (options.method == BackwardMethod::batch_sum) {
    if (m.p.cell != CellModel::linear)
      bad.push_back("CrossbarModel::backward: options.method = batch_sum needs linear cells (crossbar_model.cell = sinh): "
                    "use automatic or per_input");
    if (options.wire_gradients && (!m.layout.has_row_wire() || !m.layout.has_col_wire()))
      bad.push_back(cat("CrossbarModel::backward: options.method = batch_sum with wire_gradients cannot give the gradient "
                        "of a zero-ohm wire (r_row_wire_ohm = ", m.p.r_row_wire_ohm, ", r_col_wire_ohm = ",
                        m.p.r_col_wire_ohm, "): use per_input, automatic, or wire_gradients = false"));
  }
  throw_if(std::move(bad));
  CrossbarGradients out;
  detail::GradientSums sums(m.p.rows, m.layout.pcols());
  BackwardMethod method = m.choose(v_in_v.cols(), options);
  if (method == BackwardMethod::sweep) {
    const double residual = m.backward_sweep(v_in_v, dl_di, options.wire_gradients, sums, out);
    out.stats.inputs = static_cast<int>(v_in_v.cols());
    out.stats.worst_final_step = residual;
    if (options.method == BackwardMethod::automatic && !(residual <= kSweepResidualMax)) {
      // Rounding grew more than the bound promised: redo the batch by a factorization method.
      sums = detail::GradientSums(m.p.rows, m.layout.pcols());
      out = CrossbarGradients();
      method = m.factor_method(v_in_v.cols(), options);
    } else if (options.outputs) {
      out.i_out_a.noalias() = m.m * v_in_v;
    }
  }
  if (method == BackwardMethod::sweep) {
    // done above
  } else if (m.p.cell != CellModel::linear) {
    m.backward_sinh(v_in_v, dl_di, sums, out);
  } else if (method == BackwardMethod::batch_sum) {
    m.backward_batch_sum(v_in_v, dl_di, options, sums, out);
    out.stats.inputs = static_cast<int>(v_in_v.cols());
  } else {
    m.backward_linear(v_in_v, dl_di, sums, out);
    out.stats.inputs = static_cast<int>(v_in_v.cols());
  }
  m.finish_gradients(sums, out);
  if (!options.outputs) out.i_out_a.resize(0, 0);
  if (!options.wire_gradients) {
    out.dl_dr_row_wire = out.dl_dr_col_wire = 0.0;
    out.dl_dr_source.setZero();
  }
  return out;
}

const CrossbarModelParams& CrossbarModel::params() const { return impl_->p; }

CrossbarFactorInfo CrossbarModel::factor_info() const {
  CrossbarFactorInfo info;
  const auto& fronts = impl_->nd.fronts();
  info.fronts = static_cast<int>(fronts.size());
  for (const auto& f : fronts) info.largest_front = std::max(info.largest_front, static_cast<int>(f.nodes.size()));
  info.factor_entries = impl_->nd.factor_entries();
  return info;
}

}  // namespace xbar::behavioral
