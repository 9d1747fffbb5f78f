#include "output_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xbar/behavioral/model_file.hpp"

namespace xbar::tools {

void print_predictive(const behavioral::PredictiveMetrics& p) {
  if (p.n_model_chips == 0) {
    fmt::print("\npredictive check: not recorded (model fitted before it existed, or --predictive-chips 0); run "
               "xbar validate MODEL CAMPAIGN\n");
    return;
  }
  fmt::print("\npredictive check: {} fresh chips per held-out chip, drawn from the fitted variation (seed {}), run "
             "through the behavioral model with the held-out chips' targets and inputs, against the held-out SPICE "
             "chips; error = output - ideal MVM of the targets, % of full scale:\n",
             p.chips_per_held_out_chip, p.seed);
  fmt::print("  {:<24} {:>6} {:>8}  {:>11}  {:>10}  {}\n", "set", "chips", "values", "mean [%FS]", "RMS [%FS]",
             "RMS 95% CI (bootstrap over chips)");
  const auto ci = [](const behavioral::ConfidenceInterval95& c) {
    return std::isnan(c.low) ? std::string("n/a (one chip)") : fmt::format("[{:.4f}, {:.4f}]", c.low, c.high);
  };
  fmt::print("  {:<24} {:>6} {:>8}  {:>+11.4f}  {:>10.4f}  {}\n", "held-out SPICE chips", p.n_spice_chips,
             p.n_spice_values, p.spice_mean_pct_fs, p.spice_rms_pct_fs, ci(p.spice_rms_ci95));
  fmt::print("  {:<24} {:>6} {:>8}  {:>+11.4f}  {:>10.4f}  {}\n", "fresh chips (model)", p.n_model_chips,
             p.n_model_values, p.model_mean_pct_fs, p.model_rms_pct_fs, ci(p.model_rms_ci95));
  fmt::print("  two-sample Kolmogorov-Smirnov over the values: D = {:.4f}, p = {:.3g} (outputs of one chip are "
             "correlated: this p is optimistic)\n",
             p.ks_statistic, p.ks_p_value);
  fmt::print("  two-sample Kolmogorov-Smirnov over the chips' RMS errors: D = {:.4f}, p = {:.3g}\n",
             p.ks_chip_statistic, p.ks_chip_p_value);
}

void print_parameter_fit(const behavioral::ParameterFit& e) {
  if (e.parameters.empty()) return;
  fmt::print("\ncircuit parameters by Levenberg-Marquardt ({} fit-set samples, {} outputs, {} steps{}, "
             "RMS residual {:.3e} of full scale):\n",
             e.n_samples, e.n_residuals, e.iterations, e.converged ? "" : ", NOT converged", e.rms_residual_rel_fs);
  for (const auto& p : e.parameters)
    fmt::print("  {:<15} {:.10g}  [{:.10g}, {:.10g}]  spec {:.10g}  value/spec-1 {:+.2e}  std error {:.3g}\n", p.name,
               p.value, p.ci95.low, p.ci95.high, p.nominal, p.value / p.nominal - 1.0, p.std_error);
}

}  // namespace xbar::tools
