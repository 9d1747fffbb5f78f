#pragma once
// Behavioral models of the tile periphery: row DAC, column TIA (op-amp with feedback resistor)
// and flash ADC, each with a forward pass and a backward pass. The SPICE circuits they stand in
// for are in netlists/ (dac.hpp, opamp.hpp, adc.hpp); TileModel (tile_model.hpp) composes them
// with a CrossbarModel. Units: volts, amperes, ohms, siemens, seconds.
//
// DAC (one per row). For an N-bit code c in 0 .. 2^N - 1:
//   ideal levels     level(c) = v_min_v + c (v_max_v - v_min_v) / (2^N - 1)
//   measured levels  level_table_v(row, c) when the table is given (rows x 2^N), e.g. an R-2R
//                    ladder's mismatched levels (netlists::dac_r2r_level_v).
// The DAC's output resistance is the crossbar's r_source_ohm (CrossbarModelParams). Backward:
// dL/d level (scattered into the table entries that were used, or into v_min_v / v_max_v for
// ideal levels), and a straight-through code gradient dL/dc = dL/dv (v_max_v - v_min_v)/(2^N - 1).
//
// TIA (one per column). An op-amp with open-loop gain a0, output resistance r_out and input
// offset v_os (the voltage on its non-inverting input, offset and any reference together),
// feedback resistor rf from the output to the inverting input n. The column is a Norton source
// at n: i_col(v_n) = i_in - g_in v_n, with i_in the current into n with n at 0 V and g_in the
// conductance n sees to the driven or grounded nodes (TileModel: the crossbar's, through its
// wires). DC of that circuit, exact (no expansion in 1/a0):
//   KCL at n             i_in - g_in v_n + (v_out - v_n) / rf = 0
//   output stage         a0 (v_os - v_n) - v_out = r_out (v_out - v_n) / rf
//   so, with D = 1 + a0 + (rf + r_out) g_in,
//   v_n                  = (a0 v_os + (rf + r_out) i_in) / D
//   output at rest       v_rest = a0 v_os (1 + rf g_in) / D                (a0 = inf: v_os (1 + rf g_in))
//   gain                 G_T(g_in) = -(rf a0 - r_out) / D                   (a0 = inf: -rf)
//   settling             s = 1 - exp(-t_sample_s / tau_s)                   (tau_s = 0: s = 1)
//   linear output        v_lin = v_rest + s G_T(g_in) i_in
//   output               v = clamp(v_lin, v_out_min_v, v_out_max_v)
// (The loop gain is a0 / (1 + (rf + r_out) g_in): the column's conductance loads the input.)
// i_in flows into the input node (a positive column current gives a negative output). The
// single-pole settling assumes return-to-zero reads: each read starts from v_rest and is
// sampled t_sample_s after the input edge. Backward: exact derivatives of the formula above; in
// saturation dv/d(everything but the clamp level) = 0 and dv/d v_out_min_v (or max) = 1.
// Before 2026-11-30 the model was first order in 1/a0: v_rest = v_os (1 + rf g_in) and
// G_T = -(rf a0 - r_out) / (1 + a0) whatever g_in (issue 13).
//
// ADC (one per column). M = 2^N - 1 transitions, LSB = (v_max_v - v_min_v) / M:
//   transitions  T_k, k = 1 .. M: transition_v when given (any order: a flash ADC with a ones
//                counter counts comparators, so the order does not matter), else the ideal
//                T_k = v_min_v + (k - 1/2) LSB
//   noise        n ~ N(0, noise_sigma_v^2), drawn per conversion (adc_noise_v below)
//   code         code(v) = #{k : T_k <= v + n}                            (0 .. M)
// With ideal transitions and no noise this is clamp(round((v - v_min_v)/LSB), 0, M), the
// netlists::adc_ideal_code quantizer (a v exactly on a transition rounds up).
// Surrogate gradients (the code is piecewise constant, its true derivative is 0 or undefined):
//   straight_through  backward differentiates c_ste(v) = clamp((v - v_min_v)/LSB, -1/2, M + 1/2):
//                     dc/dv = 1/LSB inside the input range widened by LSB/2, 0 outside;
//                     dc/dT_k = 0 (transitions get no gradient)
//   smoothed          backward differentiates c_smooth(v) = sum_k sigmoid((v + n - T_k) / w),
//                     w = smooth_width_lsb LSB: dc/dv = sum_k sigmoid'(.)/w, dc/dT_k = -sigmoid'(.)/w
// surrogate_code() returns c_ste or c_smooth, so finite differences of surrogate_code check
// the backward pass exactly.
//
// Noise draws are reproducible and order-free: conversion (column k, batch entry b) of a
// forward call with noise seed s uses
//   u1 = (splitmix64(s ^ splitmix64(2^32 k + b)) >> 11) * 2^-53,  u2 = the same with
//   splitmix64 applied once more, n = sigma sqrt(-2 ln(1 - u1)) cos(2 pi u2),
// where splitmix64 is core::splitmix64 (xbar/core/counter_rng.hpp) (x + 0x9E3779B97F4A7C15, then the usual mix).
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <vector>

