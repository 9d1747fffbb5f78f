#pragma once
// The plot of `xbar sweep --plots`: accuracy against the first setting with 95 % CI bars, one
// curve per value of the second setting (if any), the nominal chip dashed, the digital accuracy as
// a line; <dir>/sweep_<setting>[_by_<setting>].png with its .dat (dir created). Drawn from the
// sweep in memory, while `xbar report` draws a finished sweep file (report_file).
#include <string>

namespace xbar::networks {
struct SweepResult;
}

namespace xbar::report {

/// Writes the plot; returns the PNG's path. Throws ReportError when gnuplot fails.
std::string plot_sweep(const networks::SweepResult& r, const std::string& dir);

}  // namespace xbar::report
