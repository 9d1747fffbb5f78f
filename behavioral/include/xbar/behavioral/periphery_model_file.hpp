#pragma once
// Fitted periphery models in the "xbar.model/1" file layout, kinds "tia" and "adc" (every
// attribute and dataset: data/MODEL_SCHEMA.md). fit::fit_tia and fit::fit_adc
// (fit/periphery_fit.hpp) estimate them from campaigns of kind tia and adc.
//
// File layout of kind "tia" (attributes unless marked dataset):
//   /                        schema = "xbar.model/1", kind = "tia"
//   /nominal                 every field of TiaModelParams (t_sample_s may be inf)
//   /variation/opamp_v_offset  normal fit of the op-amp offsets: mean_v, sigma_v (+ CI), KS test
//   /variation/settling      n_settled, t_settle_median_s, lsb_bits (how tau_s was derived)
//   /instances/<column>      datasets [n_instances]: instance (int64), held_out (int64 0/1),
//                            opamp_v_offset_v, gain_ohm, v_out_offset_v, a0_vv, r_out_ohm,
//                            v_out_high_v, v_out_low_v
//   /held_out/nominal, /held_out/instance_informed   PeripheryErrorMetrics
//   /provenance              as the crossbar file
// Kind "adc":
//   /nominal                 bits, v_min_v, v_max_v, noise_sigma_v, surrogate, smooth_width_lsb;
//                            dataset /nominal/transition_v [M] (M = 2^bits - 1)
//   /variation/comparator_offset  normal fit of T_k - T*_k (T* ideal), mean_v, sigma_v (+ CI), KS
//   /instances               datasets instance, held_out [n]; transition_v [n, M]
//   /held_out/transitions_nominal, /held_out/codes_nominal   PeripheryErrorMetrics
//   /provenance
// Writing is atomic (to `path`.tmp, then rename); reading checks schema and kind and says what
// a wrong file is (a campaign, a crossbar model, ...).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/periphery.hpp"

namespace xbar::behavioral {

/// A normal maximum-likelihood fit with a chi-squared 95% CI of sigma and a KS test.
struct NormalParameterFit {
  double mean_v = 0.0;                                               ///< MLE of the mean, V
  double sigma_v = 0.0;                                              ///< MLE of the standard deviation (1/n), V
  ConfidenceInterval95 sigma_ci95;                                   ///< chi-squared 95% interval of sigma_v, V
  std::string gof_test = "kolmogorov-smirnov";                       ///< goodness-of-fit test name
  double gof_statistic = std::numeric_limits<double>::quiet_NaN();  ///< KS D
  double gof_p_value = std::numeric_limits<double>::quiet_NaN();    ///< asymptotic p-value
  std::uint64_t n = 0;                                               ///< values used
};

/// Error of a periphery model against SPICE. The absolute error e is in volts for TIA outputs
/// and ADC transitions, and in codes (= LSB) for ADC codes; rms_abs_v / max_abs_v are e in
/// volts (codes times lsb_v).
struct PeripheryErrorMetrics {
  std::uint64_t n_instances = 0;  ///< held-out instances compared
  std::uint64_t n_values = 0;     ///< values compared
  double rms_abs_v = 0.0;         ///< RMS of model - SPICE, V
  double max_abs_v = 0.0;         ///< largest |model - SPICE|, V
  double rms_lsb = 0.0;           ///< rms_abs_v / lsb_v
  double max_lsb = 0.0;           ///< max_abs_v / lsb_v
  double rms_pct_fs = 0.0;        ///< 100 rms_abs_v / full_scale_v
  double max_pct_fs = 0.0;        ///< 100 max_abs_v / full_scale_v
  double lsb_v = 0.0;             ///< TIA: the campaign's lsb_v; ADC: (v_max_v - v_min_v) / M
  double full_scale_v = 0.0;      ///< TIA: 2 i_full_scale_a rf_ohm; ADC: v_max_v - v_min_v
};

/// Per-instance figures of a TIA campaign (one entry per ok sample, in sample order).
struct TiaInstanceTable {
  std::vector<long long> instance;  ///< Monte Carlo instance
  std::vector<long long> held_out;  ///< 1 if held out of the fit, else 0
  Eigen::VectorXd opamp_v_offset_v;  ///< op-amp input-referred offset, V
  Eigen::VectorXd gain_ohm;          ///< least-squares slope of v_out against i_in, ohm
  Eigen::VectorXd v_out_offset_v;    ///< least-squares intercept, V
  Eigen::VectorXd a0_vv;             ///< op-amp open-loop DC gain, V/V
  Eigen::VectorXd r_out_ohm;         ///< op-amp output resistance, ohm
  Eigen::VectorXd v_out_high_v;      ///< op-amp highest output, V
  Eigen::VectorXd v_out_low_v;       ///< op-amp lowest output, V
  std::size_t size() const { return instance.size(); }
};

struct TiaSettlingFit {
  std::uint64_t n_settled = 0;              ///< fit-set instances that settled (the median's sample)
  double t_settle_median_s = 0.0;           ///< median settling time to 0.5 LSB, s
  int lsb_bits = 8;                         ///< the campaign's lsb_bits: tau_s = t / (lsb_bits ln 2)
};

/// Everything in an xbar.model/1 file of kind "tia".
struct TiaModelFile {
  TiaModelParams nominal;                  ///< nominal TIA (no instance information)
  NormalParameterFit opamp_v_offset;       ///< spread of the op-amp offsets (fit set)
  TiaSettlingFit settling;                 ///< how tau_s was derived
  TiaInstanceTable instances;              ///< per-instance figures
  PeripheryErrorMetrics held_out_nominal;  ///< the nominal model on the held-out instances
  PeripheryErrorMetrics held_out_instance_informed;  ///< each instance's a0, r_out, offset, swing
  ModelProvenance provenance;
};

/// Per-instance transitions of an ADC campaign (one row per ok sample).
struct AdcInstanceTable {
  std::vector<long long> instance;  ///< ADC instance
  std::vector<long long> held_out;  ///< 1 if held out of the fit, else 0
  Eigen::MatrixXd transition_v;     ///< [n, M] measured transitions, V (NaN: never tripped)
  std::size_t size() const { return instance.size(); }
};

/// Everything in an xbar.model/1 file of kind "adc".
struct AdcModelFile {
  AdcModelParams nominal;                          ///< transition_v = mean over the fit set
  NormalParameterFit comparator_offset;            ///< T_k - T*_k over the fit set (T* ideal)
  AdcInstanceTable instances;                      ///< per-instance transitions
  PeripheryErrorMetrics held_out_transitions;      ///< nominal transitions vs measured, V
  PeripheryErrorMetrics held_out_codes;            ///< codes over a dense ramp, nominal vs measured
  ModelProvenance provenance;
};

/// Write atomically; validate the nominal params (ValidationError); ModelFileError on I/O.
void write_tia_model_file(const std::string& path, const TiaModelFile& model);
void write_adc_model_file(const std::string& path, const AdcModelFile& model);
/// Read; ModelFileError naming the file and object, or saying what a wrong file is.
TiaModelFile read_tia_model_file(const std::string& path);
AdcModelFile read_adc_model_file(const std::string& path);

/// The root `kind` attribute of an xbar.model/1 file ("crossbar", "tia", "adc", "tile"). Throws
/// ModelFileError when the file is missing, not HDF5, a campaign file or of another schema.
std::string model_kind_of(const std::string& path);

}  // namespace xbar::behavioral
