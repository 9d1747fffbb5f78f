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

/// Batch-mode output: ".print <analysis> ..." lines that make `ngspice -b deck.cir` print the
/// given ngspice vectors for one analysis type ("dc", "tran" or "ac"), at most 8 per line. A
/// vector "<source>#branch" prints as i(<source>), any other as v(<node>); for "ac" each prints
/// as its magnitude and phase, vm(..) vp(..). Without a .print (or .meas) card, `ngspice -b`
/// runs no dc, tran or ac analysis at all ("no simulations run"). Embedded (interactive)
/// ngspice ignores these cards. E.g. print_cards("dc", {"t_out", "vtia_dd#branch"}) is
///   ".print dc v(t_out) i(vtia_dd)\n"
std::string print_cards(const std::string& analysis, const std::vector<std::string>& vectors);
/// ".save v(a) i(b) ...\n": `ngspice -b` runs only the first of two analyses that each have a
/// .print card ("no data saved for Transient analysis; analysis not run") unless the printed
/// vectors are also saved. Note that a .save card limits what an embedded run keeps as well.
std::string save_card(const std::vector<std::string>& vectors);
/// The distinct ngspice vectors that a list of probes reads, in order of first use.
std::vector<std::string> probe_vectors(const std::vector<Probe>& probes);

}  // namespace xbar::netlists
