// The behavioral periphery (DacModel, tia_evaluate, AdcModel) and TileModel: every gradient
// against central finite differences, closed forms, the netlist library's ideal quantized MVM,
// and bad input. Tolerances are relative; the worst errors are printed with MESSAGE.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/LU>

#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/periphery.hpp"
#include "xbar/behavioral/tile_model.hpp"
#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/tile.hpp"

using namespace xbar::behavioral;
using Eigen::MatrixXd;
using Eigen::MatrixXi;
using Eigen::VectorXd;

namespace {

MatrixXd uniform(int rows, int cols, double lo, double hi, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(lo, hi);
  MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = u(rng);
  return m;
}

MatrixXi random_codes(int rows, int cols, int top, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> u(0, top);
  MatrixXi m(rows, cols);
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = u(rng);
  return m;
}

/// Central difference of f at x (x is restored), step h.
double central(const std::function<double()>& f, double& x, double h) {
  const double x0 = x;
  x = x0 + h;
  const double fp = f();
  x = x0 - h;
  const double fm = f();
  x = x0;
  return (fp - fm) / (2.0 * h);
}

/// Fourth-order central difference (x is restored), for the sharp sigmoids of the smoothed ADC.
double central4(const std::function<double()>& f, double& x, double h) {
  const double x0 = x;
  double sum = 0.0;
  for (auto [k, c] : {std::pair{2.0, -1.0}, std::pair{1.0, 8.0}, std::pair{-1.0, -8.0}, std::pair{-2.0, 1.0}}) {
    x = x0 + k * h;
    sum += c * f();
  }
  x = x0;
  return sum / (12.0 * h);
}

/// Collects analytic-vs-FD pairs. The error of each is |a - fd| / max(|a|, |fd|, floor), with
/// floor = max(abs_floor, group_floor * the largest |fd| of the group): group_floor > 0 for a
/// group of derivatives in the same units, where entries far below the largest (an ADC
/// transition far from every input) carry only round-off.
struct GradCheck {
  std::string name;
  double abs_floor = 0.0;
  double group_floor = 0.0;
  std::vector<std::string> what{};
  std::vector<double> analytic{}, fd{};
  void add(const std::string& w, double a, double f) {
    what.push_back(w);
    analytic.push_back(a);
    fd.push_back(f);
  }
  void require(double tol) const {
    double largest = 0.0;
    for (double f : fd) largest = std::max(largest, std::abs(f));
    const double floor = std::max(abs_floor, group_floor * largest);
    double worst = 0.0;
    std::size_t at = 0;
    for (std::size_t k = 0; k < fd.size(); ++k) {
      const double err = std::abs(analytic[k] - fd[k]) / std::max({std::abs(analytic[k]), std::abs(fd[k]), floor});
      if (err >= worst) worst = err, at = k;
    }
    REQUIRE(!fd.empty());
    MESSAGE(name, ": ", fd.size(), " derivatives, worst relative error ", worst, " (", what[at], ": analytic ",
            analytic[at], ", fd ", fd[at], ")");
    CHECK(worst < tol);
  }
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ValidationError& e) {
    return e.what();
  }
  return "(no ValidationError)";
}

}  // namespace

// ------------------------------------------------------------------------------- DAC ---

TEST_CASE("DacModel: level-table, v_min/v_max and straight-through gradients match finite differences") {
  std::mt19937_64 rng(11);
  const int rows = 5, batch = 4;
  DacModelParams p;
  p.bits = 3;
  p.v_min_v = 0.02;
  p.v_max_v = 0.21;
  const MatrixXi codes = random_codes(rows, batch, p.codes() - 1, rng);
  const MatrixXd w = uniform(rows, batch, -1.0, 1.0, rng);

  SUBCASE("ideal levels: v_min_v, v_max_v and the straight-through code gradient") {
    const DacGradients g = DacModel(p, rows).backward(codes, w);
    auto loss = [&] { return (w.array() * DacModel(p, rows).forward(codes).array()).sum(); };
    GradCheck c{"DAC ideal", 1e-12};
    c.add("v_min", g.dl_dv_min, central(loss, p.v_min_v, 1e-6));
    c.add("v_max", g.dl_dv_max, central(loss, p.v_max_v, 1e-6));
    // Straight-through slope: the level step per code, (level(c+1) - level(c-1)) / 2.
    for (int i = 0; i < rows; ++i)
      for (int b = 0; b < batch; ++b) {
        const int code = std::clamp(codes(i, b), 1, p.codes() - 2);
        const double slope = (p.ideal_level_v(code + 1) - p.ideal_level_v(code - 1)) / 2.0;
        c.add("dl_dcode", g.dl_dcode(i, b), w(i, b) * slope);
      }
    c.require(1e-8);
  }
  SUBCASE("measured level table: every entry") {
    p.level_table_v = uniform(rows, p.codes(), 0.0, 0.2, rng);
    const DacGradients g = DacModel(p, rows).backward(codes, w);
    REQUIRE(g.dl_dlevel_table.rows() == rows);
    REQUIRE(g.dl_dlevel_table.cols() == p.codes());
    auto loss = [&] { return (w.array() * DacModel(p, rows).forward(codes).array()).sum(); };
    GradCheck c{"DAC table", 1e-12};
    for (int i = 0; i < rows; ++i)
      for (int k = 0; k < p.codes(); ++k)
        c.add("table(" + std::to_string(i) + "," + std::to_string(k) + ")", g.dl_dlevel_table(i, k),
              central(loss, p.level_table_v(i, k), 1e-6));
    c.require(1e-8);
    // forward() reads the table
    const MatrixXd v = DacModel(p, rows).forward(codes);
    for (int i = 0; i < rows; ++i)
      for (int b = 0; b < batch; ++b) CHECK(v(i, b) == p.level_table_v(i, codes(i, b)));
  }
}

// ------------------------------------------------------------------------------- TIA ---

