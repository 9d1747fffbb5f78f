#pragma once
// Fits behavioral periphery models (xbar.model/1 kinds "tia" and "adc", periphery_model_file.hpp)
// to campaigns of kind tia and adc, and compares them with SPICE on held-out instances.
// The held-out split is the crossbar fit's (crossbar_fit.hpp): the round(n/5) instances with the
// smallest splitmix64(seed ^ k), at least one and never all; the rest is the fit set.
//
// TIA (campaign kind "tia", sweep i_in_a[P] -> v_out_v[P] per instance):
//  - Per instance: v_out = gain_ohm i_in + v_out_offset_v by linear least squares on the
//    columns [i_in, 1] (Eigen ColPivHouseholderQR).
//  - Nominal TiaModelParams: rf_ohm from the spec; a0_vv, r_out_ohm = median over the fit set;
//    v_offset_v = mean of opamp_v_offset_v over the fit set; v_out_min_v / v_out_max_v = median
//    of v_out_low_v / v_out_high_v; t_sample_s = inf (fully settled, DC); tau_s from the median
//    settling time t of the settled fit-set instances: a single pole settling a step of
//    V = i_fs rf to within LSB/2 = i_fs rf / 2^bits leaves V exp(-t/tau) = V 2^-bits, so
//    tau_s = t / ln(2^bits) = t / (bits ln 2) (slew and the input edge are ignored: an upper
//    bound of the small-signal tau). With no settled instance, t = t_stop_s - t_delay_s (so tau_s
//    is a lower bound) and n_settled = 0.
//  - Offset spread: normal MLE of opamp_v_offset_v over the fit set, chi-squared CI, KS.
//  - Held-out: the TIA bench's input sees no DC conductance, so g_in = 0 and the forward is
//    v = clamp(v_offset_v + G_T i_in, v_out_min_v, v_out_max_v). "nominal": the nominal params;
//    "instance_informed": the nominal with that instance's a0_vv, r_out_ohm, opamp_v_offset_v
//    (as v_offset_v), v_out_low_v, v_out_high_v. Against v_out_v; LSB = the campaign's lsb_v,
//    FS = 2 i_fs rf.
//
// ADC (campaign kind "adc", transition_v[M] per instance, M = 2^bits - 1):
//  - Nominal AdcModelParams: bits, v_min_v, v_max_v from the spec; transition_v[k] = mean over
//    the fit set of T_k (NaN transitions, never tripped, are skipped); noise_sigma_v = 0: a DC
//    campaign has no noise to fit; straight_through surrogate.
//  - Comparator-offset spread: normal MLE of T_k - T*_k, T*_k = v_min_v + (k - 1/2) LSB, pooled
//    over k and the fit set (it includes the ladder's and any systematic error), CI, KS.
//  - Held-out "transitions_nominal": nominal T_k against each held-out instance's T_k, volts.
//    "codes_nominal": over the dense ramp v_j = v_min_v + (j/16 - 1) LSB, j = 0 .. 16 (M + 2),
//    AdcModel(nominal).code(v_j) against AdcModel(the instance's measured transitions).code(v_j),
//    in codes (= LSB); instances with a NaN transition are left out of the code error.
//    LSB = (v_max_v - v_min_v) / M, FS = v_max_v - v_min_v.
#include <cstddef>
#include <vector>

#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model.hpp"
#include "xbar/netlists/tile.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/parameter_mapping.hpp"  // tile_model_params, ideal_tile_tia

