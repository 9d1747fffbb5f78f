#include "xbar/report/report_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "xbar/report/gnuplot.hpp"
#include "xbar/report/report_error.hpp"
#include "xbar/report/table.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

namespace {

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string("NaN"); }

// Colours of the curves, in order.
const char* colour(std::size_t i) {
  static const char* c[] = {"#3060a0", "#c04030", "#30a050", "#a060c0", "#d09020", "#208090", "#806040", "#606060"};
  return c[i % 8];
}

}  // namespace

Histogram histogram_bins(const std::vector<double>& values, int bins) {
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  Histogram h;
  h.n = v.size();
  if (v.empty()) return h;
  const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  const double lo = *lo_it, hi = *hi_it;
  if (!(hi > lo)) {
    h.width = lo != 0 ? 0.01 * std::abs(lo) : 1.0;
    h.center = {lo};
    h.count = {static_cast<double>(v.size())};
    return h;
  }
  const int n = bins > 0 ? bins : std::clamp(static_cast<int>(std::ceil(std::sqrt(static_cast<double>(v.size())))), 5, 40);
  h.width = (hi - lo) / n;
  h.count.assign(static_cast<std::size_t>(n), 0.0);
  for (int b = 0; b < n; ++b) h.center.push_back(lo + (b + 0.5) * h.width);
  for (double x : v) {
    int b = static_cast<int>(std::floor((x - lo) / h.width));
    b = std::clamp(b, 0, n - 1);
    h.count[static_cast<std::size_t>(b)] += 1;
  }
  return h;
}

ReportFolder::ReportFolder(std::string dir, std::string stem, std::string title_prefix)
    : dir_(std::move(dir)), stem_(std::move(stem)), title_prefix_(std::move(title_prefix)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) {
    throw ReportError(fmt::format("{}: cannot create the report folder: {}", dir_, ec ? ec.message() : "not a folder"));
  }
  terminal_ = gnuplot_terminal();
}

std::string ReportFolder::path(const std::string& name, const std::string& ext) const {
  return (fs::path(dir_) / (stem_ + "_" + name + "." + ext)).string();
}

void ReportFolder::section(const std::string& heading) { body_ += "## " + heading + "\n\n"; }

void ReportFolder::text(const std::string& markdown) { body_ += markdown + "\n\n"; }

void ReportFolder::number(const std::string& name, const std::string& value, const std::string& unit) {
  numbers_.push_back({name, value, unit});
}

