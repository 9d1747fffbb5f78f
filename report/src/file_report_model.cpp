// `xbar report` of a model file (xbar.model/1 or /2): the fitted distributions, the model against
// SPICE on the held-out samples (the file's held-out groups and, for TIA and ADC, its per-instance
// tables), the predictive check where present, and for a tile model its parameters, the ADC's INL/DNL
// and the energy per MVM. INL/DNL come from characterize::adc_linearity_of_transitions (one
// implementation: characterize/adc_measure.hpp).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "file_report_kinds.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/characterize/inl_dnl.hpp"
#include "xbar/report/table.hpp"
#include "xbar/verdict/verdict.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

double normal_pdf(double x, double mean, double sigma) {
  return std::exp(-0.5 * (x - mean) * (x - mean) / (sigma * sigma)) / (sigma * std::sqrt(2 * kPi));
}

std::string ci(const behavioral::ConfidenceInterval95& c, double scale = 1.0) {
  return fmt::format("[{:.4g}, {:.4g}]", scale * c.low, scale * c.high);
}

// A fitted normal density, scaled to the histogram's counts (n values in bins of `width`).
Series normal_overlay(const std::vector<double>& values, double mean, double sigma, const std::string& title) {
  const report::Histogram h = report::histogram_bins(values);
  Series s{title, {}, {}, "lines"};
  if (!(sigma > 0) || h.n == 0) return s;
  for (int i = 0; i <= 200; ++i) {
    const double x = mean - 4 * sigma + 8 * sigma * i / 200.0;
    s.x.push_back(x);
    s.y.push_back(static_cast<double>(h.n) * h.width * normal_pdf(x, mean, sigma));
  }
  return s;
}

// INL (transitions 1..M) and DNL (codes 1..M-1) of every row's transitions, plus a nominal curve.
void inl_dnl_plots(ReportFolder& out, int bits, double v_min, double v_max, const std::vector<double>& nominal,
                   const std::vector<std::vector<double>>& instances, const std::string& what) {
  const auto lin = characterize::adc_linearity_of_transitions(bits, v_min, v_max, nominal);
  std::vector<characterize::AdcLinearity> inst;
  for (const auto& t : instances) inst.push_back(characterize::adc_linearity_of_transitions(bits, v_min, v_max, t));
  for (const bool inl : {true, false}) {
    const auto& y = inl ? lin.inl_lsb : lin.dnl_lsb;
    Series s{what, {}, y, "linespoints"};
    for (std::size_t k = 0; k < y.size(); ++k) s.x.push_back(static_cast<double>(k + 1));
    std::vector<Band> bands;
    if (!inst.empty()) {
      Band b{fmt::format("min .. max over {} instances", inst.size()), s.x, {}, {}};
      for (std::size_t k = 0; k < y.size(); ++k) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const auto& l : inst) {
          const double v = inl ? l.inl_lsb[k] : l.dnl_lsb[k];
          if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        }
        b.low.push_back(std::isfinite(lo) ? lo : NAN);
        b.high.push_back(std::isfinite(hi) ? hi : NAN);
      }
      bands.push_back(b);
    }
    double worst = 0;
    for (double v : y)
      if (std::isfinite(v)) worst = std::max(worst, std::abs(v));
    out.number(fmt::format("max |{}| of the {}", inl ? "INL" : "DNL", what), fmt::format("{:.3g}", worst), "LSB");
    out.lines(inl ? "adc_inl" : "adc_dnl",
              fmt::format("{} ({} bits, endpoint), ±0.5 LSB guides", inl ? "INL" : "DNL", bits),
              inl ? "code transition k" : "code c", inl ? "INL [LSB]" : "DNL [LSB]", {s}, bands, {-0.5, 0.5});
  }
}

