// The plots of `xbar validate --plots` (validation_plots.hpp), moved here from tools/.
#include "xbar/report/validation_plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "xbar/report/gnuplot.hpp"
#include "xbar/report/report_error.hpp"

namespace xbar::report {

namespace {

namespace fs = std::filesystem;

std::ofstream open_out(const std::string& path) {
  std::ofstream out(path);
  if (!out) throw ReportError(path + ": cannot write");
  out.precision(17);
  return out;
}

// <dir>/<name>_<what>, creating dir.
struct Namer {
  std::string dir, name;
  Namer(const std::string& d, const std::string& n) : dir(d), name(n) { fs::create_directories(dir); }
  std::string operator()(const std::string& what) const { return (fs::path(dir) / (name + "_" + what)).string(); }
};

}  // namespace

std::vector<std::string> plot_crossbar_validation(const std::string& dir, const CrossbarValidationPlot& v) {
  const Namer path(dir, v.name);
  const std::string& name = v.name;
  const int outputs = v.outputs;
  const double fs_a = v.full_scale_a;
  const double lsb_pct = 100.0 * 2.0 / std::ldexp(1.0, v.adc_bits);  // one LSB in % FS
  const std::string points = path("validate_points.dat");
  {
    auto out = open_out(points);
    out << "# spice_uA ideal_uA model_uA spice-ideal_pct_fs column\n";
    for (std::size_t i = 0; i < v.spice_a.size(); ++i)
      out << 1e6 * v.spice_a[i] << ' ' << 1e6 * v.ideal_a[i] << ' ' << 1e6 * v.model_a[i] << ' '
          << 100.0 * (v.spice_a[i] - v.ideal_a[i]) / fs_a << ' ' << i % static_cast<std::size_t>(outputs) << '\n';
  }
  const std::string cols = path("error_by_column.dat");
  {
    auto out = open_out(cols);
    out << "# column mean_pct_fs rms_pct_fs\n";
    for (std::size_t j = 0; j < v.column_mean_pct_fs.size(); ++j)
      out << j << ' ' << v.column_mean_pct_fs[j] << ' ' << v.column_rms_pct_fs[j] << '\n';
  }
  const std::string spice_hist = path("predictive_spice.dat"), model_hist = path("predictive_model.dat");
  double lo = 0, hi = 0;
  for (const auto* d : {&v.spice_error_pct_fs, &v.model_error_pct_fs})
    for (double e : *d) {
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
  {
    auto a = open_out(spice_hist);
    for (double e : v.spice_error_pct_fs) a << e << '\n';
    auto b = open_out(model_hist);
    for (double e : v.model_error_pct_fs) b << e << '\n';
  }
  const double bin = hi > lo ? (hi - lo) / 40.0 : 1e-6;
  const std::string scatter = path("spice_vs_ideal.png");
  const std::string column = path("error_by_column.png");
  const std::string hist = path("predictive_error_histogram.png");
  run_gnuplot(fmt::format(R"(set terminal {0}
set grid
set output {1}
set title {2}
set xlabel 'ideal MVM of the targets [µA]'
set ylabel 'output current [µA]'
set key top left
plot {3} using 2:1 with points pt 7 ps 0.4 title 'SPICE', {3} using 2:3 with points pt 6 ps 0.6 title 'behavioral model (recorded conductances)', x with lines lw 1 title 'y = x (ideal)'
set output {4}
set title {5}
set xlabel 'output column (distance from the row drivers grows to the right)'
set ylabel 'SPICE - ideal [% of full scale]'
set y2label 'LSB'
set y2tics 0.5
set xrange [-0.5:{15}]
set link y2 via y / {6:.17g} inverse y * {6:.17g}
set key bottom left
plot {7} using 1:2 with linespoints pt 7 title 'mean over samples and inputs', {7} using 1:3 with linespoints pt 6 title 'RMS'
unset y2tics
unset y2label
unset link y2
set autoscale x
set output {8}
set title {9}
set xlabel 'output - ideal MVM [% of full scale]'
set ylabel 'fraction of values per bin'
set key top right
set style fill transparent solid 0.4
binw = {10:.17g}
set boxwidth binw absolute
bin(x) = binw * floor(x / binw + 0.5)
plot {11} using (bin($1)):(1.0 / {12}) smooth frequency with boxes title 'held-out SPICE chips', {13} using (bin($1)):(1.0 / {14}) smooth frequency with boxes title 'fresh chips from the fitted variation (model)'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(scatter),
                          gnuplot_quote(name + ": SPICE and the behavioral model against the ideal MVM (all ok samples)"),
                          gnuplot_quote(points), gnuplot_quote(column),
                          gnuplot_quote(fmt::format("{}: error by output column, SPICE against the ideal MVM (1 LSB = {:.3g} % FS)", name, lsb_pct)),
                          lsb_pct, gnuplot_quote(cols), gnuplot_quote(hist),
                          gnuplot_quote(fmt::format("{}: predictive check, KS D = {:.3f} (p = {:.2g}), {} SPICE and {} fresh chips", name,
                                                    v.ks_statistic, v.ks_p_value, v.spice_chips, v.model_chips)),
                          bin, gnuplot_quote(spice_hist), std::max<std::size_t>(1, v.spice_error_pct_fs.size()), gnuplot_quote(model_hist),
                          std::max<std::size_t>(1, v.model_error_pct_fs.size()), outputs - 0.5));
  return {scatter, column, hist};
}

std::vector<std::string> plot_tia_validation(const std::string& dir, const TiaValidationPlot& all) {
  const Namer path(dir, all.name);
  const std::string& name = all.name;
  const std::string data = path("tia_points.dat");
  const double lsb = all.lsb_v > 0 ? all.lsb_v : 1.0;
  double max_nom = 0, max_inf = 0;
  {
    auto out = open_out(data);
    out << "# i_in_uA spice_mV nominal_mV informed_mV nominal-spice_LSB informed-spice_LSB\n";
    for (std::size_t i = 0; i < all.spice_v.size(); ++i) {
      out << 1e6 * all.i_in_a[i] << ' ' << 1e3 * all.spice_v[i] << ' ' << 1e3 * all.nominal_v[i] << ' '
          << 1e3 * all.informed_v[i] << ' ' << (all.nominal_v[i] - all.spice_v[i]) / lsb << ' '
          << (all.informed_v[i] - all.spice_v[i]) / lsb << '\n';
      max_nom = std::max(max_nom, std::abs(all.nominal_v[i] - all.spice_v[i]) / lsb);
      max_inf = std::max(max_inf, std::abs(all.informed_v[i] - all.spice_v[i]) / lsb);
    }
  }
  const double bin_nom = max_nom > 0 ? 2.0 * max_nom / 30.0 : 1e-6;
  const double bin_inf = max_inf > 0 ? 2.0 * max_inf / 30.0 : 1e-6;
  const std::string scatter = path("tia_model_vs_spice.png");
  const std::string hist = path("tia_residual_histogram.png");
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title {5}
set xlabel 'SPICE v_out [mV]'
set ylabel 'model v_out [mV]'
set key top right
set grid
plot {2} using 2:3 with points pt 7 ps 0.5 title 'nominal model', {2} using 2:4 with points pt 6 ps 0.8 title 'instance-informed model', x with lines lw 1 title 'y = x'
set output {3}
unset title
set multiplot layout 2,1 title {6}
set style fill transparent solid 0.5
set ylabel 'count'
set xlabel 'nominal model - SPICE [LSB]'
set arrow 1 from -0.5, graph 0 to -0.5, graph 1 nohead dt 2
set arrow 2 from 0.5, graph 0 to 0.5, graph 1 nohead dt 2
binw = {4:.17g}
set boxwidth binw absolute
bin(x) = binw * floor(x / binw + 0.5)
plot {2} using (bin($5)):(1.0) smooth frequency with boxes title sprintf('nominal (bin %.3g LSB; dashed: +-0.5 LSB)', binw)
unset arrow 1
unset arrow 2
set xlabel 'instance-informed model - SPICE [LSB]'
binw = {7:.17g}
set boxwidth binw absolute
plot {2} using (bin($6)):(1.0) smooth frequency with boxes lc 2 title sprintf('instance-informed (bin %.3g LSB)', binw)
unset multiplot
set output
)",
                          gnuplot_terminal(), gnuplot_quote(scatter), gnuplot_quote(data), gnuplot_quote(hist), bin_nom,
                          gnuplot_quote(name + ": TIA model against SPICE (all ok instances, every sweep point)"),
                          gnuplot_quote(fmt::format("{}: TIA residual, model - SPICE (1 LSB = {:.3g} mV)", name, 1e3 * lsb)),
                          bin_inf));
  return {scatter, hist};
}

