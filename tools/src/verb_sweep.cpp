// xbar sweep --network net.pt --tile tile.h5 --vary adc_bits=3,4,5 [--vary r_wire_ohm=0.5,1,2] --chips K
//            --output sweep.h5 [--plots DIR]
// Accuracy over one or two circuit settings (networks::run_sweep); resumes a killed sweep;
// under mpirun the chips of each point are shared across ranks (rank 0 writes).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "output_path.hpp"
#include "progress_bar.hpp"
#include "verbs.hpp"
#include "xbar/networks/sweep.hpp"
#include "xbar/report/sweep_plot.hpp"
#include "xbar_version.hpp"

#ifdef XBAR_WITH_MPI
#include <mpi.h>
#endif

namespace xbar::tools {

namespace {

namespace fs = std::filesystem;

struct SweepVerbOptions {
  networks::InferenceOptions run;
  std::vector<std::string> vary;
  std::string output = "sweep.h5";
  std::string plots;
  bool per_layer = false;
  bool no_nominal = false;
  bool no_offset_calibration = false;
  bool quiet = false;
};

struct Ranks {
  int rank = 0, size = 1;
};

Ranks mpi_ranks() {
  Ranks r;
#ifdef XBAR_WITH_MPI
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) {
    MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &r.size);
  }
#endif
  return r;
}

std::string point_label(const networks::SweepResult& r, const networks::SweepPoint& p) {
  std::string s;
  for (std::size_t k = 0; k < r.options.axes.size(); ++k) {
    const auto& a = r.options.axes[k];
    s += fmt::format("{}{}={}", k ? ", " : "", a.name, a.labels[static_cast<std::size_t>(p.value_index[k])]);
  }
  return s;
}

void print_point(const networks::SweepResult& r, int p) {
  const networks::SweepPoint& pt = r.points[static_cast<std::size_t>(p)];
  const auto& m = pt.accuracy;
  fmt::print("point {:>3}/{}  {:<32} nominal {:6.2f} %   {} chips {:6.2f} % ± {:.2f} (95 % CI [{:.2f}, {:.2f}])\n", p + 1,
             r.points.size(), point_label(r, pt), 100 * pt.nominal.accuracy, pt.chips.size(), 100 * m.mean,
             100 * (m.high - m.mean), 100 * m.low, 100 * m.high);
  std::fflush(stdout);
}

}  // namespace

