// `xbar report` of a sweep file (xbar.sweep/1, read and checked by networks::read_sweep_file): the
// mean accuracy over the chips against each setting with its Student-t 95 % CI as error bars, the
// nominal chip and the digital accuracy; with two settings, one plot per setting (one curve per
// value of the other).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "file_report_kinds.hpp"
#include "xbar/networks/sweep.hpp"
#include "xbar/report/table.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

std::string report_sweep(const std::string& path, report::ReportFolder& out) {
  const networks::SweepResult r = networks::read_sweep_file(path);
  const std::string name = fs::path(path).filename().string();
  const auto& axes = r.options.axes;
  const double digital = 100 * r.digital.accuracy;
  out.number("points done", fmt::format("{} / {}", r.done_points(), r.points.size()));
  out.number("digital accuracy (libtorch)", fmt::format("{:.2f}", digital), "%");
  out.number("chips per point, test images", fmt::format("{}, {}", r.options.base.chips, r.images));
  std::vector<std::vector<std::string>> rows;
  double best = NAN, worst = NAN;
  for (const auto& p : r.points) {
    if (!p.done) continue;
    std::vector<std::string> row;
    for (std::size_t a = 0; a < axes.size(); ++a) row.push_back(axes[a].labels[static_cast<std::size_t>(p.value_index[a])]);
    row.push_back(std::isfinite(p.nominal.accuracy) ? fmt::format("{:.2f}", 100 * p.nominal.accuracy) : "–");
    row.push_back(fmt::format("{:.2f}", 100 * p.accuracy.mean));
    row.push_back(std::isfinite(p.accuracy.low) ? fmt::format("[{:.2f}, {:.2f}]", 100 * p.accuracy.low, 100 * p.accuracy.high) : "–");
    rows.push_back(row);
    best = std::isnan(best) ? p.accuracy.mean : std::max(best, p.accuracy.mean);
    worst = std::isnan(worst) ? p.accuracy.mean : std::min(worst, p.accuracy.mean);
  }
  out.number("mean accuracy over chips: lowest / highest point", fmt::format("{:.2f} / {:.2f}", 100 * worst, 100 * best), "%");
  std::vector<std::string> header;
  for (const auto& a : axes) header.push_back(a.axis_label());
  header.insert(header.end(), {"nominal chip [%]", fmt::format("mean of {} chips [%]", r.options.base.chips), "95 % CI [%]"});
  out.section("Accuracy at every point");
  out.text(r.variation_note);
  out.text(report::markdown_table(header, rows));

  // One plot per setting k: x = its values, one curve per value of the other setting (if any).
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const std::size_t other = axes.size() == 2 ? 1 - k : k;
    const std::size_t n_curves = axes.size() == 2 ? axes[other].values.size() : 1;
    std::vector<Series> series;
    std::vector<std::vector<double>> low, high;
    for (std::size_t j = 0; j < n_curves; ++j) {
      Series s{axes.size() == 2 ? fmt::format("{} = {}", axes[other].name, axes[other].labels[j])
                                : fmt::format("mean of {} chips", r.options.base.chips),
               {}, {}, "linespoints"};
      Series nominal{axes.size() == 2 ? "" : "nominal chip", {}, {}, "linespoints"};
      std::vector<double> lo, hi;
      for (const auto& p : r.points) {
        if (!p.done || (axes.size() == 2 && static_cast<std::size_t>(p.value_index[other]) != j)) continue;
        s.x.push_back(p.value[k]);
        s.y.push_back(100 * p.accuracy.mean);
        lo.push_back(100 * p.accuracy.low);
        hi.push_back(100 * p.accuracy.high);
        nominal.x.push_back(p.value[k]);
        nominal.y.push_back(100 * p.nominal.accuracy);
      }
      series.push_back(s);
      low.push_back(lo);
      high.push_back(hi);
      if (axes.size() == 1) {
        series.push_back(nominal);
        low.emplace_back();
        high.emplace_back();
      }
    }
    out.section(fmt::format("Accuracy against {}", axes[k].name));
    out.text(fmt::format("Error bars: Student-t 95 % interval of the mean over the {} chips. Dashed line: digital "
                         "accuracy {:.2f} %.",
                         r.options.base.chips, digital));
    out.error_lines("accuracy_vs_" + axes[k].name,
                    fmt::format("test accuracy against {} ({} chips per point, {} images)", axes[k].name, r.options.base.chips, r.images),
                    axes[k].axis_label(), "test accuracy [%]", series, low, high, {digital}, false,
                    fmt::format("digital (libtorch) {:.2f} %", digital));
  }
  std::string vary;
  for (const auto& a : axes) vary += (vary.empty() ? "" : " x ") + a.name;
  return fmt::format("Report: {} (sweep of {} over {}, {} points)", name, r.options.base.network_path, vary, r.points.size());
}

}  // namespace xbar::report
