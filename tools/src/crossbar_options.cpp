#include "crossbar_options.hpp"

#include <fmt/format.h>

#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::tools {

namespace {
// Counter-RNG streams of the command-line draws.
constexpr std::uint64_t kStreamG = 1, kStreamGNeg = 2, kStreamV = 3;

Eigen::MatrixXd draw_matrix(std::uint64_t seed, std::uint64_t stream, int rows, int cols, double lo, double hi) {
  core::CounterRng rng(seed, stream);
  Eigen::MatrixXd m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = rng.uniform(static_cast<std::uint64_t>(i) * cols + j, lo, hi);
  return m;
}
}  // namespace

void CrossbarOptions::add_to(CLI::App& app) {
  rows_opt = app.add_option("--rows", rows, "Rows (word lines), 1..1024")->capture_default_str();
  cols_opt = app.add_option("--cols", cols, "Logical columns (outputs), 1..1024")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the random conductances and inputs")->capture_default_str();
  app.add_option("--g-min", g_min_s, "Smallest drawn conductance, siemens")->capture_default_str();
  app.add_option("--g-max", g_max_s, "Largest drawn conductance, siemens")->capture_default_str();
  app.add_option("--v-min", v_min_v, "Smallest drawn input voltage, volts")->capture_default_str();
  app.add_option("--v-max", v_max_v, "Largest drawn input voltage, volts")->capture_default_str();
  app.add_option("--g-csv", g_csv, "Conductances (rows x cols, siemens) from a CSV file instead of draws; with --differential one file "
                 "of rows x (2 cols) values, columns 2j = G+ and 2j+1 = G- of output j (as a spec's weights_file)")
      ->check(CLI::ExistingFile);
  app.add_option("--g-neg-csv", g_neg_csv, "Older two-file form of --differential: G- (rows x cols) here, G+ in --g-csv")
      ->check(CLI::ExistingFile);
  app.add_option("--v-csv", v_csv, "Input voltages (one per row, volts) from a CSV file")->check(CLI::ExistingFile);
  app.add_option("--r-source", r_source_ohm, "Driver source resistance of every row, ohms")->capture_default_str();
  app.add_option("--r-source-csv", r_source_csv, "Driver source resistance per row, ohms, from a CSV file")
      ->check(CLI::ExistingFile);
  app.add_option("--r-row-wire", r_row_wire_ohm, "Row wire resistance per segment, ohms")->capture_default_str();
  app.add_option("--r-col-wire", r_col_wire_ohm, "Column wire resistance per segment, ohms")->capture_default_str();
  app.add_option("--c-row-wire", c_row_wire_f, "Row wire capacitance per segment, farads")->capture_default_str();
  app.add_option("--c-col-wire", c_col_wire_f, "Column wire capacitance per segment, farads")->capture_default_str();
  app.add_option("--cell", cell, "Cell model: linear (I=G*V) or sinh (I=G*V0*sinh(V/V0))")
      ->capture_default_str()
      ->check(CLI::IsMember({"linear", "sinh"}));
  app.add_option("--v0", v0_v, "V0 of the sinh cell, volts")->capture_default_str();
  app.add_flag("--differential", differential, "Two physical columns (G+, G-) per logical output");
}

netlists::CrossbarParams CrossbarOptions::to_params() const {
  netlists::CrossbarParams p;
  p.rows = rows;
  p.cols = cols;
  p.differential = differential;
  p.cell = netlists::parse_cell_model(cell, "--cell");
  p.v0_v = v0_v;
  p.r_row_wire_ohm = r_row_wire_ohm;
  p.r_col_wire_ohm = r_col_wire_ohm;
  p.c_row_wire_f = c_row_wire_f;
  p.c_col_wire_f = c_col_wire_f;
  characterize::DifferentialConductances one_file;  // --differential --g-csv alone: the one convention
  if (!g_csv.empty()) {
    p.g_s = characterize::read_csv_matrix(g_csv);
    if (differential && g_neg_csv.empty()) {
      one_file = characterize::split_differential_columns(p.g_s, g_csv);
      p.g_s = one_file.g_pos_s;
    }
    // The file gives the shape unless --rows/--cols were given too (then validate() checks it).
    if (rows_opt->count() == 0) p.rows = static_cast<int>(p.g_s.rows());
    if (cols_opt->count() == 0) p.cols = static_cast<int>(p.g_s.cols());
  }
  if (p.rows < 1 || p.cols < 1 || p.rows > 1024 || p.cols > 1024) {
    p.validate();  // reports the bad size by field before any draw is sized by it
  }
  if (g_csv.empty()) p.g_s = draw_matrix(seed, kStreamG, p.rows, p.cols, g_min_s, g_max_s);
  if (differential) {
    if (!g_neg_csv.empty())  // the older two-file form, still read
      p.g_neg_s = characterize::read_csv_matrix(g_neg_csv);
    else if (!g_csv.empty())
      p.g_neg_s = one_file.g_neg_s;
    else
      p.g_neg_s = draw_matrix(seed, kStreamGNeg, p.rows, p.cols, g_min_s, g_max_s);
  } else if (!g_neg_csv.empty()) {
    throw characterize::Error("--g-neg-csv needs --differential");
  }
  if (!v_csv.empty()) {
    p.v_in_v = characterize::read_csv_vector(v_csv);
  } else {
    p.v_in_v = draw_matrix(seed, kStreamV, p.rows, 1, v_min_v, v_max_v).col(0);
  }
  if (!r_source_csv.empty()) {
    p.r_source_ohm = characterize::read_csv_vector(r_source_csv);
  } else if (r_source_ohm != 0.0) {
    p.r_source_ohm = Eigen::VectorXd::Constant(p.rows, r_source_ohm);
  }
  p.title = fmt::format("xbar crossbar {}x{} seed {}", p.rows, p.cols, seed);
  p.validate();
  return p;
}

}  // namespace xbar::tools
