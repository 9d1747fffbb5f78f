// SPICE system tests: embedded ngspice against closed forms, against `ngspice -b`, and on bad
// decks. Tolerances are relative.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <ngspice/sharedspice.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "xbar/behavioral/ideal.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/ngspice_process.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/netlists/crossbar.hpp"

using namespace xbar;
using characterize::SpiceSession;

namespace {

netlists::CrossbarParams random_crossbar(int rows, int cols, std::uint64_t seed) {
  core::CounterRng rng(seed, 1);
  netlists::CrossbarParams p;
  p.rows = rows;
  p.cols = cols;
  p.g_s.resize(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) p.g_s(i, j) = rng.uniform(i * cols + j, 1e-6, 1e-4);
  p.v_in_v.resize(rows);
  core::CounterRng vr(seed, 2);
  for (int i = 0; i < rows; ++i) p.v_in_v[i] = vr.uniform(i, -0.2, 0.2);
  return p;
}

Eigen::VectorXd column_currents(const netlists::Deck& deck, const characterize::SpiceResult& r) {
  Eigen::VectorXd out(deck.probes.size());
  for (std::size_t j = 0; j < deck.probes.size(); ++j) out[j] = r.probe(deck.probes[j])[0];
  return out;
}

Eigen::VectorXd simulate_currents(const netlists::Deck& deck) {
  return column_currents(deck, SpiceSession::instance().simulate(deck.text, "op"));
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the session reports ngspice 46 or newer") {
  const auto& v = SpiceSession::instance().version();
  INFO(v);
  REQUIRE(v.rfind("ngspice-", 0) == 0);
  CHECK(std::stoi(v.substr(8)) >= 46);
}

TEST_CASE("no wire resistance: SPICE column currents equal G^T v to 1e-9") {
  for (auto [rows, cols] : {std::pair{1, 1}, {4, 7}, {32, 32}, {64, 64}}) {
    CAPTURE(rows);
    CAPTURE(cols);
    const auto p = random_crossbar(rows, cols, 100 + rows);
    const auto deck = netlists::make_crossbar_deck(p);
    const Eigen::VectorXd spice = simulate_currents(deck);
    const Eigen::VectorXd ideal = behavioral::ideal_column_currents(p.g_s, p.v_in_v);
    const auto err = fit::compare(spice, ideal);
    CHECK(err.relative_l2 < 1e-9);
    // Element-wise too, relative to each column's own scale of |G|^T |v|.
    const Eigen::VectorXd scale = p.g_s.cwiseAbs().transpose() * p.v_in_v.cwiseAbs();
    CHECK(((spice - ideal).cwiseAbs().array() / scale.array()).maxCoeff() < 1e-9);
  }
}

TEST_CASE("1x1 cells: linear I = G V and sinh I = G V0 sinh(V/V0)") {
  netlists::CrossbarParams p;
  p.rows = p.cols = 1;
  p.g_s = Eigen::MatrixXd::Constant(1, 1, 3.7e-5);
  p.v_in_v = Eigen::VectorXd::Constant(1, 0.3);
  CHECK(simulate_currents(netlists::make_crossbar_deck(p))[0] == doctest::Approx(3.7e-5 * 0.3).epsilon(1e-12));
  p.cell = netlists::CellModel::sinh;
  p.v0_v = 0.2;
  const double expected = 3.7e-5 * 0.2 * std::sinh(0.3 / 0.2);
  CHECK(simulate_currents(netlists::make_crossbar_deck(p))[0] == doctest::Approx(expected).epsilon(1e-12));
}

// Row ladder, 1 x N. The driver holds x_0 = V; segment k (resistance r) joins x_{k-1} to x_k;
// cell k (conductance G) joins x_k to a column held at 0 V (no column wire). KCL at node k:
//   (x_{k-1} - x_k)/r - (x_k - x_{k+1})/r - G x_k = 0  =>  x_{k+1} - (2 + rG) x_k + x_{k-1} = 0
// and at the far end x_{N-1} = (1 + rG) x_N. With cosh(g) = 1 + rG/2, the solution is
//   x_k = V cosh(g (N - k + 1/2)) / cosh(g (N + 1/2)),
// which satisfies the recurrence (cosh(a+g) + cosh(a-g) = 2 cosh(g) cosh(a)) and the far end
// (cosh(3g/2) = (2 cosh(g) - 1) cosh(g/2) = (1 + rG) cosh(g/2)). Column k reads I_k = G x_k.
TEST_CASE("1xN row ladder matches the closed form to 1e-9") {
  for (int n : {1, 2, 10, 100, 400}) {
    for (double r : {0.5, 10.0}) {
      CAPTURE(n);
      CAPTURE(r);
      const double g = 1e-4, v = 0.25;
      netlists::CrossbarParams p;
      p.rows = 1;
      p.cols = n;
      p.g_s = Eigen::MatrixXd::Constant(1, n, g);
      p.v_in_v = Eigen::VectorXd::Constant(1, v);
      p.r_row_wire_ohm = r;
      const Eigen::VectorXd spice = simulate_currents(netlists::make_crossbar_deck(p));
      const double gam = std::acosh(1.0 + r * g / 2.0);
      double worst = 0;
      for (int k = 1; k <= n; ++k) {
        const double exact = g * v * std::cosh(gam * (n - k + 0.5)) / std::cosh(gam * (n + 0.5));
        worst = std::max(worst, std::abs(spice[k - 1] - exact) / exact);
      }
      CHECK(worst < 1e-9);
    }
  }
}

// Column ladder, N x 1. Row i is held at V (no row wire); cell i (G) joins it to column node
// c_i; segment i (r) joins c_i to c_{i+1}, and c_N is the virtual ground (0 V). With
// y_i = V - c_i, KCL at c_i gives y_{i+1} - (2 + rG) y_i + y_{i-1} = 0 for i >= 1 and
// y_1 = (1 + rG) y_0 at the top, the mirror image of the row ladder:
//   y_i = V cosh(g (i + 1/2)) / cosh(g (N + 1/2)),   cosh(g) = 1 + rG/2.
// The sensed current is the current in the last segment:
//   I_out = (c_{N-1} - 0) / r = (V / r) (1 - cosh(g (N - 1/2)) / cosh(g (N + 1/2))).
TEST_CASE("Nx1 column ladder matches the closed form to 1e-9") {
  for (int n : {1, 2, 10, 100, 400}) {
    for (double r : {0.5, 10.0}) {
      CAPTURE(n);
      CAPTURE(r);
      const double g = 1e-4, v = 0.25;
      netlists::CrossbarParams p;
      p.rows = n;
      p.cols = 1;
      p.g_s = Eigen::MatrixXd::Constant(n, 1, g);
      p.v_in_v = Eigen::VectorXd::Constant(n, v);
      p.r_col_wire_ohm = r;
      const double spice = simulate_currents(netlists::make_crossbar_deck(p))[0];
      const double gam = std::acosh(1.0 + r * g / 2.0);
      // Written as (V/r) * (cosh(b) - cosh(a)) / cosh(b) with the difference in sinh form, so
      // the reference itself keeps full precision when rG is small.
      const double a = gam * (n - 0.5), b = gam * (n + 0.5);
      const double exact = v / r * 2.0 * std::sinh((a + b) / 2) * std::sinh((b - a) / 2) / std::cosh(b);
      CHECK(std::abs(spice - exact) / exact < 1e-9);
    }
  }
}

TEST_CASE("same deck, two engines: ngspice -b agrees with the embedded session") {
  auto p = random_crossbar(12, 9, 7);
  p.r_row_wire_ohm = 1.5;
  p.r_col_wire_ohm = 0.7;
  p.c_row_wire_f = 1e-15;
  p.r_source_ohm = Eigen::VectorXd::LinSpaced(12, 10.0, 120.0);
  for (bool differential : {false, true}) {
    for (auto cell : {netlists::CellModel::linear, netlists::CellModel::sinh}) {
      CAPTURE(differential);
      auto q = p;
      q.cell = cell;
      q.differential = differential;
      if (differential) q.g_neg_s = random_crossbar(12, 9, 8).g_s;
      const auto deck = netlists::make_crossbar_deck(q);
      const Eigen::VectorXd embedded = simulate_currents(deck);
      const Eigen::VectorXd batch = column_currents(deck, characterize::run_ngspice_batch(deck.text));
      // The ASCII rawfile carries 16 significant digits.
      CHECK(fit::compare(batch, embedded).relative_l2 < 1e-12);
    }
  }
}

TEST_CASE("bad decks raise SpiceError quoting ngspice, and the session carries on") {
  auto& spice = SpiceSession::instance();
  const auto good = netlists::make_crossbar_deck(random_crossbar(3, 3, 1));
  const Eigen::VectorXd reference = simulate_currents(good);

  SUBCASE("malformed element line") {
    try {
      spice.simulate("bad deck\nV1 a 0 1\nR1 a b abc\nVs b 0 0\n.op\n.end\n", "op");
      FAIL("expected SpiceError");
    } catch (const characterize::SpiceError& e) {
      INFO(e.what());
      CHECK(contains(e.what(), "unknown parameter (abc)"));
      CHECK(e.deck_line() == 3);
      CHECK(e.deck_line_text() == "R1 a b abc");
    }
  }
  SUBCASE("unknown model") {
    try {
      spice.simulate("bad deck\nV1 a 0 1\nD1 a b nosuchmodel\nVs b 0 0\n.op\n.end\n", "op");
      FAIL("expected SpiceError");
    } catch (const characterize::SpiceError& e) {
      INFO(e.what());
      CHECK(contains(e.what(), "nosuchmodel"));
      CHECK(contains(e.what(), "could not find a valid modelname"));
      CHECK(e.deck_line() == 3);
    }
  }
  SUBCASE("floating node") {
    try {
      spice.simulate("bad deck\nV1 a 0 1\nR1 a b 1k\nVs b 0 0\nR2 c d 1k\n.op\n.end\n", "op");
      FAIL("expected SpiceError");
    } catch (const characterize::SpiceError& e) {
      INFO(e.what());
      CHECK(contains(e.what(), "singular matrix"));
      CHECK(contains(e.what(), "check node"));
    }
  }
  SUBCASE("an element line ngspice would silently ignore") {
    CHECK_THROWS_WITH_AS(spice.simulate("bad deck\nV1 a 0 1\nR1 a 0 1k\nR2 a\n.op\n.end\n", "op"),
                         doctest::Contains("is not a valid resistor instance line"), characterize::SpiceError);
  }
  SUBCASE("an unknown analysis command") {
    // Refused before it reaches ngspice (issue 15: run() takes analysis commands only).
    CHECK_THROWS_WITH_AS(spice.simulate(good.text, "frobnicate"), doctest::Contains("is not an analysis command"),
                         characterize::Error);
  }
  SUBCASE("an unknown interactive command still gets ngspice's own words") {
    CHECK_THROWS_WITH_AS(spice.command("frobnicate"), doctest::Contains("no such command"), characterize::SpiceError);
  }
  SUBCASE("a second command or a shell escape in the analysis") {
    for (const char* bad : {"op; shell true", "op\nshell true", "shell true", "op `true`", "tran 1n 1u $x"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(spice.simulate(good.text, bad), characterize::Error);
    }
  }
  SUBCASE("a .control block that can reach the shell is refused unless allowed") {
    const std::string deck = "t\nV1 a 0 1\nR1 a 0 1k\n.control\nop ; shell true\n.endc\n.end\n";
    CHECK(characterize::shell_lines_in_control(deck) == std::vector<int>{5});
    CHECK(characterize::shell_lines_in_control("t\n* shell in a comment\nR1 a 0 1k\n.control\nop\n.endc\nshell\n.end\n")
              .empty());
    CHECK_THROWS_WITH_AS(spice.load(deck), doctest::Contains("--allow-shell"), characterize::Error);
  }
  // After every kind of failure, the next good deck runs in the same session, unchanged.
  CHECK(fit::compare(simulate_currents(good), reference).relative_l2 == 0.0);
  CHECK(spice.alive());
}

TEST_CASE("op, dc, tran and ac all run with KLU and return vectors by name") {
  auto& spice = SpiceSession::instance();
  const std::string rc = "rc\nV1 a 0 DC 1 AC 1 PULSE(0 1 0 1n 1n 1 2)\nR1 a b 1k\nC1 b 0 1n\n.end\n";
  auto op = spice.simulate(rc, "op");
  CHECK(op.real("b")[0] == doctest::Approx(1.0));
  auto dc = spice.simulate(rc, "dc V1 0 2 0.5");
  CHECK(dc.real("b").size() == 5);
  CHECK(dc.real("b")[4] == doctest::Approx(2.0));
  // RC charging: v(b) = 1 - exp(-t/RC) after the 1 ns edge; RC = 1 us.
  auto tran = spice.simulate(rc, "tran 10n 5u");
  const auto& t = tran.real("time");
  const auto& vb = tran.real("b");
  REQUIRE(t.size() == vb.size());
  CHECK(vb.back() == doctest::Approx(1.0 - std::exp(-(t.back() - 1e-9) / 1e-6)).epsilon(2e-3));
  // First-order low pass: |H| = 1/sqrt(1 + (w RC)^2) at f = 1/(2 pi RC).
  auto ac = spice.simulate(rc, "ac dec 10 1k 10meg");
  const auto& f = ac.vectors.at("frequency").complex;
  const auto& hb = ac.vectors.at("b").complex;
  REQUIRE(hb.size() == f.size());
  for (std::size_t k = 0; k < f.size(); ++k) {
    const double w = 2 * M_PI * f[k].real();
    CHECK(std::abs(hb[k]) == doctest::Approx(1.0 / std::sqrt(1 + w * w * 1e-12)).epsilon(1e-9));
  }
}

TEST_CASE("commands: the 1023-character limit and quit are refused before reaching ngspice") {
  auto& spice = SpiceSession::instance();
  CHECK_THROWS_WITH_AS(spice.command("echo " + std::string(1100, 'x')), doctest::Contains("1023"),
                       characterize::Error);
  CHECK_THROWS_WITH_AS(spice.command("quit"), doctest::Contains("refusing"), characterize::Error);
  CHECK(spice.alive());
}

TEST_CASE("a ControlledExit marks the session dead, and it says so") {
  // ngspice calls ControlledExit on `quit`; the instance is unusable afterwards, so this runs
  // in a forked child process. The child reports through its exit status.
  SpiceSession::instance();  // initialized before the fork
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto& spice = SpiceSession::instance();
    int code = 0;
    char quit[] = "quit";
    ngSpice_Command(quit);  // bypasses SpiceSession::command, which refuses quit
    if (spice.alive()) code |= 1;
    if (spice.dead_reason().find("ControlledExit") == std::string::npos) code |= 2;
    try {
      spice.load("t\nV1 a 0 1\nR1 a 0 1k\n.end\n");
      code |= 4;
    } catch (const characterize::SessionDead& e) {
      if (std::string(e.what()).find("start a new process") == std::string::npos) code |= 8;
    } catch (...) {
      code |= 16;
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

// Temperature corner: resistors follow R(T) = R (1 + tc1 (T - Tnom)), so a 1x1 linear cell
// reads I = G V / (1 + tc1 dT); the sinh cell's G is scaled the same way by the generator.
// Wires use their own tc1: a 1x2 row line at T has segments r (1 + tc1_w dT).
TEST_CASE("temperature corner acts through the resistor temperature coefficients") {
  netlists::CrossbarParams p;
  p.rows = p.cols = 1;
  p.g_s = Eigen::MatrixXd::Constant(1, 1, 2e-5);
  p.v_in_v = Eigen::VectorXd::Constant(1, 0.2);
  p.temperature_c = 85.0;
  p.tnom_c = 27.0;
  p.cell_tc1_per_k = 2e-3;
  const double scale = 1.0 + 2e-3 * 58.0;
  CHECK(simulate_currents(netlists::make_crossbar_deck(p))[0] == doctest::Approx(2e-5 * 0.2 / scale).epsilon(1e-12));
  p.cell = netlists::CellModel::sinh;
  p.v0_v = 0.15;
  CHECK(simulate_currents(netlists::make_crossbar_deck(p))[0] ==
        doctest::Approx(2e-5 / scale * 0.15 * std::sinh(0.2 / 0.15)).epsilon(1e-12));
  // Row line of two cells: node voltages from the 2-node ladder with r' = r (1 + tc1_w dT).
  netlists::CrossbarParams q;
  q.rows = 1;
  q.cols = 2;
  q.g_s = Eigen::MatrixXd::Constant(1, 2, 1e-3);
  q.v_in_v = Eigen::VectorXd::Constant(1, 1.0);
  q.r_row_wire_ohm = 10.0;
  q.temperature_c = 127.0;
  q.wire_tc1_per_k = 4e-3;
  const double r = 10.0 * (1.0 + 4e-3 * 100.0), g = 1e-3;
  // x2 = x1 / (1 + r g); x1 = V - r (g x1 + g x2)  =>  x1 (1 + r g + r g / (1 + r g)) = V
  const double x1 = 1.0 / (1.0 + r * g + r * g / (1.0 + r * g)), x2 = x1 / (1.0 + r * g);
  const Eigen::VectorXd i = simulate_currents(netlists::make_crossbar_deck(q));
  CHECK(i[0] == doctest::Approx(g * x1).epsilon(1e-12));
  CHECK(i[1] == doctest::Approx(g * x2).epsilon(1e-12));
}