namespace {

TiaModelParams real_tia() {
  TiaModelParams t;
  t.rf_ohm = 20e3;
  t.a0_vv = 800.0;
  t.r_out_ohm = 150.0;
  t.v_offset_v = 3e-3;
  t.tau_s = 60e-9;
  t.t_sample_s = 150e-9;
  return t;
}

// Checks every partial of tia_evaluate at (i_in, g_in) against central differences.
void check_tia_partials(const TiaModelParams& p0, double i_in, double g_in, const std::string& name, bool expect_saturated) {
  TiaModelParams p = p0;
  const TiaPartials d = tia_evaluate(p, i_in, g_in);
  CHECK(d.saturated == expect_saturated);
  auto v = [&] { return tia_evaluate(p, i_in, g_in).v_out_v; };
  GradCheck c{name, 1e-9};
  const double r = 1e-6;  // relative step
  c.add("i_in", d.dv_di, central(v, i_in, r * std::abs(i_in)));
  c.add("g_in", d.dv_dg_in, central(v, g_in, r * g_in));
  c.add("rf", d.dv_drf, central(v, p.rf_ohm, r * p.rf_ohm));
  // a0 and r_out act through G_T = (r_out - rf a0) / (1 + a0), weakly: larger steps (v is linear
  // in r_out, so its step adds no truncation error).
  c.add("a0", d.dv_da0, central(v, p.a0_vv, 1e-4 * p.a0_vv));
  c.add("r_out", d.dv_dr_out, central(v, p.r_out_ohm, 1e-2 * p.r_out_ohm));
  c.add("v_offset", d.dv_dv_offset, central(v, p.v_offset_v, r * std::abs(p.v_offset_v)));
  c.add("tau", d.dv_dtau, central(v, p.tau_s, 1e-5 * p.tau_s));
  c.add("v_out_min", d.dv_dv_out_min, central(v, p.v_out_min_v, 1e-6));
  c.add("v_out_max", d.dv_dv_out_max, central(v, p.v_out_max_v, 1e-6));
  c.require(1e-6);
}

}  // namespace

TEST_CASE("tia_evaluate: every partial matches finite differences, linear and saturated") {
  const TiaModelParams p = real_tia();
  const double g_in = 2e-4;
  check_tia_partials(p, 15e-6, g_in, "TIA linear, i > 0", false);
  check_tia_partials(p, -12e-6, g_in, "TIA linear, i < 0", false);
  check_tia_partials(p, 200e-6, g_in, "TIA saturated low", true);
  check_tia_partials(p, -200e-6, g_in, "TIA saturated high", true);
  CHECK(tia_evaluate(p, 200e-6, g_in).v_out_v == p.v_out_min_v);
  CHECK(tia_evaluate(p, -200e-6, g_in).v_out_v == p.v_out_max_v);
  CHECK(tia_evaluate(p, 200e-6, g_in).dv_dv_out_min == 1.0);
  CHECK(tia_evaluate(p, -200e-6, g_in).dv_dv_out_max == 1.0);
}

// The TIA model before 2026-11-30, first order in 1/a0 (issue 13): v_os (1 + rf g_in) + G_T(0) i_in.
double first_order_tia(const TiaModelParams& t, double i_in, double g_in) {
  return t.v_offset_v * (1.0 + t.rf_ohm * g_in) + t.gain_ohm() * i_in;
}

// The DC of the TIA circuit solved as a circuit (two nodal equations, LU), not by the closed
// form: returns v_out for the column seen as a Norton source (i_in, g_in).
double tia_circuit_dc(const TiaModelParams& p, double i_in, double g_in) {
  // Unknowns (v_n, v_out). KCL at n: i_in - g_in v_n + (v_out - v_n) / rf = 0.
  // Output stage: a0 (v_os - v_n) - v_out - r_out (v_out - v_n) / rf = 0.
  Eigen::Matrix2d a;
  Eigen::Vector2d b;
  a << -g_in - 1.0 / p.rf_ohm, 1.0 / p.rf_ohm, -p.a0_vv + p.r_out_ohm / p.rf_ohm, -1.0 - p.r_out_ohm / p.rf_ohm;
  b << -i_in, -p.a0_vv * p.v_offset_v;
  return a.fullPivLu().solve(b)[1];
}

TEST_CASE("TIA closed forms: gain, settling fraction, output") {
  const TiaModelParams p = real_tia();
  const double gt = -p.rf_ohm * (p.a0_vv - p.r_out_ohm / p.rf_ohm) / (1.0 + p.a0_vv);
  CHECK(p.gain_ohm() == doctest::Approx(gt).epsilon(1e-14));
  const double i = 9e-6, g_in = 3e-4;
  const double d = 1.0 + p.a0_vv + (p.rf_ohm + p.r_out_ohm) * g_in;
  CHECK(p.gain_ohm(g_in) == doctest::Approx((p.r_out_ohm - p.rf_ohm * p.a0_vv) / d).epsilon(1e-14));
  const double s = 1.0 - std::exp(-p.t_sample_s / p.tau_s);
  CHECK(p.settled_fraction() == doctest::Approx(s).epsilon(1e-14));
  CHECK(tia_evaluate(p, i, g_in).v_out_v ==
        doctest::Approx(p.a0_vv * p.v_offset_v * (1.0 + p.rf_ohm * g_in) / d + s * p.gain_ohm(g_in) * i).epsilon(1e-14));
  TiaModelParams ideal;
  ideal.rf_ohm = 12e3;
  CHECK(ideal.gain_ohm() == -12e3);
  CHECK(ideal.gain_ohm(1e-3) == -12e3);
  CHECK(ideal.settled_fraction() == 1.0);
  CHECK(tia_evaluate(ideal, 10e-6, 1e-3).v_out_v == doctest::Approx(-0.12).epsilon(1e-14));
}

