#pragma once
// gnuplot, driven without a shell: the plots of `xbar validate --plots`, `xbar report` and
// `xbar cost`. gnuplot is started with posix_spawnp (no /bin/sh; the script in a temporary
// file), and every string from the user or a file enters a script only through
// gnuplot_quote(), so no path can break out of its quoting into gnuplot's `system()` or
// backquote substitution.
//
//   run_gnuplot(fmt::format("set terminal {}\nset output {}\nplot sin(x)\n", gnuplot_terminal(),
//                           gnuplot_quote(png_path)));
#include <string>

#include "xbar/report/report_error.hpp"

namespace xbar::report {

/// Runs a gnuplot script; throws ReportError when gnuplot cannot be started ("not found") or
/// fails (its exit status and its own words).
void run_gnuplot(const std::string& script);
/// "pngcairo noenhanced size 900,700" when gnuplot has it, else "png noenhanced size 900,700".
std::string gnuplot_terminal();
/// `text` as a gnuplot single-quoted string: 'a''b' for a'b. In single quotes gnuplot expands
/// neither backslashes, backquotes nor macros. Throws ReportError for a control character
/// (a newline would end the command), naming the string.
std::string gnuplot_quote(const std::string& text);

}  // namespace xbar::report
