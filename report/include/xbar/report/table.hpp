#pragma once
// Tables of the verbs: named columns of numbers printed as an aligned table, CSV or JSON
// (print_columns), and markdown tables of strings for report indexes (markdown_table).
//
//   print_columns(stdout, {{"i_out0", "A", {1e-6, 2e-6}}}, Format::csv);
//   // i_out0 [A]
//   // 1e-06
//   // 2e-06
//   std::string md = markdown_table({"set", "RMS [LSB]"}, {{"held-out", "0.46"}});
//
// No I/O beyond the FILE* given; numbers are printed with full precision.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace xbar::report {

/// One named column of numbers with its unit ("" for none).
struct Column {
  std::string name;
  std::string unit;
  std::vector<double> values;
};

enum class Format { table, csv, json };
/// "table", "csv" or "json"; throws ReportError naming the value and the choices.
Format parse_format(const std::string& s);

/// Writes the columns (all of one length) to `out`. CSV: a header `name [unit]`, then one line
/// per row. JSON: one object, `meta` pairs first, then "outputs": {name: {unit, values}} with
/// non-finite values as null. Table: `meta` as '#' comment lines; one point gives one row per
/// column (name, value, unit), several points one column per name.
void print_columns(std::FILE* out, const std::vector<Column>& columns, Format format,
                   const std::vector<std::pair<std::string, std::string>>& meta = {});

/// A markdown table: header row, separator, then `rows` (each padded or cut to the header's
/// width). A '|' or newline inside a cell is escaped so that it cannot break the table.
std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

/// One CSV field: quoted ("a""b") when it holds a comma, a quote or a newline; as is otherwise.
std::string csv_field(const std::string& text);

}  // namespace xbar::report