TEST_CASE("TIA with a loaded input: the DC of the circuit, where the first-order formula is mV off") {
  // A low-gain op-amp with a large r_out and offset, and a column conductance that loads the
  // loop: (rf + r_out) g_in = 4.2, so the loop gain is a0 / 5.2.
  TiaModelParams p;
  p.rf_ohm = 10e3;
  p.a0_vv = 200.0;
  p.r_out_ohm = 500.0;
  p.v_offset_v = -20e-3;
  p.tau_s = 0.0;
  const double g_in = 4e-4;
  double worst = 0.0, old_off = 1e9;
  for (double i : {0.0, 5e-6, 20e-6, 45e-6}) {
    const double circuit = tia_circuit_dc(p, i, g_in);
    const double model = tia_evaluate(p, i, g_in).v_out_v;
    REQUIRE(model > p.v_out_min_v);
    worst = std::max(worst, std::abs(model - circuit) / std::abs(circuit));
    old_off = std::min(old_off, std::abs(first_order_tia(p, i, g_in) - circuit));
  }
  MESSAGE("loaded TIA: model - circuit DC, worst relative " << worst << "; first-order formula off by >= " << old_off * 1e3
                                                            << " mV");
  CHECK(worst < 1e-12);
  CHECK(old_off > 1e-3);
  // Unloaded (g_in = 0, a TIA bench): the rest is a0 v_os / (1 + a0).
  CHECK(tia_evaluate(p, 0.0, 0.0).v_out_v == doctest::Approx(p.a0_vv * p.v_offset_v / (1.0 + p.a0_vv)).epsilon(1e-14));
  CHECK(std::abs(tia_evaluate(p, 7e-6, 0.0).v_out_v - tia_circuit_dc(p, 7e-6, 0.0)) < 1e-12 * 0.1);
}

// ------------------------------------------------------------------------------- ADC ---

TEST_CASE("AdcModel: surrogate derivatives match finite differences") {
  std::mt19937_64 rng(21);
  AdcModelParams p;
  p.bits = 4;
  p.v_min_v = -0.5;
  p.v_max_v = 0.0;
  const double lsb = p.lsb_v();

  SUBCASE("smoothed: dc/dv and dc/dT_k (transitions in a shuffled order)") {
    p.surrogate = AdcSurrogate::smoothed;
    p.smooth_width_lsb = 0.3;
    VectorXd t = p.transitions_v() + 0.2 * lsb * uniform(p.transitions(), 1, -1.0, 1.0, rng);
    std::vector<int> order(static_cast<std::size_t>(t.size()));
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    std::shuffle(order.begin(), order.end(), rng);
    p.transition_v.resize(t.size());
    for (Eigen::Index k = 0; k < t.size(); ++k) p.transition_v[k] = t[order[static_cast<std::size_t>(k)]];
    GradCheck cv{"ADC smoothed dc/dv", 0.0, 1e-6}, ct{"ADC smoothed dc/dT", 0.0, 1e-5};
    for (int trial = 0; trial < 20; ++trial) {
      double v = std::uniform_real_distribution<double>(-0.55, 0.05)(rng);
      const double n = std::normal_distribution<double>(0.0, 2e-3)(rng);
      AdcModel adc(p);
      cv.add("v", adc.dsurrogate_dv(v, n), central([&] { return adc.surrogate_code(v, n); }, v, 1e-7));
      VectorXd dl_dt = VectorXd::Zero(p.transitions());
      adc.accumulate_dsurrogate_dt(v, n, 1.0, dl_dt);
      for (Eigen::Index k = 0; k < dl_dt.size(); ++k)
        ct.add("T" + std::to_string(k), dl_dt[k],
               central4([&] { return AdcModel(p).surrogate_code(v, n); }, p.transition_v[k], 1e-5));
    }
    cv.require(1e-6);
    ct.require(1e-6);
  }
  SUBCASE("straight-through: slope 1/LSB inside the widened range, 0 outside, no transition gradient") {
    const AdcModel adc(p);
    GradCheck c{"ADC straight-through dc/dv", 1e-12};
    for (int trial = 0; trial < 50; ++trial) {
      double v = std::uniform_real_distribution<double>(-0.6, 0.1)(rng);
      const double x = (v - p.v_min_v) / lsb;
      if (std::abs(x + 0.5) < 1e-3 || std::abs(x - p.transitions() - 0.5) < 1e-3) continue;  // the kinks
      const double fd = central([&] { return adc.surrogate_code(v); }, v, 1e-7);
      c.add("v", adc.dsurrogate_dv(v), fd);
      CHECK(adc.dsurrogate_dv(v) == ((x > -0.5 && x < p.transitions() + 0.5) ? 1.0 / lsb : 0.0));
    }
    c.require(1e-6);
    VectorXd dl_dt = VectorXd::Zero(p.transitions());
    adc.accumulate_dsurrogate_dt(-0.2, 0.0, 1.0, dl_dt);
    CHECK(dl_dt.isZero(0.0));
  }
}

TEST_CASE("AdcModel: ideal codes equal netlists::adc_ideal_code") {
  std::mt19937_64 rng(31);
  for (int bits : {4, 6, 8}) {
    AdcModelParams p;
    p.bits = bits;
    p.v_min_v = -0.5;
    p.v_max_v = 0.0;
    xbar::netlists::AdcParams q;
    q.bits = bits;
    q.v_min_v = p.v_min_v;
    q.v_max_v = p.v_max_v;
    const AdcModel adc(p);
    int compared = 0;
    for (int trial = 0; trial < 20000; ++trial) {
      const double v = std::uniform_real_distribution<double>(-0.6, 0.1)(rng);
      // Within 1e-12 LSB of a transition the two formulas may round differently: skip.
      const double x = (v - p.v_min_v) / p.lsb_v();
      if (std::abs(x - std::floor(x) - 0.5) < 1e-12) continue;
      CHECK(adc.code(v) == xbar::netlists::adc_ideal_code(q, v));
      ++compared;
    }
    CHECK(compared > 19990);
  }
}

