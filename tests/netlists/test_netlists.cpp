// Unit tests of xbar::netlists: validation messages, deck structure, probes. No ngspice.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "xbar/netlists/crossbar.hpp"
#include "xbar/netlists/error.hpp"
#include "xbar/netlists/tile.hpp"

using namespace xbar::netlists;

namespace {
CrossbarParams small(int rows, int cols) {
  CrossbarParams p;
  p.rows = rows;
  p.cols = cols;
  p.g_s = Eigen::MatrixXd::Constant(rows, cols, 1.0 / 8192);  // exact in binary: R = 8192 ohm
  p.v_in_v = Eigen::VectorXd::Constant(rows, 0.1);
  return p;
}

// Runs validate() and returns the message, or "" if it passed.
std::string validation_message(const CrossbarParams& p) {
  try {
    p.validate();
  } catch (const ValidationError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("a valid crossbar passes validation") { CHECK(validation_message(small(4, 7)) == ""); }

TEST_CASE("rows = 0 names the field and the allowed range") {
  auto p = small(4, 7);
  p.rows = 0;
  const auto msg = validation_message(p);
  CHECK(contains(msg, "crossbar.rows = 0: must be between 1 and 1024"));
}

TEST_CASE("cols above 1024 is rejected") {
  auto p = small(4, 7);
  p.cols = 1025;
  CHECK(contains(validation_message(p), "crossbar.cols = 1025"));
}

TEST_CASE("a negative resistance names its field") {
  auto p = small(4, 7);
  p.r_row_wire_ohm = -1.0;
  CHECK(contains(validation_message(p), "crossbar.r_row_wire_ohm = -1: must be finite and >= 0 ohm"));
  auto q = small(4, 7);
  q.r_source_ohm = Eigen::VectorXd::Constant(4, 10.0);
  q.r_source_ohm[2] = -5.0;
  CHECK(contains(validation_message(q), "crossbar.r_source_ohm(2) = -5"));
}

TEST_CASE("a G of the wrong shape names the field and both shapes") {
  auto p = small(4, 7);
  p.g_s = Eigen::MatrixXd::Constant(7, 4, 1e-5);
  CHECK(contains(validation_message(p), "crossbar.g_s has shape 7x4: must be rows x cols = 4x7"));
}

TEST_CASE("NaN values name the field and the element") {
  auto p = small(4, 7);
  p.g_s(1, 3) = std::numeric_limits<double>::quiet_NaN();
  CHECK(contains(validation_message(p), "crossbar.g_s(1,3) = nan"));
  auto q = small(4, 7);
  q.v_in_v[2] = std::numeric_limits<double>::quiet_NaN();
  CHECK(contains(validation_message(q), "crossbar.v_in_v(2) = nan"));
  auto r = small(4, 7);
  r.c_col_wire_f = std::numeric_limits<double>::quiet_NaN();
  CHECK(contains(validation_message(r), "crossbar.c_col_wire_f = nan"));
}

TEST_CASE("every bad field gets its own message") {
  auto p = small(4, 7);
  p.r_row_wire_ohm = -1;
  p.r_col_wire_ohm = -2;
  p.v_in_v.resize(3);
  try {
    p.validate();
    FAIL("expected a ValidationError");
  } catch (const ValidationError& e) {
    CHECK(e.problems().size() == 3);
  }
}

TEST_CASE("differential needs a G- of the same shape; G- without differential is an error") {
  auto p = small(3, 2);
  p.differential = true;
  CHECK(contains(validation_message(p), "crossbar.g_neg_s has shape 0x0"));
  auto q = small(3, 2);
  q.g_neg_s = q.g_s;
  CHECK(contains(validation_message(q), "differential = false"));
}

TEST_CASE("sinh cells need V0 > 0") {
  auto p = small(2, 2);
  p.cell = CellModel::sinh;
  p.v0_v = 0.0;
  CHECK(contains(validation_message(p), "crossbar.v0_v = 0"));
}

TEST_CASE("make_crossbar_deck validates before writing") {
  auto p = small(2, 2);
  p.rows = 0;
  CHECK_THROWS_AS(make_crossbar_deck(p), ValidationError);
}

TEST_CASE("deck structure: title first, .end last, one probe per output, KLU requested") {
  auto p = small(3, 5);
  p.r_row_wire_ohm = 1.0;
  p.r_col_wire_ohm = 2.0;
  const auto deck = make_crossbar_deck(p);
  CHECK(deck.text.rfind("xbar crossbar\n", 0) == 0);
  CHECK(contains(deck.text, ".options klu\n.op\n.end\n"));
  REQUIRE(deck.probes.size() == 5);
  CHECK(deck.probes[4].name == "i_out4");
  CHECK(deck.probes[4].terms.size() == 1);
  CHECK(deck.probes[4].terms[0].first == "vsj4#branch");
  // 3 rows x 5 cols: 15 cells, 15 row segments, 15 column segments.
  CHECK(contains(deck.text, "Rx2_4 r2_4 c2_4 8192\n"));
  CHECK(contains(deck.text, "Rr2_4 r2_3 r2_4 1"));
  CHECK(contains(deck.text, "Rc2_4 c2_4 o4 2"));
  CHECK(contains(deck.text, "Rr0_0 in0 r0_0 1"));  // no source resistance: the driver node is in0
}

TEST_CASE("zero-ohm wires merge nodes instead of writing 0-ohm resistors") {
  const auto deck = make_crossbar_deck(small(2, 2));
  CHECK_FALSE(contains(deck.text, "Rr"));
  CHECK_FALSE(contains(deck.text, "Rc"));
  CHECK(contains(deck.text, "Rx1_1 in1 o1 8192\n"));
}

TEST_CASE("zero conductance leaves the cell open") {
  auto p = small(2, 2);
  p.g_s(0, 1) = 0.0;
  const auto deck = make_crossbar_deck(p);
  CHECK_FALSE(contains(deck.text, "Rx0_1 "));
  CHECK(contains(deck.text, "Rx1_1 "));
}

TEST_CASE("differential decks interleave G+ and G- columns and probe their difference") {
  auto p = small(2, 3);
  p.differential = true;
  p.g_neg_s = Eigen::MatrixXd::Constant(2, 3, 1.0 / 16384);
  const auto deck = make_crossbar_deck(p);
  REQUIRE(deck.probes.size() == 3);
  CHECK(deck.probes[1].terms[0] == std::make_pair(std::string("vsjp1#branch"), 1.0));
  CHECK(deck.probes[1].terms[1] == std::make_pair(std::string("vsjn1#branch"), -1.0));
  CHECK(contains(deck.text, "Rx0_3 in0 o3 16384\n"));  // physical column 3 = G- of output 1
}

TEST_CASE("sinh cells are B sources with G*V0*sinh(V/V0)") {
  auto p = small(1, 1);
  p.cell = CellModel::sinh;
  p.v0_v = 0.5;
  const auto deck = make_crossbar_deck(p);
  CHECK(contains(deck.text, "Bx0_0 in0 o0 I=6.103515625e-05*sinh(V(in0,o0)/0.5)"));
}

TEST_CASE("probe comments round-trip through the deck text") {
  auto p = small(2, 3);
  p.differential = true;
  p.g_neg_s = p.g_s;
  const auto deck = make_crossbar_deck(p);
  const auto parsed = parse_probe_comments(deck.text);
  REQUIRE(parsed.size() == deck.probes.size());
  for (std::size_t k = 0; k < parsed.size(); ++k) {
    CHECK(parsed[k].name == deck.probes[k].name);
    CHECK(parsed[k].unit == deck.probes[k].unit);
    CHECK(parsed[k].terms == deck.probes[k].terms);
  }
  CHECK_THROWS_AS(parse_probe_comments("t\n*@probe x A vsj0#branch\n"), Error);
}

TEST_CASE("numbers are written to round-trip exactly") {
  auto p = small(1, 1);
  p.g_s(0, 0) = 1.0 / 3.0 * 1e-4;
  p.v_in_v[0] = 0.1 + 1e-17;
  const auto deck = make_crossbar_deck(p);
  const auto pos = deck.text.find("Vin0 in0 0 DC ");
  REQUIRE(pos != std::string::npos);
  CHECK(std::stod(deck.text.substr(pos + 14)) == p.v_in_v[0]);
}

TEST_CASE("parse_cell_model names the field on a bad value") {
  CHECK(parse_cell_model("sinh") == CellModel::sinh);
  try {
    parse_cell_model("tanh", "spec.cell");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "spec.cell = 'tanh'"));
  }
}

namespace {
TileParams tiny_tile(ComparatorModel comparator) {
  TileParams p;
  p.crossbar.rows = 2;
  p.crossbar.cols = 2;
  p.crossbar.g_s = Eigen::MatrixXd::Constant(2, 2, 1e-5);
  p.tia.rf_ohm = 10e3;
  p.tia.opamp.model = comparator == ComparatorModel::macro ? OpampModel::macro : OpampModel::transistor;
  p.adc.comparator = comparator;
  p.timing.t_cycle_s = 500e-9;
  p.timing.t_edge_s = 2e-9;
  p.input_codes = Eigen::MatrixXi::Constant(2, 2, 7);  // 2 cycles
  return p;
}
int count_lines_starting(const std::string& text, const std::string& head) {
  int n = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    n += text.compare(at, head.size(), head) == 0;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return n;
}
}  // namespace

TEST_CASE("tile: transistor comparators are clocked by vadc_clk, high for T/10 before each read") {
  const TileParams p = tiny_tile(ComparatorModel::transistor);
  const std::string deck = make_tile_deck(p).text;
  // per cycle k: 0 until t_r - T/10 - t_edge, vdd from t_r - T/10 to t_r = (k+1) T - t_edge, 0 at (k+1) T
  CHECK(contains(deck, "vadc_clk aclk 0 pwl(0 0 4.46e-07 0 4.48e-07 1.8 4.98e-07 1.8 5e-07 0 "
                       "9.46e-07 0 9.48e-07 1.8 9.98e-07 1.8 1e-06 0)\n"));
  // every preamp (63 per column) is enabled by it: 0 while the clock is low, the tracking preamp at vdd
  CHECK(count_lines_starting(deck, "badc0_pa") == 63);
  CHECK(contains(deck, "badc1_pa5 adc1_p5 0 v = 0.5 * v(aclk) * (1 + tanh(111.11111111111111 * (v(t1) - v(adc1_t5))))\n"));
  TileParams tracking = p;
  tracking.adc_clocked = false;
  const std::string t = make_tile_deck(tracking).text;
  CHECK(!contains(t, "aclk"));
  CHECK(contains(t, "badc1_pa5 adc1_p5 0 v = 0.90000000000000002 + 0.90000000000000002 * tanh(111.11111111111111 * "
                    "(v(t1) - v(adc1_t5)))\n"));
  TileParams shorter = p;
  shorter.t_adc_enable_s = 20e-9;
  CHECK(contains(make_tile_deck(shorter).text, "vadc_clk aclk 0 pwl(0 0 4.76e-07 0 4.78e-07 1.8 4.98e-07 1.8 5e-07 0 "));
}

TEST_CASE("tile: macro comparators track (no clock): they have no switching edges to resolve") {
  const std::string deck = make_tile_deck(tiny_tile(ComparatorModel::macro)).text;
  CHECK(!contains(deck, "aclk"));
  CHECK(count_lines_starting(deck, "badc0_pa") == 63);
}

TEST_CASE("tile: the chain and ADC decks split the whole deck at the TIA outputs, line for line") {
  const TileParams p = tiny_tile(ComparatorModel::transistor);
  const std::string whole = make_tile_deck(p).text, chain = make_tile_chain_deck(p).text;
  CHECK(!contains(chain, "vadc_dd"));  // no ADC supply, ladder reference or comparator
  CHECK(!contains(chain, "vadc0"));
  CHECK(!contains(chain, "badc"));
  // the ADC clock stays, driving nothing: its corners are the chain transient's breakpoints too
  CHECK(contains(chain, "vadc_clk aclk 0 pwl(0 0 4.46e-07 0 4.48e-07 1.8 4.98e-07 1.8 5e-07 0 "));
  TileParams tracking = p;
  tracking.adc_clocked = false;
  CHECK(!contains(make_tile_chain_deck(tracking).text, "aclk"));
  CHECK(count_lines_starting(chain, "mtia") == count_lines_starting(whole, "mtia"));
  CHECK(contains(chain, ".tran 5e-10 1.0009999999999998e-06 0 5e-10\n"));
  // every line of the chain after its title, other than comments, is a line of the whole deck
  std::size_t at = chain.find('\n') + 1, checked = 0;
  for (std::size_t end; (end = chain.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string line = chain.substr(at, end - at + 1);
    if (line[0] == '*') continue;
    ++checked;
    if (!contains(whole, line)) FAIL_CHECK("chain line not in the whole deck: " << line);
  }
  CHECK(checked > 20);
  // the ADCs of column 1 alone: its waveform as a PWL source, its 63 comparators and the clock
  const std::vector<double> t = {0.0, 0.5e-6, 1.001e-6, 1.001e-6};  // a repeated last time is dropped
  const std::vector<std::vector<double>> v = {{0.0, -0.1, 0.0, 0.0}, {0.0, -0.25, -0.125, -0.125}};
  const std::string adcs = make_tile_adc_deck(p, t, v, 1, 1).text;
  CHECK(contains(adcs, "vwave1 t1 0 pwl( 0 0 4.9999999999999998e-07 -0.25 1.001e-06 -0.125)\n"));
  CHECK(!contains(adcs, "vwave0"));
  CHECK(count_lines_starting(adcs, "badc1_pa") == 63);
  CHECK(count_lines_starting(adcs, "badc0_pa") == 0);
  CHECK(contains(adcs, "vadc_dd add 0 DC 1.8\n"));
  CHECK(contains(adcs, "vadc_clk aclk 0 pwl("));
  CHECK(contains(adcs, ".tran 5e-10 1.0009999999999998e-06 0 5e-10\n"));
  CHECK(!contains(adcs, "mtia"));
  // every column by default
  CHECK(count_lines_starting(make_tile_adc_deck(p, t, v).text, "vwave") == 2);
  // refused: a missing waveform, a short one, a non-finite value, columns out of range
  for (const auto& [bad_v, first, cols, needle] :
       {std::tuple{std::vector<std::vector<double>>{v[0]}, 0, -1, "1 TIA waveforms for 2 columns"},
        std::tuple{std::vector<std::vector<double>>{v[0], {0.0, 1.0}}, 0, -1, "column 1 has 2 values for 4 time points"},
        std::tuple{std::vector<std::vector<double>>{v[0], {0.0, std::nan(""), 0.0, 0.0}}, 0, -1, "column 1's TIA waveform is not finite"},
        std::tuple{v, 1, 2, "columns 1 .. 2: must lie within 0 .. 1"}}) {
    try {
      make_tile_adc_deck(p, t, bad_v, first, cols);
      FAIL("no error for " << needle);
    } catch (const ValidationError& e) {
      CHECK_MESSAGE(contains(e.what(), needle), e.what());
    }
  }
}

TEST_CASE("tile: t_adc_enable_s out of range names the field, the value and the limit") {
  TileParams p = tiny_tile(ComparatorModel::transistor);
  p.t_adc_enable_s = 495e-9;
  try {
    p.validate();
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(contains(e.what(), "tile.t_adc_enable_s = 4.95e-07"));
    CHECK(contains(e.what(), "t_cycle_s - 4 t_edge_s = 4.92e-07"));
  }
  p.t_adc_enable_s = -1.0;
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("tile.t_adc_enable_s = -1: must be finite and >= 0"), ValidationError);
}
