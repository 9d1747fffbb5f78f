// xbar report file.h5 [-o folder]: a folder of gnuplot plots with a markdown index for a tile model
// file (xbar.model kind tile) or an inference file (xbar.inference/1 or /2). Other files (campaigns,
// other model kinds, sweeps) are refused with a message that names what is covered.
#include <fmt/format.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "verbs.hpp"
#include "xbar/report/gnuplot.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/verdict/verdict.hpp"

namespace xbar::tools {

using report::gnuplot_quote;
using report::gnuplot_terminal;
using report::run_gnuplot;

namespace fs = std::filesystem;

namespace {

struct ReportOptions {
  std::string input;
  std::string output;
};

std::string root_attr(const std::string& path, const char* name) {
  behavioral::detail::QuietHdf5 quiet;
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw behavioral::ModelFileError(path + ": not an HDF5 file (or unreadable)");
  std::string v;
  try {
    behavioral::detail::Reader r(path);
    v = r.str(f, "/", name);
  } catch (...) {
  }
  H5Fclose(f);
  return v;
}

// Tile model: ADC INL/DNL of the nominal transitions in LSB, the energy breakdown, the parameters.
std::string report_tile(const std::string& path, const std::string& dir) {
  const auto m = behavioral::read_tile_model_file(path);
  const std::string name = fs::path(path).filename().string();
  const auto& adc = m.nominal.adc[0];
  const Eigen::VectorXd t = adc.transitions_v();
  const double lsb = adc.lsb_v();
  auto ideal_adc = adc;
  ideal_adc.transition_v.resize(0);
  const Eigen::VectorXd t_ideal = ideal_adc.transitions_v();
  std::string md = fmt::format("# Report: {} (tile model, {}x{})\n\n", name, m.nominal.crossbar.rows,
                               m.nominal.crossbar.physical_cols());
  md += "| part | nominal | variation |\n|---|---|---|\n";
  md += fmt::format("| crossbar | {} cells, wires {} / {} Ω per segment, g {:.3g} … {:.3g} µS | programming error {} σ "
                    "{:.4g} %, stuck on {:.3g} %, off {:.3g} %, wire spread σ {:.3g} % |\n",
                    m.nominal.crossbar.cell == behavioral::CellModel::sinh ? "sinh" : "linear",
                    m.nominal.crossbar.r_row_wire_ohm, m.nominal.crossbar.r_col_wire_ohm, 1e6 * m.g_min_s,
                    1e6 * m.g_max_s, m.variation.programming_error.distribution,
                    100 * m.variation.programming_error.sigma_rel_d2d, 100 * m.variation.stuck_on.fraction,
                    100 * m.variation.stuck_off.fraction, 100 * m.variation.wire.r_wire_sigma_rel_d2d);
  md += fmt::format("| DAC | {} bits, {:.3g} … {:.3g} mV | – |\n", m.nominal.dac.bits, 1e3 * m.nominal.dac.v_min_v,
                    1e3 * m.nominal.dac.v_max_v);
  md += fmt::format("| TIA | rf {:.4g} Ω, a0 {:.4g}, r_out {:.4g} Ω, swing {:.0f} … {:.0f} mV | op-amp offset mean "
                    "{:.3g} mV, σ {:.3g} mV |\n",
                    m.nominal.tia[0].rf_ohm, m.nominal.tia[0].a0_vv, m.nominal.tia[0].r_out_ohm,
                    1e3 * m.nominal.tia[0].v_out_min_v, 1e3 * m.nominal.tia[0].v_out_max_v,
                    1e3 * m.variation.tia_opamp_v_offset.mean_v, 1e3 * m.variation.tia_opamp_v_offset.sigma_v);
  md += fmt::format("| ADC | {} bits, {:.0f} … {:.0f} mV, LSB {:.3g} mV | transitions σ {:.3g} mV ({:.3g} LSB) |\n\n",
                    adc.bits, 1e3 * adc.v_min_v, 1e3 * adc.v_max_v, 1e3 * lsb,
                    1e3 * m.variation.adc_comparator_offset.sigma_v, m.variation.adc_comparator_offset.sigma_v / lsb);
  md += fmt::format("Held-out error against SPICE: crossbar {:.3g} % FS RMS; TIA {:.3g} LSB RMS; ADC codes {:.3g} LSB "
                    "RMS.\n\n",
                    m.held_out_crossbar.rms_pct_fs, m.held_out_tia.rms_lsb, m.held_out_adc_codes.rms_lsb);

  // INL and DNL of the nominal transitions (endpoint-free: against the ideal transitions).
  const std::string dat = (fs::path(dir) / "adc_inl_dnl.dat").string();
  {
    std::ofstream f(dat);
    f << "# k INL_LSB DNL_LSB (nominal transitions against the ideal ones)\n";
    for (Eigen::Index k = 0; k < t.size(); ++k) {
      const double ideal = t_ideal[k];
      const double dnl = k == 0 ? 0.0 : (t[k] - t[k - 1]) / lsb - 1.0;
      f << fmt::format("{} {:.6g} {:.6g}\n", k, (t[k] - ideal) / lsb, dnl);
    }
  }
  const std::string inl_png = (fs::path(dir) / "adc_inl_dnl.png").string();
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title {2}
set xlabel 'transition k'
set ylabel 'error [LSB]'
set grid
plot {3} using 1:2 with linespoints pt 7 ps 0.5 title 'INL [LSB]', {3} using 1:3 with linespoints pt 6 ps 0.5 title 'DNL [LSB]'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(inl_png),
                          gnuplot_quote(name + ": nominal ADC transitions, INL and DNL"), gnuplot_quote(dat)));
  md += "## ADC\n\n![INL and DNL](adc_inl_dnl.png)\n\n";

