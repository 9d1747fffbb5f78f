#pragma once
// Tile replay files (schema "xbar.tile_replay/1"): SPICE tile decks to be run by the campaign
// kind "tile_replay" (data/SPEC.md), written by orchestration above characterize (spotcheck/).
// Each deck is one programmed tile read with `cycles` input vectors, one per read cycle of the
// same transient (netlists/tile.hpp), together with the codes some other model gave for the same
// reads (the reference the campaign stores next to SPICE's codes).
//
// What a deck carries, and what it shares with every other deck of the file:
//   per deck   layer, tile_row, tile_col, chip (labels only); cycles; rows x cols conductances
//              g_s (stuck cells included); r_row_wire_ohm, r_col_wire_ohm; the TIA's rf_ohm; each
//              column's op-amp input offset vos_v (OpampMismatch::vos_v, which holds any reference
//              voltage of the TIA too); each column's comparator offsets (AdcMismatch); the DAC codes
//              (cycles x rows); the reference codes (cycles x cols)
//   shared     everything else of netlists::TileParams: crossbar cell model and temperatures, DAC,
//              op-amp (must be the macro model), ADC (its ladder is ideal: the comparator offsets
//              carry each transition), read timing, t_step_max_s
// Layout (HDF5): root attributes schema, rows, cols, cycles_max, decks, adc_bits and the shared
// parameters by name (attribute names are the struct fields, e.g. "opamp.a0_vv", "adc.v_min_v");
// datasets, first dimension the deck: layer, tile_row, tile_col, chip, cycles [D] int64;
// g_s [D, rows, cols]; r_row_wire_ohm, r_col_wire_ohm, rf_ohm [D]; vos_v [D, cols];
// comparator_offset_v [D, cols, 2^adc_bits - 1]; input_codes [D, cycles_max, rows] (-1 beyond a
// deck's cycles); reference_codes [D, cycles_max, cols] (-1 beyond its cycles).
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "xbar/netlists/tile.hpp"

namespace xbar::characterize {

/// One deck of a replay file.
struct ReplayDeck {
  int layer = 0, tile_row = 0, tile_col = 0;  ///< labels: where the tile sits in a network
  std::int64_t chip = -1;                     ///< label: the chip it came from (-1 = nominal)
  netlists::TileParams params;                ///< the whole tile: conductances, periphery, mismatch, DAC codes
  Eigen::MatrixXi reference_codes;            ///< cycles x cols codes to compare SPICE's with
};

/// Writes `decks` (at least one; all of one size, the same shared parameters and
/// OpampModel::macro op-amps; ValidationError-like characterize::Error otherwise) atomically.
/// Throws FileError naming the path on an HDF5 failure.
void write_tile_replay_file(const std::string& path, const std::vector<ReplayDeck>& decks);

/// Reads a replay file; throws FileError naming the file and the object that is missing or wrong.
std::vector<ReplayDeck> read_tile_replay_file(const std::string& path);

}  // namespace xbar::characterize
