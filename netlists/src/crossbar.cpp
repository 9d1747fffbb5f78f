#include "xbar/netlists/crossbar.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <iterator>
#include <vector>

#include "xbar/netlists/error.hpp"

namespace xbar::netlists {

namespace {
constexpr int kMaxDim = 1024;

bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }

void check_scalar(std::vector<std::string>& out, const char* field, double value, const char* unit) {
  if (!finite_nonneg(value)) {
    out.push_back(fmt::format("crossbar.{} = {}: must be finite and >= 0 {}", field, value, unit));
  }
}

void check_matrix(std::vector<std::string>& out, const char* field, const Eigen::MatrixXd& m, int rows,
                  int cols) {
  if (m.rows() != rows || m.cols() != cols) {
    out.push_back(fmt::format("crossbar.{} has shape {}x{}: must be rows x cols = {}x{}", field, m.rows(),
                              m.cols(), rows, cols));
    return;
  }
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      // A subnormal G (e.g. 1e-320) would give the cell resistor 1/G = inf in the deck.
      if (!finite_nonneg(m(i, j)) || (m(i, j) != 0.0 && !std::isfinite(1.0 / m(i, j)))) {
        out.push_back(fmt::format("crossbar.{}({},{}) = {}: must be finite and >= 0 S, and 0 or at least {} S (1/G "
                                  "must be finite)",
                                  field, i, j, m(i, j), std::numeric_limits<double>::min()));
        return;  // one message per field
      }
    }
  }
}
}  // namespace

CellModel parse_cell_model(const std::string& name, const std::string& field) {
  if (name == "linear") return CellModel::linear;
  if (name == "sinh") return CellModel::sinh;
  throw Error(fmt::format("{} = '{}': must be 'linear' or 'sinh'", field, name));
}

const char* to_string(CellModel model) { return model == CellModel::linear ? "linear" : "sinh"; }

