#pragma once
// What the tile kinds (tile, tile_replay) run and read back from a tile's transient, written once:
// the transient itself (one deck, or the chain and the ADCs in two: netlists/tile.hpp), the
// ".save" cards, and each read cycle's TIA outputs and ADC codes (internal to characterize).
#include <Eigen/Core>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/energy.hpp"
#include "xbar/characterize/spice_result.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/tile.hpp"

namespace xbar::characterize {

/// A tile's transient results. Joint: one transient, `chain`, holds everything and `adc_runs` is
/// empty. Separate: `chain` holds the drivers, array and TIAs; each AdcRun the ADCs of a group of
/// adjacent columns. Sources: the independent voltage sources of each deck (energy.hpp), for the
/// block energies.
struct AdcRun {
  SpiceResult result;
  std::vector<VoltageSourceTerminals> sources;
};
struct TileTransient {
  SpiceResult chain;
  std::vector<VoltageSourceTerminals> chain_sources;
  std::vector<AdcRun> adc_runs;
  int group_cols = 0;                           ///< columns per AdcRun: run j holds j·group_cols on (the last may hold fewer)

  /// The transient holding column k's comparators.
  const SpiceResult& adcs_of(int k) const { return adc_runs.empty() ? chain : adc_runs[static_cast<std::size_t>(k / group_cols)].result; }
  /// Energy of the ADC supply and ladder references over [t0, t1], J, summed over the transients.
  double adc_energy_j(double t0_s, double t1_s) const;
};

/// Runs the tile of `p`; when separate, the ADCs in transients of `group_cols` adjacent columns
/// each (TileSpec::adc_group_cols). `energy_vectors`: also save every block source's current and terminal
/// voltages (for the block energies). `inject_fault`: add a floating resistor to the chain's deck
/// (fault injection of the tests). Throws SpiceError when ngspice fails on any deck.
TileTransient run_tile_transient(SpiceSession& spice, const netlists::TileParams& p, AdcTransient mode,
                                 bool energy_vectors, bool inject_fault, int group_cols = 1);

/// ".save" cards for `items`, wrapped to lines of at most about 200 characters.
std::string save_cards_text(const std::vector<std::string>& items);

/// Reads cycles 0 .. cycles-1 of a tile transient at each cycle's ADC sampling instant
/// (netlists::read_sample_time_s): TIA outputs in V (from the chain) and ADC codes (ones count of
/// the comparators, from the ADCs' transient). `v_tia` and `codes` must be at least cycles x cols;
/// rows from `cycles` on are left alone.
void read_tile_cycles(const TileTransient& r, const netlists::TileParams& p, int cycles, Eigen::MatrixXd& v_tia,
                      Eigen::MatrixXi& codes);

}  // namespace xbar::characterize
