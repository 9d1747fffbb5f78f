#include "demo_network.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "inference_report.hpp"
#include "progress_bar.hpp"
#include "xbar/networks/training.hpp"
#include "xbar_version.hpp"

namespace xbar::tools {

int run_demo_network(const std::string& out_dir, const std::string& tile_path, int epochs, int chips, int images) {
  namespace fs = std::filesystem;
  fmt::print("\nxbar demo, step 5: a network on analog tiles: the built-in MLP (784-256-128-10) trained for {} epoch{}\n"
             "  on Fashion-MNIST, then run on {} through DAC, crossbar, TIA and ADC models: nominal and {} chips\n",
             epochs, epochs == 1 ? "" : "s", tile_path, chips);
  networks::TrainOptions t;
  t.net = "mlp";
  t.epochs = epochs;
  t.seed = 1;
  const std::string net_path = (fs::path(out_dir) / "demo_mlp.pt").string();
  ProgressBar bar("img", false);
  const auto tr = networks::train_builtin(t, net_path, [&](const networks::TrainProgress& p) {
    bar.update(static_cast<double>(p.done) + static_cast<double>(p.epoch - 1) * p.total,
               static_cast<double>(p.total) * p.epochs, fmt::format("training, epoch {}/{}", p.epoch, p.epochs));
  });
  bar.finish();
  fmt::print("trained in {:.1f} s: digital test accuracy {:.2f} %; wrote {}\n\n", tr.train_s, 100 * tr.test_accuracy,
             net_path);
  networks::InferenceOptions o;
  o.network_path = net_path;
  o.tile_path = tile_path;
  o.chips = chips;
  o.images = images;
  o.xbar_version = XBAR_VERSION;
  o.git_hash = XBAR_GIT_HASH;
  const auto r = run_inference_with_progress(o, false);
  print_inference(r);
  const std::string out = (fs::path(out_dir) / "demo_inference.h5").string();
  networks::write_inference_file(out, r);
  fmt::print("wrote {}; more: xbar infer {} --tile {} --chips 10\n", out, net_path, tile_path);
  return 0;
}

}  // namespace xbar::tools