  const auto& e = m.energy;
  if (e.known()) {
    const std::string edat = (fs::path(dir) / "energy_per_mvm.dat").string();
    {
      std::ofstream f(edat);
      f << "# block energy_per_MVM_pJ\n";
      f << fmt::format("array {:.6g}\ndrivers {:.6g}\nTIAs {:.6g}\nADCs {:.6g}\n", 1e12 * e.array_j,
                       1e12 * e.drivers_j, 1e12 * e.tia_j, 1e12 * e.adc_j);
    }
    const std::string epng = (fs::path(dir) / "energy_per_mvm.png").string();
    run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title {2}
set ylabel 'energy per MVM [pJ] (log scale)'
set logscale y
set grid ytics
set style fill solid 0.6
set boxwidth 0.6
set key off
plot {3} using 0:($2 > 0 ? $2 : 1e-3):xtic(1) with boxes lc rgb '#3060a0', '' using 0:($2 > 0 ? $2 : 1e-3):(sprintf('%.4g pJ', $2)) with labels offset 0,1
set output
)",
                            gnuplot_terminal(), gnuplot_quote(epng),
                            gnuplot_quote(name + ": energy of one tile MVM by block (SPICE)"), gnuplot_quote(edat)));
    md += fmt::format("## Energy per MVM\n\n{} = array {} + drivers {} + TIAs {} + ADCs {} over a {:.3g} ns cycle; "
                      "ngspice took {:.4g} s per MVM. {} ({}).\n\n![energy](energy_per_mvm.png)\n\n",
                      verdict::format_joules(e.total_j), verdict::format_joules(e.array_j),
                      verdict::format_joules(e.drivers_j), verdict::format_joules(e.tia_j),
                      verdict::format_joules(e.adc_j), 1e9 * e.t_cycle_s, e.spice_s_per_mvm, e.note, e.campaign_path);
  } else {
    md += "## Energy per MVM\n\nunknown: the file has no /energy (`xbar fit tile ... --energy-campaign`).\n\n";
  }
  return md;
}

