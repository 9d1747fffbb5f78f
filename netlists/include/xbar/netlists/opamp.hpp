#pragma once
// Op-amp and transimpedance-amplifier (TIA) netlists, plus their characterization test benches.
// Pure text: nothing here talks to ngspice.
//
// Supplies are split, vdd_v = +0.9 V and vss_v = -0.9 V, and ground (node 0) is the analog
// reference, so a TIA holds its crossbar column at 0 V.
//
// ---------------------------------------------------------------------------------------------
// Transistor-level op-amp (OpampModel::transistor): a two-stage Miller-compensated CMOS op-amp
// in the process of process.hpp (xbar180, ngspice MOS level 1). Subcircuit pins:
// inp inn out vdd vss. Internal nodes: n1 (M1/M3 drain, mirror diode), n2 (first-stage output,
// M2/M4 drain, M6 gate), tail (pair sources), nb (bias), nz (between Rz and Cc).
//
//   M1  NMOS  n1   inn  tail vss   input pair (inverting side)       W/L = 4/1 um
//   M2  NMOS  n2   inp  tail vss   input pair (non-inverting side)   W/L = 4/1 um
//   M3  PMOS  n1   n1   vdd  vdd   mirror load (diode)               W/L = 7/1 um
//   M4  PMOS  n2   n1   vdd  vdd   mirror load                       W/L = 7/1 um
//   M5  NMOS  tail nb   vss  vss   tail current source (20 uA)       W/L = 8/1 um
//   M6  PMOS  out  n2   vdd  vdd   second stage, common source       W/L = 70/1 um
//   M7  NMOS  out  nb   vss  vss   second-stage current sink (100 uA) W/L = 40/1 um
//   M8  NMOS  nb   nb   vss  vss   bias diode                        W/L = 8/1 um
//   Ibias vdd -> nb, 20 uA (inside the subcircuit, so its energy comes from the supplies)
//   Rz  n2 - nz  2 kohm,  Cc  nz - out  2 pF   (Miller compensation with nulling resistor)
//
// Hand calculation at nominal (level-1 square law I = KP/2 W/L Vov^2, lambda = (lambda L)/L,
// NMOS KP = 270 uA/V^2 and lambda = 0.08 /V at L = 1 um; PMOS 70 uA/V^2 and 0.16 /V):
//   I5 = Ibias (W5/L5)/(W8/L8) = 20 uA, I1 = I2 = 10 uA, I7 = I6 = 5 I5 = 100 uA.
//   Vov1 = sqrt(2 I1 / (KP_n W/L)) = sqrt(20u / (270u * 4)) = 0.136 V
//   gm1 = 2 I1 / Vov1 = 147 uS.  Vov3 = sqrt(20u / (70u * 7)) = 0.20 V.  Vov5 = 0.14 V.
//   Vov6 = 0.20 V (the same current density as M4 whenever (W6/L6)/(W4/L4) = 2 (W7/L7)/(W5/L5),
//   here 10 = 2 * 5, which nulls the systematic offset); gm6 = 2 I6 / Vov6 = 1 mS.
//   Stage 1: A1 = gm1 / (I1 (lambda_n + lambda_p)) = 147u / (10u * 0.24) = 61 (36 dB).
//   Stage 2: A2 = gm6 / (I6 (lambda_n + lambda_p)) = 1m / (100u * 0.24) = 42 (32 dB).
//   DC gain A0 = A1 A2 = 2.5e3 (68 dB); simulated 3.4e3 (70.6 dB).
//   Output resistance r_o = 1 / (I6 (lambda_n + lambda_p)) = 42 kohm (simulated 46 kohm).
//   Unity-gain bandwidth: gm1 / (2 pi Cc) = 147u / (2 pi 2p) = 11.7 MHz (simulated 11.5 MHz).
//   Second pole: gm6 Cc / (C1 Cc + CL Cc + C1 CL) with C1 ~ 0.7 pF (M6 gate), CL = 1 pF:
//   ~78 MHz; the zero 1/(Cc (Rz - 1/gm6)) = 80 MHz is in the left half plane and adds phase,
//   so the phase margin is ~ 90 deg at CL = 1 pF (simulated ~ 90 deg).
//   Quiescent supply current: Ibias + I5 + I7 = 140 uA (simulated 142 uA), 0.25 mW.
//   Offset (Pelgrom, input pair only, A_VT = 3.5 mV um per transistor, A_beta = 0.7 % um):
//   sigma_VT = 3.5 / sqrt(4) = 1.75 mV per transistor; sigma(Vos)^2 = 2 sigma_VT^2 +
//   (Vov1/2)^2 2 sigma_beta^2 -> sigma(Vos) ~ 2.5 mV.
//   Output swing (1 pF, 10 kohm load): about +0.86 V / -0.82 V.
//   Input common mode 0 V: VSB1 ~ 0.27 V, VT1 ~ 0.50 V, tail at -0.63 V, M5 VDS = 0.27 V > Vov5.
//
// Polarity: out = A (v(inp) - v(inn)). M2 (gate inp) drives n2: a higher v(inp) pulls n2 down,
// turns M6 on harder and raises out.
//
// ---------------------------------------------------------------------------------------------
// Macro model (OpampModel::macro), the same pins:
//   Vos   inp -> ni            DC vos_v (input offset: out follows v(inp) + vos_v in a follower)
//   G1    0 -> n1              a0_vv / 1e6 * v(ni, inn), R1 = 1 Mohm, C1 = 1 / (2 pi f_p1_hz R1)
//   Blim  nl                   smooth output limits that follow the supply pins:
//                              v(nl) = vc + h tanh((v(n1) - vc) / h),
//                              vc = (v(vdd) + v(vss)) / 2, h = (v(vdd) - v(vss)) / 2 - headroom_v
//   G2/R2/C2  n2               second pole f_p2_hz (unity gain)
//   Eout  no = v(n2); Vo (0 V sense) no -> ns; Rout ns -> out  r_out_ohm
//   Iq    vdd -> vss           i_q_a (the quiescent supply current, seen by energy accounting)
//   Bsrc  vdd -> 0             max(i(Vo), 0): current the output sources is drawn from vdd
//   Bsnk  0 -> vss             max(-i(Vo), 0): current the output sinks goes to vss
// DC gain a0_vv at the centre of the output range; the tanh lowers the small-signal gain by
// 1 - tanh^2 away from it. Bsrc and Bsnk make the output stage class B as far as the supplies
// are concerned: a load's energy is drawn from the supply pins, as in a real amplifier.
//
// Example:
//   OpampParams p;                                      // transistor-level, nominal sizes
//   std::string sub = opamp_subckt(p, {}, "oa_col3");  // no mismatch
//   TiaParams t;                                        // Rf = 10 kohm
//   std::string x = tia_text(t, "oa_col3", "tia3", "o3", "tout3", "vdd_tia", "vss_tia");
#include <string>
#include <vector>

