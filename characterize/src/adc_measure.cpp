#include "xbar/characterize/adc_measure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "xbar/characterize/energy.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::characterize {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Where q first crosses `level` upwards; NaN if it never does. The crossing is bracketed by two
/// sweep points and located on the cubic through the four points around them (Lagrange), by
/// bisection; at the ends of the sweep, on the line through the two points.
double rising_crossing(const std::vector<double>& v, const std::vector<double>& q, double level) {
  const std::size_t n = std::min(v.size(), q.size());
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (!(q[i] <= level && q[i + 1] > level)) continue;
    if (i == 0 || i + 2 >= n) return v[i] + (level - q[i]) / (q[i + 1] - q[i]) * (v[i + 1] - v[i]);
    const double x[4] = {v[i - 1], v[i], v[i + 1], v[i + 2]}, y[4] = {q[i - 1], q[i], q[i + 1], q[i + 2]};
    auto cubic = [&](double t) {
      double sum = 0.0;
      for (int a = 0; a < 4; ++a) {
        double w = y[a];
        for (int b = 0; b < 4; ++b)
          if (b != a) w *= (t - x[b]) / (x[a] - x[b]);
        sum += w;
      }
      return sum - level;
    };
    double lo = v[i], hi = v[i + 1];  // cubic(lo) <= 0 < cubic(hi): it passes through the data points
    for (int it = 0; it < 60; ++it) {
      const double mid = 0.5 * (lo + hi);
      (cubic(mid) <= 0.0 ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }
  return kNaN;
}

}  // namespace

InlDnl endpoint_inl_dnl(std::vector<double> t) {
  std::sort(t.begin(), t.end(), [](double a, double b) {
    return std::isnan(b) ? !std::isnan(a) : (!std::isnan(a) && a < b);  // NaNs last
  });
  InlDnl out;
  const std::size_t m = t.size();
  if (m < 2) return out;
  const double lsb_ep = (t.back() - t.front()) / static_cast<double>(m - 1);
  out.lsb_v = lsb_ep;
  for (std::size_t c = 1; c < m; ++c) out.dnl_lsb.push_back((t[c] - t[c - 1]) / lsb_ep - 1.0);
  for (std::size_t k = 0; k < m; ++k) out.inl_lsb.push_back((t[k] - t.front() - static_cast<double>(k) * lsb_ep) / lsb_ep);
  return out;
}

InlDnl inl_dnl_against_ideal(const std::vector<double>& t, const std::vector<double>& ideal_v, double lsb_v) {
  if (t.size() != ideal_v.size())
    throw Error(fmt::format("inl_dnl_against_ideal: {} transitions and {} ideal ones: need the same number", t.size(),
                            ideal_v.size()));
  InlDnl out;
  out.lsb_v = lsb_v;
  for (std::size_t k = 0; k < t.size(); ++k) out.inl_lsb.push_back((t[k] - ideal_v[k]) / lsb_v);
  for (std::size_t c = 1; c < t.size(); ++c) out.dnl_lsb.push_back((t[c] - t[c - 1]) / lsb_v - 1.0);
  return out;
}

double rising_crossing_v(const std::vector<double>& x, const std::vector<double>& y, double level) {
  return rising_crossing(x, y, level);
}

AdcLinearity adc_linearity(const netlists::AdcParams& p, const std::vector<double>& threshold_v,
                           const std::vector<int>& code_hits) {
  const int n_cmp = p.comparators();
  if (static_cast<int>(threshold_v.size()) != n_cmp || static_cast<int>(code_hits.size()) != n_cmp + 1) {
    throw Error(fmt::format("adc_linearity: {} thresholds and {} histogram bins: need 2^bits - 1 = {} and 2^bits",
                            threshold_v.size(), code_hits.size(), n_cmp));
  }
  AdcLinearity out;
  out.threshold_v = threshold_v;
  out.transition_v = threshold_v;
  std::sort(out.transition_v.begin(), out.transition_v.end(), [](double a, double b) {
    return std::isnan(b) ? !std::isnan(a) : (!std::isnan(a) && a < b);  // NaNs last
  });
  const std::vector<double>& t = out.transition_v;
  const std::vector<double> ideal = netlists::adc_ideal_transitions_v(p);
  const double lsb = p.lsb_v();
  InlDnl figures = endpoint_inl_dnl(t);
  out.dnl_lsb = std::move(figures.dnl_lsb);
  out.inl_lsb = std::move(figures.inl_lsb);
  out.offset_lsb = (t.front() - ideal.front()) / lsb;
  out.gain_error_lsb = ((t.back() - t.front()) - (ideal.back() - ideal.front())) / lsb;
  out.missing_codes = static_cast<int>(std::count(code_hits.begin(), code_hits.end(), 0));
  return out;
}