TEST_CASE("ADC noise: standard normal, reproducible") {
  const int n = 100000;
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = adc_noise_unit(7, i % 97, i / 97);
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  MESSAGE("noise mean ", mean, " sd ", sd);
  CHECK(std::abs(mean) < 4.0 / std::sqrt(n));
  CHECK(std::abs(sd - 1.0) < 0.03);
  CHECK(adc_noise_unit(7, 3, 5) == adc_noise_unit(7, 3, 5));
  CHECK(adc_noise_unit(7, 3, 5) != adc_noise_unit(8, 3, 5));
  CHECK(adc_noise_unit(7, 3, 5) != adc_noise_unit(7, 5, 3));
}

// ------------------------------------------------------------------------------ Tile ---

namespace {

struct TileCase {
  TileModelParams p;
  MatrixXd g_s;
  MatrixXi codes;
  MatrixXd dl_dcode;
};

// A small tile whose TIA outputs fall inside the TIA's linear range and the ADC's input range.
TileCase small_tile(CellModel cell, bool per_column, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  TileCase c;
  const int rows = 4, cols = 3, batch = 3;
  auto& xb = c.p.crossbar;
  xb.rows = rows;
  xb.cols = cols;
  xb.cell = cell;
  xb.r_row_wire_ohm = 5.0;
  xb.r_col_wire_ohm = 3.0;
  xb.r_source_ohm = uniform(rows, 1, 20.0, 80.0, rng);
  xb.newton_abs_tol_v = 1e-15;
  xb.newton_rel_tol = 1e-14;
  c.p.dac.bits = 4;
  c.p.dac.v_min_v = 0.0;
  c.p.dac.v_max_v = 0.2;
  const int n_periph = per_column ? cols : 1;
  for (int k = 0; k < n_periph; ++k) {
    TiaModelParams t = real_tia();
    t.rf_ohm = 8e3 * (1.0 + 0.1 * k);
    t.v_offset_v = 2e-3 * (k + 1);
    c.p.tia.push_back(t);
    AdcModelParams a;
    a.bits = 6;
    a.v_min_v = -0.5;
    a.v_max_v = 0.0;
    a.surrogate = AdcSurrogate::smoothed;
    a.smooth_width_lsb = 0.6;
    a.noise_sigma_v = 1e-3;
    a.transition_v = a.transitions_v() + 0.1 * a.lsb_v() * uniform(a.transitions(), 1, -1.0, 1.0, rng);
    c.p.adc.push_back(a);
  }
  c.p.noise_seed = seed;
  c.g_s = uniform(rows, cols, 1e-5, 1e-4, rng);
  c.codes = random_codes(rows, batch, c.p.dac.codes() - 1, rng);
  c.dl_dcode = uniform(cols, batch, -1.0, 1.0, rng);
  return c;
}

double tile_loss(const TileModelParams& p, const MatrixXd& g_s, const MatrixXd& v_in, const MatrixXd& w) {
  TileModel m(p);
  m.program(g_s);
  return (w.array() * m.surrogate_forward(v_in).array()).sum();
}

// `wire_step`: relative step of the wire and source resistances (a larger one where their
// derivatives are small against the loss, so that round-off does not swamp the difference).
void check_tile_gradients(TileCase c, const std::string& name, double tol,
                          const BackwardOptions& options = {}, double wire_step = 1e-6) {
  TileModel model(c.p);
  model.program(c.g_s);
  const TileGradients g = model.backward(c.codes, c.dl_dcode, options);
  CHECK(g.crossbar.i_out_a == g.outputs.i_col_a);
  const MatrixXd v_in = DacModel(c.p.dac, c.p.crossbar.rows).forward(c.codes);
  // The forward pass inside backward() is forward() (linear cells: the same solve).
  const TileOutputs out = model.forward(c.codes);
  CHECK(g.outputs.codes == out.codes);
  CHECK((g.outputs.v_tia_v - out.v_tia_v).norm() <= 1e-9 * out.v_tia_v.norm());
  // The TIA outputs lie in the ADC's range and the TIA's linear range (else gradients vanish).
  CHECK(out.v_tia_v.maxCoeff() < 0.0);
  CHECK(out.v_tia_v.minCoeff() > -0.5);

  const double r = 1e-6;  // relative step
  GradCheck c_v{name + ": dL/dv_in", 0.0, 1e-6}, c_g{name + ": dL/dG", 0.0, 1e-6}, c_w{name + ": wires, sources", 1e-12},
      c_t{name + ": TIA parameters", 1e-12}, c_a{name + ": ADC transitions", 0.0, 1e-5},
      c_d{name + ": DAC v_min/v_max", 1e-12};
  MatrixXd v = v_in;
  for (Eigen::Index b = 0; b < v.cols(); ++b)
    for (Eigen::Index i = 0; i < v.rows(); ++i) {
      auto f = [&] { return (c.dl_dcode.array() * model.surrogate_forward(v).array()).sum(); };
      c_v.add("v_in", g.dl_dv_in(i, b), central(f, v(i, b), 1e-7));
    }
  auto loss = [&] { return tile_loss(c.p, c.g_s, v_in, c.dl_dcode); };
  for (Eigen::Index k = 0; k < c.g_s.cols(); ++k)
    for (Eigen::Index i = 0; i < c.g_s.rows(); ++i)
      c_g.add("G(" + std::to_string(i) + "," + std::to_string(k) + ")", g.crossbar.dl_dg_s(i, k),
              central(loss, c.g_s(i, k), r * c.g_s(i, k)));
  if (!options.wire_gradients) {  // training's options: the wire gradients are left at 0
    CHECK(g.crossbar.dl_dr_row_wire == 0.0);
    CHECK(g.crossbar.dl_dr_col_wire == 0.0);
    CHECK(g.crossbar.dl_dr_source.isZero(0.0));
    c_w.add("(not computed)", 1.0, 1.0);
  } else {
  const double rw = wire_step;
  c_w.add("r_row_wire", g.crossbar.dl_dr_row_wire, central(loss, c.p.crossbar.r_row_wire_ohm, rw * c.p.crossbar.r_row_wire_ohm));
  c_w.add("r_col_wire", g.crossbar.dl_dr_col_wire, central(loss, c.p.crossbar.r_col_wire_ohm, rw * c.p.crossbar.r_col_wire_ohm));
  for (Eigen::Index i = 0; i < c.p.crossbar.r_source_ohm.size(); ++i)
    c_w.add("r_source", g.crossbar.dl_dr_source[i],
            central(loss, c.p.crossbar.r_source_ohm[i], rw * c.p.crossbar.r_source_ohm[i]));
  }
  REQUIRE(g.tia.size() == c.p.tia.size());
  for (std::size_t k = 0; k < c.p.tia.size(); ++k) {
    TiaModelParams& t = c.p.tia[k];
    const TiaParamGradients& d = g.tia[k];
    c_t.add("rf", d.dl_drf, central(loss, t.rf_ohm, r * t.rf_ohm));
    c_t.add("a0", d.dl_da0, central(loss, t.a0_vv, 1e-4 * t.a0_vv));  // weak parameters: larger steps
    c_t.add("r_out", d.dl_dr_out, central(loss, t.r_out_ohm, 1e-2 * t.r_out_ohm));
    c_t.add("v_offset", d.dl_dv_offset, central(loss, t.v_offset_v, r * t.v_offset_v));
    c_t.add("tau", d.dl_dtau, central(loss, t.tau_s, 1e-5 * t.tau_s));
    c_t.add("v_out_min", d.dl_dv_out_min, central(loss, t.v_out_min_v, 1e-6));
    c_t.add("v_out_max", d.dl_dv_out_max, central(loss, t.v_out_max_v, 1e-6));
  }
  REQUIRE(g.adc_dl_dtransition.size() == c.p.adc.size());
  for (std::size_t k = 0; k < c.p.adc.size(); ++k)
    for (Eigen::Index j = 0; j < c.p.adc[k].transition_v.size(); j += 3)  // a sample of the transitions
      c_a.add("T", g.adc_dl_dtransition[k][j], central4(loss, c.p.adc[k].transition_v[j], 1e-5));
  // DAC levels through the whole chain.
  auto dac_loss = [&] {
    return tile_loss(c.p, c.g_s, DacModel(c.p.dac, c.p.crossbar.rows).forward(c.codes), c.dl_dcode);
  };
  c_d.add("v_min", g.dac.dl_dv_min, central(dac_loss, c.p.dac.v_min_v, 1e-7));
  c_d.add("v_max", g.dac.dl_dv_max, central(dac_loss, c.p.dac.v_max_v, 1e-7));
  for (GradCheck* gc : {&c_v, &c_g, &c_w, &c_t, &c_a, &c_d}) gc->require(tol);
}

}  // namespace

