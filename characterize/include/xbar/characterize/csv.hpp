#pragma once
// Reading numeric CSV files (conductance matrices, input vectors). Comma, semicolon, tab or
// space separated; lines starting with '#' and blank lines are skipped. Every row must have
// the same number of values. Differential conductances: one file, see below.
#include <Eigen/Core>
#include <string>

namespace xbar::characterize {

/// Reads a matrix. Throws characterize::Error naming the file, line and column of a bad value.
Eigen::MatrixXd read_csv_matrix(const std::string& path);
/// Reads a vector: one column, or one row. Throws characterize::Error otherwise.
Eigen::VectorXd read_csv_vector(const std::string& path);

// The one CSV convention for differential arrays (data/SPEC.md, "CSV files"): ONE file of
// `rows` lines with 2 * cols values each, in physical column order: column 2j is G+ and
// column 2j+1 is G- of output j (the order of the campaign's g_target_s and g_programmed_s).
// The spec's workload.weights_file and `xbar netlist crossbar --differential --g-csv` both read it.

/// G+ and G- of a differential array, each rows x cols, siemens.
struct DifferentialConductances {
  Eigen::MatrixXd g_pos_s;
  Eigen::MatrixXd g_neg_s;
};

/// Splits a rows x (2 cols) matrix in physical column order into G+ and G-. Throws
/// characterize::Error naming `path` and the convention when the column count is odd or 0.
DifferentialConductances split_differential_columns(const Eigen::MatrixXd& physical, const std::string& path);
/// The physical-column-order matrix of G+ and G- (same shapes; throws characterize::Error otherwise).
Eigen::MatrixXd interleave_differential_columns(const Eigen::MatrixXd& g_pos_s, const Eigen::MatrixXd& g_neg_s);

}  // namespace xbar::characterize
