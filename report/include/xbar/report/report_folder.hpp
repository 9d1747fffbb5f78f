#pragma once
// A report folder: PNG plots (gnuplot, through run_gnuplot) with their data files and a markdown
// index, for `xbar report`. Every plot and data file is named `<stem>_<name>.png` / `.dat`, so the
// reports of two runs can share a folder; every title starts with the file's name (`title_prefix`).
// The index (`index.md`) holds a title, a table of key numbers, then sections with text and a link to
// every plot, in the order they were added.
//
//   ReportFolder r("out", "crossbar_small", "crossbar_small.h5");
//   r.section("Monte Carlo");
//   r.histogram("offset", "op-amp offset", "offset [mV]", offsets_mv);
//   r.number("offset sigma", "1.2", "mV");
//   r.write_index("crossbar_small.h5 (opamp campaign)");
//
// Values are plotted as given: callers scale them (µA, mV, LSB) and say the unit in the label.
// NaN values are left out of histograms and written as NaN (a gap) elsewhere. Throws ReportError
// (naming the path) when a file cannot be written or gnuplot fails.
#include <Eigen/Dense>

#include <string>
#include <vector>

namespace xbar::report {

/// One curve of a line plot. `style` is a gnuplot style: "lines", "linespoints", "points".
struct Series {
  std::string title;
  std::vector<double> x, y;
  std::string style = "linespoints";
};

/// A shaded band [low, high] over x (an envelope over instances, a confidence interval).
struct Band {
  std::string title;
  std::vector<double> x, low, high;
};

/// Histogram bins of `values` (NaN left out): `bins` equal bins over [min, max] (0: the square
/// root of the count, clamped to 5 .. 40). All values equal: one bin of width 1 % of |value| (or
/// 1) centred on it. Each value falls in exactly one bin; the maximum in the last.
struct Histogram {
  std::vector<double> center, count;
  double width = 0.0;
  std::size_t n = 0;  ///< finite values counted
};
Histogram histogram_bins(const std::vector<double>& values, int bins = 0);

class ReportFolder {
 public:
  /// `dir` is created if missing. `stem` prefixes every file; `title_prefix` starts every title.
  ReportFolder(std::string dir, std::string stem, std::string title_prefix);

  /// Starts a new section of the index ("## heading").
  void section(const std::string& heading);
  /// A paragraph of markdown in the current section.
  void text(const std::string& markdown);
  /// One row of the key-number table at the top of the index.
  void number(const std::string& name, const std::string& value, const std::string& unit = "");

  /// Histogram (histogram_bins) as boxes, with the count of values and their mean in the key.
  /// `overlay` (optional) is drawn on top (e.g. a fitted density already scaled to counts).
  std::string histogram(const std::string& name, const std::string& title, const std::string& xlabel,
                        const std::vector<double>& values, const std::vector<Series>& overlay = {});
  /// Points y against x; `diagonal` adds the line y = x (e.g. SPICE against ideal).
  std::string scatter(const std::string& name, const std::string& title, const std::string& xlabel,
                      const std::string& ylabel, const std::vector<double>& x, const std::vector<double>& y,
                      bool diagonal);
  /// Curves, shaded bands below them, and horizontal guide lines at `guides_y` (e.g. ±0.5 LSB).
  std::string lines(const std::string& name, const std::string& title, const std::string& xlabel,
                    const std::string& ylabel, const std::vector<Series>& series, const std::vector<Band>& bands = {},
                    const std::vector<double>& guides_y = {});
  /// Points with vertical error bars [low, high] joined by lines, one curve per series
  /// (series[i].y are the centres; low[i], high[i] the bars; NaN bars are not drawn); dashed guide
  /// lines at `guides_y`, named `guides_title` in the key (none when empty).
  std::string error_lines(const std::string& name, const std::string& title, const std::string& xlabel,
                          const std::string& ylabel, const std::vector<Series>& series,
                          const std::vector<std::vector<double>>& low, const std::vector<std::vector<double>>& high,
                          const std::vector<double>& guides_y = {}, bool log_x = false,
                          const std::string& guides_title = "");
  /// Bars with labels and optional error bars (low/high empty: none); log_y for energies.
  std::string bars(const std::string& name, const std::string& title, const std::string& ylabel,
                   const std::vector<std::string>& labels, const std::vector<double>& values,
                   const std::vector<double>& low = {}, const std::vector<double>& high = {}, bool log_y = false);
  /// A row x column map (gnuplot `with image`): row 0 at the top, column 0 at the left.
  /// The data file holds the matrix as text, one row per line (what `matrix` reads). `signed_values`:
  /// a blue-white-red palette symmetric about 0 (errors); else white to blue from 0 (counts).
  std::string heatmap(const std::string& name, const std::string& title, const std::string& xlabel,
                      const std::string& ylabel, const std::string& cblabel, const Eigen::MatrixXd& m,
                      bool signed_values = true);

  /// Writes `<dir>/index.md` (title, key numbers, sections) and returns it; also returned by
  /// markdown() without writing.
  std::string write_index(const std::string& title);
  std::string markdown(const std::string& title) const;

  const std::string& dir() const { return dir_; }
  /// The plots written so far (file names inside dir()).
  const std::vector<std::string>& plots() const { return plots_; }
  /// `<dir>/<stem>_<name>.<ext>`.
  std::string path(const std::string& name, const std::string& ext) const;

 private:
  std::string finish_plot(const std::string& name, const std::string& title, const std::string& body);
  void write_file(const std::string& path, const std::string& text) const;

  std::string dir_, stem_, title_prefix_, terminal_;
  std::vector<std::vector<std::string>> numbers_;
  std::string body_;
  std::vector<std::string> plots_;
};

}  // namespace xbar::report
