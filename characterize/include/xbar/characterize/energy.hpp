#pragma once
// Energy delivered by independent voltage sources in a transient result.
//
// ngspice's branch current "<source>#branch" flows INTO the source's + terminal (through the
// source to its - terminal), so the power a source delivers to the circuit is
//   p(t) = -v(+,-)(t) * i(branch)(t)
// and the energy it delivers over [t0, t1] is
//   E = integral_{t0}^{t1} p(t) dt,
// integrated with the trapezoid rule on ngspice's own time points. Where t0 or t1 falls between
// two time points, v and i are linearly interpolated there (interpolate_at). ngspice's own
// integration is trapezoidal too, so a step through R into C charges to C V^2 delivered with an
// error set by the time step (0.02 % with maxstep = RC/100, see DESIGN.md).
//
// Blocks of a deck are identified by source-name prefixes ("vdac", "vtia", "vadc"): every
// independent source a generator writes is named "v<prefix>...", so energy_by_prefix_j()
// gives one block's energy. Dependent sources (E, G, B) and current sources are not counted:
// a generator that wants a supply current counted draws it from a named V source.
//
// Example:
//   SpiceResult r = spice.simulate(deck.text, "tran 1p 20n 0 10p");
//   double e_adc = energy_by_prefix_j(r, deck.text, "vadc", 0.0, 10e-9);
#include <string>
#include <vector>

#include "xbar/characterize/spice_result.hpp"

namespace xbar::characterize {

/// An independent voltage source of a deck: its name and terminal nodes, lower case, as
/// ngspice stores them ("0" for ground; "gnd" is read as "0").
struct VoltageSourceTerminals {
  std::string name;   ///< e.g. "vadc_dd"
  std::string plus;   ///< + node
  std::string minus;  ///< - node
};

/// Every independent voltage source of a deck text (lines whose first word starts with 'v'),
/// in deck order. Continuation lines, comments, dot cards and the title line are skipped.
std::vector<VoltageSourceTerminals> voltage_sources(const std::string& deck_text);

/// y(t) by linear interpolation on (time_s, y); clamped to the first and last values outside
/// the time range. time_s must be non-decreasing and the same length as y (throws Error
/// otherwise).
double interpolate_at(const std::vector<double>& time_s, const std::vector<double>& y, double t_s);

/// integral over [t0_s, t1_s] of a(t) b(t): the trapezoid rule on the products at the time
/// points inside the window, with a and b each interpolated (interpolate_at) at the window's
/// ends. Throws Error if the lengths differ or t1_s < t0_s.
double integral_of_product(const std::vector<double>& time_s, const std::vector<double>& a,
                           const std::vector<double>& b, double t0_s, double t1_s);

/// The voltage of `node` in a transient result ("0" is ground: all zeros).
std::vector<double> node_voltage(const SpiceResult& result, const std::string& node);

/// Energy delivered by one source over [t0_s, t1_s], joules (negative when the source absorbs
/// energy). Needs the vectors "time", "<name>#branch" and the two node voltages; throws
/// Error naming a missing vector, or if t1_s < t0_s.
double source_energy_j(const SpiceResult& result, const VoltageSourceTerminals& source, double t0_s, double t1_s);

/// Sum of source_energy_j over every voltage source of `deck_text` whose name starts with
/// `prefix` (lower case, e.g. "vadc"). Throws Error if no source matches.
double energy_by_prefix_j(const SpiceResult& result, const std::string& deck_text, const std::string& prefix,
                          double t0_s, double t1_s);
/// The same over sources already read with voltage_sources() (to parse a big deck once).
double energy_by_prefix_j(const SpiceResult& result, const std::vector<VoltageSourceTerminals>& sources,
                          const std::string& prefix, double t0_s, double t1_s);

}  // namespace xbar::characterize
