#pragma once
// Static (DC ramp) and energy measurements of a flash ADC (netlists/adc.hpp) in ngspice.
//
// Transition levels, in the spirit of IEEE Std 1241 (ramp testing), but read from the
// comparators directly: a `dc` sweep of the input from v_min - LSB to v_max + LSB in steps of
// LSB / points_per_lsb. Comparator k's threshold is the input at which its output q_k crosses
// vdd/2. q_k is far too steep to interpolate (it jumps rail to rail within one step of 1/64 LSB),
// so the threshold is located on the smooth preamp output p_k instead: q_k = chain(p_k), where
// chain is the two-inverter chain, identical for every comparator (no inverter mismatch), so q_k
// crosses vdd/2 exactly where p_k crosses the chain's trip point V_M. V_M is measured on a replica
// chain in the same deck (measure_chain_trip_v, resolution ~ vdd/18000 in p, cubic, i.e. ~1e-7 V at the
// input with preamp_gain = 100). The crossing of p_k is located on the cubic through the four
// sweep points around it: the tanh preamp is smooth on the scale of a step, so the error is far
// below 1e-4 LSB at 16 points per LSB. As a check, the crossing of q_k itself (linear) must lie
// within one step; otherwise that one is used. Because the encoder is a ones counter, the ADC's
// code transition k is the k-th smallest comparator threshold: transition_v = sorted thresholds.
// If inverter mismatch is ever added, V_M differs per comparator and this shortcut must go.
//
// Figures (LSB_ideal = (v_max - v_min) / (2^N - 1); T_k measured, T*_k ideal, k = 1 .. M):
//   endpoint LSB       LSB_ep = (T_M - T_1) / (M - 1)
//   DNL (codes 1..M-1) DNL_c = (T_{c+1} - T_c) / LSB_ep - 1
//   INL (endpoint)     INL_k = (T_k - T_1 - (k - 1) LSB_ep) / LSB_ep    (0 at both ends)
//   offset error       (T_1 - T*_1) / LSB_ideal
//   gain error         ((T_M - T_1) - (T*_M - T*_1)) / LSB_ideal
//   missing codes      codes 0 .. M that no sweep point produced (histogram of the ramp codes,
//                      i.e. resolution LSB / points_per_lsb; the ones counter itself can only
//                      lose a code whose width is below that)
//
// Energy per conversion: a transient of one conversion period t_conversion_s with the input
// stepping from v_min to v_max over [t_edge, 2 t_edge] (every comparator toggles: the
// worst case), integrating the energy of every source whose name starts with "vadc" (the
// supply vadc_dd and the references vadc_refl, vadc_refh; comparator offsets are constants in
// the preamp expressions, not sources) over [0, t_conversion_s] with characterize/energy.hpp.
#include <vector>

#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/adc.hpp"

namespace xbar::characterize {

struct AdcLinearity {
  std::vector<double> threshold_v;    ///< comparator k's threshold at [k-1], V (NaN if it never crossed)
  std::vector<double> transition_v;   ///< code transitions 1 .. M (sorted thresholds), V
  std::vector<double> dnl_lsb;        ///< DNL of codes 1 .. M-1, endpoint LSB
  std::vector<double> inl_lsb;        ///< endpoint INL at transitions 1 .. M, LSB
  double offset_lsb = 0.0;            ///< offset error, ideal LSB
  double gain_error_lsb = 0.0;        ///< gain error, ideal LSB
  int missing_codes = 0;              ///< codes never produced by the ramp
};

/// INL and DNL of a converter's code transitions, in LSB: the one implementation in xbar (the
/// campaign's inl_lsb / dnl_lsb, `xbar validate`'s ADC plots and `xbar report` use it).
struct InlDnl {
  std::vector<double> inl_lsb;  ///< INL at transitions 1 .. M (M entries)
  std::vector<double> dnl_lsb;  ///< DNL of codes 1 .. M-1 (M - 1 entries)
  double lsb_v = 0.0;           ///< the LSB used, V
};

/// Endpoint INL and DNL (the figures above) of transitions 1 .. M, V. The transitions are
/// sorted first, NaNs (never tripped) last, so they propagate into the figures that use them.
/// Fewer than 2 transitions: both vectors empty, lsb_v = 0.
InlDnl endpoint_inl_dnl(std::vector<double> transition_v);

/// INL and DNL against given ideal transitions T*_k with a given LSB (e.g. the ideal LSB
/// (v_max - v_min) / M): INL_k = (T_k - T*_k) / lsb_v, DNL_c = (T_{c+1} - T_c) / lsb_v - 1.
/// `transition_v` is used as given (sorted by the caller); sizes must match (else Error).
InlDnl inl_dnl_against_ideal(const std::vector<double>& transition_v, const std::vector<double>& ideal_v,
                             double lsb_v);

/// Where y(x) first crosses `level` upwards (x increasing): bracketed by two points and located
/// on the cubic through the four points around them (linear at the ends); NaN if it never does.
double rising_crossing_v(const std::vector<double>& x, const std::vector<double>& y, double level);

/// The figures above from the comparator thresholds (k-1 -> comparator k, V) and the ramp's
/// code histogram (2^N bins).
AdcLinearity adc_linearity(const netlists::AdcParams& p, const std::vector<double>& threshold_v,
                           const std::vector<int>& code_hits);

/// The trip point V_M of the replica inverter chain in the loaded DC bench (a coarse vchain
/// sweep, then one 100 times denser around the crossing), V.
double measure_chain_trip_v(SpiceSession& spice, const netlists::AdcParams& p);

/// Runs the DC bench (make_adc_dc_deck): V_M, then the input ramp (adc_dc_sweep_command), and
/// returns adc_linearity. If chain_trip_v is not null it receives V_M. Throws SpiceError on an
/// ngspice error (the session is cleaned up on every path).
AdcLinearity measure_adc_linearity(SpiceSession& spice, const netlists::AdcParams& p, const netlists::AdcMismatch& m,
                                   int points_per_lsb, double* chain_trip_v = nullptr);

struct AdcEnergy {
  double supply_j = 0.0;     ///< energy from vadc_dd over one conversion, J
  double reference_j = 0.0;  ///< energy from vadc_refl + vadc_refh, J
  double total_j = 0.0;      ///< every "vadc" source: energy per conversion, J
};

/// Runs the step bench for one conversion period (maxstep t_conversion_s / 2000) and integrates.
/// Throws SpiceError on an ngspice error.
AdcEnergy measure_adc_energy(SpiceSession& spice, const netlists::AdcParams& p, const netlists::AdcMismatch& m,
                             double t_conversion_s, double t_edge_s);

}  // namespace xbar::characterize
