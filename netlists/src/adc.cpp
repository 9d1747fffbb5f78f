#include "xbar/netlists/adc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "xbar/netlists/error.hpp"
#include "xbar/netlists/process.hpp"

namespace xbar::netlists {

namespace {

bool finite_pos(double x) { return std::isfinite(x) && x > 0.0; }
bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }

void check_mismatch(const AdcParams& p, const AdcMismatch& m) {
  std::vector<std::string> bad;
  const std::size_t n_cmp = static_cast<std::size_t>(p.comparators()), n_r = n_cmp + 1;
  if (!m.comparator_offset_v.empty() && m.comparator_offset_v.size() != n_cmp) {
    bad.push_back(fmt::format("adc mismatch comparator_offset_v has {} entries: must be empty or 2^bits - 1 = {}",
                              m.comparator_offset_v.size(), n_cmp));
  }
  for (std::size_t k = 0; k < m.comparator_offset_v.size(); ++k) {
    if (!std::isfinite(m.comparator_offset_v[k])) {
      bad.push_back(fmt::format("adc mismatch comparator_offset_v[{}] = {}: must be finite (V)", k, m.comparator_offset_v[k]));
      break;
    }
  }
  if (!m.ladder_r_rel.empty() && m.ladder_r_rel.size() != n_r) {
    bad.push_back(fmt::format("adc mismatch ladder_r_rel has {} entries: must be empty or 2^bits = {}",
                              m.ladder_r_rel.size(), n_r));
  }
  for (std::size_t j = 0; j < m.ladder_r_rel.size(); ++j) {
    if (!(std::isfinite(m.ladder_r_rel[j]) && m.ladder_r_rel[j] > -1.0)) {
      bad.push_back(fmt::format("adc mismatch ladder_r_rel[{}] = {}: must be finite and > -1", j, m.ladder_r_rel[j]));
      break;
    }
  }
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

/// Nominal resistance of ladder resistor j (R/2 at both ends, R between), with its mismatch.
double ladder_r(const AdcParams& p, const AdcMismatch& m, int j) {
  const int last = p.comparators();
  const double nominal = (j == 0 || j == last) ? 0.5 * p.r_ladder_unit_ohm : p.r_ladder_unit_ohm;
  return nominal * (1.0 + (m.ladder_r_rel.empty() ? 0.0 : m.ladder_r_rel[static_cast<std::size_t>(j)]));
}

}  // namespace

void AdcParams::validate() const {
  std::vector<std::string> bad;
  if (bits < 4 || bits > 8) bad.push_back(fmt::format("adc.bits = {}: must be between 4 and 8", bits));
  if (!std::isfinite(v_min_v)) bad.push_back(fmt::format("adc.v_min_v = {}: must be finite (V)", v_min_v));
  if (!std::isfinite(v_max_v)) {
    bad.push_back(fmt::format("adc.v_max_v = {}: must be finite (V)", v_max_v));
  } else if (std::isfinite(v_min_v) && !(v_max_v > v_min_v)) {
    bad.push_back(fmt::format("adc.v_max_v = {}: must be > adc.v_min_v = {}", v_max_v, v_min_v));
  }
  if (!finite_pos(vdd_v)) bad.push_back(fmt::format("adc.vdd_v = {}: must be finite and > 0 V", vdd_v));
  if (!finite_pos(r_ladder_unit_ohm)) {
    bad.push_back(fmt::format("adc.r_ladder_unit_ohm = {}: must be finite and > 0 ohm", r_ladder_unit_ohm));
  }
  if (!(std::isfinite(preamp_gain) && preamp_gain > 1.0)) {
    bad.push_back(fmt::format("adc.preamp_gain = {}: must be finite and > 1", preamp_gain));
  }
  if (!finite_nonneg(i_bias_a)) bad.push_back(fmt::format("adc.i_bias_a = {}: must be finite and >= 0 A", i_bias_a));
  if (!finite_nonneg(c_load_f)) bad.push_back(fmt::format("adc.c_load_f = {}: must be finite and >= 0 F", c_load_f));
  if (!finite_pos(w_n_m)) bad.push_back(fmt::format("adc.w_n_m = {}: must be finite and > 0 m", w_n_m));
  if (!finite_pos(w_p_m)) bad.push_back(fmt::format("adc.w_p_m = {}: must be finite and > 0 m", w_p_m));
  if (!finite_pos(l_m)) bad.push_back(fmt::format("adc.l_m = {}: must be finite and > 0 m", l_m));
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

std::string adc_text(const AdcParams& p, const AdcMismatch& m, const std::string& prefix, const std::string& in_node,
                     const std::string& vdd_node, const std::string& enable_node) {
  p.validate();
  check_mismatch(p, m);
  const int n_cmp = p.comparators();
  std::string s = fmt::format("* flash ADC {}: {} bits, {} .. {} V, ones-counter encoder\n", prefix, p.bits, p.v_min_v,
                              p.v_max_v);
  s += fmt::format("v{0}_refl {0}_rl 0 dc {1:.17g}\n", prefix, p.v_min_v);
  s += fmt::format("v{0}_refh {0}_rh 0 dc {1:.17g}\n", prefix, p.v_max_v);
  for (int j = 0; j <= n_cmp; ++j) {
    const std::string lo = j == 0 ? prefix + "_rl" : fmt::format("{}_t{}", prefix, j);
    const std::string hi = j == n_cmp ? prefix + "_rh" : fmt::format("{}_t{}", prefix, j + 1);
    s += fmt::format("r{}_l{} {} {} {:.17g}\n", prefix, j, lo, hi, ladder_r(p, m, j));
  }
  const double half = 0.5 * p.vdd_v;
  for (int k = 1; k <= n_cmp; ++k) {
    const double os = m.comparator_offset_v.empty() ? 0.0 : m.comparator_offset_v[static_cast<std::size_t>(k - 1)];
    // The preamp reads the input and its tap directly; the offset is a constant in its
    // expression (no source and node per comparator: see the header).
    const std::string diff = os == 0.0 ? fmt::format("v({}) - v({}_t{})", in_node, prefix, k)
                                       : fmt::format("v({}) - v({}_t{}) - ({:.17g})", in_node, prefix, k, os);
    // Tracking: half + half tanh(...). Clocked (enable_node set): the same scaled by v(enable) / vdd,
    // so the output is 0 while the enable is low and the tracking value while it is at vdd.
    const std::string level =
        enable_node.empty()
            ? fmt::format("{0:.17g} + {0:.17g} * tanh({1:.17g} * ({2}))", half, p.preamp_gain / half, diff)
            : fmt::format("{0:.17g} * v({1}) * (1 + tanh({2:.17g} * ({3})))", half / p.vdd_v, enable_node,
                          p.preamp_gain / half, diff);
    if (p.comparator == ComparatorModel::macro) {
      s += fmt::format("b{0}_pa{1} {0}q{1} 0 v = {2}\n", prefix, k, level);
      if (p.c_load_f > 0.0)
        s += fmt::format("b{0}_sw{1} {2} 0 i = {3:.17g} * abs(ddt(v({0}q{1})))\n", prefix, k, vdd_node, p.c_load_f);
    } else {
      s += fmt::format("b{0}_pa{1} {0}_p{1} 0 v = {2}\n", prefix, k, level);
      s += adc_comparator_chain_text(p, fmt::format("{}_{}", prefix, k), fmt::format("{}_p{}", prefix, k),
                                     fmt::format("{}q{}", prefix, k), vdd_node);
    }
    if (p.i_bias_a > 0.0) s += fmt::format("i{0}_bias{1} {2} 0 dc {3:.17g}\n", prefix, k, vdd_node, p.i_bias_a);
  }
  return s;
}

std::string adc_comparator_chain_text(const AdcParams& p, const std::string& name, const std::string& in_node,
                                      const std::string& out_node, const std::string& vdd_node) {
  const Process proc = xbar180();
  const std::string mid = name + "_x";
  std::string s;
  for (const auto& [in, out, tag] : {std::tuple{in_node, mid, "a"}, std::tuple{mid, out_node, "b"}}) {
    s += mosfet_text(proc, MosfetInstance{fmt::format("{}_n{}", name, tag), out, in, "0", "0", MosType::nmos, p.w_n_m, p.l_m});
    s += mosfet_text(proc, MosfetInstance{fmt::format("{}_p{}", name, tag), out, in, vdd_node, vdd_node, MosType::pmos,
                                          p.w_p_m, p.l_m});
    if (p.c_load_f > 0.0) s += fmt::format("c{}_{} {} 0 {:.17g}\n", name, tag, out, p.c_load_f);
  }
  return s;
}

std::vector<std::string> adc_output_nodes(const AdcParams& p, const std::string& prefix) {
  std::vector<std::string> out;
  for (int k = 1; k <= p.comparators(); ++k) out.push_back(fmt::format("{}q{}", prefix, k));
  return out;
}

int adc_code(const AdcParams& p, const std::vector<double>& comparator_outputs_v) {
  const double half = 0.5 * p.vdd_v;
  return static_cast<int>(std::count_if(comparator_outputs_v.begin(), comparator_outputs_v.end(),
                                        [&](double v) { return v > half; }));
}

std::vector<double> adc_ideal_transitions_v(const AdcParams& p) {
  std::vector<double> t;
  const double lsb = p.lsb_v();
  for (int k = 1; k <= p.comparators(); ++k) t.push_back(p.v_min_v + (k - 0.5) * lsb);
  return t;
}

int adc_ideal_code(const AdcParams& p, double v_in) {
  const double c = std::round((v_in - p.v_min_v) / p.lsb_v());
  return static_cast<int>(std::clamp(c, 0.0, static_cast<double>(p.comparators())));
}

std::vector<double> adc_ladder_taps_v(const AdcParams& p, const AdcMismatch& m) {
  p.validate();
  check_mismatch(p, m);
  const int n_cmp = p.comparators();
  double total = 0.0;
  for (int j = 0; j <= n_cmp; ++j) total += ladder_r(p, m, j);
  std::vector<double> taps;
  double below = 0.0;
  for (int k = 1; k <= n_cmp; ++k) {
    below += ladder_r(p, m, k - 1);
    taps.push_back(p.v_min_v + (p.v_max_v - p.v_min_v) * below / total);
  }
  return taps;
}

namespace {

Deck adc_bench(const AdcParams& p, const AdcMismatch& m, const std::string& title, const std::string& input_source) {
  Deck deck;
  deck.text = title + "\n";
  deck.text += fmt::format("vadc_dd adc_vdd 0 dc {:.17g}\n", p.vdd_v);
  deck.text += input_source;
  deck.text += adc_text(p, m, "adc", "adc_in", "adc_vdd");
  for (int k = 1; k <= p.comparators(); ++k) {
    deck.probes.push_back(Probe{fmt::format("q{}", k), "V", {{fmt::format("adcq{}", k), 1.0}}});
    deck.text += probe_comment(deck.probes.back()) + "\n";
  }
  deck.text += ".end\n";
  return deck;
}

}  // namespace

Deck make_adc_dc_deck(const AdcParams& p, const AdcMismatch& m) {
  p.validate();
  Deck deck = adc_bench(p, m, fmt::format("xbar flash ADC {} bits: DC transfer bench", p.bits),
                        fmt::format("vin_adc adc_in 0 dc {:.17g}\n", p.v_min_v));
  // Replica of the comparators' inverter chain, driven by its own source (see the header).
  const std::string replica = fmt::format("vchain chain_in 0 dc {:.17g}\n", 0.5 * p.vdd_v) +
                              adc_comparator_chain_text(p, "chain", "chain_in", "chain_out", "adc_vdd");
  // For `ngspice -b`: print every comparator output over the sweep (adc_dc_sweep_command).
  deck.text.insert(deck.text.rfind(".end"), replica + print_cards("dc", probe_vectors(deck.probes)));
  return deck;
}

std::string adc_dc_sweep_command(const AdcParams& p, int points_per_lsb) {
  p.validate();
  if (points_per_lsb < 1) throw ValidationError({fmt::format("points_per_lsb = {}: must be >= 1", points_per_lsb)});
  const double lsb = p.lsb_v(), step = lsb / points_per_lsb;
  const int n_steps = (p.comparators() + 2) * points_per_lsb;
  const double start = p.v_min_v - lsb;
  return fmt::format("dc vin_adc {:.17g} {:.17g} {:.17g}", start, start + n_steps * step, step);
}

Deck make_adc_step_deck(const AdcParams& p, const AdcMismatch& m, double v_from_v, double v_to_v, double t_edge_s) {
  p.validate();
  if (!(std::isfinite(v_from_v) && std::isfinite(v_to_v) && finite_pos(t_edge_s))) {
    throw ValidationError({fmt::format("adc step bench: v_from = {} V, v_to = {} V, t_edge = {} s: need finite "
                                       "voltages and t_edge > 0", v_from_v, v_to_v, t_edge_s)});
  }
  return adc_bench(p, m, fmt::format("xbar flash ADC {} bits: step bench", p.bits),
                   fmt::format("vin_adc adc_in 0 pwl(0 {0:.17g} {2:.12g} {0:.17g} {3:.12g} {1:.17g})\n", v_from_v,
                               v_to_v, t_edge_s, 2.0 * t_edge_s));
}

}  // namespace xbar::netlists