#include "xbar/netlists/deck.hpp"
#include "xbar/netlists/process.hpp"

namespace xbar::netlists {

enum class OpampModel { transistor, macro };

/// Parses "transistor" or "macro"; throws netlists::Error naming `field` otherwise.
OpampModel parse_opamp_model(const std::string& name, const std::string& field = "opamp.model");
const char* to_string(OpampModel model);

/// Every parameter of one op-amp. Validated in one place: validate().
struct OpampParams {
  OpampModel model = OpampModel::transistor;  ///< transistor-level or macro model
  Process process = xbar180();                ///< MOSFET cards and Pelgrom coefficients (transistor model)
  double vdd_v = 0.9;                         ///< positive supply, V (> vss_v)
  double vss_v = -0.9;                        ///< negative supply, V
  // Transistor-level sizes (drawn W and L, m).
  double w_in_m = 4e-6;                       ///< M1, M2 input pair width, m
  double l_in_m = 1e-6;                       ///< M1, M2 input pair length, m
  double w_load_m = 7e-6;                     ///< M3, M4 PMOS mirror width, m
  double l_load_m = 1e-6;                     ///< M3, M4 PMOS mirror length, m
  double w_tail_m = 8e-6;                     ///< M5 tail width, m
  double l_tail_m = 1e-6;                     ///< M5 tail length, m
  double w_cs_m = 70e-6;                      ///< M6 second-stage PMOS width, m
  double l_cs_m = 1e-6;                       ///< M6 second-stage PMOS length, m
  double w_sink_m = 40e-6;                    ///< M7 second-stage sink width, m
  double l_sink_m = 1e-6;                     ///< M7 second-stage sink length, m
  double w_bias_m = 8e-6;                     ///< M8 bias diode width, m
  double l_bias_m = 1e-6;                     ///< M8 bias diode length, m
  double i_bias_a = 20e-6;                    ///< ideal bias current into M8, A
  double cc_f = 2e-12;                        ///< Miller capacitor, F
  double rz_ohm = 2e3;                        ///< nulling resistor in series with Cc, ohm (0 = none)
  // Macro model.
  double a0_vv = 1e4;                         ///< DC open-loop gain, V/V
  double f_p1_hz = 1e3;                       ///< dominant pole, Hz (GBW = a0 f_p1)
  double f_p2_hz = 50e6;                      ///< second pole, Hz
  double r_out_ohm = 100.0;                   ///< output resistance, ohm
  double i_q_a = 100e-6;                      ///< quiescent supply current vdd -> vss, A
  double headroom_v = 0.1;                    ///< output limits: supply rail minus this, V
  double vos_v = 0.0;                         ///< nominal (systematic) input offset of the macro model, V