TEST_CASE("TileModel::backward matches finite differences of surrogate_forward") {
  SUBCASE("linear cells, wires and source resistances, one TIA and ADC per column") {
    check_tile_gradients(small_tile(CellModel::linear, true, 41), "tile linear", 1e-5);
  }
  SUBCASE("linear cells, shared TIA and ADC") {
    check_tile_gradients(small_tile(CellModel::linear, false, 42), "tile linear shared", 1e-5);
  }
  SUBCASE("linear cells, batch_sum crossbar backward (reverse mode through the factorization)") {
    BackwardOptions o;
    o.method = BackwardMethod::batch_sum;
    check_tile_gradients(small_tile(CellModel::linear, true, 44), "tile linear batch_sum", 1e-5, o);
  }
  SUBCASE("linear cells, sweep crossbar backward") {
    BackwardOptions o;
    o.method = BackwardMethod::sweep;
    check_tile_gradients(small_tile(CellModel::linear, true, 48), "tile linear sweep", 1e-5, o);
  }
  SUBCASE("linear cells, per_input crossbar backward") {
    BackwardOptions o;
    o.method = BackwardMethod::per_input;
    check_tile_gradients(small_tile(CellModel::linear, true, 47), "tile linear per_input", 1e-5, o);
  }
  SUBCASE("linear cells, training options (batch_sum, no wire gradients)") {
    BackwardOptions o;
    o.method = BackwardMethod::batch_sum;
    o.wire_gradients = false;
    check_tile_gradients(small_tile(CellModel::linear, false, 45), "tile linear training", 1e-5, o);
  }
  SUBCASE("sinh cells, wires, per-column periphery") {
    check_tile_gradients(small_tile(CellModel::sinh, true, 43), "tile sinh", 1e-5);
  }
}

TEST_CASE("TileModel 1x1: code = round((-rf G level - v_min) / LSB)") {
  TileModelParams p;
  p.crossbar.rows = 1;
  p.crossbar.cols = 1;
  p.dac.bits = 4;
  p.dac.v_min_v = 0.0;
  p.dac.v_max_v = 0.1;
  TiaModelParams t;
  t.rf_ohm = 20e3;
  p.tia = {t};
  AdcModelParams a;
  a.bits = 6;
  a.v_min_v = -0.5;
  a.v_max_v = 0.0;
  p.adc = {a};
  std::mt19937_64 rng(51);
  int compared = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const double g = std::uniform_real_distribution<double>(1e-6, 2e-4)(rng);
    TileModel m(p);
    m.program(MatrixXd::Constant(1, 1, g));
    MatrixXi codes(1, p.dac.codes());
    for (int c = 0; c < p.dac.codes(); ++c) codes(0, c) = c;
    const TileOutputs out = m.forward(codes);
    for (int c = 0; c < p.dac.codes(); ++c) {
      const double x = (-t.rf_ohm * g * p.dac.ideal_level_v(c) - a.v_min_v) / a.lsb_v();
      if (std::abs(x - std::floor(x) - 0.5) < 1e-9) continue;  // a tie: the rounding may differ
      const int expect = static_cast<int>(std::clamp(std::round(x), 0.0, double(a.transitions())));
      CHECK(out.codes(0, c) == expect);
      CHECK(out.v_tia_v(0, c) == doctest::Approx(-t.rf_ohm * g * p.dac.ideal_level_v(c)).epsilon(1e-12));
      ++compared;
    }
  }
  CHECK(compared > 700);
}

