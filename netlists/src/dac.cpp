#include "xbar/netlists/dac.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "xbar/netlists/error.hpp"

namespace xbar::netlists {

namespace {

bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }
bool finite_pos(double x) { return std::isfinite(x) && x > 0.0; }

/// Reference levels of the R-2R ladder: v_lo = v_min, v_hi = v_min + (v_max - v_min) 2^N / (2^N - 1).
double r2r_v_hi(const DacParams& p) {
  const double n = p.codes();
  return p.v_min_v + (p.v_max_v - p.v_min_v) * n / (n - 1.0);
}

void check_mismatch(const DacParams& p, const DacMismatch& m) {
  if (m.r_rel.empty()) return;
  const std::size_t want = 2 * static_cast<std::size_t>(p.bits);
  if (m.r_rel.size() != want) {
    throw ValidationError({fmt::format("dac mismatch r_rel has {} entries: must be empty or 2 * bits = {}",
                                       m.r_rel.size(), want)});
  }
  for (std::size_t j = 0; j < m.r_rel.size(); ++j) {
    if (!(std::isfinite(m.r_rel[j]) && m.r_rel[j] > -1.0)) {
      throw ValidationError({fmt::format("dac mismatch r_rel[{}] = {}: must be finite and > -1", j, m.r_rel[j])});
    }
  }
}

void check_code(const DacParams& p, int code) {
  if (code < 0 || code >= p.codes()) {
    throw Error(fmt::format("dac code = {}: must be between 0 and 2^bits - 1 = {}", code, p.codes() - 1));
  }
}

double rel(const DacMismatch& m, std::size_t j) { return m.r_rel.empty() ? 0.0 : m.r_rel[j]; }

/// PWL points for one source: 0 V between cycles, level(k) during cycle k.
template <class Level>
std::string pwl(const std::vector<int>& codes, const ReadTiming& t, Level level) {
  std::string s = "pwl(0 0";
  for (std::size_t k = 0; k < codes.size(); ++k) {
    const double t0 = static_cast<double>(k) * t.t_cycle_s, t1 = t0 + t.t_cycle_s;
    const double v = level(codes[k]);
    s += fmt::format(" {:.12g} {:.17g} {:.12g} {:.17g} {:.12g} 0", t0 + t.t_edge_s, v, t1 - t.t_edge_s, v, t1);
  }
  return s + ")";
}

}  // namespace

DacArchitecture parse_dac_architecture(const std::string& name, const std::string& field) {
  if (name == "ideal") return DacArchitecture::ideal;
  if (name == "r2r") return DacArchitecture::r2r;
  throw Error(fmt::format("{} = '{}': must be 'ideal' or 'r2r'", field, name));
}

const char* to_string(DacArchitecture a) { return a == DacArchitecture::ideal ? "ideal" : "r2r"; }

