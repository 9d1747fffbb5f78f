#pragma once
// A generated SPICE deck: plain text plus named probes that say which ngspice vectors hold
// which output. Pure text: nothing here talks to ngspice.
#include <string>
#include <utility>
#include <vector>

namespace xbar::netlists {

/// One named output of a deck, as a linear combination of ngspice vectors:
///   value = sum_k weight_k * vector_k
/// e.g. a single-ended column current is {"vsj3#branch", +1}; a differential one is
/// {"vsjp3#branch", +1}, {"vsjn3#branch", -1}. Vector names are lower case, as ngspice
/// stores them.
struct Probe {
  std::string name;                                   ///< e.g. "i_out3"
  std::string unit;                                   ///< "A" or "V"
  std::vector<std::pair<std::string, double>> terms;  ///< (ngspice vector, weight)
};

/// A complete deck (title line first, ".end" last) and its probes.
struct Deck {
  std::string text;
  std::vector<Probe> probes;
};

/// Probe lines are also written into the deck text as comments, so that a deck saved to a
/// file still says what it measures:
///   *@probe i_out3 A vsjp3#branch:+1 vsjn3#branch:-1
/// These turn probe declarations into that comment form and back.
std::string probe_comment(const Probe& probe);
/// Parses every "*@probe" comment in a deck text; lines that are not probe comments are
/// skipped. Throws netlists::Error naming the line if a probe comment is malformed.
std::vector<Probe> parse_probe_comments(const std::string& deck_text);

}  // namespace xbar::netlists