// Inference file: accuracy per chip, the nominal confusion matrix, the layers.
std::string report_inference(const std::string& path, const std::string& dir) {
  behavioral::detail::QuietHdf5 quiet;
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw behavioral::ModelFileError(path + ": cannot open");
  behavioral::detail::Hid file(f, H5Fclose);
  behavioral::detail::Reader r(path);
  const auto res = r.group(f, "/results");
  const auto set = r.group(f, "/settings");
  const double digital = r.f64(res.get(), "/results", "digital_accuracy");
  const double nominal = r.f64(res.get(), "/results", "nominal_accuracy");
  const double mean = r.f64(res.get(), "/results", "mean_accuracy");
  const double lo = r.f64(res.get(), "/results", "mean_accuracy_ci95_low");
  const double hi = r.f64(res.get(), "/results", "mean_accuracy_ci95_high");
  const Eigen::VectorXd chips = r.vector(f, "/results/chip_accuracy");
  const std::string net = r.str(set.get(), "/settings", "network_path");
  const std::string tile = r.str(set.get(), "/settings", "tile_path");
  const long long images = r.i64(set.get(), "/settings", "images");
  const std::string name = fs::path(path).filename().string();
  std::string md = fmt::format("# Report: {} (inference of {} on {}, {} test images)\n\n", name, net, tile, images);
  md += fmt::format("| | accuracy |\n|---|---:|\n| digital (libtorch) | {:.2f} % |\n| nominal chip | {:.2f} % |\n",
                    100 * digital, 100 * nominal);
  if (chips.size() > 0)
    md += fmt::format("| mean of {} chips | {:.2f} % [{:.2f}, {:.2f}] |\n", chips.size(), 100 * mean, 100 * lo,
                      100 * hi);
  md += "\n";
  const std::string dat = (fs::path(dir) / "chip_accuracy.dat").string();
  {
    std::ofstream o(dat);
    o << "# chip accuracy_percent\n";
    for (Eigen::Index k = 0; k < chips.size(); ++k) o << fmt::format("{} {:.6g}\n", k, 100 * chips[k]);
  }
  const std::string png = (fs::path(dir) / "chip_accuracy.png").string();
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title {2}
set xlabel 'chip'
set ylabel 'accuracy [%]'
set grid
set style fill solid 0.5
set boxwidth 0.7
set yrange [{6}:100]
plot {3} {4} using 1:2 with boxes lc rgb '#3060a0' title 'chips', {5:.6g} with lines lw 2 dt 2 title 'digital', {7:.6g} with lines lw 2 title 'nominal chip'
set output
)",
                          gnuplot_terminal(), gnuplot_quote(png), gnuplot_quote(name + ": test accuracy per chip"),
                          chips.size() > 0 ? "" : "NaN notitle,", gnuplot_quote(dat),
                          100 * digital, std::floor(std::min({100 * digital, 100 * nominal,
                                                              chips.size() ? 100 * chips.minCoeff() : 100.0}) / 10) * 10 - 10,
                          100 * nominal));
  md += "![accuracy per chip](chip_accuracy.png)\n\n";
  const Eigen::MatrixXd conf = r.matrix(f, "/nominal/confusion");
  const std::string cdat = (fs::path(dir) / "nominal_confusion.dat").string();
  {
    std::ofstream o(cdat);
    for (Eigen::Index i = 0; i < conf.rows(); ++i) {
      for (Eigen::Index j = 0; j < conf.cols(); ++j) o << conf(i, j) << (j + 1 < conf.cols() ? " " : "\n");
    }
  }
  const std::string cpng = (fs::path(dir) / "nominal_confusion.png").string();
  run_gnuplot(fmt::format(R"(set terminal {0}
set output {1}
set title {2}
set xlabel 'predicted class'
set ylabel 'true class'
set yrange [9.5:-0.5]
set xrange [-0.5:9.5]
set cblabel 'images'
plot {3} matrix with image notitle, {3} matrix using 1:2:(sprintf('%d', $3)) with labels font ',8' notitle
set output
)",
                          gnuplot_terminal(), gnuplot_quote(cpng),
                          gnuplot_quote(name + ": confusion matrix of the nominal chip (images)"), gnuplot_quote(cdat)));
  md += "![confusion](nominal_confusion.png)\n";
  return md;
}

}  // namespace

Verb add_report_verb(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "report", "Plots with a markdown index for a tile model file (ADC INL/DNL, energy per MVM) or an inference "
                "file (accuracy per chip, confusion matrix)");
  auto o = std::make_shared<ReportOptions>();
  sub->add_option("file", o->input, "xbar.model/1 file of kind tile, or xbar.inference/1 file")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output, "Folder to write (default: <file>_report)");
  sub->footer("Example:\n  xbar report data/presets/tile64_xbar180.h5 -o tile64_report");
  return {sub, [o] {
            const std::string dir = o->output.empty() ? fs::path(o->input).stem().string() + "_report" : o->output;
            fs::create_directories(dir);
            const std::string schema = root_attr(o->input, "schema");
            std::string md;
            if (behavioral::detail::is_model_schema(schema) && behavioral::model_kind_of(o->input) == "tile") {
              md = report_tile(o->input, dir);
            } else if (schema == "xbar.inference/1" || schema == "xbar.inference/2") {
              md = report_inference(o->input, dir);
            } else {
              std::fprintf(stderr,
                           "xbar report: %s: schema '%s'%s: not covered; xbar report covers tile model files "
                           "(xbar.model kind tile) and inference files (xbar.inference)\n",
                           o->input.c_str(), schema.c_str(),
                           behavioral::detail::is_model_schema(schema) ? (" kind " + behavioral::model_kind_of(o->input)).c_str() : "");
              return 2;
            }
            const std::string index = (fs::path(dir) / "index.md").string();
            std::ofstream(index) << md;
            fmt::print("{}\nwrote {}\n", md, index);
            return 0;
          }};
}

}  // namespace xbar::tools
