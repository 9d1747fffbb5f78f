#pragma once
// Printing named columns of numbers as an aligned table, CSV or JSON.
#include <cstdio>
#include <string>
#include <vector>

namespace xbar::behavioral {
struct ErrorMetrics;
struct ParameterFit;
}  // namespace xbar::behavioral

namespace xbar::tools {

struct Column {
  std::string name;
  std::string unit;
  std::vector<double> values;
};

enum class Format { table, csv, json };
Format parse_format(const std::string& s);

/// Writes the columns (all of one length) to `out`. `meta` pairs go into the JSON object
/// (and a '#' comment line for table output).
void print_columns(std::FILE* out, const std::vector<Column>& columns, Format format,
                   const std::vector<std::pair<std::string, std::string>>& meta = {});

/// The header line of the model-against-SPICE error table, then one row per set.
void print_error_header();
void print_error_row(const char* label, const behavioral::ErrorMetrics& m);
/// The Levenberg-Marquardt parameter estimates (nothing if there are none).
void print_parameter_fit(const behavioral::ParameterFit& e);

}  // namespace xbar::tools
