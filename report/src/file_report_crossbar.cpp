// `xbar report` of a crossbar campaign: SPICE against the ideal MVM, the IR-drop map, the error split
// into programming + stuck cells and IR drop, and Monte Carlo histograms of the error.
//
// Per ok sample s, input vector n, logical column c (G_eff = G, or G+ - G- when differential):
//   e_total = i_spice - i_ideal                   (i_ideal = v . G_target_eff, the file's i_ideal_a)
//   e_prog  = v . G_programmed_eff - i_ideal      programming error + stuck cells
//   e_ir    = i_spice - v . G_programmed_eff      IR drop (+ cell I-V and temperature, if any)
// so e_total = e_prog + e_ir exactly. Full scale FS = rows g_max_s max|v_read| (as fit's ErrorMetrics);
// LSB = 2 FS / 2^8 (an 8-bit ADC over +-FS, fit's default).
//
// IR-drop map [R, C]: map[r][c] = sum_{s,n} w[s,n,r] e_ir[s,n,c] / sum_{s,n} w[s,n,r], with
// w[s,n,r] = |v[s,n,r]| / sum_r' |v[s,n,r']| (the row's share of the drive). With one-hot inputs (one
// row driven per vector) this is exactly the mean error of cell (r, c); with random inputs every row
// drives every vector, so the row axis is nearly flat and only the column axis resolves position.
#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>
#include <filesystem>

#include "file_report_kinds.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/report/table.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