namespace {

// The DC of the whole tile circuit (the deck's: every row's source behind r_source, one wire
// segment per cell, linear cells, each column's sense node held by its own op-amp TIA with a0,
// r_out, v_os and rf), by one dense nodal solve: returns the TIA outputs (cols) for row
// voltages v_src. Needs r_source, r_row_wire and r_col_wire > 0.
VectorXd tile_circuit_dc(const TileModelParams& p, const MatrixXd& g_s, const VectorXd& v_src) {
  const int R = p.crossbar.rows, K = p.crossbar.cols;
  auto drv = [&](int i) { return i; };
  auto row = [&](int i, int k) { return R + i * K + k; };
  auto col = [&](int i, int k) { return R + R * K + i * K + k; };
  auto sense = [&](int k) { return R + 2 * R * K + k; };
  auto out = [&](int k) { return R + 2 * R * K + K + k; };
  const int n = R + 2 * R * K + 2 * K;
  MatrixXd y = MatrixXd::Zero(n, n);
  VectorXd b = VectorXd::Zero(n);
  auto stamp = [&](int a, int c, double g) {  // conductance g between nodes a and c (KCL rows)
    y(a, a) += g;
    y(c, c) += g;
    y(a, c) -= g;
    y(c, a) -= g;
  };
  const double g_row = 1.0 / p.crossbar.r_row_wire_ohm, g_col = 1.0 / p.crossbar.r_col_wire_ohm;
  for (int i = 0; i < R; ++i) {
    const double gs = 1.0 / p.crossbar.r_source_ohm[i];
    y(drv(i), drv(i)) += gs;  // the source v_src(i) behind r_source
    b[drv(i)] += gs * v_src[i];
    for (int k = 0; k < K; ++k) {
      stamp(k == 0 ? drv(i) : row(i, k - 1), row(i, k), g_row);
      stamp(row(i, k), col(i, k), g_s(i, k));
      stamp(col(i, k), i + 1 < R ? col(i + 1, k) : sense(k), g_col);
    }
  }
  for (int k = 0; k < K; ++k) {
    const TiaModelParams& t = p.tia_of(k);
    stamp(sense(k), out(k), 1.0 / t.rf_ohm);
    // The output node's row: a0 (v_os - v_n) - v_out - r_out (v_out - v_n) / rf = 0.
    y.row(out(k)).setZero();
    y(out(k), sense(k)) = t.a0_vv - t.r_out_ohm / t.rf_ohm;
    y(out(k), out(k)) = 1.0 + t.r_out_ohm / t.rf_ohm;
    b[out(k)] = t.a0_vv * t.v_offset_v;
  }
  const VectorXd v = y.fullPivLu().solve(b);
  VectorXd v_out(K);
  for (int k = 0; k < K; ++k) v_out[k] = v[out(k)];
  return v_out;
}

TileModelParams loaded_tile(int rows, int cols) {
  TileModelParams p;
  p.crossbar.rows = rows;
  p.crossbar.cols = cols;
  p.crossbar.r_row_wire_ohm = 4.0;
  p.crossbar.r_col_wire_ohm = 3.0;
  p.crossbar.r_source_ohm = VectorXd::LinSpaced(rows, 30.0, 60.0);
  p.dac.bits = 4;
  p.dac.v_min_v = 0.0;
  p.dac.v_max_v = 0.1;
  TiaModelParams t;  // a low-gain op-amp with a large r_out and a large reference on its + input
  t.rf_ohm = 8e3;
  t.a0_vv = 300.0;
  t.r_out_ohm = 400.0;
  t.v_offset_v = -15e-3;
  t.v_out_min_v = -2.0;
  p.tia = {t};
  AdcModelParams a;
  a.bits = 6;
  a.v_min_v = -1.0;
  a.v_max_v = 0.0;
  p.adc = {a};
  return p;
}

}  // namespace

