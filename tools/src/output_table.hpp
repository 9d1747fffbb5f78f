#pragma once
// The verbs' tables: named columns (xbar::report, re-exported here) and the model-against-SPICE
// error rows of `xbar fit` and `xbar validate`.
#include <cstdio>
#include <string>
#include <vector>

#include "xbar/report/table.hpp"

namespace xbar::behavioral {
struct ErrorMetrics;
struct ParameterFit;
struct PredictiveMetrics;
}  // namespace xbar::behavioral

namespace xbar::tools {

using report::Column;
using report::Format;
using report::parse_format;
using report::print_columns;

/// The header line of the model-against-SPICE error table, then one row per set.
void print_error_header();
void print_error_row(const char* label, const behavioral::ErrorMetrics& m);
/// The predictive check (fresh chips against the held-out SPICE chips) as a two-row table with
/// both KS tests; says so when it did not run.
void print_predictive(const behavioral::PredictiveMetrics& p);
/// The Levenberg-Marquardt parameter estimates (nothing if there are none).
void print_parameter_fit(const behavioral::ParameterFit& e);

}  // namespace xbar::tools
