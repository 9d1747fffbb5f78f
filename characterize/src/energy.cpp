#include "xbar/characterize/energy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "xbar/characterize/error.hpp"

namespace xbar::characterize {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string ground_alias(std::string node) { return node == "gnd" ? "0" : node; }

}  // namespace

std::vector<VoltageSourceTerminals> voltage_sources(const std::string& deck_text) {
  std::vector<VoltageSourceTerminals> out;
  std::istringstream in(deck_text);
  std::string line;
  bool title = true;
  while (std::getline(in, line)) {
    if (title) {  // the first line of a deck is its title, whatever it says
      title = false;
      continue;
    }
    std::istringstream words(line);
    std::string name, plus, minus;
    if (!(words >> name >> plus >> minus)) continue;
    name = lower(name);
    if (name[0] != 'v') continue;
    out.push_back({name, ground_alias(lower(plus)), ground_alias(lower(minus))});
  }
  return out;
}

double interpolate_at(const std::vector<double>& time_s, const std::vector<double>& y, double t_s) {
  if (time_s.size() != y.size() || time_s.empty()) {
    throw Error(fmt::format("interpolate_at: {} time points and {} values: need the same non-zero number",
                            time_s.size(), y.size()));
  }
  if (t_s <= time_s.front()) return y.front();
  if (t_s >= time_s.back()) return y.back();
  const auto hi = static_cast<std::size_t>(std::upper_bound(time_s.begin(), time_s.end(), t_s) - time_s.begin());
  const std::size_t lo = hi - 1;
  const double dt = time_s[hi] - time_s[lo];
  if (dt <= 0.0) return y[hi];
  const double a = (t_s - time_s[lo]) / dt;
  return y[lo] + a * (y[hi] - y[lo]);
}

std::vector<double> node_voltage(const SpiceResult& result, const std::string& node) {
  if (node == "0") return std::vector<double>(result.real("time").size(), 0.0);
  return result.real(node);
}

double integral_of_product(const std::vector<double>& t, const std::vector<double>& a, const std::vector<double>& b,
                           double t0_s, double t1_s) {
  if (a.size() != t.size() || b.size() != t.size()) {
    throw Error(fmt::format("integral_of_product: {} time points, {} and {} values: need the same number", t.size(),
                            a.size(), b.size()));
  }
  if (!(t1_s >= t0_s)) throw Error(fmt::format("integral_of_product: window [{}, {}] s: need t1 >= t0", t0_s, t1_s));
  // The product at the window's ends: a and b each interpolated, then multiplied (as at a time point).
  auto product_at = [&](double tt) { return interpolate_at(t, a, tt) * interpolate_at(t, b, tt); };
  double sum = 0.0, t_prev = t0_s, p_prev = product_at(t0_s);
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] <= t0_s) continue;
    if (t[k] >= t1_s) break;
    const double p = a[k] * b[k];
    sum += 0.5 * (p_prev + p) * (t[k] - t_prev);
    t_prev = t[k];
    p_prev = p;
  }
  return sum + 0.5 * (p_prev + product_at(t1_s)) * (t1_s - t_prev);
}

double source_energy_j(const SpiceResult& result, const VoltageSourceTerminals& source, double t0_s, double t1_s) {
  if (!(t1_s >= t0_s)) throw Error(fmt::format("source_energy_j({}): window [{}, {}] s: need t1 >= t0", source.name, t0_s, t1_s));
  const std::vector<double>& t = result.real("time");
  const std::vector<double>& i = result.real(source.name + "#branch");
  std::vector<double> v = node_voltage(result, source.plus);
  const std::vector<double> vm = node_voltage(result, source.minus);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] -= vm[k];
  return -integral_of_product(t, v, i, t0_s, t1_s);  // p = -v(+,-) i
}

double energy_by_prefix_j(const SpiceResult& result, const std::string& deck_text, const std::string& prefix,
                          double t0_s, double t1_s) {
  return energy_by_prefix_j(result, voltage_sources(deck_text), prefix, t0_s, t1_s);
}

double energy_by_prefix_j(const SpiceResult& result, const std::vector<VoltageSourceTerminals>& sources,
                          const std::string& prefix, double t0_s, double t1_s) {
  const std::string pre = lower(prefix);
  double e = 0.0;
  int n = 0;
  for (const VoltageSourceTerminals& s : sources) {
    if (s.name.compare(0, pre.size(), pre) != 0) continue;
    e += source_energy_j(result, s, t0_s, t1_s);
    ++n;
  }
  if (n == 0) throw Error(fmt::format("energy_by_prefix_j: no voltage source of the deck starts with '{}'", pre));
  return e;
}

}  // namespace xbar::characterize
