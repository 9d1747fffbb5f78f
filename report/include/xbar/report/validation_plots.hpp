#pragma once
// The plots of `xbar validate --plots`: gnuplot PNGs with their data files, from plain vectors
// (this library knows no model or campaign types; tools/ fills the structs from fit's
// ModelValidation). File names are <dir>/<name>_<what> so that runs on different campaigns do
// not overwrite each other (the tile plots keep their historical unprefixed names). `dir` is
// created. Each function returns the PNGs written; throws ReportError when a file cannot be
// written or gnuplot fails.
#include <cstddef>
#include <string>
#include <vector>

namespace xbar::report {

/// A crossbar model against SPICE and the ideal MVM, flattened sample, input, output.
struct CrossbarValidationPlot {
  std::string name;                    ///< the campaign's name, for titles and file names
  int outputs = 1;                     ///< output columns (value k is column k % outputs)
  double full_scale_a = 1.0;           ///< full scale of the % FS axes, A
  int adc_bits = 8;                    ///< LSB = 2 full_scale_a / 2^adc_bits
  std::vector<double> spice_a, ideal_a, model_a;  ///< every ok sample's outputs, A
  std::vector<double> column_mean_pct_fs, column_rms_pct_fs;  ///< SPICE - ideal per column, % FS
  std::vector<double> spice_error_pct_fs, model_error_pct_fs;  ///< predictive check: output - ideal, % FS
  double ks_statistic = 0.0, ks_p_value = 1.0;                 ///< its two-sample KS over the values
  std::size_t spice_chips = 0, model_chips = 0;                ///< held-out SPICE chips, fresh chips
};
/// <name>_spice_vs_ideal.png (µA), <name>_error_by_column.png (% FS and LSB),
/// <name>_predictive_error_histogram.png.
std::vector<std::string> plot_crossbar_validation(const std::string& dir, const CrossbarValidationPlot& p);

/// A TIA model against SPICE at every sweep point of every ok instance.
struct TiaValidationPlot {
  std::string name;
  double lsb_v = 1.0;                                            ///< the campaign's LSB, V
  std::vector<double> i_in_a, spice_v, nominal_v, informed_v;    ///< A, V
};
/// <name>_tia_model_vs_spice.png (mV) and <name>_tia_residual_histogram.png (LSB; each model's
/// residuals with a bin width of its own, ±0.5 LSB guides).
std::vector<std::string> plot_tia_validation(const std::string& dir, const TiaValidationPlot& p);

/// INL, DNL and transition error of an ADC model and of the measured instances, LSB.
struct AdcLinearityPlot {
  std::string name;
  std::vector<double> model_inl_lsb, model_dnl_lsb;          ///< the model's (M and M - 1 values)
  std::vector<std::size_t> instance_sample;                   ///< campaign sample of each instance
  std::vector<std::vector<double>> instance_inl_lsb, instance_dnl_lsb;  ///< per instance
  std::vector<std::vector<double>> transition_error_lsb;     ///< per instance: model - measured
  std::vector<double> inl_min, inl_max, dnl_min, dnl_max;    ///< envelope over the instances
};
/// <name>_adc_inl.png, <name>_adc_dnl.png (instances thin, envelope shaded, model thick, ±0.5
/// LSB guides) and <name>_adc_transition_error.png.
std::vector<std::string> plot_adc_linearity(const std::string& dir, const AdcLinearityPlot& p);

/// The behavioral tile against SPICE, flattened sample, cycle, column.
struct TileValidationPlot {
  std::vector<double> spice_v, nominal_v, informed_v;   ///< TIA outputs, V
  std::vector<int> spice_codes, nominal_codes, informed_codes;
};
/// tile_model_vs_spice.png and tile_code_error_histogram.png.
std::vector<std::string> plot_tile_validation(const std::string& dir, const TileValidationPlot& p);

}  // namespace xbar::report