std::string crossbar_model(const std::string& name, const behavioral::CrossbarModelFile& m, ReportFolder& out) {
  const auto& pe = m.variation.programming_error;
  out.number("programming error (" + pe.distribution + ") sigma_rel_d2d",
             fmt::format("{:.4g} % {} (KS p = {:.3g}, {} cells)", 100 * pe.sigma_rel_d2d, ci(pe.sigma_rel_d2d_ci95, 100),
                         pe.gof_p_value, pe.n),
             "%");
  out.number("stuck on", fmt::format("{:.3g} % {}", 100 * m.variation.stuck_on.fraction, ci(m.variation.stuck_on.ci95, 100)), "%");
  out.number("stuck off", fmt::format("{:.3g} % {}", 100 * m.variation.stuck_off.fraction, ci(m.variation.stuck_off.ci95, 100)), "%");
  out.number("wire spread sigma", fmt::format("{:.3g} % {}", 100 * m.variation.wire.r_wire_sigma_rel_d2d, ci(m.variation.wire.ci95, 100)), "%");
  out.number("held-out error RMS (model replays each held-out sample's recorded conductances)",
             fmt::format("{:.3g} % FS = {:.3g} LSB ({} samples)", m.held_out.rms_pct_fs, m.held_out.rms_lsb, m.held_out.n_samples));

  out.section("Fitted distributions");
  // Density of the relative conductance error x = G / G_target - 1, at sigma and at the CI's ends.
  std::vector<Series> pdf;
  for (const auto& [label, sigma_rel] : {std::pair{std::string("fit"), pe.sigma_rel_d2d},
                                         std::pair{std::string("95 % CI low"), pe.sigma_rel_d2d_ci95.low},
                                         std::pair{std::string("95 % CI high"), pe.sigma_rel_d2d_ci95.high}}) {
    if (!(sigma_rel > 0)) continue;
    Series s{fmt::format("{} sigma {:.3g} %", label, 100 * sigma_rel), {}, {}, "lines"};
    const bool lognormal = pe.distribution == "lognormal";
    const double sl = lognormal ? std::sqrt(std::log1p(sigma_rel * sigma_rel)) : 0.0;
    for (int i = 0; i <= 300; ++i) {
      const double x = (lognormal ? std::exp(pe.mean_log) - 1 : pe.mean_rel) - 5 * sigma_rel + 10 * sigma_rel * i / 300.0;
      const double d = lognormal ? (x > -1 ? normal_pdf(std::log1p(x), pe.mean_log, sl) / (1 + x) : 0.0)
                                 : normal_pdf(x, pe.mean_rel, sigma_rel);
      s.x.push_back(100 * x);
      s.y.push_back(d / 100);  // per percent
    }
    pdf.push_back(s);
  }
  out.lines("programming_error_pdf", fmt::format("fitted programming error ({}), density of G/G_target - 1", pe.distribution),
            "G / G_target - 1 [%]", "probability density [1/%]", pdf);
  const auto& on = m.variation.stuck_on;
  const auto& off = m.variation.stuck_off;
  out.bars("stuck_fractions", "fitted stuck-cell fractions with Clopper-Pearson 95 % CI", "fraction of cells [%]",
           {fmt::format("stuck on ({} of {})", on.n_events, on.n_trials), fmt::format("stuck off ({} of {})", off.n_events, off.n_trials),
            fmt::format("wire spread sigma (n {})", m.variation.wire.n)},
           {100 * on.fraction, 100 * off.fraction, 100 * m.variation.wire.r_wire_sigma_rel_d2d},
           {100 * on.ci95.low, 100 * off.ci95.low, 100 * m.variation.wire.ci95.low},
           {100 * on.ci95.high, 100 * off.ci95.high, 100 * m.variation.wire.ci95.high});
  if (!m.estimated.parameters.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : m.estimated.parameters)
      rows.push_back({p.name, fmt::format("{:.6g}", p.nominal), fmt::format("{:.6g}", p.value),
                      fmt::format("{:.3g}", p.std_error), ci(p.ci95)});
    out.text("Circuit parameters estimated by Levenberg-Marquardt from the fit set:\n\n" +
             report::markdown_table({"parameter", "spec", "estimate", "std. error", "95 % CI"}, rows));
  }

  out.section("Model against SPICE");
  out.text(fmt::format(
      "**Held out** ({} samples, {} outputs): the model replays each held-out sample's recorded (programmed) "
      "conductances, so this measures solver agreement: RMS {:.3g} % FS, max {:.3g} % FS, {:.3g} LSB RMS "
      "(FS {:.4g} µA, {}-bit LSB).",
      m.held_out.n_samples, m.held_out.n_values, m.held_out.rms_pct_fs, m.held_out.max_pct_fs, m.held_out.rms_lsb,
      1e6 * m.held_out.full_scale_a, m.held_out.adc_bits));
  const auto& p = m.predictive;
  if (p.n_model_chips > 0) {
    out.number("predictive: error RMS (output - ideal), held-out SPICE chips / fresh model chips",
               fmt::format("{:.4g} / {:.4g} % FS (KS p = {:.3g} over values, {:.3g} over chips)", p.spice_rms_pct_fs,
                           p.model_rms_pct_fs, p.ks_p_value, p.ks_chip_p_value));
    out.text(fmt::format(
        "**Predictive check**: {} fresh chips drawn from the fitted variation ({} per held-out chip, seed {}) against "
        "the {} held-out SPICE chips, both as (output - ideal MVM) in % FS. Mean {:.4g} (SPICE) and {:.4g} (model); "
        "two-sample KS over the {} / {} values: D = {:.3g}, p = {:.3g}; over the chips' RMS errors: D = {:.3g}, "
        "p = {:.3g}. Bars: bootstrap 95 % CI over chips (none for a single chip).",
        p.n_model_chips, p.chips_per_held_out_chip, p.seed, p.n_spice_chips, p.spice_mean_pct_fs, p.model_mean_pct_fs,
        p.n_spice_values, p.n_model_values, p.ks_statistic, p.ks_p_value, p.ks_chip_statistic, p.ks_chip_p_value));
    out.bars("predictive", "predictive check: RMS of output - ideal MVM", "RMS error [% of full scale]",
             {fmt::format("held-out SPICE chips ({})", p.n_spice_chips), fmt::format("fresh model chips ({})", p.n_model_chips)},
             {p.spice_rms_pct_fs, p.model_rms_pct_fs}, {p.spice_rms_ci95.low, p.model_rms_ci95.low},
             {p.spice_rms_ci95.high, p.model_rms_ci95.high});
  } else {
    out.text("No predictive check in this file (`xbar fit --predictive-chips 0`, or written before it existed).");
  }
  return fmt::format("Report: {} (crossbar model, {}x{}, fitted to {})", name, m.nominal.rows, m.nominal.physical_cols(),
                     m.provenance.campaign_path);
}

