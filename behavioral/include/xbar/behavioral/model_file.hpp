#pragma once
// The fitted crossbar model file, layout "xbar.model/1" (every attribute: data/MODEL_SCHEMA.md).
//
// A CrossbarModelFile holds what fit::fit_crossbar estimates from a campaign: the nominal
// circuit (CrossbarModelParams, enough to rebuild a CrossbarModel), the fitted device and
// chip variation with 95% confidence intervals and goodness of fit, the model's error against
// held-out SPICE samples, and where it all came from.
//
// File layout (all values are attributes unless marked dataset):
//   /                               schema = "xbar.model/1", kind = "crossbar"
//   /nominal                        every scalar field of CrossbarModelParams
//   /nominal/r_source_ohm           dataset float64 [rows] (or [0]: no source resistance)
//   /variation/programming_error    distribution, sigma_rel_d2d (+ _ci95_low/_high), ...
//   /variation/stuck_on, stuck_off  fraction, fraction_ci95_low/high, n_stuck, n_cells
//   /variation/wire                 r_wire_sigma_rel_d2d (+ _ci95_low/_high), mean_rel, n
//   /estimated                      n_samples, n_residuals, iterations, converged, rms_residual_rel_fs
//   /estimated/<name>               nominal, value, std_error, ci95_low, ci95_high (one group per parameter)
//   /held_out                       n_samples, rms_abs_a, max_abs_a, rms_pct_fs, ...
//   /predictive                     (optional) the predictive check: chips, RMS/mean % FS, CIs, KS
//   /provenance                     campaign_path, campaign_sha256, ngspice_version, ...
//
// Writing is atomic (to `path`.tmp, then rename). Units are in the names; fractions and
// relative spreads are dimensionless. NaN means "not estimated" (e.g. a CI with no data).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "xbar/behavioral/crossbar_model.hpp"