namespace xbar::behavioral {

// ------------------------------------------------------------------------------------ DAC ---

struct DacModelParams {
  int bits = 4;                 ///< resolution N, 1..12
  double v_min_v = 0.0;         ///< level of code 0, V
  double v_max_v = 0.2;         ///< level of code 2^N - 1, V (> v_min_v)
  Eigen::MatrixXd level_table_v;  ///< rows x 2^N measured levels, V; empty = ideal levels

  /// Throws ValidationError naming each bad field, e.g. "dac_model.bits = 0: must be between 1 and 12".
  void validate() const;
  int codes() const { return 1 << bits; }
  /// Ideal level of `code`, V (throws ValidationError outside 0 .. 2^N - 1).
  double ideal_level_v(int code) const;
};

/// Gradients of L with respect to the DAC (accumulated over the batch).
struct DacGradients {
  Eigen::MatrixXd dl_dcode;         ///< rows x B straight-through code gradient
  Eigen::MatrixXd dl_dlevel_table;  ///< rows x 2^N (table given), else empty
  double dl_dv_min = 0.0;           ///< ideal levels: dL/d v_min_v
  double dl_dv_max = 0.0;           ///< ideal levels: dL/d v_max_v
};

class DacModel {
 public:
  /// Validates; `rows` is the number of drivers (the table, if given, must have `rows` rows).
  DacModel(const DacModelParams& params, int rows);
  /// rows x B codes -> rows x B levels, V. Throws ValidationError for a code out of range.
  Eigen::MatrixXd forward(const Eigen::Ref<const Eigen::MatrixXi>& codes) const;
  DacGradients backward(const Eigen::Ref<const Eigen::MatrixXi>& codes, const Eigen::Ref<const Eigen::MatrixXd>& dl_dv) const;
  const DacModelParams& params() const { return p_; }
  int rows() const { return rows_; }

 private:
  DacModelParams p_;
  int rows_;
};

// ------------------------------------------------------------------------------------ TIA ---

struct TiaModelParams {
  double rf_ohm = 10e3;                                    ///< feedback resistor, ohm, > 0
  double a0_vv = std::numeric_limits<double>::infinity();  ///< op-amp open-loop DC gain, V/V, > 0 (inf = ideal)
  double r_out_ohm = 0.0;                                  ///< op-amp output resistance, ohm, >= 0
  double v_offset_v = 0.0;                                 ///< op-amp input-referred offset, V
  double v_out_min_v = -0.9;                               ///< lowest output (negative saturation), V
  double v_out_max_v = 0.9;                                ///< highest output (positive saturation), V (> min)
  double tau_s = 0.0;                                      ///< closed-loop settling time constant, s, >= 0 (0 = instant)
  double t_sample_s = std::numeric_limits<double>::infinity();  ///< input edge to sampling, s, > 0

