#pragma once
// gnuplot helpers of `xbar validate --plots`. gnuplot is started without a shell (posix_spawnp,
// the script in a temporary file), and every string from the user or a file enters a script
// only through gnuplot_quote(), so no path can break out of its quoting into gnuplot's
// `system()` or backquote substitution.
#include <string>

namespace xbar::tools {

/// Runs a gnuplot script; throws fit::FitError when gnuplot cannot be started ("not found") or
/// fails (its exit status and its own words).
void run_gnuplot(const std::string& script);
/// "pngcairo noenhanced size 900,700" when gnuplot has it, else "png noenhanced size 900,700".
std::string gnuplot_terminal();
/// `text` as a gnuplot single-quoted string: 'a''b' for a'b. In single quotes gnuplot expands
/// neither backslashes, backquotes nor macros. Throws fit::FitError for a control character
/// (a newline would end the command), naming the string.
std::string gnuplot_quote(const std::string& text);

}  // namespace xbar::tools
