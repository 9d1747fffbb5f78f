// bench_networks: the 10,000 Fashion-MNIST test images through a network on analog tiles (one chip
// with variation), against libtorch's digital inference of the same network in the same run.
//
//   ./build/bench/bench_networks [--networks data/networks/mlp.pt,data/networks/cnn.pt]
//                                [--tile data/presets/tile128_xbar180.h5] [--images 10000] [--repeats 3]
//
// Per network: calibration (once), programming one chip (drawing every tile and factorizing its
// crossbar; median of the repeats), then the images through the chip and through libtorch's own
// forward of the same file (alternating, medians), with the same batch size and thread count.
// The ratio analog / digital is what simulating the analog tiles costs over running the network.
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "bench_info.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/networks/inference.hpp"

using namespace xbar;
using namespace xbar::networks;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string networks = XBAR_SOURCE_DIR "/data/networks/mlp.pt," XBAR_SOURCE_DIR "/data/networks/cnn.pt";
  std::string tile_path = XBAR_SOURCE_DIR "/data/presets/tile128_xbar180.h5";
  int images = 10000, repeats = 3, batch = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--networks") networks = v;
    else if (a == "--tile") tile_path = v;
    else if (a == "--images") images = std::stoi(v);
    else if (a == "--repeats") repeats = std::stoi(v);
    else if (a == "--batch-size") batch = std::stoi(v);
    else {
      fmt::print(stderr, "unknown option {}\n", a);
      return 2;
    }
  }
  try {
    const auto tile = behavioral::read_tile_model_file(tile_path);
    const Dataset test = load_fashion_mnist(Split::test);
    const Dataset train = load_fashion_mnist(Split::train);
    const std::time_t t = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&t));
    fmt::print("# bench_networks, {}\n\nxbar {} (git {}), {} build, {}; libtorch threads: {}\n\n", date,
               XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE, XBAR_BENCH_COMPILER, at::get_num_threads());
    fmt::print("Tile: `{}` ({}x{}, {}-bit DAC, {}-bit ADC, 1 chip with the fitted variation, seed 1, chip 0). "
               "{} test images, batches of {}, medians of {} repeats.\n\n",
               tile_path, tile.nominal.crossbar.rows, tile.nominal.crossbar.cols, tile.nominal.dac.bits,
               tile.nominal.adc.front().bits, images, batch, repeats);
    fmt::print("| network | analog layers | tiles | tile MVMs / image | calibration s | programming s | digital (libtorch) s "
               "| analog s | analog / digital | accuracy digital / analog |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (const std::string& path : split(networks)) {
      const Network net(path);
      const Preprocess pre;
      double t0 = now_s();
      const ChipDesign d = calibrate(net, tile, MappingOptions{}, calibration_images(train, 256, 7, pre));
      const double cal_s = now_s() - t0;
      std::vector<double> prog, dig, ana;
      ChipResult rd, ra;
      std::int64_t mvms = 0;
      for (int r = 0; r < repeats; ++r) {
        t0 = now_s();
        AnalogChip chip(d, 1, 0);
        prog.push_back(now_s() - t0);
        t0 = now_s();
        rd = classify(net, nullptr, true, test, images, pre, batch, {}, {});
        dig.push_back(now_s() - t0);
        t0 = now_s();
        ra = classify(net, &chip, false, test, images, pre, batch, {}, {});
        ana.push_back(now_s() - t0);
        mvms = chip.tile_mvms() / images;
        fmt::print(stderr, "{} repeat {}: programming {:.3f} s, digital {:.3f} s, analog {:.3f} s\n", path, r, prog.back(),
                   dig.back(), ana.back());
      }
      fmt::print("| `{}` | {} | {} | {} | {:.2f} | {:.3f} | {:.3f} | {:.3f} | {:.1f} | {:.2f} % / {:.2f} % |\n", path,
                 net.layers().size(), d.tiles(), mvms, cal_s, median(prog), median(dig), median(ana),
                 median(ana) / median(dig), 100 * rd.accuracy, 100 * ra.accuracy);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_networks: {}\n", e.what());
    return 1;
  }
  return 0;
}
