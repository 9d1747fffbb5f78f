#pragma once
// What the tile kinds (tile, tile_replay) read back from a tile deck's transient, written once:
// the ".save" cards and each read cycle's TIA outputs and ADC codes (internal to characterize).
#include <Eigen/Core>
#include <string>
#include <vector>

#include "xbar/characterize/spice_result.hpp"
#include "xbar/netlists/tile.hpp"

namespace xbar::characterize {

/// The vectors every tile readout needs: each column's TIA output and comparator outputs, as "v(node)".
std::vector<std::string> tile_readout_vectors(const netlists::TileParams& p);

/// ".save" cards for `items`, wrapped to lines of at most about 200 characters.
std::string save_cards_text(const std::vector<std::string>& items);

/// Reads cycles 0 .. cycles-1 of a tile transient at each cycle's ADC sampling instant
/// (netlists::read_sample_time_s): TIA outputs in V and ADC codes (ones count of the comparators).
/// `v_tia` and `codes` must be at least cycles x cols; rows from `cycles` on are left alone.
void read_tile_cycles(const SpiceResult& r, const netlists::TileParams& p, int cycles, Eigen::MatrixXd& v_tia,
                      Eigen::MatrixXi& codes);

}  // namespace xbar::characterize
