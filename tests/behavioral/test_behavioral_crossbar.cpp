// CrossbarModel (behavioral) against closed forms, against ngspice on the same circuit
// (netlists::make_crossbar_deck), and its gradients against central finite differences.
// Tolerances are relative. The measured errors are printed with MESSAGE.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <thread>

#include "xbar/behavioral/crossbar_model.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/crossbar.hpp"

using namespace xbar;
using behavioral::CellModel;
using behavioral::CrossbarModel;
using behavioral::CrossbarModelParams;
using behavioral::SinhSolve;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

constexpr double kGMin = 1e-6, kGMax = 1e-4;  // S; R_on = 1 / kGMax

double rel_l2(const MatrixXd& a, const MatrixXd& ref) { return (a - ref).norm() / ref.norm(); }

MatrixXd random_matrix(int rows, int cols, std::uint64_t seed, std::uint64_t stream, double lo, double hi) {
  core::CounterRng rng(seed, stream);
  MatrixXd m(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) m(i, j) = rng.uniform(static_cast<std::uint64_t>(j) * rows + i, lo, hi);
  return m;
}

/// A random array with its conductances and inputs.
struct Case {
  CrossbarModelParams params;
  MatrixXd g_s, g_neg_s;
};

Case random_case(int rows, int cols, bool differential, double r_wire_over_r_on, std::uint64_t seed) {
  Case c;
  c.params.rows = rows;
  c.params.cols = cols;
  c.params.differential = differential;
  c.params.r_row_wire_ohm = r_wire_over_r_on / kGMax;
  c.params.r_col_wire_ohm = 0.7 * r_wire_over_r_on / kGMax;
  c.params.r_source_ohm = random_matrix(rows, 1, seed, 5, 20.0, 200.0);
  c.g_s = random_matrix(rows, cols, seed, 1, kGMin, kGMax);
  if (differential) c.g_neg_s = random_matrix(rows, cols, seed, 2, kGMin, kGMax);
  return c;
}

netlists::CrossbarParams deck_params(const Case& c, const VectorXd& v) {
  const CrossbarModelParams& m = c.params;
  netlists::CrossbarParams p;
  p.rows = m.rows;
  p.cols = m.cols;
  p.differential = m.differential;
  p.cell = m.cell == CellModel::linear ? netlists::CellModel::linear : netlists::CellModel::sinh;
  p.v0_v = m.v0_v;
  p.r_row_wire_ohm = m.r_row_wire_ohm;
  p.r_col_wire_ohm = m.r_col_wire_ohm;
  p.r_source_ohm = m.r_source_ohm;
  p.temperature_c = m.temperature_c;
  p.tnom_c = m.tnom_c;
  p.cell_tc1_per_k = m.cell_tc1_per_k;
  p.wire_tc1_per_k = m.wire_tc1_per_k;
  p.g_s = c.g_s;
  if (m.differential) p.g_neg_s = c.g_neg_s;
  p.v_in_v = v;
  return p;
}

VectorXd spice_currents(const Case& c, const VectorXd& v) {
  const netlists::Deck deck = netlists::make_crossbar_deck(deck_params(c, v));
  const auto r = characterize::SpiceSession::instance().simulate(deck.text, "op");
  VectorXd out(deck.probes.size());
  for (std::size_t j = 0; j < deck.probes.size(); ++j) out[static_cast<Eigen::Index>(j)] = r.probe(deck.probes[j])[0];
  return out;
}

CrossbarModel programmed(const Case& c) {
  CrossbarModel model(c.params);
  model.program(c.g_s, c.g_neg_s);
  return model;
}