Verb add_sweep_verb(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "sweep", "Accuracy of a network on analog tiles over one or two circuit settings (mean and 95 % CI over K chips)");
  auto o = std::make_shared<SweepVerbOptions>();
  auto& r = o->run;
  sub->add_option("--network", r.network_path, "TorchScript file (torch.jit.script(model).save(...) or xbar train)")
      ->required();
  sub->add_option("--tile", r.tile_path, "Tile model file (xbar.model/1 or /2 kind tile); omit with --vary tile=...");
  sub->add_option("--vary", o->vary,
                  "SETTING=V1,V2,...: adc_bits, dac_bits (integers), r_wire_ohm (ohm per segment, rows and columns), "
                  "prog_sigma_rel (programming error, relative), tile (tile model files). Once or twice (a grid)")
      ->required()
      ->take_all();
  sub->add_option("--chips", r.chips, "Chips drawn from the tile model's variation (the same K at every point)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  sub->add_option("--seed", r.seed, "Seed: chip k depends only on (seed, k)")->capture_default_str();
  sub->add_option("-o,--output", o->output, "Result file (HDF5, xbar.sweep/1; data/SWEEP_SCHEMA.md); resumed if it exists")
      ->capture_default_str();
  sub->add_option("--plots", o->plots, "Folder for the gnuplot plot of accuracy against the settings");
  sub->add_option("--images", r.images, "Test images (0 = all 10,000)")->capture_default_str()->check(CLI::Range(0, 10000));
  sub->add_option("--batch-size", r.batch_size, "Images per forward pass (memory only)")->capture_default_str()->check(CLI::Range(1, 100000));
  sub->add_option("--threads", r.threads, "libtorch threads (0 = its default); results do not depend on it")->capture_default_str();
  sub->add_option("--dac-bits", r.mapping.dac_bits, "Input DAC bits where not swept (0 = the tile model's)")->capture_default_str();
  sub->add_option("--adc-bits", r.mapping.adc_bits, "ADC bits where not swept (0 = the tile model's)")->capture_default_str();
  sub->add_flag("--per-layer-scaling", o->per_layer, "One weight scale per layer (default: per output column)");
  sub->add_flag("--no-offset-calibration", o->no_offset_calibration, "Decode with the nominal rest instead of each column's zero-input read");
  sub->add_option("--calibration-images", r.mapping.calibration_images, "Training images used to calibrate the ranges")->capture_default_str();
  sub->add_option("--data-dir", r.data_dir, "Fashion-MNIST IDX folder")->capture_default_str();
  sub->add_flag("--no-nominal", o->no_nominal, "Skip the nominal chip");
  sub->add_flag("-q,--quiet", o->quiet, "No progress bar");
  sub->footer(
      "Example:\n  xbar sweep --network data/networks/mlp.pt --tile data/presets/tile64_xbar180.h5 "
      "--vary adc_bits=3,4,5,6,8 --chips 10 --images 1000 -o sweep_adc.h5 --plots plots");
  return {sub, [o] {
            networks::SweepOptions s;
            s.base = o->run;
            s.base.mapping.per_column_scaling = !o->per_layer;
            s.base.nominal = !o->no_nominal;
            s.base.mapping.offset_calibration = !o->no_offset_calibration;
            s.base.xbar_version = XBAR_VERSION;
            s.base.git_hash = XBAR_GIT_HASH;
            for (const std::string& v : o->vary) s.axes.push_back(networks::parse_sweep_axis(v));
            s.validate();
            const Ranks ranks = mpi_ranks();
            const int n_points = s.points();

            // Resume: rank 0 reads the file and checks that it was made with these arguments.
            std::unique_ptr<networks::SweepResult> resume;
            std::vector<int> done(static_cast<std::size_t>(n_points), 0);
            if (ranks.rank == 0 && fs::exists(o->output)) {
              resume = std::make_unique<networks::SweepResult>(networks::read_sweep_file(o->output));
              const auto diff = networks::settings_differences(resume->settings, s.identity());
              if (!diff.empty()) {
                std::string msg = o->output + ": a sweep with other arguments; its finished points are kept as they are. "
                                              "Rerun with the file's arguments to finish it, or give another --output. "
                                              "Differences:";
                for (const auto& d : diff) msg += "\n  " + d;
                throw networks::SweepError(msg);
              }
              for (int p = 0; p < n_points; ++p) done[static_cast<std::size_t>(p)] = resume->points[static_cast<std::size_t>(p)].done;
              fmt::print("resuming {}: {} of {} points done\n", o->output, resume->done_points(), n_points);
            }
#ifdef XBAR_WITH_MPI
            if (ranks.size > 1) {
              MPI_Bcast(done.data(), n_points, MPI_INT, 0, MPI_COMM_WORLD);
              if (ranks.rank != 0) {  // the other ranks only need to know which points to skip
                resume = std::make_unique<networks::SweepResult>();
                resume->points.resize(static_cast<std::size_t>(n_points));
                for (int p = 0; p < n_points; ++p) resume->points[static_cast<std::size_t>(p)].done = done[static_cast<std::size_t>(p)];
              }
            }
#endif
            if (ranks.rank == 0) {
              fmt::print("sweep of {} points ({} chips each{}), {} rank{}\n", n_points, s.base.chips,
                         s.base.nominal ? " and the nominal chip" : "", ranks.size, ranks.size > 1 ? "s" : "");
              fmt::print("note: {}\n", networks::variation_note(s.axes));
              create_parent_folder(o->output);
            }

            const int todo = static_cast<int>(std::count(done.begin(), done.end(), 0));
            const int units = (s.base.nominal ? 1 : 0) + s.base.chips;
            const double per_run = s.base.images > 0 ? std::min(s.base.images, 10000) : 10000;
            // This rank's share of the units (round-robin), plus the digital reference on rank 0.
            const double total = per_run * (1.0 + std::ceil(static_cast<double>(todo) * units / ranks.size));
            ProgressBar bar("img", o->quiet || ranks.rank != 0);
            int units_started = 0, last_point = -2, last_chip = -3;
            std::string last_stage;

            networks::SweepHooks hooks;
            hooks.rank = ranks.rank;
            hooks.size = ranks.size;
#ifdef XBAR_WITH_MPI
            if (ranks.size > 1)
              hooks.reduce_sum = [&](std::vector<double>& buf) {
                std::vector<double> sum(buf.size(), 0.0);
                MPI_Reduce(buf.data(), sum.data(), static_cast<int>(buf.size()), MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
                if (ranks.rank == 0) buf.swap(sum);
              };
#endif
            hooks.progress = [&](int point, const networks::Progress& p) {
              if (point >= 0 && (point != last_point || p.chip != last_chip || p.stage != last_stage)) ++units_started;
              last_point = point;
              last_chip = p.chip;
              last_stage = p.stage;
              const std::string label = point < 0 ? "digital"
                                                  : fmt::format("point {}/{} {}", point + 1, n_points,
                                                                p.chip < 0 ? std::string("nominal")
                                                                           : fmt::format("chip {}/{}", p.chip + 1, p.chips));
              const double before = point < 0 ? 0.0 : per_run * units_started;  // the digital run and earlier units
              bar.update(before + static_cast<double>(p.done), total, label);
            };
            hooks.point_done = [&](const networks::SweepResult& res, int p) {
              bar.finish();
              networks::write_sweep_file(o->output, res);
              if (p >= 0) print_point(res, p);
            };
            const networks::SweepResult res = networks::run_sweep(s, resume.get(), hooks);
            bar.finish();
            if (ranks.rank != 0) return 0;
            fmt::print("\ndigital (libtorch) {:.2f} % on {} test images\n", 100 * res.digital.accuracy, res.images);
            fmt::print("{:<32} {:>9} {:>9} {:>19}\n", "point", "nominal", "mean", "95 % CI");
            for (const auto& p : res.points)
              fmt::print("{:<32} {:>8.2f}% {:>8.2f}% [{:>7.2f}, {:>7.2f}]\n", point_label(res, p), 100 * p.nominal.accuracy,
                         100 * p.accuracy.mean, 100 * p.accuracy.low, 100 * p.accuracy.high);
            fmt::print("note: {}\n", res.variation_note);
            if (!o->plots.empty()) fmt::print("plot {}\n", report::plot_sweep(res, o->plots));
            fmt::print("wrote {}\n", o->output);
            return 0;
          }};
}

}  // namespace xbar::tools