void ReportFolder::write_file(const std::string& p, const std::string& text) const {
  std::ofstream f(p, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw ReportError(fmt::format("{}: cannot write (disk full, or no permission?)", p));
}

std::string ReportFolder::finish_plot(const std::string& name, const std::string& title, const std::string& body) {
  const std::string png = path(name, "png");
  run_gnuplot(fmt::format("set terminal {}\nset output {}\nset title {}\nset grid\n{}\nset output\n", terminal_,
                          gnuplot_quote(png), gnuplot_quote(title_prefix_ + ": " + title), body));
  const std::string file = fs::path(png).filename().string();
  plots_.push_back(file);
  std::string alt = title;  // brackets would end the link text early
  std::replace(alt.begin(), alt.end(), '[', '(');
  std::replace(alt.begin(), alt.end(), ']', ')');
  body_ += fmt::format("![{}]({})\n\n", alt, file);
  return file;
}

std::string ReportFolder::histogram(const std::string& name, const std::string& title, const std::string& xlabel,
                                    const std::vector<double>& values, const std::vector<Series>& overlay) {
  const Histogram h = histogram_bins(values);
  double sum = 0;
  for (double x : values)
    if (std::isfinite(x)) sum += x;
  std::string dat = fmt::format("# bin_centre count (bin width {})\n", num(h.width));
  for (std::size_t b = 0; b < h.center.size(); ++b) dat += num(h.center[b]) + " " + num(h.count[b]) + "\n";
  for (const auto& s : overlay) {
    dat += "\n\n# " + s.title + "\n";
    for (std::size_t i = 0; i < s.x.size(); ++i) dat += num(s.x[i]) + " " + num(s.y[i]) + "\n";
  }
  const std::string dpath = path(name, "dat");
  write_file(dpath, dat);
  std::string plot = fmt::format("plot {} index 0 using 1:2 with boxes lc rgb '#3060a0' title {}", gnuplot_quote(dpath),
                                 gnuplot_quote(fmt::format("{} values, mean {:.4g}", h.n, h.n ? sum / h.n : NAN)));
  for (std::size_t i = 0; i < overlay.size(); ++i)
    plot += fmt::format(", {} index {} using 1:2 with {} lw 2 lc rgb '{}' title {}", gnuplot_quote(dpath), i + 1,
                        overlay[i].style, colour(i + 1), gnuplot_quote(overlay[i].title));
  if (h.n == 0) plot = "set label 1 'no finite values' at graph 0.4, graph 0.5\nplot NaN notitle";
  return finish_plot(name, title,
                     fmt::format("set xlabel {}\nset ylabel 'count'\nset style fill solid 0.5 border -1\n"
                                 "set boxwidth {} absolute\nset yrange [0:*]\nset offsets graph 0.02, graph 0.02, graph 0.1, 0\n{}",
                                 gnuplot_quote(xlabel), num(h.width), plot));
}

std::string ReportFolder::scatter(const std::string& name, const std::string& title, const std::string& xlabel,
                                  const std::string& ylabel, const std::vector<double>& x, const std::vector<double>& y,
                                  bool diagonal) {
  std::string dat = "# x y\n";
  for (std::size_t i = 0; i < x.size(); ++i) dat += num(x[i]) + " " + num(y[i]) + "\n";
  const std::string dpath = path(name, "dat");
  write_file(dpath, dat);
  std::string plot = fmt::format("plot {} using 1:2 with points pt 7 ps 0.4 lc rgb '#3060a0' title {}",
                                 gnuplot_quote(dpath), gnuplot_quote(fmt::format("{} values", x.size())));
  if (diagonal) plot += ", x with lines lw 1 dt 2 lc rgb '#c04030' title 'y = x'";
  return finish_plot(name, title,
                     fmt::format("set xlabel {}\nset ylabel {}\nset key top left\n{}", gnuplot_quote(xlabel),
                                 gnuplot_quote(ylabel), plot));
}

std::string ReportFolder::lines(const std::string& name, const std::string& title, const std::string& xlabel,
                                const std::string& ylabel, const std::vector<Series>& series,
                                const std::vector<Band>& bands, const std::vector<double>& guides_y) {
  std::string dat;
  std::vector<std::string> plot;
  const std::string dpath = path(name, "dat");
  int block = 0;
  for (std::size_t i = 0; i < bands.size(); ++i, ++block) {
    dat += "# band " + bands[i].title + ": x low high\n";
    for (std::size_t k = 0; k < bands[i].x.size(); ++k)
      dat += num(bands[i].x[k]) + " " + num(bands[i].low[k]) + " " + num(bands[i].high[k]) + "\n";
    dat += "\n\n";
    plot.push_back(fmt::format("{} index {} using 1:2:3 with filledcurves fs transparent solid 0.25 noborder lc rgb '{}' title {}",
                               gnuplot_quote(dpath), block, colour(i + 4), gnuplot_quote(bands[i].title)));
  }
  for (std::size_t i = 0; i < series.size(); ++i, ++block) {
    dat += "# " + series[i].title + ": x y\n";
    for (std::size_t k = 0; k < series[i].x.size(); ++k) dat += num(series[i].x[k]) + " " + num(series[i].y[k]) + "\n";
    dat += "\n\n";
    plot.push_back(fmt::format("{} index {} using 1:2 with {} lw 2 pt 7 ps 0.5 lc rgb '{}' title {}", gnuplot_quote(dpath),
                               block, series[i].style, colour(i), gnuplot_quote(series[i].title)));
  }
  for (std::size_t g = 0; g < guides_y.size(); ++g)
    plot.push_back(fmt::format("{} with lines dt 2 lw 1 lc rgb '#000000' {}", num(guides_y[g]),
                               g == 0 ? fmt::format("title {}", gnuplot_quote(fmt::format("guides at {}", [&] {
                                                      std::string s;
                                                      for (double v : guides_y) s += (s.empty() ? "" : ", ") + fmt::format("{:g}", v);
                                                      return s;
                                                    }())))
                                      : std::string("notitle")));
  write_file(dpath, dat);
  std::string joined;
  for (const auto& p : plot) joined += (joined.empty() ? "" : ", ") + p;
  if (joined.empty()) joined = "NaN notitle";
  return finish_plot(name, title,
                     fmt::format("set xlabel {}\nset ylabel {}\nset key outside bottom center horizontal\nplot {}",
                                 gnuplot_quote(xlabel), gnuplot_quote(ylabel), joined));
}

std::string ReportFolder::error_lines(const std::string& name, const std::string& title, const std::string& xlabel,
                                      const std::string& ylabel, const std::vector<Series>& series,
                                      const std::vector<std::vector<double>>& low,
                                      const std::vector<std::vector<double>>& high, const std::vector<double>& guides_y,
                                      bool log_x, const std::string& guides_title) {
  std::string dat;
  std::vector<std::string> plot;
  const std::string dpath = path(name, "dat");
  for (std::size_t i = 0; i < series.size(); ++i) {
    dat += "# " + series[i].title + ": x y low high\n";
    for (std::size_t k = 0; k < series[i].x.size(); ++k) {
      const double lo = i < low.size() && k < low[i].size() ? low[i][k] : NAN;
      const double hi = i < high.size() && k < high[i].size() ? high[i][k] : NAN;
      // A missing bar is drawn as a zero-length one (gnuplot skips a whole point with a NaN column).
      dat += num(series[i].x[k]) + " " + num(series[i].y[k]) + " " + num(std::isfinite(lo) ? lo : series[i].y[k]) + " " +
             num(std::isfinite(hi) ? hi : series[i].y[k]) + "\n";
    }
    dat += "\n\n";
    plot.push_back(fmt::format("{0} index {1} using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.6 lc rgb '{2}' title {3}",
                               gnuplot_quote(dpath), i, colour(i), gnuplot_quote(series[i].title)));
  }
  for (std::size_t g = 0; g < guides_y.size(); ++g)
    plot.push_back(fmt::format("{} with lines dt 2 lw 1 lc rgb '#000000' {}", num(guides_y[g]),
                               g == 0 && !guides_title.empty() ? "title " + gnuplot_quote(guides_title) : "notitle"));
  write_file(dpath, dat);
  std::string joined;
  for (const auto& p : plot) joined += (joined.empty() ? "" : ", ") + p;
  return finish_plot(name, title,
                     fmt::format("set xlabel {}\nset ylabel {}\n{}set offsets graph 0.05, graph 0.05, 0, 0\n"
                                 "set key outside bottom center horizontal\nplot {}",
                                 gnuplot_quote(xlabel), gnuplot_quote(ylabel), log_x ? "set logscale x\n" : "", joined));
}

std::string ReportFolder::bars(const std::string& name, const std::string& title, const std::string& ylabel,
                               const std::vector<std::string>& labels, const std::vector<double>& values,
                               const std::vector<double>& low, const std::vector<double>& high, bool log_y) {
  std::string dat = "# label value low high\n";
  const bool err = !low.empty() && !high.empty();
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string label = labels[i];
    std::replace(label.begin(), label.end(), '"', '\'');
    const double v = log_y && !(values[i] > 0) ? NAN : values[i];
    dat += fmt::format("\"{}\" {} {} {}\n", label, num(v), num(err && std::isfinite(low[i]) ? low[i] : v),
                       num(err && std::isfinite(high[i]) ? high[i] : v));
  }
  const std::string dpath = path(name, "dat");
  write_file(dpath, dat);
  std::string plot = fmt::format(
      "plot {0} using 0:2:xtic(1) with boxes lc rgb '#3060a0' notitle, '' using 0:2:(sprintf('%.4g', $2)) with labels "
      "offset 0,1 notitle",
      gnuplot_quote(dpath));
  if (err) plot += ", '' using 0:2:3:4 with yerrorbars pt 0 lw 2 lc rgb '#c04030' title '95 % CI'";
  return finish_plot(name, title,
                     fmt::format("set ylabel {}\n{}set grid ytics\nset style fill solid 0.6\nset boxwidth 0.6\n"
                                 "set xtics rotate by -20\nset offsets 0.5, 0.5, graph 0.1, 0\n{}",
                                 gnuplot_quote(ylabel), log_y ? "set logscale y\n" : "set yrange [0:*]\n", plot));
}

