#pragma once
// Reading numeric CSV files (conductance matrices, input vectors). Comma, semicolon, tab or
// space separated; lines starting with '#' and blank lines are skipped. Every row must have
// the same number of values.
#include <Eigen/Core>
#include <string>

namespace xbar::characterize {

/// Reads a matrix. Throws characterize::Error naming the file, line and column of a bad value.
Eigen::MatrixXd read_csv_matrix(const std::string& path);
/// Reads a vector: one column, or one row. Throws characterize::Error otherwise.
Eigen::VectorXd read_csv_vector(const std::string& path);

}  // namespace xbar::characterize
