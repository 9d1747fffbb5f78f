#include "tile_readout.hpp"

#include <fmt/format.h>

#include "xbar/characterize/energy.hpp"

namespace xbar::characterize {

std::vector<std::string> tile_readout_vectors(const netlists::TileParams& p) {
  std::vector<std::string> items;
  for (int k = 0; k < p.crossbar.cols; ++k) {
    items.push_back(fmt::format("v({})", netlists::tile_tia_output_node(k)));
    for (const std::string& q : netlists::adc_output_nodes(p.adc, netlists::tile_adc_prefix(k)))
      items.push_back(fmt::format("v({})", q));
  }
  return items;
}

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

void read_tile_cycles(const SpiceResult& r, const netlists::TileParams& p, int cycles, Eigen::MatrixXd& v_tia,
                      Eigen::MatrixXi& codes) {
  const std::vector<double>& t = r.real("time");
  for (int n = 0; n < cycles; ++n) {
    const double ts = netlists::read_sample_time_s(p.timing, n);
    for (int k = 0; k < p.crossbar.cols; ++k) {
      v_tia(n, k) = interpolate_at(t, r.real(netlists::tile_tia_output_node(k)), ts);
      std::vector<double> q;
      for (const std::string& node : netlists::adc_output_nodes(p.adc, netlists::tile_adc_prefix(k)))
        q.push_back(interpolate_at(t, r.real(node), ts));
      codes(n, k) = netlists::adc_code(p.adc, q);
    }
  }
}

}  // namespace xbar::characterize
