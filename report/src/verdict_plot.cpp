// The verdict's bar chart (verdict_plot.hpp).
#include "xbar/report/verdict_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "xbar/report/gnuplot.hpp"
#include "xbar/verdict/verdict.hpp"

namespace xbar::report {

// The four energies as a log-scale bar chart, J per image.
std::string plot_verdict_energy(const verdict::VerdictResult& r, const std::string& dir) {
  const std::string png = (std::filesystem::path(dir) / "verdict_energy.png").string();
  const std::string dat = (std::filesystem::path(dir) / "verdict_energy.dat").string();
  {
    std::ofstream f(dat);
    f << "# figure energy_per_image_J accuracy_percent\n";
    const double an = 100 * r.acc_analog;
    f << fmt::format("\"E_run\" {:.6e} {:.4f}\n", r.e_run_j, an);
    f << fmt::format("\"E_sim behavioral (measured)\" {:.6e} {:.4f}\n", r.e_sim_behavioral_j, 100 * r.acc_nominal);
    f << fmt::format("\"E_sim behavioral (counted)\" {:.6e} {:.4f}\n", r.e_sim_behavioral_counted_j, 100 * r.acc_nominal);
    f << fmt::format("\"E_sim SPICE\" {:.6e} {:.4f}\n", r.e_sim_spice_j, 100 * r.acc_nominal);
    f << fmt::format("\"E_digital int8\" {:.6e} {:.4f}\n", r.e_digital8_j, 100 * r.acc_int8);
    f << fmt::format("\"E_digital int4\" {:.6e} {:.4f}\n", r.e_digital4_j, 100 * r.acc_int4);
  }
  double lo = 1e300, hi = 0;
  for (double e : {r.e_run_j, r.e_sim_behavioral_j, r.e_sim_behavioral_counted_j, r.e_sim_spice_j, r.e_digital8_j,
                   r.e_digital4_j})
    if (std::isfinite(e) && e > 0) {
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
  if (!(hi > 0)) lo = 1e-9, hi = 1;
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set yrange [{5:.3g}:{6:.3g}]
set title {2}
set ylabel 'energy per image [J] (log scale)'
set logscale y
set format y '1e%L'
set grid ytics
set style fill solid 0.6
set boxwidth 0.6
set xtics rotate by -20
set key off
plot {4} using 0:2:xtic(1) with boxes lc rgb '#3060a0', '' using 0:2:(sprintf("%.3g J\n%.1f %%", $2, $3)) with labels offset 0,1.5 font ',9'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(png),
                          gnuplot_quote("Energy per image (labels: energy, test accuracy): " +
                                        std::filesystem::path(r.options.network_path).filename().string() + " on " +
                                        std::filesystem::path(r.options.tile_path).filename().string()),
                          "", gnuplot_quote(dat), lo / 10, hi * 1000));
  return png;
}

}  // namespace xbar::report