namespace {

double rms(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return v.empty() ? NAN : std::sqrt(s / v.size());
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

}  // namespace

std::string report_crossbar_campaign(const std::string& path, const characterize::CampaignFile& f,
                                     report::ReportFolder& out) {
  const std::string name = fs::path(path).filename().string();
  const auto spec = characterize::parse_stored_campaign_spec(f.provenance.spec_text, path + " (spec_text)");
  const auto& gf = f.schema.field("g_target_s");
  const auto& vf = f.schema.field("v_in_v");
  const auto& of = f.schema.field("i_spice_a");
  const Eigen::Index R = static_cast<Eigen::Index>(gf.shape.at(0)), Cp = static_cast<Eigen::Index>(gf.shape.at(1));
  const Eigen::Index N = static_cast<Eigen::Index>(vf.shape.at(0)), C = static_cast<Eigen::Index>(of.shape.at(1));
  const bool differential = Cp == 2 * C;
  const double fs_a = static_cast<double>(R) * spec.workload.g_max_s *
                      std::max(std::abs(spec.workload.v_read_min_v), std::abs(spec.workload.v_read_max_v));
  const double lsb_a = 2 * fs_a / 256.0;
  const auto o_gp = f.schema.offset_of("g_programmed_s"),
             o_v = f.schema.offset_of("v_in_v"), o_sp = f.schema.offset_of("i_spice_a"),
             o_id = f.schema.offset_of("i_ideal_a");
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  std::vector<double> spice_ua, ideal_ua, e_total, e_prog, e_ir, sample_rms;  // errors in % FS
  Eigen::MatrixXd num = Eigen::MatrixXd::Zero(R, C), den = Eigen::MatrixXd::Zero(R, C);
  for (const auto& rec : f.records) {
    if (rec.status != characterize::SampleStatus::ok) continue;
    const Eigen::Map<const RowMajor> gp(rec.values.data() + o_gp, R, Cp), v(rec.values.data() + o_v, N, R),
        sp(rec.values.data() + o_sp, N, C), id(rec.values.data() + o_id, N, C);
    Eigen::MatrixXd g_eff(R, C);
    for (Eigen::Index c = 0; c < C; ++c)
      g_eff.col(c) = differential ? Eigen::VectorXd(gp.col(2 * c) - gp.col(2 * c + 1)) : Eigen::VectorXd(gp.col(c));
    const Eigen::MatrixXd programmed = v * g_eff;  // [N, C]
    double s2 = 0;
    for (Eigen::Index n = 0; n < N; ++n) {
      const double drive = v.row(n).cwiseAbs().sum();
      for (Eigen::Index c = 0; c < C; ++c) {
        const double ir = sp(n, c) - programmed(n, c);
        spice_ua.push_back(1e6 * sp(n, c));
        ideal_ua.push_back(1e6 * id(n, c));
        e_total.push_back(100 * (sp(n, c) - id(n, c)) / fs_a);
        e_prog.push_back(100 * (programmed(n, c) - id(n, c)) / fs_a);
        e_ir.push_back(100 * ir / fs_a);
        s2 += e_total.back() * e_total.back();
        if (drive > 0)
          for (Eigen::Index r = 0; r < R; ++r) {
            const double w = std::abs(v(n, r)) / drive;
            num(r, c) += w * 100 * ir / fs_a;
            den(r, c) += w;
          }
      }
    }
    sample_rms.push_back(std::sqrt(s2 / static_cast<double>(N * C)));
  }
  Eigen::MatrixXd map = num.cwiseQuotient(den);
  for (Eigen::Index i = 0; i < map.size(); ++i)
    if (!(den.data()[i] > 0)) map.data()[i] = NAN;

  const double pct_per_lsb = 100 * lsb_a / fs_a;
  out.number("full scale FS = rows g_max max|v_read|", fmt::format("{:.4g}", 1e6 * fs_a), "µA");
  out.number("LSB (8-bit ADC over ±FS)", fmt::format("{:.4g}", 1e6 * lsb_a), "µA");
  out.number("error RMS, total (SPICE - ideal)", fmt::format("{:.4g} % FS = {:.3g} LSB", rms(e_total), rms(e_total) / pct_per_lsb));
  out.number("error RMS, programming + stuck cells", fmt::format("{:.4g} % FS = {:.3g} LSB", rms(e_prog), rms(e_prog) / pct_per_lsb));
  out.number("error RMS, IR drop", fmt::format("{:.4g} % FS = {:.3g} LSB", rms(e_ir), rms(e_ir) / pct_per_lsb));
  double map_max = NAN;
  for (Eigen::Index i = 0; i < map.size(); ++i)
    if (std::isfinite(map.data()[i])) map_max = std::isnan(map_max) ? std::abs(map.data()[i]) : std::max(map_max, std::abs(map.data()[i]));
  out.number("IR-drop map: largest |mean error| of a position", fmt::format("{:.4g}", map_max), "% FS");

  out.section("SPICE against the ideal MVM");
  out.scatter("spice_vs_ideal", fmt::format("SPICE column currents against the ideal MVM of the targets ({} samples x {} vectors x {} columns)", sample_rms.size(), N, C),
              "ideal MVM W.x [µA]", "SPICE [µA]", ideal_ua, spice_ua, true);

  out.section("IR-drop map: mean error by row and column position");
  out.text(fmt::format(
      "Each cell (r, c) shows the mean of the IR-drop part of column c's error (SPICE minus the ideal MVM "
      "with the sample's programmed conductances), each input vector counted for row r with weight "
      "|v_r| / sum |v| (its share of the drive), in % of full scale ({:.4g} µA). With one-hot inputs "
      "(`--set workload.inputs=one_hot`) this is exactly the mean error of cell (r, c); with random inputs "
      "every row drives every vector, so rows are mixed and only the column axis resolves position. The values are "
      "in `{}`.",
      1e6 * fs_a, fs::path(out.path("ir_drop_map", "dat")).filename().string()));
  out.heatmap("ir_drop_map", "mean IR-drop error by cell position [% FS]", "column c (0 = next to the row drivers)",
              "row r (the last row is next to the sense nodes)", "mean error [% FS]", map);

  out.section("Error split: programming + stuck cells against IR drop");
  out.text(fmt::format(
      "programming + stuck = ideal MVM with the programmed conductances - ideal MVM with the targets; IR drop = "
      "SPICE - ideal MVM with the programmed conductances (this part also holds the cell I-V and temperature). "
      "1 LSB = {:.4g} % FS.",
      pct_per_lsb));
  std::vector<std::vector<std::string>> rows;
  for (const auto& [label, v] : {std::pair{"programming + stuck cells", &e_prog}, std::pair{"IR drop", &e_ir},
                                 std::pair{"total", &e_total}}) {
    rows.push_back({label, fmt::format("{:.4g}", rms(*v)), fmt::format("{:.4g}", max_abs(*v)),
                    fmt::format("{:.3g}", rms(*v) / pct_per_lsb), fmt::format("{:.3g}", max_abs(*v) / pct_per_lsb)});
  }
  out.text(report::markdown_table({"part", "RMS [% FS]", "max |e| [% FS]", "RMS [LSB]", "max |e| [LSB]"}, rows));
  out.bars("error_split", "RMS error by cause [% FS]", "RMS error [% of full scale]",
           {"programming + stuck", "IR drop", "total"}, {rms(e_prog), rms(e_ir), rms(e_total)});

  out.section("Monte Carlo histograms of the error");
  out.histogram("hist_error_total", "error SPICE - ideal MVM, every output", "error [% FS]", e_total);
  out.histogram("hist_error_programming", "programming + stuck part of the error, every output", "error [% FS]", e_prog);
  out.histogram("hist_error_ir_drop", "IR-drop part of the error, every output", "error [% FS]", e_ir);
  out.histogram("hist_sample_rms", fmt::format("RMS error per sample ({} samples)", sample_rms.size()),
                "RMS of SPICE - ideal over a sample [% FS]", sample_rms);
  return fmt::format("Report: {} (crossbar campaign, {}x{}{}, {} samples, seed {})", name, R, C,
                     differential ? " differential" : "", f.records.size(), f.provenance.seed);
}

}  // namespace xbar::report