double measure_chain_trip_v(SpiceSession& spice, const netlists::AdcParams& p) {
  const double half = 0.5 * p.vdd_v, coarse = p.vdd_v / 180.0;
  spice.run(fmt::format("dc vchain 0 {:.17g} {:.17g}", p.vdd_v, coarse));
  const double rough = rising_crossing(spice.read_real("v-sweep"), spice.read_real("chain_out"), half);
  if (std::isnan(rough)) throw Error("measure_chain_trip_v: the replica inverter chain never crossed vdd/2");
  const double fine = coarse / 100.0;
  spice.run(fmt::format("dc vchain {:.17g} {:.17g} {:.17g}", rough - 1.5 * coarse, rough + 1.5 * coarse, fine));
  return rising_crossing(spice.read_real("v-sweep"), spice.read_real("chain_out"), half);
}

AdcLinearity measure_adc_linearity(SpiceSession& spice, const netlists::AdcParams& p, const netlists::AdcMismatch& m,
                                   int points_per_lsb, double* chain_trip_v) {
  const netlists::Deck deck = netlists::make_adc_dc_deck(p, m);
  const int n_cmp = p.comparators();
  const double half = 0.5 * p.vdd_v;
  std::vector<double> thresholds(static_cast<std::size_t>(n_cmp));
  std::vector<int> hits(static_cast<std::size_t>(n_cmp) + 1, 0);
  double v_m = 0.0;
  try {
    spice.load(deck.text);
    v_m = measure_chain_trip_v(spice, p);
    spice.run(netlists::adc_dc_sweep_command(p, points_per_lsb));
    const std::vector<double> v = spice.read_real("v-sweep");
    std::vector<int> codes(v.size(), 0);
    for (int k = 1; k <= n_cmp; ++k) {
      const std::vector<double> q = spice.read_real(fmt::format("adcq{}", k));
      const std::vector<double> pa = spice.read_real(fmt::format("adc_p{}", k));
      for (std::size_t i = 0; i < v.size(); ++i) codes[i] += q[i] > half ? 1 : 0;
      // The threshold from the smooth preamp output; the steep q must agree to within a sweep step.
      double t = rising_crossing(v, pa, v_m);
      const double t_q = rising_crossing(v, q, half);
      const double step = p.lsb_v() / points_per_lsb;
      if (std::isnan(t_q) || !(std::abs(t - t_q) <= 1.01 * step)) t = t_q;
      thresholds[static_cast<std::size_t>(k - 1)] = t;
    }
    for (int c : codes) ++hits[static_cast<std::size_t>(c)];
    spice.cleanup();
  } catch (...) {
    spice.cleanup();
    throw;
  }
  if (chain_trip_v) *chain_trip_v = v_m;
  return adc_linearity(p, thresholds, hits);
}

AdcEnergy measure_adc_energy(SpiceSession& spice, const netlists::AdcParams& p, const netlists::AdcMismatch& m,
                             double t_conversion_s, double t_edge_s) {
  const netlists::Deck deck = netlists::make_adc_step_deck(p, m, p.v_min_v, p.v_max_v, t_edge_s);
  const double max_step = t_conversion_s / 2000.0;
  const SpiceResult r =
      spice.simulate(deck.text, fmt::format("tran {:.6g} {:.6g} 0 {:.6g}", max_step, t_conversion_s, max_step));
  AdcEnergy e;
  e.supply_j = energy_by_prefix_j(r, deck.text, "vadc_dd", 0.0, t_conversion_s);
  e.reference_j = energy_by_prefix_j(r, deck.text, "vadc_ref", 0.0, t_conversion_s);
  e.total_j = energy_by_prefix_j(r, deck.text, "vadc", 0.0, t_conversion_s);
  return e;
}

}  // namespace xbar::characterize
