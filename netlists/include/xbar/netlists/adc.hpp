#pragma once
// Flash ADC, 4..8 bits: a resistor ladder, one comparator per code transition, and a
// ones-counter encoder.
//
// Quantizer (rounding, mid-tread). M = 2^N - 1 comparators, LSB = (v_max_v - v_min_v) / M:
//   ideal transition k (k = 1 .. M):  T_k = v_min_v + (k - 1/2) LSB
//   ideal code:  clamp(round((v - v_min_v) / LSB), 0, M)
// so code 0 is centred on v_min_v and code M on v_max_v. The input range may be negative: a TIA
// output is <= 0 for positive column currents (default -0.5 .. 0 V).
//
// Ladder, bottom to top, between two reference sources (2^N resistors in all):
//   v<prefix>_refl  <prefix>_rl = v_min_v  --R/2--  <prefix>_t1 --R-- <prefix>_t2 ... <prefix>_t<M>  --R/2--  <prefix>_rh = v_max_v  v<prefix>_refh
// Resistor j (j = 0 .. 2^N - 1, from the bottom) is r<prefix>_l<j>; tap k is the node between
// resistors k-1 and k, so with no mismatch v(tap k) = T_k. With mismatch (R_j -> R_j (1 + e_j)):
//   v(tap k) = v_min_v + (v_max_v - v_min_v) * sum_{j<k} R_j / sum_j R_j
// (adc_ladder_taps_v computes this).
//
// Comparator k (k = 1 .. M):
//   b<prefix>_pa<k>  <prefix>_p<k> 0  v = vdd/2 + vdd/2 tanh(g (v(in) - v(<prefix>_t<k>) - offset_k) / (vdd/2))
//                    behavioral preamp, small-signal gain g = preamp_gain, output 0 .. vdd, no supply
//                    of its own (its bias is modelled by the current source below); offset_k is its
//                    input-referred offset, a constant in the expression, so the comparator trips at
//                    v(in) = tap_k + offset_k. (Until 2026-11-30 each offset was a source
//                    v<prefix>_os<k> from in to a node <prefix>_i<k>: 63 extra sources, nodes and
//                    saved vectors per column, which made a 128 x 128 tile's deck slow to set up.)
//   two CMOS inverters (process.hpp, xbar180, no mismatch) powered from <vdd_node>:
//                    <prefix>_p<k> -> <prefix>_<k>_x -> <prefix>q<k>, each with c_load_f to ground
//   i<prefix>_bias<k> <vdd_node> 0  dc i_bias_a                  static preamp bias from the ADC supply
// so q<k> goes to vdd when v(in) > tap_k + offset_k. Because the inverters are real transistors on
// the ADC supply, the supply current (static bias, inverter short-circuit and CV^2 switching
// currents) is real and energy_by_prefix_j measures it.
//
// Encoder: code = number of comparator outputs above vdd/2 (a ones counter, i.e. a population
// count, rather than a thermometer-to-binary decoder that looks for the single 1->0 edge). It is
// tolerant of bubbles: a comparator that trips out of order changes the code by one, never by
// half the range. With it, the ADC's code transitions are the comparator thresholds sorted in
// increasing order, and the code is monotonic in the input.
//
// Naming: every independent source is "v<prefix>_..." (the reference sources v<prefix>_refl and
// v<prefix>_refh); the comparator outputs are
// "<prefix>q<k>" (note: no underscore, e.g. prefix "adc3" gives "adc3q5" and "vadc3_refl"). The supply source is
// the caller's (e.g. "vadc_dd" on <vdd_node>), so its energy is counted under the caller's prefix.
//
// Example:
//   AdcParams p;  p.bits = 6;
//   Deck deck = make_adc_dc_deck(p, {});     // sweep with adc_dc_sweep_command(p, 32)
//   int code = adc_code(p, q_voltages);
#include <string>
#include <vector>

#include "xbar/netlists/deck.hpp"

namespace xbar::netlists {

/// How a comparator is built (see adc_text).
///   transistor: the tanh preamp b<prefix>_pa<k> drives two CMOS inverters (8 MOSFET equations
///               per comparator); their supply current is simulated.
///   macro:      the tanh preamp drives <prefix>q<k> itself (one B source), so the code decision
///               (q > vdd/2 exactly when v(in) > tap_k + offset_k) is the transistor one except for
///               the inverters' trip point V_M (the preamp level at which they switch, near vdd/2:
///               a shift of atanh((V_M - vdd/2) / (vdd/2)) (vdd/2) / preamp_gain at the input).
///               The inverters' switching charge is drawn from the supply by a B source
///               i = c_load_f |dv(q)/dt| (C vdd per output transition, as the two inverters draw
///               it); their short-circuit current is left out.
enum class ComparatorModel { transistor, macro };

/// Every parameter of one flash ADC.
struct AdcParams {
  ComparatorModel comparator = ComparatorModel::transistor;  ///< comparator circuit (ComparatorModel)
  int bits = 6;                      ///< resolution N, 4..8 (2^N - 1 comparators)
  double v_min_v = -0.5;             ///< centre of code 0, V (may be negative)
  double v_max_v = 0.0;              ///< centre of code 2^N - 1, V (> v_min_v)
  double vdd_v = 1.8;                ///< ADC supply (inverters and preamp bias), V
  double r_ladder_unit_ohm = 1e3;    ///< R of the reference ladder (the end resistors are R/2), ohm
  double preamp_gain = 100.0;        ///< small-signal gain of the tanh preamp at its threshold, V/V (> 1)
  double i_bias_a = 5e-6;            ///< static preamp bias current per comparator from the ADC supply, A
  double c_load_f = 2e-15;           ///< load capacitance at each inverter output, F
  double w_n_m = 0.5e-6;             ///< inverter NMOS width, m
  double w_p_m = 1.9e-6;             ///< inverter PMOS width, m (about KPn/KPp times w_n_m: threshold near vdd/2)
  double l_m = 0.18e-6;              ///< inverter channel length, m

