#include "xbar/report/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "xbar/report/report_error.hpp"

namespace xbar::report {

Format parse_format(const std::string& s) {
  if (s == "table") return Format::table;
  if (s == "csv") return Format::csv;
  if (s == "json") return Format::json;
  throw ReportError(fmt::format("--format '{}': must be table, csv or json", s));
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

std::string md_cell(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|') {
      o += "\\|";
    } else if (c == '\n' || c == '\r') {
      o += ' ';
    } else {
      o += c;
    }
  }
  return o;
}
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
      fmt::print(out, "{}{}", c ? "," : "",
                 csv_field(columns[c].name + (columns[c].unit.empty() ? "" : " [" + columns[c].unit + "]")));
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

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string md = "|";
  for (const auto& h : header) md += " " + md_cell(h) + " |";
  md += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) md += "---|";
  md += "\n";
  for (const auto& r : rows) {
    md += "|";
    for (std::size_t i = 0; i < header.size(); ++i) md += " " + (i < r.size() ? md_cell(r[i]) : std::string()) + " |";
    md += "\n";
  }
  return md;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string q = "\"";
  for (char c : text) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace xbar::report
