#pragma once
// What `xbar validate --dump-predictions` and `--plots` write for a fit::ModelValidation (any model
// kind): the predictions of every ok sample as CSV, and the plots of validation_plots.hpp.
#include <string>
#include <vector>

namespace xbar::fit {
struct ModelValidation;
}

namespace xbar::report {

/// Writes every ok sample's predictions as CSV (columns by kind, see `xbar validate --help`).
/// Throws report::ReportError when the file cannot be written.
void write_predictions_csv(const fit::ModelValidation& v, const std::string& path);
/// Writes the plots of the validation's kind into `dir`; returns the PNGs.
std::vector<std::string> write_validation_plots(const fit::ModelValidation& v, const std::string& dir);

}  // namespace xbar::report