void CrossbarParams::validate() const {
  std::vector<std::string> bad;
  const bool rows_ok = rows >= 1 && rows <= kMaxDim;
  const bool cols_ok = cols >= 1 && cols <= kMaxDim;
  if (!rows_ok) bad.push_back(fmt::format("crossbar.rows = {}: must be between 1 and {}", rows, kMaxDim));
  if (!cols_ok) bad.push_back(fmt::format("crossbar.cols = {}: must be between 1 and {}", cols, kMaxDim));
  if (rows_ok && cols_ok) {
    check_matrix(bad, "g_s", g_s, rows, cols);
    if (differential) {
      check_matrix(bad, "g_neg_s", g_neg_s, rows, cols);
    } else if (g_neg_s.size() != 0) {
      bad.push_back("crossbar.g_neg_s is set but crossbar.differential = false: set differential or leave g_neg_s empty");
    }
  }
  if (rows_ok) {
    if (v_in_v.size() != rows) {
      bad.push_back(fmt::format("crossbar.v_in_v has {} entries: must have one per row ({})", v_in_v.size(), rows));
    } else {
      for (Eigen::Index i = 0; i < v_in_v.size(); ++i) {
        if (!std::isfinite(v_in_v[i])) {
          bad.push_back(fmt::format("crossbar.v_in_v({}) = {}: must be finite (volts)", i, v_in_v[i]));
          break;
        }
      }
    }
    if (r_source_ohm.size() != 0 && r_source_ohm.size() != rows) {
      bad.push_back(fmt::format("crossbar.r_source_ohm has {} entries: must be empty (0 ohm) or one per row ({})",
                                r_source_ohm.size(), rows));
    } else {
      for (Eigen::Index i = 0; i < r_source_ohm.size(); ++i) {
        if (!finite_nonneg(r_source_ohm[i])) {
          bad.push_back(fmt::format("crossbar.r_source_ohm({}) = {}: must be finite and >= 0 ohm", i, r_source_ohm[i]));
          break;
        }
      }
    }
  }
  check_scalar(bad, "r_row_wire_ohm", r_row_wire_ohm, "ohm");
  check_scalar(bad, "r_col_wire_ohm", r_col_wire_ohm, "ohm");
  check_scalar(bad, "c_row_wire_f", c_row_wire_f, "F");
  check_scalar(bad, "c_col_wire_f", c_col_wire_f, "F");
  if (cell == CellModel::sinh && !(std::isfinite(v0_v) && v0_v > 0.0)) {
    bad.push_back(fmt::format("crossbar.v0_v = {}: must be finite and > 0 V for the sinh cell", v0_v));
  }
  if (!(std::isfinite(temperature_c) && temperature_c > -273.15)) {
    bad.push_back(fmt::format("crossbar.temperature_c = {}: must be finite and above -273.15 C", temperature_c));
  }
  if (!(std::isfinite(tnom_c) && tnom_c > -273.15)) {
    bad.push_back(fmt::format("crossbar.tnom_c = {}: must be finite and above -273.15 C", tnom_c));
  }
  for (auto [field, tc] : {std::pair{"cell_tc1_per_k", cell_tc1_per_k}, std::pair{"wire_tc1_per_k", wire_tc1_per_k}}) {
    if (!std::isfinite(tc) || !(1.0 + tc * (temperature_c - tnom_c) > 0.0)) {
      bad.push_back(fmt::format("crossbar.{} = {}: must be finite with 1 + tc1 (T - Tnom) > 0 (T = {} C, Tnom = {} C)",
                                field, tc, temperature_c, tnom_c));
    }
  }
  if (title.find_first_of("\r\n") != std::string::npos) {
    bad.push_back("crossbar.title contains a line break: must be one line");
  }
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

namespace {

/// Names shared by the deck and the array text. Zero-ohm segments merge their end nodes (no
/// 0-ohm resistors in SPICE).
struct CrossbarNames {
  const CrossbarParams& p;
  bool rw() const { return p.r_row_wire_ohm > 0.0; }
  bool cw() const { return p.r_col_wire_ohm > 0.0; }
  double rs(int i) const { return p.r_source_ohm.size() ? p.r_source_ohm[i] : 0.0; }
  std::string drv(int i) const { return rs(i) > 0.0 ? fmt::format("d{}", i) : fmt::format("in{}", i); }
  std::string out_node(int k) const { return fmt::format("o{}", k); }
  std::string row_node(int i, int k) const { return rw() ? fmt::format("r{}_{}", i, k) : drv(i); }
  std::string col_node(int i, int k) const { return cw() ? fmt::format("c{}_{}", i, k) : out_node(k); }
  double g_of(int i, int k) const {
    if (!p.differential) return p.g_s(i, k);
    return (k % 2 == 0) ? p.g_s(i, k / 2) : p.g_neg_s(i, k / 2);
  }
  std::string sense_name(int k) const {
    if (!p.differential) return fmt::format("vsj{}", k);
    return fmt::format("vsj{}{}", k % 2 == 0 ? 'p' : 'n', k / 2);
  }
};

void write_array(const CrossbarParams& p, fmt::memory_buffer& buf) {
  const CrossbarNames n{p};
  const int R = p.rows;
  const int K = p.physical_cols();
  const std::string wire_tc = p.wire_tc1_per_k != 0.0 ? fmt::format(" tc1={}", p.wire_tc1_per_k) : "";
  const std::string cell_tc = p.cell_tc1_per_k != 0.0 ? fmt::format(" tc1={}", p.cell_tc1_per_k) : "";
  const double sinh_g_scale = 1.0 / (1.0 + p.cell_tc1_per_k * (p.temperature_c - p.tnom_c));
  auto out = std::back_inserter(buf);
  if (n.rw()) {
    fmt::format_to(out, "* row wires\n");
    for (int i = 0; i < R; ++i) {
      for (int k = 0; k < K; ++k) {
        const std::string from = k == 0 ? n.drv(i) : n.row_node(i, k - 1);
        fmt::format_to(out, "Rr{}_{} {} r{}_{} {}{}\n", i, k, from, i, k, p.r_row_wire_ohm, wire_tc);
        if (p.c_row_wire_f > 0.0) fmt::format_to(out, "Cr{}_{} r{}_{} 0 {}\n", i, k, i, k, p.c_row_wire_f);
      }
    }
  } else if (p.c_row_wire_f > 0.0) {
    for (int i = 0; i < R; ++i)
      for (int k = 0; k < K; ++k) fmt::format_to(out, "Cr{}_{} {} 0 {}\n", i, k, n.row_node(i, k), p.c_row_wire_f);
  }
  if (n.cw() || p.c_col_wire_f > 0.0) fmt::format_to(out, "* column wires\n");
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < R; ++i) {
      const std::string to = (i + 1 < R) ? n.col_node(i + 1, k) : n.out_node(k);
      if (n.cw()) fmt::format_to(out, "Rc{}_{} c{}_{} {} {}{}\n", i, k, i, k, to, p.r_col_wire_ohm, wire_tc);
      if (p.c_col_wire_f > 0.0) fmt::format_to(out, "Cc{}_{} {} 0 {}\n", i, k, to, p.c_col_wire_f);
    }
  }
  fmt::format_to(out, "* cells\n");
  for (int i = 0; i < R; ++i) {
    for (int k = 0; k < K; ++k) {
      const double g = n.g_of(i, k);
      if (g == 0.0) continue;  // open cell (e.g. stuck off)
      const std::string a = n.row_node(i, k), b = n.col_node(i, k);
      if (p.cell == CellModel::linear) {
        fmt::format_to(out, "Rx{}_{} {} {} {}{}\n", i, k, a, b, 1.0 / g, cell_tc);
      } else {
        fmt::format_to(out, "Bx{}_{} {} {} I={}*sinh(V({},{})/{})\n", i, k, a, b, g * sinh_g_scale * p.v0_v, a, b,
                       p.v0_v);
      }
    }
  }
}

}  // namespace

