#include "xbar/characterize/csv.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "xbar/characterize/error.hpp"

namespace xbar::characterize {

Eigen::MatrixXd read_csv_matrix(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open ({})", path, std::strerror(errno)));
  std::vector<std::vector<double>> rows;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    std::vector<double> row;
    std::size_t pos = 0;
    int col = 0;
    while (pos <= line.size()) {
      std::size_t end = line.find_first_of(",;\t ", pos);
      if (end == std::string::npos) end = line.size();
      std::string tok = line.substr(pos, end - pos);
      pos = end + 1;
      if (tok.empty()) {
        if (end < line.size() && line[end] != ',' && line[end] != ';') continue;  // repeated spaces
        if (end == line.size()) break;
      }
      ++col;
      char* stop = nullptr;
      const double v = std::strtod(tok.c_str(), &stop);
      if (tok.empty() || *stop != '\0') {
        throw Error(fmt::format("{} line {} column {}: '{}' is not a number", path, line_no, col, tok));
      }
      row.push_back(v);
    }
    if (!rows.empty() && row.size() != rows.front().size()) {
      throw Error(fmt::format("{} line {}: {} values, but the first data line has {}", path, line_no, row.size(),
                              rows.front().size()));
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw Error(fmt::format("{}: no numbers found", path));
  Eigen::MatrixXd m(rows.size(), rows.front().size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j];
  return m;
}

Eigen::VectorXd read_csv_vector(const std::string& path) {
  Eigen::MatrixXd m = read_csv_matrix(path);
  if (m.cols() == 1) return m.col(0);
  if (m.rows() == 1) return m.row(0).transpose();
  throw Error(fmt::format("{}: a {}x{} table, but a vector must be one column or one row", path, m.rows(), m.cols()));
}

DifferentialConductances split_differential_columns(const Eigen::MatrixXd& m, const std::string& path) {
  if (m.cols() == 0 || m.cols() % 2 != 0)
    throw Error(fmt::format("{}: {} x {} values: a differential array is one CSV of rows x (2 * cols) values in physical "
                            "column order, column 2j = G+ and 2j+1 = G- of output j (data/SPEC.md); this file has an "
                            "odd number of columns",
                            path, m.rows(), m.cols()));
  const Eigen::Index cols = m.cols() / 2;
  DifferentialConductances d{Eigen::MatrixXd(m.rows(), cols), Eigen::MatrixXd(m.rows(), cols)};
  for (Eigen::Index j = 0; j < cols; ++j) {
    d.g_pos_s.col(j) = m.col(2 * j);
    d.g_neg_s.col(j) = m.col(2 * j + 1);
  }
  return d;
}

Eigen::MatrixXd interleave_differential_columns(const Eigen::MatrixXd& gp, const Eigen::MatrixXd& gn) {
  if (gp.rows() != gn.rows() || gp.cols() != gn.cols())
    throw Error(fmt::format("G+ is {} x {} and G- is {} x {}: a differential array needs both of the same shape",
                            gp.rows(), gp.cols(), gn.rows(), gn.cols()));
  Eigen::MatrixXd m(gp.rows(), 2 * gp.cols());
  for (Eigen::Index j = 0; j < gp.cols(); ++j) {
    m.col(2 * j) = gp.col(j);
    m.col(2 * j + 1) = gn.col(j);
  }
  return m;
}

}  // namespace xbar::characterize