namespace xbar::fit {

/// Least-squares line v = gain_ohm i + v_out_offset_v.
struct TiaLine {
  double gain_ohm = 0.0;
  double v_out_offset_v = 0.0;
};
/// Fits the line by ColPivHouseholderQR on [i, 1] (same sizes, >= 2 points; asserted).
TiaLine fit_tia_line(const Eigen::Ref<const Eigen::VectorXd>& i_in_a, const Eigen::Ref<const Eigen::VectorXd>& v_out_v);

/// The nominal params with one campaign sample's a0_vv, r_out_ohm, opamp_v_offset_v and swing.
behavioral::TiaModelParams instance_tia_params(const behavioral::TiaModelParams& nominal,
                                               const characterize::CampaignFile& campaign, std::size_t sample);

/// Predictions of a TIA model over some samples, flattened sample by sample, then sweep point.

struct TiaComparison {
  std::vector<std::size_t> samples;    ///< campaign samples compared
  std::vector<double> i_in_a;          ///< swept input current
  std::vector<double> spice_v;         ///< ngspice v_out_v
  std::vector<double> nominal_v;       ///< nominal model
  std::vector<double> informed_v;      ///< instance-informed model
  ErrorSummary nominal, instance_informed;  ///< against v_out_v (V, LSB, % FS)
};
/// Throws FitError if the campaign is not of kind tia (or lacks the fields of this xbar).
TiaComparison compare_tia_with_spice(const behavioral::TiaModelParams& nominal,
                                     const characterize::CampaignFile& campaign,
                                     const std::vector<std::size_t>& samples);

/// The dense ramp v_j = v_min_v + (j/16 - 1) LSB, j = 0 .. 16 (M + 2), V.
Eigen::VectorXd adc_ramp_v(const behavioral::AdcModelParams& p);

/// ADC predictions over some samples.
struct AdcComparison {
  std::vector<std::size_t> samples;          ///< campaign samples compared (transitions)
  Eigen::VectorXd ramp_v;                    ///< adc_ramp_v(nominal)
  std::vector<int> codes_nominal;            ///< nominal code at each ramp point
  std::vector<std::vector<int>> codes_instance;  ///< per sample (empty when it has a NaN transition)
  std::vector<double> model_t_v, spice_t_v;  ///< transitions compared (finite only), flattened
  ErrorSummary transitions, codes;  ///< transitions in V; codes in V (codes x lsb) and LSB
};
/// Throws FitError if the campaign is not of kind adc or its bits differ from the model's.
AdcComparison compare_adc_with_spice(const behavioral::AdcModelParams& nominal,
                                     const characterize::CampaignFile& campaign,
                                     const std::vector<std::size_t>& samples);

// Tile (campaign kind "tile"): the behavioral TileModel (tile_model.hpp) replays each sample and
// is compared with ngspice's TIA outputs and codes. Per sample the model gets what the campaign
// recorded: programmed conductances, the instance's wires, every row DAC's levels
// (dac_level_v) and every column ADC's transitions T_k = ladder tap k (netlists::
// adc_ladder_taps_v with adc_ladder_r_rel) + comparator offset k (sorted by the ones counter,
// see periphery.hpp). The TIA is a model (e.g. a fitted tia model file's nominal: its op-amp
// a0, r_out, offset and swing) with the tile spec's rf_ohm, sampled t_cycle - 2 t_edge after the
// input edge. Two variants: "nominal" gives every column the TIA model's (mean) offset, so its
// error includes the spread of the tile's op-amp offsets; "instance-informed" gives column k
// the offset that makes the model's rest, a0 v_os (1 + rf g_in) / D with g_in =
// TileModel::g_in_s() (behavioral/periphery.hpp), equal v_tia_rest_v[k] measured by ngspice at
// t = 0, so that its error is the model's own.
// Metrics: TIA outputs in V, LSB and % of the ADC range; codes as code differences (1 code =
// 1 LSB).


/// The TileModelParams of ok sample `sample` of a tile campaign, as compare_tile_with_spice
/// replays it: the instance's recorded wires, every row DAC's recorded levels, every column
/// ADC's transitions (ladder taps + comparator offsets), and `tia` shared by every column with
/// the spec's rf_ohm and t_sample_s = t_cycle - 2 t_edge. Its programmed conductances (rows x
/// cols, S) go to *g_s when given. Throws FitError if the campaign is not of kind tile.
behavioral::TileModelParams tile_sample_params(const characterize::CampaignFile& campaign, std::size_t sample,
                                               const behavioral::TiaModelParams& tia, Eigen::MatrixXd* g_s = nullptr);


/// One variant of the behavioral tile against ngspice.
struct TileVariantComparison {
  std::vector<double> model_v;                ///< TIA outputs, flattened sample, cycle, column
  std::vector<int> model_codes;               ///< ADC codes, same order
  ErrorSummary v_tia;                         ///< TIA outputs (LSB and FS of the ADC)
  ErrorSummary codes;                         ///< code differences, in LSB
  double exact_code_fraction = 0.0;           ///< codes equal to ngspice's
};
struct TileComparison {
  std::vector<std::size_t> samples;   ///< campaign samples compared
  std::vector<double> spice_v;        ///< ngspice TIA outputs, flattened sample, cycle, column
  std::vector<int> spice_codes;       ///< ngspice codes, same order
  TileVariantComparison nominal;      ///< every column with the TIA model's offset
  TileVariantComparison informed;     ///< each column's offset from v_tia_rest_v
};
/// Throws FitError if the campaign is not of kind tile or predates the recorded params.
TileComparison compare_tile_with_spice(const behavioral::TiaModelParams& tia, const characterize::CampaignFile& campaign,
                                       const std::vector<std::size_t>& samples);

/// The whole fits. Throw FitError naming what is wrong (kind, no ok samples, empty fit set).
behavioral::TiaModelFile fit_tia(const characterize::CampaignFile& campaign, const FitOptions& options);
behavioral::AdcModelFile fit_adc(const characterize::CampaignFile& campaign, const FitOptions& options);

/// Normal maximum-likelihood fit of `x` with the chi-squared 95 % interval of sigma and a
/// Kolmogorov-Smirnov test (the op-amp offsets, ADC transition residuals, tile spreads).
behavioral::NormalParameterFit normal_parameter_fit(const std::vector<double>& x);

}  // namespace xbar::fit
