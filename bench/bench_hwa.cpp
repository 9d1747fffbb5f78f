// bench_hwa: one hardware-aware training epoch of a network through analog tiles (networks/hwa.hpp)
// against one digital libtorch training epoch of the same network, same images, same batch size
// and the same Adam optimizer, in the same run.
//
//   ./build/bench/bench_hwa [--network data/networks/mlp.pt]
//                           [--tiles data/presets/tile64_xbar180.h5,data/presets/tile128_xbar180.h5]
//                           [--images 2048] [--batch-sizes 256,1024] [--repeats 3] [--modes exact,ste]
//                           [--threads N]   (libtorch intra-op threads for both; default: the CPUs this process may use)
//
// An "epoch" here is `--images` training images (the ratio is per image, so it is the ratio of full
// 60,000-image epochs too). The digital epoch is the median of `--repeats` runs; each
// hardware-aware epoch is timed once per repeat as well (medians), split into programming (a fresh
// chip per step: drawing and factorizing every tile), forward and backward.
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/script.h>

#include <sstream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "bench_info.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/networks/hwa.hpp"

using namespace xbar;
using namespace xbar::networks;

namespace {

using bench::median;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

// One digital epoch over the first n training images: libtorch forward, backward and Adam step.
double digital_epoch_s(const std::string& path, const Dataset& train, std::int64_t n, int batch) {
  torch::jit::Module net = torch::jit::load(path);
  net.train();
  std::vector<torch::Tensor> params;
  for (const auto& p : net.parameters()) {
    p.set_requires_grad(true);
    params.push_back(p);
  }
  torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-4));
  const Preprocess pre;
  const auto t0 = bench::Clock::now();
  for (std::int64_t b0 = 0; b0 < n; b0 += batch) {
    const std::int64_t b1 = std::min(n, b0 + batch);
    const torch::Tensor x = pre.apply(train.images.slice(0, b0, b1));
    opt.zero_grad();
    torch::nn::functional::cross_entropy(net.forward({x}).toTensor(), train.labels.slice(0, b0, b1)).backward();
    opt.step();
  }
  return bench::seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string network = XBAR_SOURCE_DIR "/data/networks/mlp.pt";
  std::string tiles = XBAR_SOURCE_DIR "/data/presets/tile64_xbar180.h5," XBAR_SOURCE_DIR "/data/presets/tile128_xbar180.h5";
  std::string modes = "exact,ste";
  std::string batches = "256,1024";
  int images = 2048, repeats = 3, threads = bench::nproc();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--network") network = v;
    else if (a == "--tiles") tiles = v;
    else if (a == "--images") images = std::stoi(v);
    else if (a == "--batch-sizes") batches = v;
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--repeats") repeats = std::stoi(v);
    else if (a == "--modes") modes = v;
    else {
      fmt::print(stderr, "unknown option {}\n", a);
      return 2;
    }
  }
  try {
    if (threads > 0) at::set_num_threads(threads);
    const Dataset train = load_fashion_mnist(Split::train);
    fmt::print("# bench_hwa, {}\n\nxbar {} (git {}), {} build, {}; libtorch threads: {}\n\n", bench::utc_date(),
               XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH, XBAR_BENCH_BUILD_TYPE, XBAR_BENCH_COMPILER, at::get_num_threads());
    fmt::print("Network `{}`; {} training images per epoch (one fresh chip per step), Adam; medians of {} repeats; the "
               "digital epoch uses the same images, batch size, optimizer and thread count.\n\n",
               network, images, repeats);
    fmt::print("| batch | digital epoch s | tile | gradient | HWA epoch s | µs / image | HWA / digital | programming s | forward s "
               "| backward s |\n");
    fmt::print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (const std::string& batch_s : split(batches)) {
      const int batch = std::stoi(batch_s);
      std::vector<double> dig;
      for (int r = 0; r < repeats; ++r) dig.push_back(digital_epoch_s(network, train, images, batch));
      const double digital = median(dig);
      for (const std::string& tile : split(tiles))
        for (const std::string& mode : split(modes)) {
          std::vector<double> total, prog, fwd, bwd;
          for (int r = 0; r < repeats; ++r) {
            HwaOptions o;
            o.network_path = network;
            o.tile_path = tile;
            o.gradient = parse_gradient_mode(mode);
            o.epochs = 1;
            o.batch_size = batch;
            o.train_images = images;
            o.threads = threads;
            o.eval_chips = 0;
            o.eval_images = 1;
            const HwaResult res = train_hwa(o);
            total.push_back(res.train_s);
            prog.push_back(res.program_s);
            fwd.push_back(res.forward_s);
            bwd.push_back(res.backward_s);
            fmt::print(stderr, "batch {} {} {} repeat {}: {:.2f} s (programming {:.2f}, forward {:.2f}, backward {:.2f})\n",
                       batch, tile, mode, r, res.train_s, res.program_s, res.forward_s, res.backward_s);
          }
          const double hwa = median(total);
          fmt::print("| {} | {:.3f} | `{}` | {} | {:.2f} | {:.0f} | {:.1f} | {:.2f} | {:.2f} | {:.2f} |\n", batch, digital,
                     tile.substr(tile.rfind('/') + 1), mode, hwa, 1e6 * hwa / images, hwa / digital, median(prog),
                     median(fwd), median(bwd));
        }
    }
    fmt::print("\nHWA / digital is the per-image ratio of one hardware-aware training epoch to one digital epoch "
               "(target: at most 10x for the MLP, issue #12).\n");
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_hwa: {}\n", e.what());
    return 1;
  }
  return 0;
}
