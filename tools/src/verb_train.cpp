// xbar train --net mlp|cnn --epochs E --seed S -o net.pt
// xbar train --hwa --tile tile.h5 [--network net.pt] --gradient exact|ste -o net_hwa.pt
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "output_path.hpp"
#include "progress_bar.hpp"
#include "verbs.hpp"
#include "xbar/networks/error.hpp"
#include "xbar/networks/hwa.hpp"
#include "xbar/networks/training.hpp"

namespace xbar::tools {

namespace {
struct TrainVerbOptions {
  networks::TrainOptions train;
  std::string output = "net.pt";
  bool quiet = false;
  bool hwa = false;
  networks::HwaOptions h;
  std::string gradient = "exact";
  bool no_offset_calibration = false;
};

// Hardware-aware training: fine-tunes --network (or a fresh built-in network) through the tiles,
// then evaluates it on the evaluation chips.
int run_hwa(const TrainVerbOptions& o, const CLI::App& sub) {
  networks::HwaOptions h = o.h;
  h.gradient = networks::parse_gradient_mode(o.gradient);
  h.seed = o.train.seed;
  h.threads = o.train.threads;
  h.train_images = o.train.train_images;
  h.data_dir = o.train.data_dir;
  h.output_path = o.output;
  h.mapping.offset_calibration = !o.no_offset_calibration;
  if (sub.count("--epochs")) h.epochs = o.train.epochs;
  if (sub.count("--batch-size")) h.batch_size = o.train.batch_size;
  if (sub.count("--lr")) h.learning_rate = o.train.learning_rate;
  create_parent_folder(o.output);
  std::string fresh;
  if (h.network_path.empty()) {  // a fresh built-in network, trained through the tiles from its initialization
    fresh = o.output + ".init.pt";
    networks::make_builtin_network(o.train.net, o.train.seed).save(fresh);
    h.network_path = fresh;
  }
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove(path, ec);
    }
  } remove{fresh};
  ProgressBar bar("img", o.quiet);
  const auto r = networks::train_hwa(h, [&](const networks::HwaProgress& p) {
    if (p.stage == "train")
      bar.update(static_cast<double>(p.done) + static_cast<double>(p.epoch - 1) * p.total,
                 static_cast<double>(p.total) * p.epochs, fmt::format("epoch {}/{} loss {:.3f}", p.epoch, p.epochs, p.loss));
    else
      bar.update(static_cast<double>(p.done), static_cast<double>(p.total), "evaluating (digital, nominal, chips)");
  });
  bar.finish();
  const std::string net_name = fresh.empty() ? h.network_path : "built-in " + o.train.net;
  fmt::print("hardware-aware training of {} on {} ({} gradient{})\n", net_name, h.tile_path, networks::to_string(h.gradient),
             h.r_wire_ohm >= 0 ? fmt::format(", wires {} ohm per cell, fitted variation kept", h.r_wire_ohm) : "");
  if (h.epochs > 0) {
    std::string losses;
    for (double l : r.epoch_loss) losses += fmt::format(" {:.4f}", l);
    fmt::print("{} epochs, {} steps (one fresh chip each) in {:.1f} s: programming {:.1f} s, forward {:.1f} s, backward {:.1f} s\n",
               h.epochs, r.steps, r.train_s, r.program_s, r.forward_s, r.backward_s);
    fmt::print("training loss per epoch:{}\n", losses);
  } else {
    fmt::print("0 epochs: evaluation only\n");
  }
  fmt::print("digital accuracy {:.2f} %, nominal chip {:.2f} %\n", 100 * r.digital_accuracy, 100 * r.nominal_accuracy);
  if (!r.chip_accuracy.empty()) {
    std::string chips;
    for (double a : r.chip_accuracy) chips += fmt::format(" {:.2f}", 100 * a);
    fmt::print("evaluation chips (seed {}, never drawn in training):{}\n", h.eval_seed, chips);
    fmt::print("accuracy over {} chips: {:.2f} % (95 % CI {:.2f} .. {:.2f} %)\n", r.chip_accuracy.size(), 100 * r.chips.mean,
               100 * r.chips.low, 100 * r.chips.high);
  }
  if (!h.output_path.empty()) fmt::print("wrote {}\n", h.output_path);
  return 0;
}
}  // namespace

Verb add_train_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "Train a built-in network (mlp 784-256-128-10 or a small cnn) on Fashion-MNIST, "
                                          "saved as TorchScript");
  auto o = std::make_shared<TrainVerbOptions>();
  auto& t = o->train;
  sub->add_option("--net", t.net, "Built-in network: mlp or cnn")->capture_default_str()->check(CLI::IsMember({"mlp", "cnn"}));
  sub->add_option("--epochs", t.epochs, "Passes over the 60,000 training images (with --hwa: 0 = evaluate only)")->capture_default_str()->check(CLI::Range(0, 1000));
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
  auto* g = sub->add_option_group("Hardware-aware training", "Train through the analog tiles (networks/hwa.hpp)");
  g->add_flag("--hwa", o->hwa, "Train through the tiles: a fresh chip per step, the circuit's own gradient "
                               "(defaults then: 1 epoch, batch 256, lr 1e-4)");
  g->add_option("--tile", o->h.tile_path, "Tile model file (kind tile; data/presets/)");
  g->add_option("--network", o->h.network_path, "TorchScript network to fine-tune (default: a fresh --net)");
  g->add_option("--gradient", o->gradient, "exact (the circuit's adjoint) or ste (straight through, ideal layer)")
      ->capture_default_str()
      ->check(CLI::IsMember({"exact", "ste"}));
  g->add_option("--r-wire-ohm", o->h.r_wire_ohm, "Nominal wire resistance per cell, ohm (default: the tile model's; "
                                                 "the fitted variation is kept)");
  g->add_option("--dac-bits", o->h.mapping.dac_bits, "Input DAC bits (0 = the tile model's)")->capture_default_str();
  g->add_option("--adc-bits", o->h.mapping.adc_bits, "ADC bits (0 = the tile model's)")->capture_default_str();
  g->add_flag("--no-offset-calibration", o->no_offset_calibration, "Decode with the nominal rest");
  g->add_option("--eval-chips", o->h.eval_chips, "Evaluation chips after training")->capture_default_str()->check(CLI::Range(0, 100000));
  g->add_option("--eval-seed", o->h.eval_seed, "Evaluation chip k = xbar infer's chip k of this seed")->capture_default_str();
  g->add_option("--eval-images", o->h.eval_images, "Test images for evaluation (0 = all 10,000)")->capture_default_str()
      ->check(CLI::Range(0, 10000));
  sub->footer("Examples:\n  xbar train --net mlp --epochs 10 --seed 1 -o mlp.pt\n"
              "  xbar train --hwa --network data/networks/mlp.pt --tile data/presets/tile64_xbar180.h5 --gradient exact "
              "--epochs 1 -o mlp_hwa.pt");
  return {sub, [o, sub] {
            if (o->hwa) {
              if (o->h.tile_path.empty()) throw networks::MappingError("train --hwa: --tile is needed (a tile model file, e.g. data/presets/tile64_xbar180.h5)");
              return run_hwa(*o, *sub);
            }
            for (const char* opt : {"--tile", "--network", "--r-wire-ohm", "--eval-chips", "--eval-seed", "--eval-images",
                                    "--dac-bits", "--adc-bits", "--no-offset-calibration"})
              if (sub->count(opt)) throw networks::MappingError(fmt::format("train: {} is only used with --hwa (hardware-aware training)", opt));
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
