#pragma once
// Internal to xbar::characterize: runs the op-amp test bench (netlists::make_opamp_test_deck)
// in the session and turns its vectors into figures. Shared by the "opamp" and "tia" kinds.
#include <string>

#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/opamp.hpp"

namespace xbar::characterize {

/// The op-amp's figures from one load, one "op" and one "ac" of the test bench.
struct OpampFigures {
  double v_offset_v = 0;        ///< follower output with inp = 0: input-referred offset, V
  double i_supply_a = 0;        ///< quiescent current drawn from vdd by the follower copy, A
  double v_out_high_v = 0;      ///< open-loop output with +overdrive into RL || CL, V
  double v_out_low_v = 0;       ///< open-loop output with -overdrive into RL || CL, V
  double v_tail_v = 0;          ///< input-pair source node of the follower, V (transistor model; 0 for macro)
  double a0_vv = 0;             ///< open-loop gain at f_start_hz, unloaded (CL only), V/V
  double a0_loaded_vv = 0;      ///< open-loop gain at f_start_hz with r_load_ohm to ground, V/V
  double r_out_ohm = 0;         ///< r_load (a0 / a0_loaded - 1), ohm
  double ugb_hz = 0;            ///< unity-gain frequency of the unloaded open-loop gain, Hz
  double phase_margin_deg = 0;  ///< 180 + phase of A at ugb_hz (phase unwrapped from f_start_hz), deg
};

/// Loads, runs and reads the bench, then cleans up. Throws SpiceError on an ngspice error, and
/// also (with a message and no ngspice lines) when the gain never crosses 1 in the sweep.
/// `inject_error` adds a floating resistor to the deck (fault injection for tests).
OpampFigures measure_opamp(SpiceSession& spice, const netlists::OpampParams& params,
                           const netlists::OpampMismatch& mismatch, const netlists::OpampBench& bench,
                           bool inject_error = false);

}  // namespace xbar::characterize
