// The plot of `xbar sweep --plots` (sweep_plot.hpp).
#include "xbar/report/sweep_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "xbar/networks/sweep.hpp"
#include "xbar/report/gnuplot.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

// One gnuplot plot: accuracy against the first setting with 95 % CI bars, one curve per value of
// the second (if any), the nominal chip dashed, the digital accuracy as a line.
std::string plot_sweep(const networks::SweepResult& r, const std::string& dir) {
  fs::create_directories(dir);
  const auto& axes = r.options.axes;
  const auto& x = axes[0];
  const std::string stem = axes.size() == 1 ? "sweep_" + x.name : "sweep_" + x.name + "_by_" + axes[1].name;
  const std::string dat = (fs::path(dir) / (stem + ".dat")).string();
  const std::string png = (fs::path(dir) / (stem + ".png")).string();
  const std::size_t n_curves = axes.size() == 2 ? axes[1].labels.size() : 1;
  {
    std::ofstream o(dat);
    o << "# " << x.name << " [" << x.unit() << "]  mean_accuracy_percent  ci95_low  ci95_high  nominal_percent\n";
    for (std::size_t c = 0; c < n_curves; ++c) {
      if (c) o << "\n\n";
      for (const auto& p : r.points) {
        if (!p.done || (axes.size() == 2 && p.value_index[1] != static_cast<int>(c))) continue;
        o << fmt::format("{:.9g} {:.6g} {:.6g} {:.6g} {:.6g}\n", p.value[0], 100 * p.accuracy.mean, 100 * p.accuracy.low,
                         100 * p.accuracy.high, 100 * p.nominal.accuracy);
      }
    }
  }
  double lo = 100 * r.digital.accuracy;
  double vmin = INFINITY, vmax = -INFINITY;
  for (const auto& p : r.points) {
    if (!p.done) continue;
    for (double v : {p.accuracy.low, p.accuracy.mean, p.nominal.accuracy})
      if (std::isfinite(v)) lo = std::min(lo, 100 * v);
    vmin = std::min(vmin, p.value[0]);
    vmax = std::max(vmax, p.value[0]);
  }
  const bool logx = vmin > 0 && vmax / vmin >= 10;
  std::string names;
  if (x.name == "tile" || (axes.size() == 2 && axes[1].name == "tile")) {
    names = "tiles as listed";
  } else {
    names = fs::path(r.options.base.tile_path).filename().string();
  }
  const std::string title = fmt::format("{} on {}: accuracy over {} chips (mean, 95 % CI), {} images",
                                        fs::path(r.options.base.network_path).filename().string(), names,
                                        r.options.base.chips, r.images);
  std::string plot;
  for (std::size_t c = 0; c < n_curves; ++c) {
    const std::string t = axes.size() == 2
                              ? axes[1].name + " = " + axes[1].labels[c] + (axes[1].name == "tile" ? "" : " " + axes[1].unit())
                              : "chips (mean, 95 % CI)";
    plot += fmt::format("{} index {} using 1:2:3:4 with yerrorlines lw 2 lc {} title {}, ", gnuplot_quote(dat), c, c + 1,
                        gnuplot_quote(t));
    plot += fmt::format("{} index {} using 1:5 with linespoints dt 2 lc {} title {}, ", gnuplot_quote(dat), c, c + 1,
                        gnuplot_quote(axes.size() == 2 ? "nominal chip, " + axes[1].name + " = " + axes[1].labels[c]
                                                        : "nominal chip"));
  }
  plot += fmt::format("{:.6g} with lines lw 2 dt 3 lc rgb 'black' title 'digital (libtorch)'", 100 * r.digital.accuracy);
  std::string xtics;
  if (x.name == "tile") {
    for (std::size_t i = 0; i < x.labels.size(); ++i)
      xtics += fmt::format("{}{} {:.9g}", i ? ", " : "", gnuplot_quote(fs::path(x.labels[i]).filename().string()), x.values[i]);
    xtics = "set xtics (" + xtics + ")\n";
  } else if (x.unit() == "bits") {
    xtics = "set xtics 1\n";
  }
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title {2}
set xlabel {3}
set ylabel 'test accuracy [%]'
set grid
set key bottom right
set offsets graph 0.05, graph 0.05, 0, 0
{4}{5}set yrange [{6:.6g}:{7:.6g}]
plot {8}
set output
)",
                          gnuplot_terminal(), gnuplot_quote(png), gnuplot_quote(title), gnuplot_quote(x.axis_label()),
                          logx ? "set logscale x\n" : "", xtics, std::floor(lo / 5) * 5 - 5,
                          std::min(100.0, std::ceil(100 * r.digital.accuracy / 5) * 5 + 5), plot));
  return png;
}

}  // namespace xbar::report