std::string tia_model(const std::string& name, const behavioral::TiaModelFile& m, ReportFolder& out) {
  const auto& t = m.instances;
  const auto& o = m.opamp_v_offset;
  out.number("op-amp offset mean / sigma", fmt::format("{:.4g} / {:.4g} mV, sigma CI {} mV (KS p = {:.3g}, n {})", 1e3 * o.mean_v,
                                                       1e3 * o.sigma_v, ci(o.sigma_ci95, 1e3), o.gof_p_value, o.n));
  out.number("held-out error RMS, nominal model", fmt::format("{:.3g} LSB ({:.3g} mV)", m.held_out_nominal.rms_lsb,
                                                              1e3 * m.held_out_nominal.rms_abs_v));
  out.number("held-out error RMS, instance-informed model",
             fmt::format("{:.3g} LSB ({:.3g} mV)", m.held_out_instance_informed.rms_lsb, 1e3 * m.held_out_instance_informed.rms_abs_v));
  out.section("Fitted distributions");
  std::vector<double> fit_set_mv, all_mv;
  for (std::size_t i = 0; i < t.size(); ++i) {
    all_mv.push_back(1e3 * t.opamp_v_offset_v[static_cast<Eigen::Index>(i)]);
    if (!t.held_out[i]) fit_set_mv.push_back(all_mv.back());
  }
  out.histogram("opamp_offset", fmt::format("op-amp input offset, fit set ({} instances), fitted normal", fit_set_mv.size()),
                "op-amp offset [mV]", fit_set_mv,
                {normal_overlay(fit_set_mv, 1e3 * o.mean_v, 1e3 * o.sigma_v,
                                fmt::format("normal fit: mean {:.3g} mV, sigma {:.3g} mV", 1e3 * o.mean_v, 1e3 * o.sigma_v))});
  out.section("Model against SPICE (held-out instances)");
  Series spice{"SPICE, held-out instances", {}, {}, "points"}, fitset{"SPICE, fit set", {}, {}, "points"},
      model{fmt::format("nominal model {:.5g} kΩ", -1e-3 * m.nominal.gain_ohm()), {}, {}, "lines"};
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto& s = t.held_out[i] ? spice : fitset;
    s.x.push_back(static_cast<double>(t.instance[i]));
    s.y.push_back(-1e-3 * t.gain_ohm[static_cast<Eigen::Index>(i)]);
    model.x.push_back(static_cast<double>(t.instance[i]));
    model.y.push_back(-1e-3 * m.nominal.gain_ohm());
  }
  out.lines("gain", "transimpedance gain per instance: SPICE against the nominal model", "instance",
            "|gain| = -d v_out / d i_in [kΩ]", {model, spice, fitset});
  out.bars("held_out", "model error against SPICE on the held-out instances", "RMS error [LSB]",
           {"nominal model", "instance-informed"}, {m.held_out_nominal.rms_lsb, m.held_out_instance_informed.rms_lsb});
  return fmt::format("Report: {} (TIA model, rf {:.4g} Ω, fitted to {})", name, m.nominal.rf_ohm, m.provenance.campaign_path);
}

