// The observer seam of networks (issue 13, tile_observer.hpp): an AnalogChip hands every tile
// MVM to its observer, with the DAC codes that drove the rows and the ADC codes that came out.
//  - on a layer split over a 2 x 2 grid of tiles with signed inputs (two reads), the MVMs seen
//    are tile_mvms(), each once (layer, tile, read, sample), and their ADC codes are those of
//    TileModel::forward_codes on the seen DAC codes;
//  - the outputs with an observer are those without.
#include <ATen/Parallel.h>

#include <map>
#include <mutex>
#include <tuple>

#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/network.hpp"
#include "xbar/networks/tile_observer.hpp"

#include "doctest_torch.hpp"  // after the torch headers: doctest's CHECK, not glog's

#include <cstdlib>
#include <filesystem>

using namespace xbar;
using namespace xbar::networks;

namespace {

struct Seen {
  Eigen::MatrixXi dac, adc;
};

struct Recorder : TileObserver {
  std::mutex mu;
  std::map<std::tuple<int, int, int, int, std::int64_t>, Seen> seen;  // (layer, tr, tc, read, first sample)
  std::int64_t samples = 0;
  void on_tile_mvm(const TileMvm& m) override {
    std::lock_guard<std::mutex> lock(mu);
    const auto key = std::make_tuple(m.layer, m.tile_row, m.tile_col, m.read, m.first_sample);
    CHECK(seen.count(key) == 0);
    seen[key] = Seen{m.dac_codes, m.adc_codes};
    samples += m.dac_codes.cols();
  }
};

}  // namespace

TEST_CASE("the chip's observer sees every tile MVM once, with codes TileModel gives for its DAC codes") {
  const char* dir = std::getenv("XBAR_TEST_NETS");
  REQUIRE_MESSAGE(dir != nullptr, "XBAR_TEST_NETS is not set (ctest sets it)");
  const Network net((std::filesystem::path(dir) / "tiny_linear.pt").string());  // Linear 20 -> 6
  behavioral::TileModelFile tile;  // 16 x 8 tiles: 20 inputs over 2 tile rows, 6 outputs (12 columns) over 2
  auto& n = tile.nominal;
  n.crossbar.rows = 16;
  n.crossbar.cols = 8;
  n.crossbar.r_row_wire_ohm = n.crossbar.r_col_wire_ohm = 1.0;
  n.dac.bits = 4;
  n.dac.v_min_v = 0.0;
  n.dac.v_max_v = 0.1;
  n.tia.assign(1, behavioral::TiaModelParams{});
  n.adc.assign(1, behavioral::AdcModelParams{});
  n.adc[0].bits = 6;
  n.adc[0].v_min_v = -0.5;
  n.adc[0].v_max_v = 0.0;
  tile.g_min_s = 1e-6;
  tile.g_max_s = 1e-5;
  tile.variation.programming_error.sigma_rel_d2d = 0.05;
  tile.variation.adc_comparator_offset.sigma_v = 1e-3;
  torch::manual_seed(4);
  const torch::Tensor x = torch::rand({50, 20}) * 2 - 1;  // signed: two reads
  const ChipDesign d = calibrate(net, tile, MappingOptions{}, x);
  REQUIRE(d.layers[0].tiles_r == 2);
  REQUIRE(d.layers[0].tiles_c == 2);
  AnalogChip plain(d, 7, 0), observed(d, 7, 0);
  Recorder rec;
  observed.set_observer(&rec);
  const torch::Tensor y0 = net.forward(x, &plain), y1 = net.forward(x, &observed);
  CHECK(torch::equal(y0, y1));
  CHECK(rec.samples == observed.tile_mvms());
  CHECK(observed.tile_mvms() == 2 * 4 * 50);
  int checked = 0;
  for (const auto& [key, s] : rec.seen) {
    const auto [layer, tr, tc, read, first] = key;
    CHECK(layer == 0);
    const Eigen::MatrixXi again = observed.tile(layer, tr, tc).forward_codes(s.dac, static_cast<int>(s.adc.rows()));
    CHECK(again == s.adc);
    ++checked;
  }
  CHECK(checked >= 8);
}
