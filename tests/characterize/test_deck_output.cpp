// Issue 13, decks that run standalone: the batch-mode output cards (netlists/deck.hpp), the
// subprocess engine's analysis replacement and its rawfile reader (characterize/ngspice_process.hpp).
#include <doctest/doctest.h>

#include <string>

#include "xbar/characterize/error.hpp"
#include "xbar/characterize/ngspice_process.hpp"
#include "xbar/netlists/deck.hpp"

using namespace xbar;

TEST_CASE("print_cards: v() for nodes, i() for branches, vm/vp for ac, 8 vectors a line") {
  CHECK(netlists::print_cards("dc", {"t_out", "vtia_dd#branch"}) == ".print dc v(t_out) i(vtia_dd)\n");
  CHECK(netlists::print_cards("ac", {"a_out"}) == ".print ac vm(a_out) vp(a_out)\n");
  std::vector<std::string> nine;
  for (int k = 0; k < 9; ++k) nine.push_back("n" + std::to_string(k));
  CHECK(netlists::print_cards("tran", nine) ==
        ".print tran v(n0) v(n1) v(n2) v(n3) v(n4) v(n5) v(n6) v(n7)\n.print tran v(n8)\n");
  CHECK(netlists::print_cards("dc", {}).empty());
  CHECK(netlists::save_card({"a", "v1#branch"}) == ".save v(a) i(v1)\n");
}

TEST_CASE("probe_vectors: each vector once, in order of first use") {
  const std::vector<netlists::Probe> probes = {{"d", "A", {{"vp#branch", 1.0}, {"vn#branch", -1.0}}},
                                               {"x", "V", {{"vp#branch", 2.0}, {"out", 1.0}}}};
  CHECK(netlists::probe_vectors(probes) == std::vector<std::string>{"vp#branch", "vn#branch", "out"});
}

TEST_CASE("with_only_analysis: the deck's analysis cards become comments, the chosen one goes before .end") {
  const std::string deck = "title\nv1 a 0 1\n.op\n.AC dec 10 1 1e6\n.control\n.tran 1n 1u\n.endc\n.end\n";
  const std::string out = characterize::with_only_analysis(deck, "dc v1 0 1 0.1");
  CHECK(out.find("\n* (xbar simulate --analysis) .op\n") != std::string::npos);
  CHECK(out.find("\n* (xbar simulate --analysis) .AC dec 10 1 1e6\n") != std::string::npos);
  CHECK(out.find("\n.tran 1n 1u\n") != std::string::npos);  // inside .control: left alone
  CHECK(out.find("\n.dc v1 0 1 0.1\n.end\n") != std::string::npos);
  CHECK_THROWS_AS(characterize::with_only_analysis(deck, "op; shell rm -rf x"), characterize::Error);
}

TEST_CASE("parse_ascii_rawfile_plots: every plot, subnormal values, the scale") {
  const std::string raw =
      "Title: t\nPlotname: AC Analysis\nFlags: complex\nNo. Variables: 2\nNo. Points: 2\nVariables:\n"
      "\t0\tfrequency\tfrequency\n\t1\tv(a)\tvoltage\nValues:\n"
      "0\t\t1.0e+00,4.675052233977834e-310\n\t2.0e+00,-1.0e+00\n\n"
      "1\t\t1.0e+01,0.0e+00\n\t3.0e+00,0.0e+00\n\n"
      "Title: t\nPlotname: Operating Point\nFlags: real\nNo. Variables: 2\nNo. Points: 1\nVariables:\n"
      "\t0\tv(a)\tvoltage\n\t1\ti(v1)\tcurrent\nValues:\n0\t\t5.0e-01\n\t-1.0e-03\n";
  const auto plots = characterize::parse_ascii_rawfile_plots(raw);
  REQUIRE(plots.size() == 2);
  CHECK(plots[0].plot == "AC Analysis");
  CHECK(plots[0].scale == "frequency");
  REQUIRE(plots[0].vectors.at("a").complex.size() == 2);
  CHECK(plots[0].vectors.at("a").complex[1].real() == 3.0);
  CHECK(plots[0].vectors.at("frequency").complex[0].imag() > 0.0);  // 4.7e-310 read, not an error
  CHECK(plots[1].vectors.at("v1#branch").real.at(0) == -1e-3);
  CHECK(characterize::parse_ascii_rawfile(raw).plot == "AC Analysis");
  CHECK_THROWS_AS(characterize::parse_ascii_rawfile_plots("Plotname: x\nNo. Variables: 1\nNo. Points: 1\nVariables:\n"
                                                          "\t0\ttime\ttime\nValues:\n0\t1.0x\n"),
                  characterize::Error);
}