std::vector<std::string> plot_adc_linearity(const std::string& dir, const AdcLinearityPlot& p) {
  const Namer path(dir, p.name);
  const std::string& name = p.name;
  const int M = static_cast<int>(p.model_inl_lsb.size());
  const std::string inl_dat = path("adc_inl.dat"), dnl_dat = path("adc_dnl.dat");
  const std::string terr_dat = path("adc_transition_error.dat"), env_dat = path("adc_envelope.dat");
  {
    auto inl = open_out(inl_dat);
    auto dnl = open_out(dnl_dat);
    auto terr = open_out(terr_dat);
    // Block 0: the model; blocks 1..: the instances (blocks separated by 2 blank lines).
    inl << "# model (nominal transitions)\n";
    for (int k = 0; k < M; ++k) inl << k + 1 << ' ' << p.model_inl_lsb[static_cast<std::size_t>(k)] << '\n';
    dnl << "# model (nominal transitions)\n";
    for (std::size_t k = 0; k < p.model_dnl_lsb.size(); ++k) dnl << k + 1 << ' ' << p.model_dnl_lsb[k] << '\n';
    for (std::size_t r = 0; r < p.instance_inl_lsb.size(); ++r) {
      const std::size_t s = p.instance_sample[r];
      inl << "\n\n# sample " << s << '\n';
      for (std::size_t k = 0; k < p.instance_inl_lsb[r].size(); ++k)
        inl << k + 1 << ' ' << p.instance_inl_lsb[r][k] << '\n';
      dnl << "\n\n# sample " << s << '\n';
      for (std::size_t k = 0; k < p.instance_dnl_lsb[r].size(); ++k)
        dnl << k + 1 << ' ' << p.instance_dnl_lsb[r][k] << '\n';
      terr << "# sample " << s << "\n";
      for (std::size_t k = 0; k < p.transition_error_lsb[r].size(); ++k)
        terr << k + 1 << ' ' << p.transition_error_lsb[r][k] << '\n';
      terr << "\n\n";
    }
    auto env = open_out(env_dat);
    env << "# k inl_min inl_max dnl_min dnl_max (LSB, over the instances)\n";
    for (int k = 0; k < M; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      env << k + 1 << ' ' << p.inl_min[kk] << ' ' << p.inl_max[kk] << ' ' << (k + 1 < M ? p.dnl_min[kk] : NAN) << ' '
          << (k + 1 < M ? p.dnl_max[kk] : NAN) << '\n';
    }
  }
  const int n = static_cast<int>(p.instance_inl_lsb.size());
  const std::string inl_png = path("adc_inl.png"), dnl_png = path("adc_dnl.png");
  const std::string terr_png = path("adc_transition_error.png");
  run_gnuplot(fmt::format(R"(set terminal {0}
set grid
set key top right
set output {1}
set title {9}
set xlabel 'transition k'
set ylabel 'INL [LSB]'
plot {10} using 1:2:3 with filledcurves fs transparent solid 0.2 lc rgb 'gray40' title 'envelope of the {7} instances', for [i=1:{7}] {2} index i using 1:2 with lines lw 1 notitle, {2} index 0 using 1:2 with linespoints lw 3 pt 7 title 'model', 0.5 with lines dt 2 lc rgb 'black' title '+-0.5 LSB', -0.5 with lines dt 2 lc rgb 'black' notitle
set output {3}
set title {11}
set xlabel 'code'
set ylabel 'DNL [LSB]'
plot {10} using 1:4:5 with filledcurves fs transparent solid 0.2 lc rgb 'gray40' title 'envelope of the {7} instances', for [i=1:{7}] {4} index i using 1:2 with lines lw 1 notitle, {4} index 0 using 1:2 with linespoints lw 3 pt 7 title 'model', 0.5 with lines dt 2 lc rgb 'black' title '+-0.5 LSB', -0.5 with lines dt 2 lc rgb 'black' notitle
set output {5}
set title {12}
set xlabel 'transition k'
set ylabel 'error [LSB]'
plot for [i=0:{8}] {6} index i using 1:2 with linespoints pt 7 ps 0.4 notitle, 0.5 with lines dt 2 lc rgb 'black' title '+-0.5 LSB', -0.5 with lines dt 2 lc rgb 'black' notitle
set output
)",
                          gnuplot_terminal(), gnuplot_quote(inl_png), gnuplot_quote(inl_dat), gnuplot_quote(dnl_png),
                          gnuplot_quote(dnl_dat), gnuplot_quote(terr_png), gnuplot_quote(terr_dat), n, n - 1,
                          gnuplot_quote(name + ": ADC endpoint INL, SPICE instances (thin) and the model (thick)"),
                          gnuplot_quote(env_dat),
                          gnuplot_quote(name + ": ADC DNL, SPICE instances (thin) and the model (thick)"),
                          gnuplot_quote(name + ": ADC transition error, model (mean transitions) - instance")));
  return {inl_png, dnl_png, terr_png};
}

