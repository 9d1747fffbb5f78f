#include "output_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::tools {

Format parse_format(const std::string& s) {
  if (s == "table") return Format::table;
  if (s == "csv") return Format::csv;
  if (s == "json") return Format::json;
  throw characterize::Error(fmt::format("--format '{}': must be table, csv or json", s));
}

namespace {
std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      o += fmt::format("\\u{:04x}", static_cast<int>(c));
      continue;
    }
    o += c;
  }
  return o;
}
std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }
}  // namespace

void print_columns(std::FILE* out, const std::vector<Column>& columns, Format format,
                   const std::vector<std::pair<std::string, std::string>>& meta) {
  const std::size_t n = columns.empty() ? 0 : columns.front().values.size();
  if (format == Format::json) {
    fmt::print(out, "{{");
    for (const auto& [k, v] : meta) fmt::print(out, "\"{}\": \"{}\", ", json_escape(k), json_escape(v));
    fmt::print(out, "\"outputs\": {{");
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& col = columns[c];
      fmt::print(out, "{}\n  \"{}\": {{\"unit\": \"{}\", \"values\": [", c ? "," : "", json_escape(col.name),
                 json_escape(col.unit));
      for (std::size_t i = 0; i < col.values.size(); ++i) fmt::print(out, "{}{}", i ? ", " : "", json_number(col.values[i]));
      fmt::print(out, "]}}");
    }
    fmt::print(out, "\n}}}}\n");
    return;
  }
  if (format == Format::csv) {
    for (std::size_t c = 0; c < columns.size(); ++c)
      fmt::print(out, "{}{}{}", c ? "," : "", columns[c].name, columns[c].unit.empty() ? "" : " [" + columns[c].unit + "]");
    fmt::print(out, "\n");
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < columns.size(); ++c) fmt::print(out, "{}{}", c ? "," : "", columns[c].values[i]);
      fmt::print(out, "\n");
    }
    return;
  }
  // Aligned table. One point (op): one row per output. Several points: one column per output.
  for (const auto& [k, v] : meta) fmt::print(out, "# {}: {}\n", k, v);
  if (n == 1) {
    std::size_t w = 6;
    for (const auto& c : columns) w = std::max(w, c.name.size());
    fmt::print(out, "{:<{}}  {:>24}  {}\n", "output", w, "value", "unit");
    for (const auto& c : columns) fmt::print(out, "{:<{}}  {:>24.16e}  {}\n", c.name, w, c.values[0], c.unit);
    return;
  }
  for (const auto& c : columns) fmt::print(out, "{:>24} ", c.name + (c.unit.empty() ? "" : " [" + c.unit + "]"));
  fmt::print(out, "\n");
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& c : columns) fmt::print(out, "{:>24.16e} ", c.values[i]);
    fmt::print(out, "\n");
  }
}

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
