#pragma once
// The chart of `xbar cost`: the energies per image of the verdict (E_run, E_sim behavioral measured
// and counted, E_sim SPICE, E_digital int8 and int4) as log-scale bars labelled with the energy and
// the test accuracy; <dir>/verdict_energy.png with its .dat (dir must exist).
#include <string>

namespace xbar::verdict {
struct VerdictResult;
}

namespace xbar::report {

/// Writes the chart; returns the PNG's path. Throws ReportError when gnuplot fails.
std::string plot_verdict_energy(const verdict::VerdictResult& r, const std::string& dir);

}  // namespace xbar::report