  /// Throws ValidationError naming each bad field, e.g. "tia_model.rf_ohm = 0: must be > 0".
  void validate() const;
  /// G_T(g_in), ohm (negative); the default g_in = 0 is an unloaded input (a bench with a current source).
  double gain_ohm(double g_in_s = 0.0) const;
  /// s = 1 - exp(-t_sample_s / tau_s).
  double settled_fraction() const;
};

/// d v_out / d(each parameter) of one TIA evaluation (the formula in the header comment).
struct TiaPartials {
  double v_out_v = 0.0;   ///< the forward value
  bool saturated = false;  ///< the clamp is active
  double dv_di = 0, dv_dg_in = 0, dv_drf = 0, dv_da0 = 0, dv_dr_out = 0, dv_dv_offset = 0, dv_dv_out_min = 0,
         dv_dv_out_max = 0, dv_dtau = 0;
};

/// Parameter gradients of one TIA, summed over the evaluations of a backward pass.
struct TiaParamGradients {
  double dl_drf = 0, dl_da0 = 0, dl_dr_out = 0, dl_dv_offset = 0, dl_dv_out_min = 0, dl_dv_out_max = 0, dl_dtau = 0;
};

/// The TIA's unclamped line for an input conductance g_in: v_lin = rest_v + slope_ohm i_in
/// (rest_v = v_rest, slope_ohm = s G_T(g_in) of the header comment). tia_evaluate uses these very
/// expressions, so a cached line gives its v_out_v bit for bit.
struct TiaTransfer {
  double rest_v = 0.0;     ///< output at zero input current, V
  double slope_ohm = 0.0;  ///< d v_lin / d i_in, ohm (negative)
};
TiaTransfer tia_transfer(const TiaModelParams& p, double g_in_s);

/// One TIA evaluation with its partial derivatives. `p` must be valid (not re-checked).
TiaPartials tia_evaluate(const TiaModelParams& p, double i_in_a, double g_in_s);

// ------------------------------------------------------------------------------------ ADC ---

enum class AdcSurrogate {
  straight_through,  ///< dc/dv = 1/LSB in range (see the header comment)
  smoothed,          ///< derivative of a sum of sigmoids at the transitions
};

struct AdcModelParams {
  int bits = 6;                       ///< resolution N, 1..16
  double v_min_v = -0.5;              ///< centre of code 0, V
  double v_max_v = 0.0;               ///< centre of code 2^N - 1, V (> v_min_v)
  Eigen::VectorXd transition_v;       ///< M = 2^N - 1 transitions (any order), V; empty = ideal
  double noise_sigma_v = 0.0;         ///< input-referred noise per conversion, V, >= 0
  AdcSurrogate surrogate = AdcSurrogate::straight_through;  ///< backward pass
  double smooth_width_lsb = 0.25;     ///< smoothed surrogate: sigmoid width w in LSB, > 0

  /// Throws ValidationError naming each bad field.
  void validate() const;
  int transitions() const { return (1 << bits) - 1; }
  double lsb_v() const { return (v_max_v - v_min_v) / transitions(); }
  /// The transitions in use (transition_v or the ideal ones), V.
  Eigen::VectorXd transitions_v() const;
};

/// Noise of conversion (column, batch entry) for `seed` (the rule in the header comment), in
/// units of sigma (a standard normal draw).
double adc_noise_unit(std::uint64_t seed, std::int64_t column, std::int64_t batch);

class AdcModel {
 public:
  explicit AdcModel(const AdcModelParams& params);  ///< validates; sorts a copy of the transitions
  /// Code of one input with noise draw `n_v` (volts, already scaled).
  int code(double v, double n_v = 0.0) const;
  /// Surrogate value c_ste or c_smooth (header comment) and its derivatives.
  double surrogate_code(double v, double n_v = 0.0) const;
  double dsurrogate_dv(double v, double n_v = 0.0) const;
  /// dc_smooth/dT_k for every transition k (in the order of params().transition_v, or the ideal
  /// order), accumulated into `dl_dt` with weight `w`; nothing for straight_through.
  void accumulate_dsurrogate_dt(double v, double n_v, double w, Eigen::Ref<Eigen::VectorXd> dl_dt) const;
  const AdcModelParams& params() const { return p_; }

 private:
  AdcModelParams p_;
  Eigen::VectorXd t_;       ///< transitions in parameter order
  std::vector<double> sorted_;  ///< the same, sorted, for the code count
};

}  // namespace xbar::behavioral