namespace xbar::behavioral {

/// A two-sided 95% confidence interval [low, high].
struct ConfidenceInterval95 {
  double low = std::numeric_limits<double>::quiet_NaN();   ///< lower bound
  double high = std::numeric_limits<double>::quiet_NaN();  ///< upper bound
  bool contains(double x) const { return x >= low && x <= high; }
};

/// Fitted relative programming error of each cell's conductance (device to device):
///   normal:    G = G_target (1 + e),      e ~ N(mean_rel, sigma_rel_d2d^2)
///   lognormal: G = G_target exp(l),       l ~ N(mean_log, sigma_log^2),
///              sigma_rel_d2d = sqrt(exp(sigma_log^2) - 1) (relative std of G)
struct ProgrammingErrorFit {
  std::string distribution = "normal";          ///< "normal" or "lognormal"
  double sigma_rel_d2d = 0.0;                   ///< relative standard deviation of G (MLE), >= 0
  ConfidenceInterval95 sigma_rel_d2d_ci95;      ///< chi-squared interval of sigma_rel_d2d
  double mean_rel = 0.0;                        ///< normal: mean of G/G_target - 1 (MLE)
  double mean_log = 0.0;                        ///< lognormal: mean of ln(G/G_target) (MLE); 0 for normal
  double sigma_log = 0.0;                       ///< lognormal: std of ln(G/G_target) (MLE); 0 for normal
  std::string gof_test = "kolmogorov-smirnov";  ///< goodness-of-fit test name
  double gof_statistic = std::numeric_limits<double>::quiet_NaN();  ///< test statistic (KS: D)
  double gof_p_value = std::numeric_limits<double>::quiet_NaN();    ///< p-value of the test
  std::uint64_t n = 0;                                              ///< cells used (not stuck, ok samples)
};

/// A fitted fraction (stuck cells) with a Clopper-Pearson 95% interval.
struct FractionFit {
  double fraction = 0.0;       ///< n_events / n_trials
  ConfidenceInterval95 ci95;   ///< exact (Clopper-Pearson) interval
  std::uint64_t n_events = 0;  ///< stuck cells counted
  std::uint64_t n_trials = 0;  ///< cells examined
};

/// Fitted relative spread of the wire resistance per chip instance (normal).
struct WireSpreadFit {
  double r_wire_sigma_rel_d2d = 0.0;  ///< relative standard deviation (MLE), >= 0
  ConfidenceInterval95 ci95;          ///< chi-squared interval
  double mean_rel = 0.0;              ///< mean of r / r_nominal - 1
  std::uint64_t n = 0;                ///< values used (one per instance and wire kind)
};

struct CrossbarVariationFit {
  ProgrammingErrorFit programming_error;
  FractionFit stuck_on;        ///< fraction of cells stuck at g_stuck_on_s
  FractionFit stuck_off;       ///< fraction of cells stuck at g_stuck_off_s
  double g_stuck_on_s = 0.0;   ///< conductance of a stuck-on cell, S
  double g_stuck_off_s = 0.0;  ///< conductance of a stuck-off cell, S
  WireSpreadFit wire;
};

/// Error of the behavioral model against SPICE outputs, over a set of samples.
struct ErrorMetrics {
  std::uint64_t n_samples = 0;  ///< samples compared (each with all its input vectors)
  std::uint64_t n_values = 0;   ///< output currents compared
  double rms_abs_a = 0.0;       ///< RMS of model - SPICE, amperes
  double max_abs_a = 0.0;       ///< largest |model - SPICE|, amperes
  double rms_pct_fs = 0.0;      ///< rms_abs_a in percent of full_scale_a
  double max_pct_fs = 0.0;      ///< max_abs_a in percent of full_scale_a
  double rel_l2 = 0.0;          ///< |model - SPICE| / |SPICE| over every value (L2 norms)
  double rms_lsb = 0.0;         ///< rms_abs_a in LSB of the ADC
  double max_lsb = 0.0;         ///< max_abs_a in LSB of the ADC
  double full_scale_a = 0.0;    ///< rows * g_max_s * max |v_read|, amperes
  int adc_bits = 8;             ///< ADC resolution: LSB = 2 full_scale_a / 2^adc_bits
};

/// One circuit parameter estimated by least squares from SPICE outputs.
struct ParameterEstimate {
  std::string name;            ///< e.g. "r_row_wire_ohm", "v0_v"
  double nominal = 0.0;        ///< the campaign spec's value
  double value = 0.0;          ///< the estimate
  double std_error = 0.0;      ///< its standard error
  ConfidenceInterval95 ci95;   ///< Student-t 95% interval
};

/// Levenberg-Marquardt fit of circuit parameters (fit::estimate_parameters).
struct ParameterFit {
  std::vector<ParameterEstimate> parameters;  ///< empty: nothing to estimate
  std::uint64_t n_samples = 0;                ///< fit-set samples used
  std::uint64_t n_residuals = 0;              ///< output currents used
  int iterations = 0;                         ///< LM steps
  bool converged = false;                     ///< stopped on a tolerance
  double rms_residual_rel_fs = 0.0;           ///< RMS of (model - SPICE) / full scale at the estimate
};

struct ModelProvenance {
  std::string campaign_path;        ///< campaign file the model was fitted to
  std::string campaign_sha256;      ///< SHA-256 of that file's bytes (hex)
  std::string ngspice_version;      ///< ngspice that produced the campaign
  std::string xbar_version;         ///< xbar that fitted the model
  std::string git_hash;             ///< git commit of that xbar
  std::string fit_time;             ///< when the fit ran, ISO 8601 UTC
  std::uint64_t held_out_seed = 1;  ///< seed of the held-out split (fit::is_held_out)
  // Only in the /sources of a tile model file (tile_model_file.hpp); "" elsewhere, not written.
  std::string component;     ///< which part of the tile: "crossbar", "tia", "adc"
  std::string model_path;    ///< the component model file (as given)
  std::string model_sha256;  ///< lower-case hex SHA-256 of its bytes
};

/// The predictive check recorded at fit time (fit/predictive_check.hpp): fresh chips drawn from
/// the fitted variation against the held-out SPICE chips, both as (output - ideal MVM) in % of
/// full scale. n_model_chips = 0: not run (files written before it existed, or `--predictive-chips 0`).
struct PredictiveMetrics {
  std::uint64_t chips_per_held_out_chip = 0;  ///< fresh chips drawn per held-out chip
  std::uint64_t seed = 0;                     ///< seed of the fresh chips' draws
  std::uint64_t n_spice_chips = 0, n_model_chips = 0;    ///< held-out SPICE chips; fresh chips
  std::uint64_t n_spice_values = 0, n_model_values = 0;  ///< outputs compared on each side
  double spice_mean_pct_fs = 0.0, model_mean_pct_fs = 0.0;  ///< mean of output - ideal, % FS
  double spice_rms_pct_fs = 0.0, model_rms_pct_fs = 0.0;    ///< RMS of output - ideal, % FS
  ConfidenceInterval95 spice_rms_ci95, model_rms_ci95;      ///< bootstrap over chips (NaN: one chip)
  double ks_statistic = 0.0, ks_p_value = 1.0;            ///< two-sample KS over the values
  double ks_chip_statistic = 0.0, ks_chip_p_value = 1.0;  ///< two-sample KS over the chips' RMS errors
};

/// Everything in an xbar.model/1 file of kind "crossbar".
struct CrossbarModelFile {
  CrossbarModelParams nominal;     ///< nominal circuit: builds a CrossbarModel
  CrossbarVariationFit variation;  ///< fitted variation
  ParameterFit estimated;          ///< circuit parameters estimated from the fit set
  ErrorMetrics held_out;           ///< model against SPICE on the held-out samples
  ModelProvenance provenance;
  PredictiveMetrics predictive;    ///< fresh chips against the held-out SPICE chips (optional group)
};

/// Writes `model` to `path` atomically. Validates model.nominal (ValidationError); throws
/// ModelFileError naming the file and object on any HDF5 or file-system failure.
void write_crossbar_model_file(const std::string& path, const CrossbarModelFile& model);

/// Reads a model file. Throws ModelFileError naming the file and the missing or malformed
/// object; a file of another schema (e.g. a campaign file) is rejected with a message saying
/// what it is.
CrossbarModelFile read_crossbar_model_file(const std::string& path);

/// The root `schema` attribute of an HDF5 file ("xbar.model/1", "xbar.campaign/1", ...), or ""
/// when the file is not HDF5 or has none. Never throws; for telling the user which file is which.
std::string hdf5_schema_of(const std::string& path);

}  // namespace xbar::behavioral
