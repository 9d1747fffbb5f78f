// xbar train --net mlp|cnn --epochs E --seed S -o net.pt
#include <fmt/format.h>

#include <memory>

#include "output_path.hpp"
#include "progress_bar.hpp"
#include "verbs.hpp"
#include "xbar/networks/training.hpp"

namespace xbar::tools {

namespace {
struct TrainVerbOptions {
  networks::TrainOptions train;
  std::string output = "net.pt";
  bool quiet = false;
};
}  // namespace

Verb add_train_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "Train a built-in network (mlp 784-256-128-10 or a small cnn) on Fashion-MNIST, "
                                          "saved as TorchScript");
  auto o = std::make_shared<TrainVerbOptions>();
  auto& t = o->train;
  sub->add_option("--net", t.net, "Built-in network: mlp or cnn")->capture_default_str()->check(CLI::IsMember({"mlp", "cnn"}));
  sub->add_option("--epochs", t.epochs, "Passes over the 60,000 training images")->capture_default_str()->check(CLI::Range(1, 1000));
  sub->add_option("--seed", t.seed, "Seed of the initialization and the data order")->capture_default_str();
  sub->add_option("-o,--output", o->output, "TorchScript file to write (torch.jit.load in Python runs it)")->capture_default_str();
  sub->add_option("--batch-size", t.batch_size, "Images per Adam step")->capture_default_str()->check(CLI::Range(1, 60000));
  sub->add_option("--lr", t.learning_rate, "Adam learning rate")->capture_default_str();
  sub->add_option("--threads", t.threads, "libtorch threads (0 = its default); the same seed and threads give the same weights")
      ->capture_default_str();
  sub->add_option("--train-images", t.train_images, "Train on the first N images only (0 = all 60,000)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  sub->add_option("--data-dir", t.data_dir, "Fashion-MNIST IDX folder")->capture_default_str();
  sub->add_flag("-q,--quiet", o->quiet, "No progress bar");
  sub->footer("Example:\n  xbar train --net mlp --epochs 10 --seed 1 -o mlp.pt");
  return {sub, [o] {
            create_parent_folder(o->output);
            ProgressBar bar("img", o->quiet);
            const auto r = networks::train_builtin(o->train, o->output, [&](const networks::TrainProgress& p) {
              bar.update(static_cast<double>(p.done) + static_cast<double>(p.epoch - 1) * p.total,
                         static_cast<double>(p.total) * p.epochs, fmt::format("epoch {}/{} loss {:.3f}", p.epoch, p.epochs, p.loss));
            });
            bar.finish();
            fmt::print("{}: {} parameters, {} epochs in {:.1f} s (seed {})\n", o->train.net, r.parameters, o->train.epochs,
                       r.train_s, o->train.seed);
            std::string losses;
            for (double l : r.epoch_loss) losses += fmt::format(" {:.4f}", l);
            fmt::print("training loss per epoch:{}\n", losses);
            fmt::print("digital test accuracy: {:.2f} % (10,000 Fashion-MNIST test images, {})\n", 100 * r.test_accuracy,
                       o->train.preprocess.describe());
            fmt::print("wrote {}\n", o->output);
            return 0;
          }};
}

}  // namespace xbar::tools
