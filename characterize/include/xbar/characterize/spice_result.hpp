#pragma once
// Vectors read back from one ngspice analysis, by name, copied out of ngspice's memory.
#include <complex>
#include <map>
#include <string>
#include <vector>

#include "xbar/netlists/deck.hpp"

namespace xbar::characterize {

/// One ngspice vector. Real analyses (op, dc, tran) fill `real`; ac fills `complex`.
struct SpiceVector {
  std::vector<double> real;
  std::vector<std::complex<double>> complex;
  bool is_complex() const { return !complex.empty(); }
  std::size_t size() const { return is_complex() ? complex.size() : real.size(); }
};

/// All vectors of one plot, keyed by ngspice's lower-case names: node voltages by node name
/// ("r0_3"), branch currents as "<source>#branch" ("vsj3#branch"), plus the scale vector.
struct SpiceResult {
  std::string plot;                            ///< ngspice's plot name, e.g. "op1", "tran2"
  std::string scale;                           ///< the plot's sweep vector ("time", "frequency", "v-sweep", ...); empty if unknown
  std::map<std::string, SpiceVector> vectors;

  /// The real vector `name`; throws characterize::Error listing a few available names if absent.
  const std::vector<double>& real(const std::string& name) const;
  /// Evaluates a probe (a weighted sum of vectors) at every point; throws if a vector is missing.
  std::vector<double> probe(const netlists::Probe& probe) const;
};

}  // namespace xbar::characterize