TEST_CASE("TileModel with a loaded TIA equals the DC of the tile circuit (wires, sources, a0, r_out, v_os)") {
  std::mt19937_64 rng(77);
  SUBCASE("one column: exact") {
    const TileModelParams p = loaded_tile(12, 1);
    const MatrixXd g_s = uniform(12, 1, 2e-5, 1e-4, rng);
    TileModel m(p);
    m.program(g_s);
    double worst = 0.0, old_off = 1e9;
    for (int trial = 0; trial < 5; ++trial) {
      const MatrixXi codes = random_codes(12, 1, p.dac.codes() - 1, rng);
      const TileOutputs o = m.forward(codes);
      const double circuit = tile_circuit_dc(p, g_s, o.v_in_v.col(0))[0];
      worst = std::max(worst, std::abs(o.v_tia_v(0, 0) - circuit) / std::abs(circuit));
      old_off = std::min(old_off, std::abs(first_order_tia(p.tia[0], o.i_col_a(0, 0), g_s.sum()) - circuit));
    }
    MESSAGE("1 column: tile model - circuit DC, worst relative " << worst << "; first-order TIA off by >= " << old_off * 1e3
                                                                 << " mV");
    CHECK(worst < 1e-11);
    CHECK(old_off > 1e-3);
  }
  SUBCASE("16 x 8, equal offsets, and per-column offsets (the wires couple the columns: approximate)") {
    TileModelParams p = loaded_tile(16, 8);
    const MatrixXd g_s = uniform(16, 8, 2e-5, 1e-4, rng);
    const MatrixXi codes = random_codes(16, 4, p.dac.codes() - 1, rng);
    double worst_equal = 0.0, worst_spread = 0.0, old_equal = 0.0;
    for (bool spread : {false, true}) {
      if (spread) {  // offsets spread by +-3 mV around the reference
        const TiaModelParams t = p.tia[0];
        p.tia.assign(8, t);
        for (int k = 0; k < 8; ++k) p.tia[static_cast<std::size_t>(k)].v_offset_v += 3e-3 * (2.0 * k / 7.0 - 1.0);
      }
      TileModel m(p);
      m.program(g_s);
      const TileOutputs o = m.forward(codes);
      for (int b = 0; b < 4; ++b) {
        const VectorXd circuit = tile_circuit_dc(p, g_s, o.v_in_v.col(b));
        (spread ? worst_spread : worst_equal) = std::max(spread ? worst_spread : worst_equal,
                                                         (o.v_tia_v.col(b) - circuit).cwiseAbs().maxCoeff());
        if (!spread)
          for (int k = 0; k < 8; ++k)  // the first-order TIA of before 2026-11-30, for comparison
            old_equal = std::max(old_equal,
                                 std::abs(first_order_tia(p.tia[0], o.i_col_a(k, b), g_s.col(k).sum()) - circuit[k]));
      }
    }
    MESSAGE("16 x 8: tile model - circuit DC, largest " << worst_equal * 1e6 << " uV (equal offsets), " << worst_spread * 1e6
                                                        << " uV (offsets +-3 mV); first-order TIA (equal offsets) "
                                                        << old_equal * 1e6 << " uV");
    // The model leaves out sum_j Y(k, j) (v_n(j) - v_n(k)) (tile_model.hpp). Equal offsets: the
    // column nodes differ only by (rf + r_out) i / D (about 1.3 mV here, a0 = 300); offsets
    // spread by +-3 mV add that spread. 2026-11-30: 45 uV and 504 uV; the first-order TIA 17 mV.
    CHECK(worst_equal < 100e-6);
    CHECK(worst_spread < 1e-3);
    CHECK(old_equal > 50 * worst_equal);
  }
}

TEST_CASE("TileModel::backward: gradients through g_in = M 1 alone (zero input: no column current)") {
  // All DAC codes 0 at 0 V: the column currents are 0 and the TIA outputs are the rests
  // a0 v_os (1 + rf g_in) / D, which depend on G, the wires and the source resistances only
  // through g_in. A negative offset puts the rests inside the ADC window.
  // Long wires, so that g_in depends on them measurably (central differences of the loss
  // resolve dL/dr to about 1e-5 relative only if the loss moves enough).
  for (const CellModel cell : {CellModel::linear, CellModel::sinh}) {
    const bool sinh = cell == CellModel::sinh;
    TileCase c = small_tile(cell, true, sinh ? 50 : 49);
    c.p.crossbar.r_row_wire_ohm = 60.0;
    c.p.crossbar.r_col_wire_ohm = 40.0;
    c.codes.setZero();
    for (std::size_t k = 0; k < c.p.tia.size(); ++k) c.p.tia[k].v_offset_v = -(8e-3 + 2e-3 * static_cast<double>(k));
    check_tile_gradients(c, sinh ? "tile rest only, sinh" : "tile rest only", 1e-5, {}, 1e-4);
  }
}

TEST_CASE("TileModel with ideal periphery equals netlists::tile_ideal_codes (16 x 16)") {
  namespace nl = xbar::netlists;
  const int n = 16, cycles = 40;
  nl::TileParams tp;
  tp.crossbar.rows = n;
  tp.crossbar.cols = n;
  tp.dac.bits = 4;
  tp.dac.v_min_v = 0.0;
  tp.dac.v_max_v = 0.1;
  tp.tia.rf_ohm = 20e3;
  tp.adc.bits = 6;
  tp.adc.v_min_v = -0.5;
  tp.adc.v_max_v = 0.0;
  std::mt19937_64 rng(61);
  const MatrixXd g = uniform(n, n, 1e-6, 1e-5, rng);
  // Random codes, redrawn for a cycle whose ideal output lies within 1e-12 V of a transition
  // (there the two computations, equal to rounding, may fall on different sides).
  tp.input_codes.resize(cycles, n);
  for (int cyc = 0; cyc < cycles; ++cyc) {
    for (bool near = true; near;) {
      tp.input_codes.row(cyc) = random_codes(1, n, tp.dac.codes() - 1, rng);
      nl::TileParams one = tp;
      one.input_codes = tp.input_codes.row(cyc);
      MatrixXd v;
      nl::tile_ideal_codes(one, g, &v);
      near = false;
      for (Eigen::Index k = 0; k < v.cols(); ++k) {
        const double x = (v(0, k) - tp.adc.v_min_v) / tp.adc.lsb_v();
        near = near || std::abs(x - std::floor(x) - 0.5) * tp.adc.lsb_v() < 1e-12;
      }
    }
  }
  const MatrixXi expect = nl::tile_ideal_codes(tp, g);

  TileModelParams p;
  p.crossbar.rows = n;
  p.crossbar.cols = n;
  p.dac.bits = tp.dac.bits;
  p.dac.v_min_v = tp.dac.v_min_v;
  p.dac.v_max_v = tp.dac.v_max_v;
  TiaModelParams t;
  t.rf_ohm = tp.tia.rf_ohm;  // a0 = inf, no offset, instant settling, rails far away
  p.tia = {t};
  AdcModelParams a;
  a.bits = tp.adc.bits;
  a.v_min_v = tp.adc.v_min_v;
  a.v_max_v = tp.adc.v_max_v;
  p.adc = {a};
  TileModel m(p);
  m.program(g);
  const MatrixXi codes = tp.input_codes.transpose();
  const MatrixXi got = m.forward(codes).codes;
  CHECK(got == expect.transpose());
  // The codes are spread over the range (a test that can fail).
  CHECK(expect.maxCoeff() - expect.minCoeff() > 5);
}