std::string adc_model(const std::string& name, const behavioral::AdcModelFile& m, ReportFolder& out) {
  const auto& nom = m.nominal;
  const double lsb = nom.lsb_v();
  const Eigen::VectorXd tn = nom.transitions_v();
  auto ideal = nom;
  ideal.transition_v.resize(0);
  const Eigen::VectorXd ti = ideal.transitions_v();
  const auto& c = m.comparator_offset;
  out.number("ADC", fmt::format("{} bits, {:.4g} .. {:.4g} mV, LSB {:.4g} mV", nom.bits, 1e3 * nom.v_min_v, 1e3 * nom.v_max_v, 1e3 * lsb));
  out.number("transition offset T_k - T*_k, mean / sigma",
             fmt::format("{:.3g} / {:.3g} mV = {:.3g} LSB sigma (KS p = {:.3g})", 1e3 * c.mean_v, 1e3 * c.sigma_v, c.sigma_v / lsb, c.gof_p_value));
  out.number("held-out transitions RMS (nominal model vs measured)", fmt::format("{:.3g}", m.held_out_transitions.rms_lsb), "LSB");
  out.number("held-out codes RMS (dense ramp)", fmt::format("{:.3g}", m.held_out_codes.rms_lsb), "LSB");

  const auto& tr = m.instances.transition_v;
  std::vector<double> offsets_mv;
  std::vector<std::vector<double>> inst_t;
  for (Eigen::Index i = 0; i < tr.rows(); ++i) {
    std::vector<double> row;
    for (Eigen::Index k = 0; k < tr.cols(); ++k) row.push_back(tr(i, k));
    inst_t.push_back(row);
    if (m.instances.held_out[static_cast<std::size_t>(i)]) continue;
    for (Eigen::Index k = 0; k < tr.cols(); ++k) offsets_mv.push_back(1e3 * (tr(i, k) - ti[k]));
  }
  out.section("Fitted distributions");
  out.histogram("transition_offset", "transition offsets T_k - T*_k over the fit set, fitted normal",
                "T_k - T*_k [mV]", offsets_mv,
                {normal_overlay(offsets_mv, 1e3 * c.mean_v, 1e3 * c.sigma_v,
                                fmt::format("normal fit: mean {:.3g} mV, sigma {:.3g} mV", 1e3 * c.mean_v, 1e3 * c.sigma_v))});
  out.section("INL and DNL");
  std::vector<double> tn_v(tn.data(), tn.data() + tn.size());
  inl_dnl_plots(out, nom.bits, nom.v_min_v, nom.v_max_v, tn_v, inst_t, "nominal model (mean transitions)");
  out.section("Model against SPICE (held-out instances)");
  std::vector<Series> held;
  for (Eigen::Index i = 0; i < tr.rows(); ++i) {
    if (!m.instances.held_out[static_cast<std::size_t>(i)]) continue;
    Series s{fmt::format("instance {}", m.instances.instance[static_cast<std::size_t>(i)]), {}, {}, "linespoints"};
    for (Eigen::Index k = 0; k < tr.cols(); ++k) {
      s.x.push_back(static_cast<double>(k + 1));
      s.y.push_back((tn[k] - tr(i, k)) / lsb);
    }
    held.push_back(s);
  }
  out.lines("held_out_transitions", "nominal model transitions minus SPICE, held-out instances", "code transition k",
            "model - SPICE [LSB]", held, {}, {-0.5, 0.5});
  return fmt::format("Report: {} (ADC model, {} bits, fitted to {})", name, nom.bits, m.provenance.campaign_path);
}