std::string crossbar_array_text(const CrossbarParams& p) {
  p.validate();
  fmt::memory_buffer buf;
  write_array(p, buf);
  return fmt::to_string(buf);
}

Deck make_crossbar_deck(const CrossbarParams& p) {
  p.validate();
  const CrossbarNames n{p};
  const int R = p.rows;
  const int K = p.physical_cols();
  const bool thermal = p.temperature_c != 27.0 || p.tnom_c != 27.0;
  const std::string wire_tc = p.wire_tc1_per_k != 0.0 ? fmt::format(" tc1={}", p.wire_tc1_per_k) : "";

  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  fmt::format_to(out, "{}\n", p.title);
  fmt::format_to(out, "* {} x {} crossbar{}, {} cells; generated by xbar\n", R, p.cols,
                 p.differential ? " (differential: G+ and G- columns)" : "", to_string(p.cell));
  fmt::format_to(out, "* r_row_wire_ohm={} r_col_wire_ohm={} c_row_wire_f={} c_col_wire_f={}\n", p.r_row_wire_ohm,
                 p.r_col_wire_ohm, p.c_row_wire_f, p.c_col_wire_f);

  Deck deck;
  for (int j = 0; j < p.cols; ++j) {
    Probe probe{fmt::format("i_out{}", j), "A", {}};
    if (p.differential) {
      probe.terms = {{n.sense_name(2 * j) + "#branch", 1.0}, {n.sense_name(2 * j + 1) + "#branch", -1.0}};
    } else {
      probe.terms = {{n.sense_name(j) + "#branch", 1.0}};
    }
    fmt::format_to(out, "{}\n", probe_comment(probe));
    deck.probes.push_back(std::move(probe));
  }

  fmt::format_to(out, "* row drivers\n");
  for (int i = 0; i < R; ++i) {
    fmt::format_to(out, "Vin{} in{} 0 DC {}\n", i, i, p.v_in_v[i]);
    if (n.rs(i) > 0.0) fmt::format_to(out, "Rs{} in{} d{} {}{}\n", i, i, i, n.rs(i), wire_tc);
  }
  write_array(p, buf);
  fmt::format_to(out, "* virtual-ground sensing\n");
  for (int k = 0; k < K; ++k) fmt::format_to(out, "{} o{} 0 DC 0\n", n.sense_name(k), k);
  if (p.klu) fmt::format_to(out, ".options klu\n");
  if (thermal) fmt::format_to(out, ".options temp={} tnom={}\n", p.temperature_c, p.tnom_c);
  fmt::format_to(out, ".op\n.end\n");
  deck.text = fmt::to_string(buf);
  return deck;
}

}  // namespace xbar::netlists
