#include "output_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xbar/behavioral/model_file.hpp"

namespace xbar::tools {

void print_error_header() {
  fmt::print("  {:<10} {:>7} {:>8}  {:>11}  {:>11}  {:>10}  {:>10}  {:>9}  {:>9}  {:>9}\n", "set", "samples", "values",
             "RMS [A]", "max [A]", "RMS [%FS]", "max [%FS]", "RMS [LSB]", "max [LSB]", "rel L2");
}

void print_error_row(const char* label, const behavioral::ErrorMetrics& m) {
  fmt::print("  {:<10} {:>7} {:>8}  {:>11.4e}  {:>11.4e}  {:>10.3e}  {:>10.3e}  {:>9.3e}  {:>9.3e}  {:>9.3e}\n", label,
             m.n_samples, m.n_values, m.rms_abs_a, m.max_abs_a, m.rms_pct_fs, m.max_pct_fs, m.rms_lsb, m.max_lsb,
             m.rel_l2);
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
