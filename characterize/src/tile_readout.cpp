#include "tile_readout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace xbar::characterize {

std::string save_cards_text(const std::vector<std::string>& items) {
  std::string out;
  std::string line = ".save";
  for (const std::string& item : items) {
    if (line.size() + item.size() > 200) {
      out += line + "\n";
      line = ".save";
    }
    line += " " + item;
  }
  return out + line + "\n";
}

namespace {

/// The TIA outputs (chain), the comparator outputs (adcs) and, with `energy`, each block source's
/// current and terminals: every vector a tile kind reads, so that ngspice keeps only those.
std::string save_cards(const netlists::TileParams& p, const std::vector<VoltageSourceTerminals>& sources, int first_col,
                       int n_cols, bool tia, bool adcs, bool energy) {
  std::set<std::string> items;
  if (energy) {
    for (const VoltageSourceTerminals& s : sources) {
      const bool block = s.name.rfind("vdac", 0) == 0 || s.name.rfind("vtia", 0) == 0 || s.name.rfind("vadc", 0) == 0 ||
                         s.name.rfind("vrow", 0) == 0 || s.name.rfind("vcol", 0) == 0;
      if (!block) continue;
      items.insert(fmt::format("i({})", s.name));
      if (s.plus != "0") items.insert(fmt::format("v({})", s.plus));
      if (s.minus != "0") items.insert(fmt::format("v({})", s.minus));
    }
  }
  for (int k = first_col; k < first_col + n_cols; ++k) {
    if (tia) items.insert(fmt::format("v({})", netlists::tile_tia_output_node(k)));
    if (adcs)
      for (const std::string& q : netlists::adc_output_nodes(p.adc, netlists::tile_adc_prefix(k)))
        items.insert(fmt::format("v({})", q));
  }
  return save_cards_text({items.begin(), items.end()});
}

std::string with_cards(std::string text, const std::string& cards) {
  text.insert(text.rfind(".end"), cards);
  return text;
}

}  // namespace

double TileTransient::adc_energy_j(double t0_s, double t1_s) const {
  if (adc_runs.empty()) return energy_by_prefix_j(chain, chain_sources, "vadc", t0_s, t1_s);
  double e = 0.0;
  for (const AdcRun& a : adc_runs) e += energy_by_prefix_j(a.result, a.sources, "vadc", t0_s, t1_s);
  return e;
}

TileTransient run_tile_transient(SpiceSession& spice, const netlists::TileParams& p, AdcTransient mode,
                                 bool energy_vectors, bool inject_fault, int group_cols) {
  TileTransient r;
  const bool separate = mode == AdcTransient::separate;
  const int C = p.crossbar.cols;
  r.group_cols = std::clamp(group_cols, 1, C);
  const std::string chain = separate ? netlists::make_tile_chain_deck(p).text : netlists::make_tile_deck(p).text;
  r.chain_sources = voltage_sources(chain);
  const std::string fault = inject_fault ? "Rfloat xf1 xf2 1k\n" : "";
  r.chain = spice.simulate(with_cards(chain, save_cards(p, r.chain_sources, 0, C, true, !separate, energy_vectors) + fault), "run");
  if (!separate) return r;
  std::vector<std::vector<double>> waves;
  for (int k = 0; k < C; ++k) waves.push_back(r.chain.real(netlists::tile_tia_output_node(k)));
  const std::vector<double>& time = r.chain.real("time");
  for (int k0 = 0; k0 < C; k0 += r.group_cols) {
    const int cols = std::min(r.group_cols, C - k0);
    AdcRun a;
    const std::string adcs = netlists::make_tile_adc_deck(p, time, waves, k0, cols).text;
    a.sources = voltage_sources(adcs);
    a.result = spice.simulate(with_cards(adcs, save_cards(p, a.sources, k0, cols, false, true, energy_vectors)), "run");
    r.adc_runs.push_back(std::move(a));
  }
  return r;
}

void read_tile_cycles(const TileTransient& r, const netlists::TileParams& p, int cycles, Eigen::MatrixXd& v_tia,
                      Eigen::MatrixXi& codes) {
  const std::vector<double>& t = r.chain.real("time");
  for (int n = 0; n < cycles; ++n) {
    const double ts = netlists::read_sample_time_s(p.timing, n);
    for (int k = 0; k < p.crossbar.cols; ++k) {
      v_tia(n, k) = interpolate_at(t, r.chain.real(netlists::tile_tia_output_node(k)), ts);
      const SpiceResult& adcs = r.adcs_of(k);
      std::vector<double> q;
      for (const std::string& node : netlists::adc_output_nodes(p.adc, netlists::tile_adc_prefix(k)))
        q.push_back(interpolate_at(adcs.real("time"), adcs.real(node), ts));
      codes(n, k) = netlists::adc_code(p.adc, q);
    }
  }
}

}  // namespace xbar::characterize
