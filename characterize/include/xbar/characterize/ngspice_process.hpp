#pragma once
// Running a deck through the standalone `ngspice -b` program, as a subprocess. This is the
// second engine that the embedded SpiceSession is checked against, and the baseline of the
// benchmarks.
//
// The deck is written to a temporary folder and run as
//   SPICE_ASCIIRAWFILE=1 ngspice -b -r out.raw deck.cir
// and the ASCII rawfile is read back. Vector names are mapped to the embedded session's:
// "v(a)" -> "a" and "i(vs)" -> "vs#branch".
#include <string>
#include <string_view>
#include <vector>

#include "xbar/characterize/spice_result.hpp"

namespace xbar::characterize {

/// The ngspice program to run: $XBAR_NGSPICE if set, else "ngspice" from PATH.
std::string ngspice_program();

/// Runs `deck` in `ngspice -b`. With analysis "run", the deck's own analysis cards run; any
/// other analysis command (check_analysis_command) replaces them (with_only_analysis). Returns
/// the last plot of the rawfile: the one an embedded session's "run" leaves current (ngspice
/// runs a deck's analyses in its own fixed order, e.g. ac before op). Throws SpiceError quoting ngspice's log if it fails or writes no rawfile.
/// ngspice runs with `-n` (no `.spiceinit`), and a deck whose .control block can run a shell
/// command (shell_lines_in_control in spice_session.hpp) is refused with Error unless
/// `allow_shell`.
SpiceResult run_ngspice_batch(std::string_view deck, const std::string& program = ngspice_program(),
                              bool allow_shell = false, std::string_view analysis = "run");

/// The deck with every analysis card outside .control (.op .dc .ac .tran .noise .tf .pz .sens
/// .disto) commented out and "." + analysis inserted before ".end". Throws Error unless
/// `analysis` is one analysis command (check_analysis_command).
std::string with_only_analysis(std::string_view deck, std::string_view analysis);

/// Parses an ASCII rawfile's first plot. Throws characterize::Error naming `source` and the line.
SpiceResult parse_ascii_rawfile(const std::string& text, const std::string& source = "rawfile");
/// Every plot of an ASCII rawfile, in file order; each one's `scale` is its first variable.
std::vector<SpiceResult> parse_ascii_rawfile_plots(const std::string& text, const std::string& source = "rawfile");

}  // namespace xbar::characterize