void DacParams::validate() const {
  std::vector<std::string> bad;
  if (bits < 1 || bits > 12) bad.push_back(fmt::format("dac.bits = {}: must be between 1 and 12", bits));
  if (!std::isfinite(v_min_v)) bad.push_back(fmt::format("dac.v_min_v = {}: must be finite (V)", v_min_v));
  if (!std::isfinite(v_max_v)) {
    bad.push_back(fmt::format("dac.v_max_v = {}: must be finite (V)", v_max_v));
  } else if (std::isfinite(v_min_v) && !(v_max_v > v_min_v)) {
    bad.push_back(fmt::format("dac.v_max_v = {}: must be > dac.v_min_v = {}", v_max_v, v_min_v));
  }
  if (!finite_nonneg(r_source_ohm)) {
    bad.push_back(fmt::format("dac.r_source_ohm = {}: must be finite and >= 0 ohm", r_source_ohm));
  }
  if (!finite_pos(r_unit_ohm)) bad.push_back(fmt::format("dac.r_unit_ohm = {}: must be finite and > 0 ohm", r_unit_ohm));
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

void validate(const ReadTiming& t) {
  std::vector<std::string> bad;
  if (!finite_pos(t.t_cycle_s)) bad.push_back(fmt::format("timing.t_cycle_s = {}: must be finite and > 0 s", t.t_cycle_s));
  if (!(finite_pos(t.t_edge_s) && t.t_edge_s <= 0.25 * t.t_cycle_s)) {
    bad.push_back(fmt::format("timing.t_edge_s = {}: must be > 0 s and <= t_cycle_s / 4 = {}", t.t_edge_s,
                              0.25 * t.t_cycle_s));
  }
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

double dac_ideal_level_v(const DacParams& p, int code) {
  check_code(p, code);
  return p.v_min_v + code * (p.v_max_v - p.v_min_v) / (p.codes() - 1.0);
}

double dac_r2r_level_v(const DacParams& p, const DacMismatch& m, int code) {
  p.validate();
  check_mismatch(p, m);
  check_code(p, code);
  const int n = p.bits;
  const double r = p.r_unit_ohm, v_lo = p.v_min_v, v_hi = r2r_v_hi(p);
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  for (int j = 0; j < n; ++j) {  // bit legs
    const double gl = 1.0 / (2.0 * r * (1.0 + rel(m, j)));
    g(j, j) += gl;
    rhs[j] += gl * (((code >> j) & 1) ? v_hi : v_lo);
  }
  for (int j = 0; j + 1 < n; ++j) {  // series resistors
    const double gs = 1.0 / (r * (1.0 + rel(m, n + j)));
    g(j, j) += gs;
    g(j + 1, j + 1) += gs;
    g(j, j + 1) -= gs;
    g(j + 1, j) -= gs;
  }
  const double gt = 1.0 / (2.0 * r * (1.0 + rel(m, 2 * n - 1)));  // termination
  g(0, 0) += gt;
  rhs[0] += gt * v_lo;
  const Eigen::VectorXd v = g.partialPivLu().solve(rhs);
  return v[n - 1];
}

double read_sample_time_s(const ReadTiming& timing, int k) { return (k + 1) * timing.t_cycle_s - timing.t_edge_s; }

std::string dac_text(const DacParams& p, const DacMismatch& m, const std::string& prefix, const std::vector<int>& codes,
                     const ReadTiming& timing, const std::string& out_node) {
  p.validate();
  validate(timing);
  check_mismatch(p, m);
  for (int c : codes) check_code(p, c);
  std::string s = fmt::format("* row driver {}: {} DAC, {} bits, {} cycles of {} s\n", prefix, to_string(p.architecture),
                              p.bits, codes.size(), timing.t_cycle_s);
  const bool has_rs = p.r_source_ohm > 0.0;
  if (p.architecture == DacArchitecture::ideal) {
    const std::string src = has_rs ? prefix + "_src" : out_node;
    s += fmt::format("v{} {} 0 {}\n", prefix, src, pwl(codes, timing, [&](int c) { return dac_ideal_level_v(p, c); }));
    if (has_rs) s += fmt::format("r{}_s {} {} {:.17g}\n", prefix, src, out_node, p.r_source_ohm);
    return s;
  }
  const int n = p.bits;
  const double r = p.r_unit_ohm, v_lo = p.v_min_v, v_hi = r2r_v_hi(p);
  for (int j = 0; j < n; ++j) {
    s += fmt::format("v{0}_b{1} {0}_bs{1} 0 {2}\n", prefix, j,
                     pwl(codes, timing, [&](int c) { return ((c >> j) & 1) ? v_hi : v_lo; }));
    s += fmt::format("r{0}_l{1} {0}_bs{1} {0}_n{1} {2:.17g}\n", prefix, j, 2.0 * r * (1.0 + rel(m, j)));
  }
  for (int j = 0; j + 1 < n; ++j) {
    s += fmt::format("r{0}_ser{1} {0}_n{1} {0}_n{2} {3:.17g}\n", prefix, j, j + 1, r * (1.0 + rel(m, n + j)));
  }
  s += fmt::format("v{0}_lo {0}_lo 0 {1}\n", prefix, pwl(codes, timing, [&](int) { return v_lo; }));
  s += fmt::format("r{0}_t {0}_lo {0}_n0 {1:.17g}\n", prefix, 2.0 * r * (1.0 + rel(m, 2 * n - 1)));
  const std::string buf = has_rs ? prefix + "_buf" : out_node;
  s += fmt::format("e{0}_buf {1} 0 {0}_n{2} 0 1\n", prefix, buf, n - 1);
  if (has_rs) s += fmt::format("r{}_s {} {} {:.17g}\n", prefix, buf, out_node, p.r_source_ohm);
  return s;
}

}  // namespace xbar::netlists
