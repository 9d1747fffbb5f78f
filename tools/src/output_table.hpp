#pragma once
// The verbs' tables: named columns (xbar::report, re-exported here), the predictive check and the
// parameter fit of `xbar fit` and `xbar validate` (the error table: validation_output.hpp).
#include <cstdio>
#include <string>
#include <vector>

#include "xbar/report/table.hpp"

namespace xbar::behavioral {
struct ParameterFit;
struct PredictiveMetrics;
}  // namespace xbar::behavioral

namespace xbar::tools {

using report::Column;
using report::Format;
using report::parse_format;
using report::print_columns;

/// The predictive check (fresh chips against the held-out SPICE chips) as a two-row table with
/// both KS tests; says so when it did not run.
void print_predictive(const behavioral::PredictiveMetrics& p);
/// The Levenberg-Marquardt parameter estimates (nothing if there are none).
void print_parameter_fit(const behavioral::ParameterFit& e);

}  // namespace xbar::tools
