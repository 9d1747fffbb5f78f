#pragma once
// The SPICE tile deck of a behavioral tile instance: the same chip draws reach both sides.
//
// A behavioral tile (behavioral::TileModelParams plus programmed conductances, e.g. a
// draw_tile_instance of a chip) becomes a netlists::TileParams at macro fidelity (macro op-amps,
// preamp-only comparators, netlists/tile.hpp) so that:
//   array       g_s = the programmed conductances (programming error and stuck cells included);
//               r_row_wire_ohm, r_col_wire_ohm = the instance's (its wire spread); cell model, v0,
//               temperatures and coefficients copied; r_source_ohm (one value for every row) ->
//               dac.r_source_ohm
//   DAC         ideal levels dac.v_min_v .. dac.v_max_v, dac.bits (a measured level table is refused)
//   TIA         rf_ohm = the instance's (a network's per-layer Rf); macro op-amp with a0_vv and
//               r_out_ohm of the instance; each column's input offset vos_v = the instance's
//               tia[k].v_offset_v (which holds the layer's TIA reference, so the column rests where
//               the behavioral one does); output limits: the macro limits its internal node and
//               r_out (after the limiter) carries the feedback current, so the rails sit at
//               v_out_min_v / v_out_max_v times (1 + r_out / rf), plus headroom_v, and the output's
//               limits are the behavioral ones; dominant pole f_p1 = 1 / (2 pi tau_s a0)
//   ADC         bits, v_min_v, v_max_v; ideal ladder; comparator k's offset = the instance's
//               transition k - the ideal transition k, so comparator k trips at the instance's
//               transition (the macro comparator decides exactly at tap + offset)
//   timing      the read cycle is long enough for the slowest column to settle to 12 time
//               constants ((1 + (rf + r_out) g_in) tau_s / s, s the limiter's slope at the ADC's
//               range ends) when t_sample_s is infinite (the presets); else the sample instant is
//               t_sample_s after the edge
// Not shared (the behavioral model has no such draw, or SPICE has no such parameter): the ADC's
// input noise (noise_sigma_v must be 0: refused otherwise), the op-amp's second pole and
// quiescent current (netlists defaults), and the exact settling waveform.
//
// Example:
//   behavioral::TileInstance inst = behavioral::draw_tile_instance(model, g_target, seed, stream);
//   netlists::TileParams p = spice_tile_params(inst.params, inst.g_s, codes);  // codes: cycles x rows
//   netlists::Deck deck = netlists::make_tile_deck(p);
#include <Eigen/Core>

#include "xbar/behavioral/tile_model.hpp"
#include "xbar/core/error.hpp"
#include "xbar/netlists/tile.hpp"

namespace xbar::spotcheck {

/// A spot check cannot be set up or run: the message names the file, field or value and the fix.
using Error = xbar::LibraryError<struct SpotcheckTag>;

/// Which chip draws to pass (all by default); a draw not passed is replaced by the nominal
/// tile's value. Switching one off is how a test shows that the draw reaches SPICE: the agreement
/// with the behavioral codes must drop.
struct DrawsPassed {
  bool tia_offsets = true;          ///< each column's op-amp offset; else the nominal tile's (reference kept)
  bool comparator_offsets = true;   ///< each column's transitions; else the nominal tile's
  bool conductances = true;         ///< the programmed conductances; else the targets
};

/// The macro-fidelity SPICE tile of a behavioral tile (header comment). `input_codes` is cycles x
/// rows DAC codes. A draw that `draws` does not pass comes from `nominal` (the same tile without
/// variation; needed then) and `g_target_s` (rows x cols). Throws Error naming the field for
/// what the deck cannot represent.
netlists::TileParams spice_tile_params(const behavioral::TileModelParams& tile, const Eigen::MatrixXd& g_s,
                                       const Eigen::MatrixXi& input_codes, const DrawsPassed& draws = {},
                                       const behavioral::TileModelParams* nominal = nullptr,
                                       const Eigen::MatrixXd& g_target_s = Eigen::MatrixXd());

}  // namespace xbar::spotcheck
