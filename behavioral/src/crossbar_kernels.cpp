#include "crossbar_kernels.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

namespace xbar::behavioral::detail {

namespace {

/// KCL residual r = sum over elements of the current leaving each node (n_nodes x 1), and the
/// Jacobian conductances. Returns the 2-norm of r over the free nodes.
double residual(const CrossbarSystem& s, const Eigen::Ref<const RowMatrixXd>& x, Eigen::VectorXd& r,
                Eigen::VectorXd& g_jac) {
  const auto& elements = s.nd.network().elements;
  const int n_cells = s.layout.n_cells();
  r.setZero(s.layout.n_nodes());
  g_jac.resize(s.g.size());
  for (int e = 0; e < static_cast<int>(elements.size()); ++e) {
    const int a = elements[e].a, b = elements[e].b;
    const double dv = x(a, 0) - x(b, 0);
    double current = 0.0;
    if (e < n_cells && s.v0_v > 0.0) {
      const double t = dv / s.v0_v;
      current = s.g[e] * s.v0_v * std::sinh(t);
      g_jac[e] = s.g[e] * std::cosh(t);
    } else {
      current = s.g[e] * dv;
      g_jac[e] = s.g[e];
    }
    r[a] += current;
    r[b] -= current;
  }
  const auto& terminal = s.nd.network().terminal;
  double norm2 = 0.0;
  for (int n = 0; n < r.size(); ++n) norm2 += terminal[n] ? 0.0 : r[n] * r[n];
  return std::sqrt(norm2);
}

/// max |dx| over the free nodes and max |x| over all nodes.
std::pair<double, double> step_sizes(const CrossbarSystem& s, const Eigen::Ref<const RowMatrixXd>& dx,
                                     const Eigen::Ref<const RowMatrixXd>& x) {
  const auto& terminal = s.nd.network().terminal;
  double step = 0.0;
  for (int n = 0; n < dx.rows(); ++n) step = terminal[n] ? step : std::max(step, std::abs(dx(n, 0)));
  return {step, x.cwiseAbs().maxCoeff()};
}

/// sinh via one exp (vectorized); absolute error ~1e-16, which is all the chord step needs.
Eigen::ArrayXd fast_sinh(const Eigen::ArrayXd& t) {
  const Eigen::ArrayXd e = t.exp();
  return 0.5 * (e - e.inverse());
}

}  // namespace

void set_terminals(const CrossbarLayout& layout, const Eigen::Ref<const Eigen::MatrixXd>& v,
                   const Eigen::Ref<const Eigen::MatrixXd>& w, Eigen::Ref<RowMatrixXd> x) {
  for (int i = 0; i < layout.rows(); ++i) x.row(layout.in(i)) = v.row(i);
  for (int k = 0; k < layout.pcols(); ++k) {
    if (w.size() == 0) {
      x.row(layout.out(k)).setZero();
    } else {
      x.row(layout.out(k)) = w.row(k);
    }
  }
}

void set_ideal(const CrossbarLayout& layout, const Eigen::Ref<const Eigen::MatrixXd>& v, Eigen::Ref<RowMatrixXd> x) {
  x.setZero();
  for (int i = 0; i < layout.rows(); ++i) {
    x.row(layout.in(i)) = v.row(i);
    x.row(layout.drv(i)) = v.row(i);
    for (int k = 0; k < layout.pcols(); ++k) x.row(layout.row_node(i, k)) = v.row(i);
  }
}

void column_currents(const CrossbarSystem& s, const Eigen::Ref<const RowMatrixXd>& x,
                     Eigen::Ref<Eigen::MatrixXd> i_phys) {
  const CrossbarLayout& L = s.layout;
  i_phys.setZero();
  for (int i = 0; i < L.rows(); ++i) {
    for (int k = 0; k < L.pcols(); ++k) {
      const double g = s.g[i * L.pcols() + k];
      const auto dv = x.row(L.row_node(i, k)) - x.row(L.col_node(i, k));
      if (s.v0_v > 0.0) {
        i_phys.row(k) += (g * s.v0_v) * (dv.array() / s.v0_v).sinh().matrix();
      } else {
        i_phys.row(k) += g * dv;
      }
    }
  }
}

IterationOutcome newton_solve(const CrossbarSystem& s, double abs_tol_v, double rel_tol, int max_iterations,
                              FrontalFactor& work, Eigen::VectorXd& g_jac, Eigen::Ref<RowMatrixXd> x) {
  assert(x.cols() == 1);
  const auto& terminal = s.nd.network().terminal;
  const int n = s.layout.n_nodes();
  Eigen::VectorXd r, r_trial, g_trial;
  RowMatrixXd dx(n, 1), trial(n, 1);
  double r_norm = residual(s, x, r, g_jac);
  IterationOutcome out;
  while (out.iterations < max_iterations) {
    ++out.iterations;
    work.factorize(s.nd, g_jac);
    for (int node = 0; node < n; ++node) dx(node, 0) = terminal[node] ? 0.0 : -r[node];
    work.solve(s.nd, dx, true);
    const auto [step, scale] = step_sizes(s, dx, x);
    // Backtrack on the residual norm if the full step makes it grow (not expected for these
    // mildly nonlinear cells; a safeguard).
    double t = 1.0, trial_norm = 0.0;
    for (;;) {
      trial = x + t * dx;
      trial_norm = residual(s, trial, r_trial, g_trial);
      if (trial_norm <= r_norm || t < 1.0 / 256 || step < abs_tol_v) break;
      t *= 0.5;
    }
    x = trial;
    r.swap(r_trial);
    g_jac.swap(g_trial);
    r_norm = trial_norm;
    out.last_step = step;
    if (step < abs_tol_v || step < rel_tol * scale) {
      out.converged = true;
      break;
    }
  }
  return out;
}

IterationOutcome chord_solve(const CrossbarSystem& s, const FrontalFactor& programmed,
                             const Eigen::Ref<const Eigen::MatrixXd>& v, double rel_tol, int max_iterations,
                             Eigen::Ref<RowMatrixXd> x, Eigen::Ref<Eigen::MatrixXd> i_phys) {
  const CrossbarLayout& L = s.layout;
  const auto& terminal = s.nd.network().terminal;
  const Eigen::Index nb = v.cols();
  const double v0 = s.v0_v;
  x.setZero();  // rows of merged (unused) node ids stay 0
  set_terminals(L, v, Eigen::MatrixXd(), x);
  programmed.solve(s.nd, x, false);  // the linear solution
  RowMatrixXd y(x.rows(), nb);
  Eigen::MatrixXd i_prev(i_phys.rows(), nb);
  Eigen::ArrayXd max_dv(nb), dv(nb), cur(nb), q(nb);
  IterationOutcome out;
  for (int it = 0;; ++it) {
    // Cell currents at x: the outputs, and the injections -A^T G phi(A x) of the next step.
    y.setZero();
    i_phys.setZero();
    max_dv.setZero();
    for (int i = 0; i < L.rows(); ++i) {
      for (int k = 0; k < L.pcols(); ++k) {
        const int a = L.row_node(i, k), b = L.col_node(i, k);
        const double g = s.g[i * L.pcols() + k];
        dv = (x.row(a) - x.row(b)).transpose().array();
        max_dv = max_dv.max(dv.abs());
        cur = (g * v0) * fast_sinh(dv / v0);
        q = cur - g * dv;
        i_phys.row(k) += cur.matrix().transpose();
        if (!terminal[a]) y.row(a) -= q.matrix().transpose();
        if (!terminal[b]) y.row(b) += q.matrix().transpose();
      }
    }
    if (it > 0) {
      const Eigen::ArrayXd change =
          (i_phys - i_prev).colwise().norm().array() / i_phys.colwise().norm().array().max(1e-300);
      out.last_step = change.maxCoeff();
      if (out.last_step <= rel_tol) {
        out.converged = true;
        break;
      }
    }
    if (it == max_iterations) break;
    i_prev = i_phys;
    set_terminals(L, v, Eigen::MatrixXd(), y);
    programmed.solve(s.nd, y, true);
    // Relaxed step: the chord Jacobian J0 (cells at G) under-estimates J by up to
    // cosh(max|V_cell|/V0); w = 2 / (1 + that) balances the two ends of the spectrum.
    const Eigen::ArrayXd w = 2.0 / (1.0 + (max_dv / v0).cosh());
    x += (y - x) * w.matrix().asDiagonal();
    out.iterations = it + 1;
  }
  return out;
}

GradientSums::GradientSums(int rows, int pcols)
    : dl_dg(Eigen::MatrixXd::Zero(rows, pcols)), source(Eigen::VectorXd::Zero(rows)) {}

void accumulate_gradients(const CrossbarSystem& s, const Eigen::Ref<const RowMatrixXd>& x,
                          const Eigen::Ref<const RowMatrixXd>& u, GradientSums& sums,
                          Eigen::Ref<Eigen::MatrixXd> i_phys, Eigen::Ref<Eigen::MatrixXd> dl_dv) {
  const CrossbarLayout& L = s.layout;
  const Eigen::Index nb = x.cols();
  const double v0 = s.v0_v;
  // Column prefix sums (current in column segment (i,k), flowing down) and row suffix sums
  // (current in row segment (i,k), flowing away from the driver), forward and adjoint.
  Eigen::ArrayXXd pv = Eigen::ArrayXXd::Zero(nb, L.pcols()), pu = Eigen::ArrayXXd::Zero(nb, L.pcols());
  Eigen::ArrayXd sv(nb), su(nb), dv(nb), du(nb), cv(nb), cu(nb), sh(nb);
  for (int i = 0; i < L.rows(); ++i) {
    sv.setZero();
    su.setZero();
    for (int k = L.pcols() - 1; k >= 0; --k) {
      const int a = L.row_node(i, k), b = L.col_node(i, k);
      const double g = s.g[i * L.pcols() + k];
      dv = (x.row(a) - x.row(b)).transpose().array();
      du = (u.row(a) - u.row(b)).transpose().array();
      if (v0 > 0.0) {
        sh = v0 * (dv / v0).sinh();
        cv = g * sh;
        cu = g * (dv / v0).cosh() * du;
        sums.dl_dg(i, k) -= (du * sh).sum();
      } else {
        cv = g * dv;
        cu = g * du;
        sums.dl_dg(i, k) -= (du * dv).sum();
      }
      sv += cv;
      su += cu;
      sums.row_segments += (sv * su).sum();
      pv.col(k) += cv;
      pu.col(k) += cu;
      sums.col_segments += (pv.col(k) * pu.col(k)).sum();
    }
    sums.source[i] += (sv * su).sum();
    dl_dv.row(i) = -su.matrix().transpose();
  }
  i_phys = pv.matrix().transpose();
}

namespace {

template <int kLanes, bool kWires>
double sweep_lanes(const CrossbarSystem& s, const Eigen::VectorXd& r_source_ohm, double r_row_ohm, double r_col_ohm,
                   const SweepTerminals& t, GradientSums& sums) {
  // Inputs go in blocks of kLanes (a short tail is padded with zero inputs, which add exactly
  // 0). A block's row state (node voltage reached and current still flowing, forward and
  // adjoint: 4 x R x kLanes doubles, 16 KB at R = 128) stays in L1 while the block marches over
  // every column, and the column state lives in registers, so the march is bound by its
  // arithmetic. Sums over inputs go block by block in a fixed order (no threads).
  const CrossbarLayout& L = s.layout;
  const int R = L.rows(), K = L.pcols();
  const Eigen::Index nb = t.v.cols();
  const double source_scale = std::max(nb ? t.src_x.cwiseAbs().maxCoeff() : 0.0, 1e-300);
  const double column_scale = std::max(nb ? t.col_x.cwiseAbs().maxCoeff() : 0.0, 1e-300);
  std::vector<double> rx(static_cast<std::size_t>(R) * kLanes), ru(rx.size()), jx(rx.size()), ju(rx.size());
  double residual = 0.0;
  for (Eigen::Index b0 = 0; b0 < nb; b0 += kLanes) {
    const int lanes = static_cast<int>(std::min<Eigen::Index>(kLanes, nb - b0));
    for (int i = 0; i < R; ++i) {
      const double rs = r_source_ohm.size() ? r_source_ohm[i] : 0.0;
      double src = 0.0;
      for (int j = 0; j < kLanes; ++j) {
        const bool on = j < lanes;
        const double ix = on ? t.src_x(i, b0 + j) : 0.0, iu = on ? t.src_u(i, b0 + j) : 0.0;
        jx[i * kLanes + j] = ix;
        ju[i * kLanes + j] = iu;
        rx[i * kLanes + j] = (on ? t.v(i, b0 + j) : 0.0) - rs * ix;
        ru[i * kLanes + j] = -rs * iu;
        src += ix * iu;
      }
      if (kWires) sums.source[i] += src;
    }
    double arow[kLanes] = {}, acol[kLanes] = {};
    for (int k = 0; k < K; ++k) {
      double sx[kLanes], su[kLanes], cx[kLanes], cu[kLanes];
      for (int j = 0; j < kLanes; ++j) {
        const bool on = j < lanes;
        sx[j] = on ? t.col_x(k, b0 + j) : 0.0;
        su[j] = on ? t.col_u(k, b0 + j) : 0.0;
        cx[j] = r_col_ohm * sx[j];
        cu[j] = (on ? t.w(k, b0 + j) : 0.0) + r_col_ohm * su[j];
      }
      for (int i = R - 1; i >= 0; --i) {
        const double g = s.g[i * K + k];
        const double step = i > 0 ? r_col_ohm : 0.0;
        double* __restrict px = rx.data() + i * kLanes;
        double* __restrict pu = ru.data() + i * kLanes;
        double* __restrict qx = jx.data() + i * kLanes;
        double* __restrict qu = ju.data() + i * kLanes;
        double prod[kLanes];
        for (int j = 0; j < kLanes; ++j) {
          if (kWires) {
            arow[j] += qx[j] * qu[j];  // row segment (i, k) carries the row's remaining current
            acol[j] += sx[j] * su[j];  // column segment (i, k) carries the cells above and at row i
          }
          const double vx = px[j] - r_row_ohm * qx[j], vu = pu[j] - r_row_ohm * qu[j];
          px[j] = vx;
          pu[j] = vu;
          const double dx = vx - cx[j], du = vu - cu[j];
          prod[j] = dx * du;
          const double ix = g * dx, iu = g * du;
          qx[j] -= ix;
          qu[j] -= iu;
          sx[j] -= ix;
          su[j] -= iu;
          cx[j] += step * sx[j];
          cu[j] += step * su[j];
        }
        double cell = 0.0;
        for (int j = 0; j < kLanes; ++j) cell += prod[j];
        sums.dl_dg(i, k) -= cell;
      }
      for (int j = 0; j < kLanes; ++j) residual = std::max(residual, std::abs(sx[j]) / column_scale);  // KCL above the top cell
    }
    for (double q : jx) residual = std::max(residual, std::abs(q) / source_scale);  // KCL past the last cell
    for (int j = 0; j < kLanes; ++j) {
      sums.row_segments += arow[j];
      sums.col_segments += acol[j];
    }
  }
  return residual;
}

}  // namespace

double sweep_gradients(const CrossbarSystem& s, const Eigen::VectorXd& r_source_ohm, double r_row_ohm,
                       double r_col_ohm, const SweepTerminals& t, bool wire_sums, GradientSums& sums) {
  // 8 inputs at a time: enough independent chains to hide the latency of the column march
  // (each row step depends on the one below), few enough to stay in registers.
  return wire_sums ? sweep_lanes<8, true>(s, r_source_ohm, r_row_ohm, r_col_ohm, t, sums)
                   : sweep_lanes<8, false>(s, r_source_ohm, r_row_ohm, r_col_ohm, t, sums);
}

}  // namespace xbar::behavioral::detail