std::vector<std::string> plot_tile_validation(const std::string& dir, const TileValidationPlot& all) {
  fs::create_directories(dir);
  const std::string data = (fs::path(dir) / "tile_points.dat").string();
  {
    auto out = open_out(data);
    out << "# spice_v nominal_v informed_v spice_code nominal_code_difference informed_code_difference\n";
    for (std::size_t i = 0; i < all.spice_v.size(); ++i)
      out << all.spice_v[i] << ' ' << all.nominal_v[i] << ' ' << all.informed_v[i] << ' ' << all.spice_codes[i]
          << ' ' << all.nominal_codes[i] - all.spice_codes[i] << ' ' << all.informed_codes[i] - all.spice_codes[i]
          << '\n';
  }
  const std::string scatter = (fs::path(dir) / "tile_model_vs_spice.png").string();
  const std::string hist = (fs::path(dir) / "tile_code_error_histogram.png").string();
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title 'Tile: behavioral TIA output against SPICE (every sample, cycle and column)'
set xlabel 'SPICE v_tia [V]'
set ylabel 'model v_tia [V]'
set key top left
set grid
plot {2} using 1:2 with points pt 7 ps 0.5 title 'nominal TIA offsets', {2} using 1:3 with points pt 6 ps 0.8 title 'instance-informed offsets', x with lines lw 1 title 'y = x'
set output {3}
set title 'Tile: ADC code error, behavioral - SPICE'
set xlabel 'code difference [LSB]'
set ylabel 'count'
set style fill transparent solid 0.5
set boxwidth 0.8
plot {2} using 5:(1.0) smooth frequency with boxes title 'nominal TIA offsets', {2} using 6:(1.0) smooth frequency with boxes title 'instance-informed offsets'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(scatter), gnuplot_quote(data), gnuplot_quote(hist)));
  return {scatter, hist};
}

}  // namespace xbar::report
