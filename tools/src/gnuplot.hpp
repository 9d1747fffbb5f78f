#pragma once
// gnuplot helpers of `xbar validate --plots`.
#include <string>

namespace xbar::tools {

/// Runs a gnuplot script; throws fit::FitError when gnuplot is missing or fails.
void run_gnuplot(const std::string& script);
/// "pngcairo noenhanced size 900,700" when gnuplot has it, else "png noenhanced size 900,700".
std::string gnuplot_terminal();

}  // namespace xbar::tools