std::string ReportFolder::heatmap(const std::string& name, const std::string& title, const std::string& xlabel,
                                  const std::string& ylabel, const std::string& cblabel, const Eigen::MatrixXd& m,
                                  bool signed_values) {
  std::string dat;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) dat += num(m(r, c)) + (c + 1 < m.cols() ? " " : "\n");
  }
  const std::string dpath = path(name, "dat");
  write_file(dpath, dat);
  double a = 0;  // a colour range symmetric about 0: white is no error
  for (Eigen::Index i = 0; i < m.size(); ++i)
    if (std::isfinite(m.data()[i])) a = std::max(a, std::abs(m.data()[i]));
  return finish_plot(name, title,
                     fmt::format("{}set xlabel {}\nset ylabel {}\nset cblabel {}\nset xrange [-0.5:{}]\nset yrange [{}:-0.5]\n"
                                 "{}unset grid\n"
                                 "plot {} matrix with image notitle",
                                 !signed_values ? fmt::format("set cbrange [0:*]\nset palette defined (0 '#ffffff', 1 '#2040a0')\n")
                                 : a > 0 ? fmt::format("set cbrange [{}:{}]\n", num(-a), num(a)) : std::string(),
                                 gnuplot_quote(xlabel), gnuplot_quote(ylabel), gnuplot_quote(cblabel), m.cols() - 0.5,
                                 m.rows() - 0.5,
                                 signed_values ? "set palette defined (0 '#2040a0', 0.5 '#f0f0f0', 1 '#b02020')\n" : "",
                                 gnuplot_quote(dpath)));
}

std::string ReportFolder::markdown(const std::string& title) const {
  std::string md = "# " + title + "\n\n";
  if (!numbers_.empty()) md += markdown_table({"key number", "value", "unit"}, numbers_) + "\n";
  return md + body_;
}

std::string ReportFolder::write_index(const std::string& title) {
  const std::string p = (fs::path(dir_) / "index.md").string();
  write_file(p, markdown(title));
  return p;
}

}  // namespace xbar::report