TEST_CASE("TileModel: ADC noise is reproducible for a seed and changes with it") {
  TileCase c = small_tile(CellModel::linear, false, 71);
  c.p.adc[0].noise_sigma_v = 10e-3;
  TileModel a(c.p), b(c.p);
  a.program(c.g_s);
  b.program(c.g_s);
  MatrixXi codes(c.p.crossbar.rows, 64);
  std::mt19937_64 rng(72);
  codes = random_codes(c.p.crossbar.rows, 64, c.p.dac.codes() - 1, rng);
  CHECK(a.forward(codes).codes == b.forward(codes).codes);
  c.p.noise_seed += 1;
  TileModel d(c.p);
  d.program(c.g_s);
  CHECK(a.forward(codes).codes != d.forward(codes).codes);
}

TEST_CASE("TileModel: bad input names the field") {
  TileCase c = small_tile(CellModel::linear, true, 81);
  {
    TileModelParams p = c.p;
    p.tia.push_back(p.tia[0]);
    CHECK(message_of([&] { TileModel m(p); }).find("tile_model.tia has 4 entries") != std::string::npos);
  }
  {
    TileModelParams p = c.p;
    p.adc.pop_back();
    CHECK(message_of([&] { TileModel m(p); }).find("tile_model.adc has 2 entries") != std::string::npos);
  }
  {
    TileModelParams p = c.p;
    p.crossbar.differential = true;
    CHECK(message_of([&] { TileModel m(p); }).find("crossbar.differential = true") != std::string::npos);
  }
  {
    TileModelParams p = c.p;
    p.tia[1].rf_ohm = -1.0;
    CHECK(message_of([&] { TileModel m(p); }).find("tile_model.tia[1]: tia_model.rf_ohm = -1") != std::string::npos);
  }
  TileModel m(c.p);
  CHECK_THROWS_AS(m.forward(c.codes), Error);  // not programmed
  m.program(c.g_s);
  MatrixXi bad = c.codes;
  bad(2, 1) = 16;
  CHECK(message_of([&] { m.forward(bad); }).find("codes(2, 1) = 16: must be between 0 and 15") != std::string::npos);
  bad(2, 1) = -1;
  CHECK(message_of([&] { m.backward(bad, c.dl_dcode); }).find("codes(2, 1) = -1") != std::string::npos);
  CHECK(message_of([&] { m.forward(MatrixXi::Zero(3, 1)); }).find("codes have 3 rows") != std::string::npos);
  CHECK(message_of([&] { m.backward(c.codes, MatrixXd::Zero(2, 3)); }).find("dl_dcode is 2x3") != std::string::npos);
}

TEST_CASE("TileModel::forward_codes equals forward on the padded codes, linear and sinh") {
  for (CellModel cell : {CellModel::linear, CellModel::sinh}) {
    TileCase c = small_tile(cell, true, 77);
    c.p.tia[0].v_offset_v = c.p.tia[1].v_offset_v = c.p.tia[2].v_offset_v = 0.0;
    TileModel m(c.p);
    m.program(c.g_s);
    for (int nr = 1; nr <= c.p.crossbar.rows; ++nr)
      for (int nc = 1; nc <= c.p.crossbar.cols; ++nc) {
        MatrixXi padded = c.codes;
        padded.bottomRows(c.p.crossbar.rows - nr).setZero();
        const MatrixXi full = m.forward(padded).codes.topRows(nc);
        CHECK(m.forward_codes(c.codes.topRows(nr), nc) == full);
      }
    CHECK(message_of([&] { m.forward_codes(c.codes, 0); }).find("active columns") != std::string::npos);
  }
}

TEST_CASE("a crossbar without wire resistance is the ideal MVM (every node merged into a terminal)") {
  std::mt19937_64 rng(5);
  for (int n : {1, 7, 32, 64}) {
    CrossbarModelParams p;
    p.rows = p.cols = n;  // r_row_wire_ohm = r_col_wire_ohm = 0, no source resistance
    CrossbarModel m(p);
    const MatrixXd g = uniform(n, n, 1e-6, 1e-4, rng);
    m.program(g);
    const MatrixXd v = uniform(n, 3, 0.0, 0.2, rng);
    const MatrixXd ideal = g.transpose() * v;
    CHECK((m.forward(v) - ideal).norm() <= 1e-12 * ideal.norm());
    const CrossbarGradients gr = m.backward(v, MatrixXd::Ones(n, 3));
    CHECK((gr.dl_dv - g * MatrixXd::Ones(n, 3)).norm() <= 1e-12 * gr.dl_dv.norm());
  }
}

TEST_CASE("AdcModel::code counts the transitions at or below the input, for any transitions") {
  std::mt19937_64 rng(11);
  for (double spread_lsb : {0.0, 0.3, 3.0}) {
    AdcModelParams a;
    a.bits = 6;
    a.v_min_v = -0.5;
    a.v_max_v = 0.0;
    a.transition_v = a.transitions_v() + spread_lsb * a.lsb_v() * uniform(a.transitions(), 1, -1.0, 1.0, rng);
    const AdcModel adc(a);
    std::vector<double> sorted(a.transition_v.data(), a.transition_v.data() + a.transition_v.size());
    std::sort(sorted.begin(), sorted.end());
    std::uniform_real_distribution<double> u(-0.7, 0.2);
    for (int i = 0; i < 20000; ++i) {
      const double v = i < 63 ? sorted[static_cast<std::size_t>(i)] : u(rng);  // exactly on a transition too
      CHECK(adc.code(v) == std::upper_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
    }
  }
}