  /// Checks every field; throws ValidationError with one line per bad field, e.g.
  /// "opamp.cc_f = -1e-12: must be finite and > 0 F".
  void validate() const;
};

/// Per-instance mismatch of one op-amp. dvt_v and dbeta_rel are either empty (no mismatch)
/// or hold one entry per transistor, in the order of opamp_transistor_names(). vos_v is the
/// macro model's drawn offset (added to OpampParams::vos_v); the transistor model ignores it.
struct OpampMismatch {
  std::vector<double> dvt_v;      ///< threshold shift per transistor, V (raises |VT|)
  std::vector<double> dbeta_rel;  ///< relative beta shift per transistor, dimensionless
  double vos_v = 0;               ///< macro model: drawn input offset, V
};

/// {"m1", ..., "m8"}: the transistors of the transistor-level op-amp, in mismatch order.
std::vector<std::string> opamp_transistor_names();

/// The transistor `index` (0..7, the order of opamp_transistor_names()) as placed in the
/// subcircuit, without mismatch: nodes, type and size.
MosfetInstance opamp_transistor(const OpampParams& p, int index);

/// ".subckt <name> inp inn out vdd vss" ... ".ends <name>", with its own model cards inside
/// (so instances with different mismatch can coexist under different names). Validates p and
/// the mismatch vector sizes (ValidationError).
std::string opamp_subckt(const OpampParams& p, const OpampMismatch& mismatch, const std::string& name);

/// A transimpedance amplifier: the op-amp with Rf (and optionally Cf) from out to inn, inp at
/// ground, so the input node is held at 0 V and v_out = -Rf i_in (i_in flows into the input).
struct TiaParams {
  OpampParams opamp;      ///< the amplifier
  double rf_ohm = 10e3;   ///< feedback resistor, ohm (> 0)
  double cf_f = 0;        ///< feedback capacitor in parallel with Rf, F (0 = none)

  /// Checks every field (and opamp); messages as "tia.rf_ohm = 0: must be finite and > 0 ohm".
  void validate() const;
};

/// The TIA's element lines (no subcircuit definition):
///   x<inst> 0 <in_node> <out_node> <vdd_node> <vss_node> <subckt_name>
///   rf_<inst> <out_node> <in_node> <rf>
///   cf_<inst> <out_node> <in_node> <cf>      (only when cf_f > 0)
std::string tia_text(const TiaParams& p, const std::string& subckt_name, const std::string& inst,
                     const std::string& in_node, const std::string& out_node, const std::string& vdd_node,
                     const std::string& vss_node);

// ---------------------------------------------------------------------------------------------
// Characterization test benches.

/// The op-amp test bench: loads and the AC sweep.
struct OpampBench {
  double c_load_f = 1e-12;         ///< load capacitance on the AC and swing copies, F
  double r_load_ohm = 10e3;        ///< load resistor to ground on the loaded AC copy and the swing copies, ohm
  double v_overdrive_v = 0.1;      ///< differential overdrive of the saturated (swing) copies, V
  double f_start_hz = 1.0;         ///< AC sweep start, Hz
  double f_stop_hz = 10e9;         ///< AC sweep stop, Hz
  int points_per_decade = 20;      ///< AC sweep resolution

