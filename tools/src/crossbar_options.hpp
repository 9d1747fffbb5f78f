#pragma once
// Command-line options that describe a crossbar, shared by the verbs that build one.
// Conductances and inputs come from seeded uniform draws, or from CSV files.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "xbar/netlists/crossbar.hpp"

namespace xbar::tools {

struct CrossbarOptions {
  int rows = 16;
  int cols = 16;
  std::uint64_t seed = 1;
  double g_min_s = 1e-6, g_max_s = 1e-4;  // 1 Mohm .. 10 kohm
  double v_min_v = 0.0, v_max_v = 0.2;
  std::string g_csv, g_neg_csv, v_csv, r_source_csv;
  double r_source_ohm = 0.0;
  double r_row_wire_ohm = 0.0, r_col_wire_ohm = 0.0;
  double c_row_wire_f = 0.0, c_col_wire_f = 0.0;
  std::string cell = "linear";
  double v0_v = 0.25;
  bool differential = false;

  CLI::Option* rows_opt = nullptr;
  CLI::Option* cols_opt = nullptr;

  void add_to(CLI::App& app);
  /// Draws or reads G and v, fills the params and validates them.
  netlists::CrossbarParams to_params() const;
};

}  // namespace xbar::tools