std::string label(const Case& c, double ratio) {
  return fmt::format("{}x{} {} {} r/R_on={:g}", c.params.rows, c.params.cols,
                     c.params.differential ? "differential" : "single-ended",
                     c.params.cell == CellModel::linear ? "linear" : "sinh", ratio);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ---- closed forms ----------------------------------------------------------------------------

TEST_CASE("1x1 cells: linear I = G V and sinh I = G V0 sinh(V/V0), exact and fast") {
  CrossbarModelParams p;
  p.rows = p.cols = 1;
  CrossbarModel lin(p);
  lin.program(MatrixXd::Constant(1, 1, 3.7e-5));
  CHECK(lin.forward(MatrixXd::Constant(1, 1, 0.3))(0, 0) == doctest::Approx(3.7e-5 * 0.3).epsilon(1e-15));
  p.cell = CellModel::sinh;
  p.v0_v = 0.2;
  CrossbarModel snh(p);
  snh.program(MatrixXd::Constant(1, 1, 3.7e-5));
  const double expected = 3.7e-5 * 0.2 * std::sinh(0.3 / 0.2);
  CHECK(snh.forward(MatrixXd::Constant(1, 1, 0.3), SinhSolve::exact)(0, 0) == doctest::Approx(expected).epsilon(1e-14));
  CHECK(snh.forward(MatrixXd::Constant(1, 1, 0.3), SinhSolve::fast)(0, 0) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("no wires and no source resistance: M = G^T exactly, single-ended and differential") {
  for (bool differential : {false, true}) {
    CAPTURE(differential);
    Case c = random_case(13, 9, differential, 0.0, 3);
    c.params.r_source_ohm.resize(0);
    CrossbarModel model = programmed(c);
    const MatrixXd g_t = differential ? MatrixXd((c.g_s - c.g_neg_s).transpose()) : MatrixXd(c.g_s.transpose());
    CHECK((model.effective_matrix() - g_t).cwiseAbs().maxCoeff() == 0.0);
    const MatrixXd v = random_matrix(13, 4, 3, 3, -0.2, 0.2);
    CHECK((model.forward(v) - g_t * v).cwiseAbs().maxCoeff() == 0.0);
  }
}

// Row ladder, 1 x N (derivation in test_spice.cpp): with cosh(g) = 1 + rG/2,
//   x_k = V cosh(g (N - k + 1/2)) / cosh(g (N + 1/2)),  I_k = G x_k.
TEST_CASE("1xN row ladder matches the closed form to 1e-9") {
  double worst_all = 0;
  for (int n : {1, 2, 10, 100, 400}) {
    for (double r : {0.5, 10.0}) {
      CAPTURE(n);
      CAPTURE(r);
      const double g = 1e-4, v = 0.25;
      CrossbarModelParams p;
      p.rows = 1;
      p.cols = n;
      p.r_row_wire_ohm = r;
      CrossbarModel model(p);
      model.program(MatrixXd::Constant(1, n, g));
      const VectorXd i = model.forward(MatrixXd::Constant(1, 1, v));
      const double gam = std::acosh(1.0 + r * g / 2.0);
      double worst = 0;
      for (int k = 1; k <= n; ++k) {
        const double exact = g * v * std::cosh(gam * (n - k + 0.5)) / std::cosh(gam * (n + 0.5));
        worst = std::max(worst, std::abs(i[k - 1] - exact) / exact);
      }
      CHECK(worst < 1e-9);
      worst_all = std::max(worst_all, worst);
    }
  }
  MESSAGE(fmt::format("row ladder: worst relative error {:.2e}", worst_all));
}

// Column ladder, N x 1 (derivation in test_spice.cpp):
//   I_out = (V / r) (1 - cosh(g (N - 1/2)) / cosh(g (N + 1/2))),  cosh(g) = 1 + rG/2.
TEST_CASE("Nx1 column ladder matches the closed form to 1e-9") {
  double worst = 0;
  for (int n : {1, 2, 10, 100, 400}) {
    for (double r : {0.5, 10.0}) {
      CAPTURE(n);
      CAPTURE(r);
      const double g = 1e-4, v = 0.25;
      CrossbarModelParams p;
      p.rows = n;
      p.cols = 1;
      p.r_col_wire_ohm = r;
      CrossbarModel model(p);
      model.program(MatrixXd::Constant(n, 1, g));
      const double i = model.forward(MatrixXd::Constant(n, 1, v))(0, 0);
      const double gam = std::acosh(1.0 + r * g / 2.0);
      const double a = gam * (n - 0.5), b = gam * (n + 0.5);
      const double exact = v / r * 2.0 * std::sinh((a + b) / 2) * std::sinh((b - a) / 2) / std::cosh(b);
      CHECK(std::abs(i - exact) / exact < 1e-9);
      worst = std::max(worst, std::abs(i - exact) / exact);
    }
  }
  MESSAGE(fmt::format("column ladder: worst relative error {:.2e}", worst));
}

// ---- against ngspice ---------------------------------------------------------------------------

TEST_CASE("linear cells agree with ngspice to 1e-6 (32, 64 and 128; wires, source resistance)") {
  struct Size {
    int n;
    std::vector<double> ratios;
  };
  for (const Size& size : {Size{32, {1e-4, 1e-2}}, Size{64, {1e-4, 1e-2}}, Size{128, {1e-4}}}) {
    for (double ratio : size.ratios) {
      for (bool differential : {false, true}) {
        if (size.n == 128 && differential) continue;
        const Case c = random_case(size.n, size.n, differential, ratio, 11 + size.n);
        const CrossbarModel model = programmed(c);
        const VectorXd v = random_matrix(size.n, 1, 11 + size.n, 3, -0.2, 0.2);
        const auto t0 = std::chrono::steady_clock::now();
        const VectorXd spice = spice_currents(c, v);
        const double spice_s = seconds_since(t0);
        const double err = rel_l2(model.forward(v), spice);
        MESSAGE(fmt::format("{}: relative L2 vs ngspice {:.2e} (programming {:.1f} ms, ngspice {:.0f} ms)",
                            label(c, ratio), err, 1e3 * model.program_seconds(), 1e3 * spice_s));
        CHECK(err < 1e-6);
      }
    }
  }
}

TEST_CASE("temperature terms agree with ngspice (linear and sinh)") {
  for (auto cell : {CellModel::linear, CellModel::sinh}) {
    Case c = random_case(12, 10, true, 1e-3, 21);
    c.params.cell = cell;
    c.params.temperature_c = 85.0;
    c.params.tnom_c = 25.0;
    c.params.cell_tc1_per_k = 2e-3;
    c.params.wire_tc1_per_k = 4e-3;
    const CrossbarModel model = programmed(c);
    const VectorXd v = random_matrix(12, 1, 21, 3, -0.2, 0.2);
    const double err = rel_l2(model.forward(v), spice_currents(c, v));
    MESSAGE(fmt::format("temperature corner, {}: relative L2 vs ngspice {:.2e}", label(c, 1e-3), err));
    CHECK(err < 1e-6);
  }
}

TEST_CASE("sinh cells agree with ngspice: exact <= 1e-6, fast <= 2e-3") {
  for (int n : {32, 64}) {
    for (double ratio : {1e-4, 1e-2}) {
      for (bool differential : {false, true}) {
        Case c = random_case(n, n, differential, ratio, 31 + n);
        c.params.cell = CellModel::sinh;
        c.params.v0_v = 0.25;
        const CrossbarModel model = programmed(c);
        const VectorXd v = random_matrix(n, 1, 31 + n, 3, -0.2, 0.2);
        const VectorXd spice = spice_currents(c, v);
        behavioral::SolveStats exact_stats, fast_stats;
        auto t0 = std::chrono::steady_clock::now();
        const VectorXd exact = model.forward(v, SinhSolve::exact, &exact_stats);
        const double exact_s = seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        const VectorXd fast = model.forward(v, SinhSolve::fast, &fast_stats);
        const double fast_s = seconds_since(t0);
        const double e_exact = rel_l2(exact, spice), e_fast = rel_l2(fast, spice);
        MESSAGE(fmt::format("{}: exact {:.2e} ({} Newton steps, {:.1f} ms), fast {:.2e} ({} chord steps, {:.2f} ms)",
                            label(c, ratio), e_exact, exact_stats.max_iterations, 1e3 * exact_s, e_fast,
                            fast_stats.max_iterations, 1e3 * fast_s));
        CHECK(exact_stats.not_converged == 0);
        CHECK(e_exact < 1e-6);
        CHECK(e_fast < 2e-3);
      }
    }
  }
}

// ---- gradients against central finite differences ----------------------------------------------

namespace {

/// L = sum_b w_b . I_b, the loss whose gradient backward() returns.
double loss(const CrossbarModelParams& p, const MatrixXd& gs, const MatrixXd& gn, const MatrixXd& v,
            const MatrixXd& w) {
  CrossbarModel model(p);
  model.program(gs, gn);
  return (w.array() * model.forward(v, SinhSolve::exact).array()).sum();
}

/// Central difference of f at x with step h.
double central(const std::function<double(double)>& f, double x, double h) { return (f(x + h) - f(x - h)) / (2 * h); }

/// max |fd - an| / max |an| over a gradient.
double grad_error(const MatrixXd& fd, const MatrixXd& an) {
  return (fd - an).cwiseAbs().maxCoeff() / an.cwiseAbs().maxCoeff();
}

void check_gradients(const Case& c, double tol, int batch = 2,
                     behavioral::BackwardMethod method = behavioral::BackwardMethod::automatic) {
  const CrossbarModelParams& p = c.params;
  const MatrixXd v = random_matrix(p.rows, batch, 77, 3, -0.2, 0.2);
  const MatrixXd w = random_matrix(p.cols, batch, 77, 4, -1.0, 1.0);
  const CrossbarModel model = programmed(c);
  behavioral::BackwardOptions options;
  options.method = method;
  const behavioral::CrossbarGradients grad = model.backward(v, w, options);
  CHECK(rel_l2(grad.i_out_a, model.forward(v)) < 1e-12);

  MatrixXd fd_v(p.rows, batch);
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < p.rows; ++i) {
      fd_v(i, b) = central(
          [&](double x) {
            MatrixXd vv = v;
            vv(i, b) = x;
            return loss(p, c.g_s, c.g_neg_s, vv, w);
          },
          v(i, b), 1e-4);
    }
  }
  auto fd_g = [&](bool neg) {
    MatrixXd out(p.rows, p.cols);
    const MatrixXd& g = neg ? c.g_neg_s : c.g_s;
    for (int i = 0; i < p.rows; ++i) {
      for (int j = 0; j < p.cols; ++j) {
        out(i, j) = central(
            [&](double x) {
              MatrixXd gg = g;
              gg(i, j) = x;
              return neg ? loss(p, c.g_s, gg, v, w) : loss(p, gg, c.g_neg_s, v, w);
            },
            g(i, j), 1e-4 * g(i, j));
      }
    }
    return out;
  };
  auto fd_param = [&](const std::function<void(CrossbarModelParams&, double)>& set, double x0) {
    return central(
        [&](double x) {
          CrossbarModelParams q = p;
          set(q, x);
          return loss(q, c.g_s, c.g_neg_s, v, w);
        },
        x0, 1e-4 * x0);
  };
  const double fd_row = fd_param([](CrossbarModelParams& q, double x) { q.r_row_wire_ohm = x; }, p.r_row_wire_ohm);
  const double fd_col = fd_param([](CrossbarModelParams& q, double x) { q.r_col_wire_ohm = x; }, p.r_col_wire_ohm);
  VectorXd fd_src(p.rows);
  for (int i = 0; i < p.rows; ++i) {
    auto set_src = [i](CrossbarModelParams& q, double x) { q.r_source_ohm[i] = x; };
    if (p.r_source_ohm[i] > 0.0) {
      fd_src[i] = fd_param(set_src, p.r_source_ohm[i]);
    } else {  // zero ohm: the limit r -> 0, one-sided second order, (-3 f(0) + 4 f(h) - f(2h)) / 2h
      const double h = 1e-3;
      auto f = [&](double r) {
        CrossbarModelParams q = p;
        set_src(q, r);
        return loss(q, c.g_s, c.g_neg_s, v, w);
      };
      fd_src[i] = (-3.0 * f(0.0) + 4.0 * f(h) - f(2.0 * h)) / (2.0 * h);
    }
  }

  const double e_v = grad_error(fd_v, grad.dl_dv), e_g = grad_error(fd_g(false), grad.dl_dg_s);
  const double e_gn = p.differential ? grad_error(fd_g(true), grad.dl_dg_neg_s) : 0.0;
  const double e_row = std::abs(fd_row - grad.dl_dr_row_wire) / std::abs(grad.dl_dr_row_wire);
  const double e_col = std::abs(fd_col - grad.dl_dr_col_wire) / std::abs(grad.dl_dr_col_wire);
  const double e_src = grad_error(fd_src, grad.dl_dr_source);
  MESSAGE(
      fmt::format("gradients{} {}{}: dL/dv {:.1e}, dL/dG {:.1e}, dL/dG- {:.1e}, dL/dr_row {:.1e}, dL/dr_col {:.1e}, "
                  "dL/dr_source {:.1e}",
                  method == behavioral::BackwardMethod::batch_sum ? fmt::format(" (batch_sum, batch {})", batch)
                  : method == behavioral::BackwardMethod::sweep   ? fmt::format(" (sweep, batch {})", batch)
                                                                  : fmt::format(" (per_input, batch {})", batch),
                  label(c, p.r_row_wire_ohm * kGMax), p.temperature_c != p.tnom_c ? " (85 C)" : "", e_v, e_g, e_gn,
                  e_row, e_col, e_src));
  CHECK(e_v < tol);
  CHECK(e_g < tol);
  CHECK(e_gn < tol);
  CHECK(e_row < tol);
  CHECK(e_col < tol);
  CHECK(e_src < tol);
}

}  // namespace

TEST_CASE("gradients match central finite differences to 1e-6 (4x5, wires, source resistance)") {
  // per_input (node voltages of every input through the factors): what sinh cells always use.
  const auto per_input = behavioral::BackwardMethod::per_input;
  for (auto cell : {CellModel::linear, CellModel::sinh}) {
    for (bool differential : {false, true}) {
      Case c = random_case(4, 5, differential, 1e-2, 5);
      c.params.cell = cell;
      check_gradients(c, 1e-6, 2, per_input);
    }
    Case hot = random_case(4, 5, false, 3e-3, 6);
    hot.params.cell = cell;
    hot.params.temperature_c = 85.0;
    hot.params.cell_tc1_per_k = 2e-3;
    hot.params.wire_tc1_per_k = 4e-3;
    check_gradients(hot, 1e-6, 2, per_input);
  }
}

// The batch_sum path (reverse mode through the factorization): every gradient against central
// differences, with wires, per-row source resistance, a batch of 5, differential, 85 C.
TEST_CASE("batch_sum gradients match central finite differences to 1e-6 (4x5, wires, batch of 5)") {
  for (bool differential : {false, true}) {
    check_gradients(random_case(4, 5, differential, 1e-2, 15), 1e-6, 5, behavioral::BackwardMethod::batch_sum);
  }
  Case hot = random_case(5, 4, false, 3e-3, 16);
  hot.params.temperature_c = 85.0;
  hot.params.cell_tc1_per_k = 2e-3;
  hot.params.wire_tc1_per_k = 4e-3;
  check_gradients(hot, 1e-6, 5, behavioral::BackwardMethod::batch_sum);
  // The shipped presets' wiring: 1 ohm segments and no source resistance (the source node merges
  // into the row's first node); dL/dr_source is then the limit r -> 0, checked one-sided.
  Case preset = random_case(6, 7, false, 1e-4, 17);
  preset.params.r_source_ohm = VectorXd::Zero(6);
  check_gradients(preset, 1e-6, 5, behavioral::BackwardMethod::batch_sum);
}

// The sweep (march through the array from the terminal currents): the same checks, and the
// zero-ohm wire limit, which it gives from the KCL currents as per_input does.
TEST_CASE("sweep gradients match central finite differences to 1e-6 (4x5, wires, batch of 5)") {
  using behavioral::BackwardMethod;
  for (bool differential : {false, true}) {
    check_gradients(random_case(4, 5, differential, 1e-2, 25), 1e-6, 5, BackwardMethod::sweep);
  }
  Case hot = random_case(5, 4, false, 3e-3, 26);
  hot.params.temperature_c = 85.0;
  hot.params.cell_tc1_per_k = 2e-3;
  hot.params.wire_tc1_per_k = 4e-3;
  check_gradients(hot, 1e-6, 5, BackwardMethod::sweep);
  Case preset = random_case(6, 7, false, 1e-4, 27);
  preset.params.r_source_ohm = VectorXd::Zero(6);
  check_gradients(preset, 1e-6, 5, BackwardMethod::sweep);
  for (bool row : {false, true}) {
    Case c = random_case(4, 5, false, 1e-2, 28);
    (row ? c.params.r_row_wire_ohm : c.params.r_col_wire_ohm) = 0.0;
    const MatrixXd v = random_matrix(4, 3, 28, 3, -0.2, 0.2), w = random_matrix(5, 3, 28, 4, -1.0, 1.0);
    behavioral::BackwardOptions sweep, per;
    sweep.method = BackwardMethod::sweep;
    per.method = BackwardMethod::per_input;
    const CrossbarModel model = programmed(c);
    const auto a = model.backward(v, w, sweep), b = model.backward(v, w, per);
    const double e = row ? std::abs(a.dl_dr_row_wire - b.dl_dr_row_wire) / std::abs(b.dl_dr_row_wire)
                         : std::abs(a.dl_dr_col_wire - b.dl_dr_col_wire) / std::abs(b.dl_dr_col_wire);
    MESSAGE(fmt::format("zero-ohm {} wire: sweep vs per_input {:.1e}, dL/dG {:.1e}", row ? "row" : "column", e,
                        rel_l2(a.dl_dg_s, b.dl_dg_s)));
    CHECK(e < 1e-10);
    CHECK(rel_l2(a.dl_dg_s, b.dl_dg_s) < 1e-10);
  }
}

// batch_sum, sweep and per_input are three exact evaluations of the same gradients; on larger
// arrays with the presets' 1 ohm wires they agree to rounding, for every gradient.
TEST_CASE("batch_sum and sweep agree with per_input to 1e-10 (40x24 and 33x17 differential, batch of 9)") {
  using behavioral::BackwardMethod;
  for (auto [differential, method] : {std::pair{false, BackwardMethod::batch_sum}, std::pair{true, BackwardMethod::batch_sum},
                                      std::pair{false, BackwardMethod::sweep}, std::pair{true, BackwardMethod::sweep}}) {
    Case c = differential ? random_case(33, 17, true, 1e-4, 18) : random_case(40, 24, false, 1e-4, 19);
    if (!differential) c.params.r_source_ohm = VectorXd();  // zero-ohm sources
    const CrossbarModel model = programmed(c);
    const MatrixXd v = random_matrix(c.params.rows, 9, 20, 3, 0.0, 0.2);
    const MatrixXd w = random_matrix(c.params.cols, 9, 20, 4, -1.0, 1.0);
    behavioral::BackwardOptions per, sum;
    per.method = BackwardMethod::per_input;
    sum.method = method;
    const auto a = model.backward(v, w, per), b = model.backward(v, w, sum);
    const double e_g = rel_l2(b.dl_dg_s, a.dl_dg_s), e_v = rel_l2(b.dl_dv, a.dl_dv);
    const double e_gn = differential ? rel_l2(b.dl_dg_neg_s, a.dl_dg_neg_s) : 0.0;
    const double e_row = std::abs(b.dl_dr_row_wire - a.dl_dr_row_wire) / std::abs(a.dl_dr_row_wire);
    const double e_col = std::abs(b.dl_dr_col_wire - a.dl_dr_col_wire) / std::abs(a.dl_dr_col_wire);
    const double e_src = rel_l2(b.dl_dr_source, a.dl_dr_source);
    MESSAGE(fmt::format("{}: {} vs per_input: dL/dG {:.1e}, dL/dG- {:.1e}, dL/dv {:.1e}, dL/dr_row {:.1e}, "
                        "dL/dr_col {:.1e}, dL/dr_source {:.1e}",
                        label(c, 1e-4), method == BackwardMethod::sweep ? "sweep" : "batch_sum", e_g, e_gn, e_v, e_row,
                        e_col, e_src));
    CHECK(e_g < 1e-10);
    CHECK(e_gn < 1e-10);
    CHECK(e_v < 1e-10);
    CHECK(e_row < 1e-10);
    CHECK(e_col < 1e-10);
    CHECK(e_src < 1e-10);
    CHECK(rel_l2(b.i_out_a, a.i_out_a) < 1e-14);
    if (method == BackwardMethod::sweep) CHECK(b.stats.worst_final_step < 1e-10);  // its KCL residual
    // Training's options: only dL/dv and dL/dG, no outputs; the same numbers.
    behavioral::BackwardOptions train = sum;
    train.outputs = false;
    train.wire_gradients = false;
    const auto t = model.backward(v, w, train);
    CHECK(t.i_out_a.size() == 0);
    CHECK(t.dl_dr_row_wire == 0.0);
    CHECK(t.dl_dg_s == b.dl_dg_s);
    CHECK(t.dl_dv == b.dl_dv);
  }
}

TEST_CASE("automatic backward: sweep for small wire drops, else per_input for few inputs and batch_sum for many") {
  using behavioral::BackwardMethod;
  // The presets' 1 ohm wires: rounding grows by at most exp(128 sqrt(1e-4)) along the march.
  const CrossbarModel preset = programmed(random_case(64, 64, false, 1e-4, 21));
  CHECK(preset.backward_method(1) == BackwardMethod::sweep);
  // ... until the batch is so large that reverse mode through the factorization costs less.
  CHECK(preset.backward_method(1024) == BackwardMethod::batch_sum);
  // r/R_on = 1e-2 at 64 x 64: exp(64 (0.1 + 0.084)) = 1e5, more than the sweep may amplify.
  const Case lossy = random_case(64, 64, false, 1e-2, 21);
  const CrossbarModel model = programmed(lossy);
  CHECK(model.backward_method(1) == BackwardMethod::per_input);
  CHECK(model.backward_method(1024) == BackwardMethod::batch_sum);
  {
    // r/R_on = 5e-2: exp(64 (0.22 + 0.19)) = 3e11. The sweep's own check (KCL at the far ends)
    // sees the rounding it amplified, and the automatic choice gives per_input's numbers.
    const CrossbarModel very_lossy = programmed(random_case(64, 64, false, 5e-2, 21));
    const MatrixXd v = random_matrix(64, 4, 24, 3, 0.0, 0.2), w = random_matrix(64, 4, 24, 4, -1.0, 1.0);
    behavioral::BackwardOptions sweep, per;
    sweep.method = BackwardMethod::sweep;
    per.method = BackwardMethod::per_input;
    const auto a = very_lossy.backward(v, w, sweep), b = very_lossy.backward(v, w, per), c = very_lossy.backward(v, w);
    MESSAGE(fmt::format("64x64 r/R_on = 5e-2: sweep KCL residual {:.1e}, its dL/dG off by {:.1e}", a.stats.worst_final_step,
                        rel_l2(a.dl_dg_s, b.dl_dg_s)));
    CHECK(a.stats.worst_final_step > 1e-9);
    CHECK(rel_l2(c.dl_dg_s, b.dl_dg_s) < 1e-12);
  }
  behavioral::BackwardOptions zero_wire;
  Case c = random_case(8, 8, false, 1e-2, 22);
  c.params.r_row_wire_ohm = 2000.0;  // growth exp(8 sqrt(0.2)) ~ 36: still swept
  c.params.r_col_wire_ohm = 0.0;
  const CrossbarModel merged = programmed(c);
  CHECK(merged.backward_method(1024) == BackwardMethod::sweep);
  c.params.r_row_wire_ohm = 2e5;  // exp(8 sqrt(20)) ~ 3e15: a factorization method
  const CrossbarModel merged_lossy = programmed(c);
  CHECK(merged_lossy.backward_method(1024) == BackwardMethod::per_input);  // wire gradient: the KCL limit
  zero_wire.wire_gradients = false;
  CHECK(merged_lossy.backward_method(1024, zero_wire) == BackwardMethod::batch_sum);
  zero_wire.method = BackwardMethod::batch_sum;
  zero_wire.wire_gradients = true;
  const MatrixXd v = MatrixXd::Constant(8, 2, 0.1), w = MatrixXd::Constant(8, 2, 1.0);
  CHECK_THROWS_WITH_AS(merged.backward(v, w, zero_wire), doctest::Contains("r_col_wire_ohm = 0"),
                       behavioral::ValidationError);
  Case s = random_case(4, 4, false, 1e-4, 23);
  s.params.cell = CellModel::sinh;
  behavioral::BackwardOptions sum;
  sum.method = BackwardMethod::batch_sum;
  CHECK_THROWS_WITH_AS(programmed(s).backward(MatrixXd::Zero(4, 1), MatrixXd::Zero(4, 1), sum),
                       doctest::Contains("batch_sum needs linear cells"), behavioral::ValidationError);
  sum.method = BackwardMethod::sweep;
  CHECK_THROWS_WITH_AS(programmed(s).backward(MatrixXd::Zero(4, 1), MatrixXd::Zero(4, 1), sum),
                       doctest::Contains("sweep needs linear cells"), behavioral::ValidationError);
  CHECK(programmed(s).backward_method(1024) == BackwardMethod::per_input);
}

// const methods may run concurrently, and the gradients depend only on the inputs: two threads
// running every method on the same model give, bit for bit, what one thread gives.
TEST_CASE("backward from two threads at once equals backward from one, bit for bit, every method") {
  using behavioral::BackwardMethod;
  const Case c = random_case(24, 20, false, 1e-4, 29);
  const CrossbarModel model = programmed(c);
  const MatrixXd v = random_matrix(24, 37, 29, 3, 0.0, 0.2), w = random_matrix(20, 37, 29, 4, -1.0, 1.0);
  for (auto method : {BackwardMethod::per_input, BackwardMethod::batch_sum, BackwardMethod::sweep}) {
    behavioral::BackwardOptions o;
    o.method = method;
    const auto one = model.backward(v, w, o);
    behavioral::CrossbarGradients a, b;
    std::thread ta([&] { a = model.backward(v, w, o); }), tb([&] { b = model.backward(v, w, o); });
    ta.join();
    tb.join();
    for (const auto* g : {&a, &b}) {
      CHECK(g->dl_dg_s == one.dl_dg_s);
      CHECK(g->dl_dv == one.dl_dv);
      CHECK(g->dl_dr_row_wire == one.dl_dr_row_wire);
      CHECK(g->dl_dr_col_wire == one.dl_dr_col_wire);
      CHECK(g->dl_dr_source == one.dl_dr_source);
    }
  }
}

// A zero-ohm wire merges nodes; its gradient (the limit r -> 0) comes from KCL currents.
// One-sided difference with r = h: error O(h).
TEST_CASE("gradient with respect to a zero-ohm wire is the one-sided limit") {
  for (auto cell : {CellModel::linear, CellModel::sinh}) {
    Case c = random_case(4, 5, false, 1e-2, 8);
    c.params.cell = cell;
    c.params.r_col_wire_ohm = 0.0;
    const MatrixXd v = random_matrix(4, 2, 8, 3, -0.2, 0.2);
    const MatrixXd w = random_matrix(5, 2, 8, 4, -1.0, 1.0);
    const auto grad = programmed(c).backward(v, w);
    const double h = 1e-5;
    CrossbarModelParams q = c.params;
    q.r_col_wire_ohm = h;
    const double fd = (loss(q, c.g_s, c.g_neg_s, v, w) - loss(c.params, c.g_s, c.g_neg_s, v, w)) / h;
    MESSAGE(fmt::format("zero-ohm column wire, {} cells: dL/dr_col {:.6e}, one-sided difference {:.6e} (rel. {:.1e})",
                        cell == CellModel::linear ? "linear" : "sinh", grad.dl_dr_col_wire, fd,
                        std::abs(fd - grad.dl_dr_col_wire) / std::abs(grad.dl_dr_col_wire)));
    CHECK(std::abs(fd - grad.dl_dr_col_wire) < 1e-5 * std::abs(grad.dl_dr_col_wire));
  }
}

// ---- contract ----------------------------------------------------------------------------------

TEST_CASE("bad parameters and arguments throw behavioral errors that name the field") {
  CrossbarModelParams p;
  p.rows = 0;
  p.r_row_wire_ohm = -1.0;
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("crossbar_model.rows = 0: must be between 1 and 1024"),
                       behavioral::ValidationError);
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("crossbar_model.r_row_wire_ohm = -1"),
                       behavioral::ValidationError);
  CrossbarModelParams q;
  q.rows = 2;
  q.cols = 3;
  CrossbarModel model(q);
  CHECK_THROWS_WITH_AS(model.forward(MatrixXd::Zero(2, 1)), doctest::Contains("not programmed"), behavioral::Error);
  CHECK_THROWS_WITH_AS(model.program(MatrixXd::Zero(3, 2)), doctest::Contains("g_s has shape 3x2"),
                       behavioral::ValidationError);
  MatrixXd g = MatrixXd::Constant(2, 3, 1e-5);
  g(1, 2) = -1e-5;
  CHECK_THROWS_WITH_AS(model.program(g), doctest::Contains("g_s(1,2) = -1e-05: must be finite and >= 0 S"),
                       behavioral::ValidationError);
  model.program(MatrixXd::Constant(2, 3, 1e-5));
  CHECK_THROWS_WITH_AS(model.forward(MatrixXd::Zero(3, 1)), doctest::Contains("v_in_v has 3 rows"),
                       behavioral::ValidationError);
}