  /// Throws ValidationError: "opamp_bench.c_load_f = -1: must be finite and >= 0 F".
  void validate() const;
};

/// One deck with five copies of the SAME op-amp subcircuit (one definition, `opamp_dut`):
///   follower   x_f: inp = 0, inn = out = f_out, own supplies vdd_f / vss_f
///              -> offset v(f_out) (the input-referred offset, V), supply current -i(vdd_f)
///   AC open    x_a: inp = 0, out a_out -- 1 Gohm -- a_inn, 1 F from vac to a_inn, CL on a_out:
///              DC is a follower, AC is open loop: A(f) = -v(a_out) / v(vac), v(vac) = 1
///   AC loaded  x_l: as x_a plus r_load_ohm from l_out to ground: A_L(f) = -v(l_out);
///              r_out = r_load (A(0) / A_L(0) - 1)
///   swing high x_h: inp = +v_overdrive, inn = 0, load RL || CL; v(h_out) = highest output
///   swing low  x_o: inp = -v_overdrive, inn = 0, load RL || CL; v(o_out) = lowest output
/// The shared copies run from vdd / vss. Analyses: "op" then opamp_ac_analysis(bench).
/// Probes (real, from the op): v_offset_v, i_supply_a, v_out_high_v, v_out_low_v, v_tail_v
/// (the pair's source node of the follower, transistor model only). The AC vectors are
/// "a_out" and "l_out" (complex).
Deck make_opamp_test_deck(const OpampParams& p, const OpampMismatch& mismatch, const OpampBench& bench);
/// "ac dec <points_per_decade> <f_start_hz> <f_stop_hz>".
std::string opamp_ac_analysis(const OpampBench& bench);

/// The TIA test bench: a DC sweep of the input current and a transient current step.
struct TiaBench {
  double i_full_scale_a = 40e-6;   ///< the DC sweep spans [-i_fs, +i_fs]; the step goes 0 -> +i_fs, A
  int sweep_points = 21;           ///< points of the DC sweep, >= 3
  int lsb_bits = 8;                ///< resolution defining the LSB: lsb = 2 i_fs rf / 2^bits (V)
  double c_in_f = 0;               ///< capacitance at the input node (the column), F
  double c_load_f = 1e-12;         ///< load capacitance at the output, F
  double t_delay_s = 10e-9;        ///< step start, s
  double t_rise_s = 1e-9;          ///< step rise time, s
  double t_stop_s = 1e-6;          ///< transient length, s
  double t_step_s = 1e-9;          ///< transient maximum time step (and print step), s

  /// Throws ValidationError: "tia_bench.sweep_points = 1: must be an integer >= 3".
  void validate() const;
  /// The output-referred LSB, V: 2 i_full_scale_a rf_ohm / 2^lsb_bits.
  double lsb_v(double rf_ohm) const;
};

/// One TIA (instance "tia", subcircuit "opamp_dut") fed by the current source iin (into node
/// t_in), output t_out, supplies vtia_dd / vtia_ss. Analyses: tia_dc_analysis (sweeps iin's DC
/// value; vector "i-sweep" or the sweep scale) and tia_tran_analysis (iin's PULSE from 0 to
/// i_fs at t_delay_s). Probes: v_out_v (t_out), v_in_v (t_in), i_supply_a (-i(vtia_dd)).
Deck make_tia_test_deck(const TiaParams& p, const OpampMismatch& mismatch, const TiaBench& bench);
std::string tia_dc_analysis(const TiaBench& bench);
std::string tia_tran_analysis(const TiaBench& bench);

}  // namespace xbar::netlists