std::string tile_model(const std::string& name, const behavioral::TileModelFile& m, ReportFolder& out) {
  const auto& adc = m.nominal.adc[0];
  const double lsb = adc.lsb_v();
  std::string md = "| part | nominal | variation |\n|---|---|---|\n";
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
  md += fmt::format("| ADC | {} bits, {:.0f} … {:.0f} mV, LSB {:.3g} mV | transitions σ {:.3g} mV ({:.3g} LSB) |",
                    adc.bits, 1e3 * adc.v_min_v, 1e3 * adc.v_max_v, 1e3 * lsb,
                    1e3 * m.variation.adc_comparator_offset.sigma_v, m.variation.adc_comparator_offset.sigma_v / lsb);
  out.section("Parameters");
  out.text(md);
  out.number("held-out error: crossbar", fmt::format("{:.3g}", m.held_out_crossbar.rms_pct_fs), "% FS RMS");
  out.number("held-out error: TIA", fmt::format("{:.3g}", m.held_out_tia.rms_lsb), "LSB RMS");
  out.number("held-out error: ADC codes", fmt::format("{:.3g}", m.held_out_adc_codes.rms_lsb), "LSB RMS");

  out.section("ADC");
  const Eigen::VectorXd t = adc.transitions_v();
  inl_dnl_plots(out, adc.bits, adc.v_min_v, adc.v_max_v, std::vector<double>(t.data(), t.data() + t.size()), {},
                "nominal transitions");

  out.section("Energy per MVM");
  const auto& e = m.energy;
  if (e.known()) {
    out.number("energy per tile MVM (SPICE)", verdict::format_joules(e.total_j));
    out.text(fmt::format("{} = array {} + drivers {} + TIAs {} + ADCs {} over a {:.3g} ns cycle; ngspice took {:.4g} s "
                         "per MVM. {} ({}).",
                         verdict::format_joules(e.total_j), verdict::format_joules(e.array_j),
                         verdict::format_joules(e.drivers_j), verdict::format_joules(e.tia_j),
                         verdict::format_joules(e.adc_j), 1e9 * e.t_cycle_s, e.spice_s_per_mvm, e.note, e.campaign_path));
    out.bars("energy_per_mvm", "energy of one tile MVM by block (SPICE)", "energy per MVM [pJ] (log scale)",
             {"array", "drivers", "TIAs", "ADCs"}, {1e12 * e.array_j, 1e12 * e.drivers_j, 1e12 * e.tia_j, 1e12 * e.adc_j},
             {}, {}, true);
  } else {
    out.text("unknown: the file has no /energy (`xbar fit tile ... --energy-campaign`).");
  }
  return fmt::format("Report: {} (tile model, {}x{})", name, m.nominal.crossbar.rows, m.nominal.crossbar.physical_cols());
}

}  // namespace

std::string report_model(const std::string& path, ReportFolder& out) {
  const std::string name = fs::path(path).filename().string();
  const std::string kind = behavioral::model_kind_of(path);
  out.number("schema / kind", behavioral::hdf5_schema_of(path) + " / " + kind);
  if (kind == "crossbar") return crossbar_model(name, behavioral::read_crossbar_model_file(path), out);
  if (kind == "tia") return tia_model(name, behavioral::read_tia_model_file(path), out);
  if (kind == "adc") return adc_model(name, behavioral::read_adc_model_file(path), out);
  if (kind == "tile") return tile_model(name, behavioral::read_tile_model_file(path), out);
  throw behavioral::ModelFileError(fmt::format("{}: model kind '{}': xbar report covers crossbar, tia, adc and tile", path, kind));
}

}  // namespace xbar::report