  /// Checks every field; throws ValidationError, e.g. "adc.bits = 3: must be between 4 and 8".
  void validate() const;
  /// Number of comparators, 2^N - 1.
  int comparators() const { return (1 << bits) - 1; }
  /// (v_max_v - v_min_v) / (2^N - 1), V.
  double lsb_v() const { return (v_max_v - v_min_v) / comparators(); }
};

/// Per-instance variation of one ADC (empty vectors = ideal).
struct AdcMismatch {
  std::vector<double> comparator_offset_v;  ///< input-referred offset of comparator k at [k-1], V; empty or 2^N - 1 entries
  std::vector<double> ladder_r_rel;         ///< relative error of ladder resistor j at [j], bottom first; empty or 2^N entries (> -1)
};

/// The ADC's elements (no title, analysis or .end). Validates p and m; throws ValidationError.
/// enable_node empty: tracking comparators (the preamps above). enable_node set (a node driven
/// from 0 to vdd_v by the caller, e.g. the tile's clock): clocked comparators, each preamp
///   v = vdd/2 (v(enable) / vdd) (1 + tanh(g (v(in) - v(tap_k) - offset_k) / (vdd/2)))
/// i.e. 0 (output q<k> low) while the enable is low and exactly the tracking preamp while it is at
/// vdd: the code read while the enable is high comes from the same comparators, thresholds and
/// offsets, but each comparator switches at most once up (at the enable edge) and once down per
/// enable pulse instead of following every excursion of its input.
std::string adc_text(const AdcParams& p, const AdcMismatch& m, const std::string& prefix, const std::string& in_node,
                     const std::string& vdd_node, const std::string& enable_node = "");

/// One comparator's inverter chain: in_node -> <name>_x -> out_node, NMOS "m<name>_na",
/// "m<name>_nb", PMOS "m<name>_pa", "m<name>_pb" (cards "<...>_mod"), and c_load_f from each
/// inverter output to ground as "c<name>_a", "c<name>_b". Used by adc_text and by the replica
/// chain of the DC bench.
std::string adc_comparator_chain_text(const AdcParams& p, const std::string& name, const std::string& in_node,
                                      const std::string& out_node, const std::string& vdd_node);

/// The comparator output nodes "<prefix>q1" .. "<prefix>q<M>", in order.
std::vector<std::string> adc_output_nodes(const AdcParams& p, const std::string& prefix);

/// Ones-counter encoder: the number of comparator_outputs_v above vdd_v / 2.
int adc_code(const AdcParams& p, const std::vector<double>& comparator_outputs_v);

/// Ideal transitions T_1 .. T_M, V.
std::vector<double> adc_ideal_transitions_v(const AdcParams& p);

/// clamp(round((v_in - v_min_v) / LSB), 0, 2^N - 1).
int adc_ideal_code(const AdcParams& p, double v_in);

/// Ladder tap voltages 1 .. M with ladder mismatch (the divider formula above), V.
std::vector<double> adc_ladder_taps_v(const AdcParams& p, const AdcMismatch& m);

// ---- test benches for characterization ----

/// A DC test bench: supply "vadc_dd" (node "adc_vdd", vdd_v), input "vin_adc" (node "adc_in",
/// dc v_min_v) and the ADC with prefix "adc" (sources vadc_refl, vadc_refh; outputs
/// "adcq<k>"). Probes "q<k>" (V) read the comparator outputs. Sweep it with adc_dc_sweep_command.
/// It also holds a replica of the comparators' inverter chain (source "vchain" on node
/// "chain_in", output "chain_out", same supply): sweeping vchain gives the chain's trip point
/// V_M (chain_out = vdd/2), the preamp level at which every comparator output crosses vdd/2.
Deck make_adc_dc_deck(const AdcParams& p, const AdcMismatch& m);

/// "dc vin_adc <start> <stop> <step>": from v_min_v - LSB to v_max_v + LSB in steps of
/// LSB / points_per_lsb (points_per_lsb >= 1; throws ValidationError otherwise).
std::string adc_dc_sweep_command(const AdcParams& p, int points_per_lsb);

/// A transient test bench for energy per conversion: the same as the DC bench, but the input is
/// a PWL step from v_from_v to v_to_v over [t_edge_s, 2 t_edge_s]. Run it for one conversion
/// period; every source of the ADC, its references and its supply starts with "vadc", the input
/// source is "vin_adc" (not counted).
Deck make_adc_step_deck(const AdcParams& p, const AdcMismatch& m, double v_from_v, double v_to_v, double t_edge_s);

}  // namespace xbar::netlists
