// `xbar report` of a campaign file: Monte Carlo histograms of every scalar output (opamp, tia, adc),
// the TIA transfer error, the ADC's INL/DNL with their envelope over instances (the file's own
// inl_lsb/dnl_lsb, computed at campaign time by characterize::adc_linearity), the tile's codes
// against the ideal quantized MVM and its energy by block. The crossbar kind is in file_report_crossbar.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "file_report_kinds.hpp"
#include "xbar/report/table.hpp"

namespace xbar::report {

namespace fs = std::filesystem;
using characterize::CampaignFile;

std::vector<double> ok_values(const CampaignFile& f, const std::string& field) {
  const std::uint64_t off = f.schema.offset_of(field), n = f.schema.field(field).size();
  std::vector<double> v;
  for (const auto& r : f.records) {
    if (r.status != characterize::SampleStatus::ok) continue;
    v.insert(v.end(), r.values.begin() + static_cast<std::ptrdiff_t>(off),
             r.values.begin() + static_cast<std::ptrdiff_t>(off + n));
  }
  return v;
}

std::pair<double, std::string> display_unit(const std::string& unit, const std::string& field,
                                            const std::vector<double>& values) {
  if (unit == "V") return {1e3, "mV"};
  if (unit == "A") return {1e6, "µA"};
  if (unit == "J") return {1e12, "pJ"};
  if (unit == "s") return {1e9, "ns"};
  if (unit == "Hz") return {1e-6, "MHz"};
  if (unit == "ohm") {
    std::vector<double> a;
    for (double v : values)
      if (std::isfinite(v)) a.push_back(std::abs(v));
    if (!a.empty()) {
      std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(a.size() / 2), a.end());
      if (a[a.size() / 2] >= 1e3) return {1e-3, "kΩ"};
    }
    return {1.0, "Ω"};
  }
  if (unit == "1" && field.size() > 4 && field.substr(field.size() - 4) == "_lsb") return {1.0, "LSB"};
  return {1.0, unit};
}

std::vector<std::string> summary_cells(const std::vector<double>& values) {
  double s = 0, s2 = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::size_t n = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    s += v;
    s2 += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    ++n;
  }
  if (n == 0) return {"–", "–", "–", "–"};
  const double mean = s / n;
  const double sd = n > 1 ? std::sqrt(std::max(0.0, (s2 - n * mean * mean) / (n - 1))) : 0.0;
  return {fmt::format("{:.4g}", mean), fmt::format("{:.4g}", sd), fmt::format("{:.4g}", lo), fmt::format("{:.4g}", hi)};
}

namespace {

std::size_t ok_count(const CampaignFile& f) {
  return static_cast<std::size_t>(std::count_if(f.records.begin(), f.records.end(), [](const auto& r) {
    return r.status == characterize::SampleStatus::ok;
  }));
}

// The outputs whose mean and sd head the index, per kind.
std::vector<std::string> headline_fields(const std::string& kind) {
  if (kind == "opamp") return {"v_offset_v", "a0_db", "ugb_hz", "phase_margin_deg", "i_supply_a"};
  if (kind == "tia") return {"gain_error_rel", "v_out_offset_v", "opamp_v_offset_v", "settling_time_s"};
  if (kind == "adc") return {"offset_lsb", "gain_error_lsb", "energy_per_conversion_j"};
  return {};
}

// A histogram of every scalar output field, and a table of their statistics.
void monte_carlo_histograms(const CampaignFile& f, ReportFolder& out) {
  for (const auto& name : headline_fields(f.schema.kind)) {
    bool present = false;
    for (const auto& field : f.schema.fields) present = present || field.name == name;
    if (!present) continue;
    std::vector<double> v = ok_values(f, name);
    const auto [scale, unit] = display_unit(f.schema.field(name).unit, name, v);
    for (double& x : v) x *= scale;
    const auto cells = summary_cells(v);
    out.number(name + ": mean, sd", fmt::format("{}, {}", cells[0], cells[1]), unit);
  }
  std::vector<std::vector<std::string>> rows;
  out.section("Monte Carlo histograms (every scalar output, over the ok samples)");
  for (const auto& field : f.schema.fields) {
    if (field.role != "output" || !field.shape.empty()) continue;
    std::vector<double> v = ok_values(f, field.name);
    const auto [scale, unit] = display_unit(field.unit, field.name, v);
    for (double& x : v) x *= scale;
    auto cells = summary_cells(v);
    cells.insert(cells.begin(), {field.name, unit});
    rows.push_back(cells);
    std::size_t cut = std::min<std::size_t>(field.doc.size(), 70);  // not inside a UTF-8 character
    while (cut < field.doc.size() && cut > 0 && (static_cast<unsigned char>(field.doc[cut]) & 0xC0) == 0x80) --cut;
    out.histogram("hist_" + field.name, fmt::format("{} ({} samples)", field.doc.substr(0, cut), v.size()),
                  fmt::format("{} [{}]", field.name, unit), v);
  }
  out.text(report::markdown_table({"output", "unit", "mean", "sd", "min", "max"}, rows));
}

// Rows of a [S, n] field over the ok samples, scaled.
std::vector<std::vector<double>> ok_rows(const CampaignFile& f, const std::string& name, double scale) {
  const auto n = static_cast<std::size_t>(f.schema.field(name).size());
  const std::vector<double> v = ok_values(f, name);
  std::vector<std::vector<double>> rows;
  for (std::size_t i = 0; i + n <= v.size(); i += n) {
    rows.emplace_back(v.begin() + static_cast<std::ptrdiff_t>(i), v.begin() + static_cast<std::ptrdiff_t>(i + n));
    for (double& x : rows.back()) x *= scale;
  }
  return rows;
}

// Mean curve and min..max envelope over instances (rows), at x = first_x, first_x + 1, ...
void envelope(const std::vector<std::vector<double>>& rows, double first_x, Series& mean, Band& band) {
  if (rows.empty()) return;
  for (std::size_t k = 0; k < rows.front().size(); ++k) {
    double s = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::size_t n = 0;
    for (const auto& r : rows) {
      if (!std::isfinite(r[k])) continue;
      s += r[k];
      lo = std::min(lo, r[k]);
      hi = std::max(hi, r[k]);
      ++n;
    }
    mean.x.push_back(first_x + static_cast<double>(k));
    mean.y.push_back(n ? s / n : NAN);
    band.x.push_back(first_x + static_cast<double>(k));
    band.low.push_back(n ? lo : NAN);
    band.high.push_back(n ? hi : NAN);
  }
}

void adc_campaign(const CampaignFile& f, ReportFolder& out) {
  const auto inl = ok_rows(f, "inl_lsb", 1.0), dnl = ok_rows(f, "dnl_lsb", 1.0);
  out.section("INL and DNL (endpoint, LSB; as measured by the campaign: characterize/adc_measure.hpp)");
  for (const auto& [rows, name, what, first] :
       {std::tuple{&inl, "inl", "INL", 1.0}, std::tuple{&dnl, "dnl", "DNL", 1.0}}) {
    Series mean{fmt::format("mean of {} instances", rows->size()), {}, {}, "lines"};
    Band band{"min .. max over instances", {}, {}, {}};
    envelope(*rows, first, mean, band);
    std::vector<Series> series{mean};
    if (!rows->empty()) {
      Series first_inst{"instance 0", {}, rows->front(), "points"};
      for (std::size_t k = 0; k < rows->front().size(); ++k) first_inst.x.push_back(first + static_cast<double>(k));
      series.push_back(first_inst);
    }
    double worst = 0;
    for (const auto& r : *rows)
      for (double x : r)
        if (std::isfinite(x)) worst = std::max(worst, std::abs(x));
    out.number(fmt::format("max |{}| over instances", what), fmt::format("{:.3g}", worst), "LSB");
    out.lines(name, fmt::format("{} over {} instances, ±0.5 LSB guides", what, rows->size()),
              std::string(what) == "INL" ? "code transition k" : "code c", fmt::format("{} [LSB]", what), series,
              {band}, {-0.5, 0.5});
  }
}

void tia_campaign(const CampaignFile& f, ReportFolder& out) {
  const auto err = [&] {
    auto out_v = ok_rows(f, "v_out_v", 1e3), ideal = ok_rows(f, "v_out_ideal_v", 1e3);
    for (std::size_t s = 0; s < out_v.size(); ++s)
      for (std::size_t k = 0; k < out_v[s].size(); ++k) out_v[s][k] -= ideal[s][k];
    return out_v;
  }();
  const auto i_in = ok_rows(f, "i_in_a", 1e6);
  const std::vector<double> lsb = ok_values(f, "lsb_v");
  if (err.empty()) return;
  Series mean{fmt::format("mean of {} instances", err.size()), i_in.front(), {}, "lines"};
  Band band{"min .. max over instances", i_in.front(), {}, {}};
  Series m2;
  Band b2;
  envelope(err, 0, m2, b2);
  mean.y = m2.y;
  band.low = b2.low;
  band.high = b2.high;
  const double half_lsb_mv = 0.5e3 * lsb.front();
  out.section("Transfer error (SPICE output minus -rf i_in)");
  out.text(fmt::format("Dashed guides: ±0.5 LSB = ±{:.3g} mV (lsb_v of the campaign).", half_lsb_mv));
  out.lines("transfer_error", "TIA output error against -rf i_in over the sweep", "input current i_in [µA]",
            "v_out - v_out_ideal [mV]", {mean}, {band}, {-half_lsb_mv, half_lsb_mv});
}

void tile_campaign(const CampaignFile& f, ReportFolder& out) {
  const std::vector<double> codes = ok_values(f, "codes"), ideal = ok_values(f, "codes_ideal");
  std::vector<double> err(codes.size());
  double s2 = 0, worst = 0;
  std::size_t exact = 0;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    err[i] = codes[i] - ideal[i];
    s2 += err[i] * err[i];
    worst = std::max(worst, std::abs(err[i]));
    exact += err[i] == 0 ? 1 : 0;
  }
  const double rms = codes.empty() ? NAN : std::sqrt(s2 / codes.size());
  out.number("ADC code error RMS (SPICE - ideal quantized MVM)", fmt::format("{:.3g}", rms), "LSB");
  out.number("largest |code error|", fmt::format("{:.0f}", worst), "LSB");
  out.number("codes equal to the ideal", fmt::format("{:.1f}", codes.empty() ? NAN : 100.0 * exact / codes.size()), "%");
  out.section("Codes against the ideal quantized MVM");
  out.scatter("codes", fmt::format("ADC codes from SPICE against the ideal quantized MVM ({} codes)", codes.size()),
              "ideal code (codes_ideal)", "SPICE code (codes)", ideal, codes, true);
  out.histogram("code_error", "code error, SPICE - ideal", "codes - codes_ideal [LSB]", err);
  std::vector<double> v = ok_values(f, "v_tia_v"), vi = ok_values(f, "v_tia_ideal_v");
  for (double& x : v) x *= 1e3;
  for (double& x : vi) x *= 1e3;
  out.scatter("v_tia", "TIA outputs at the sampling instant against -Rf G_target^T level(codes)", "ideal [mV]",
              "SPICE [mV]", vi, v, true);

  out.section("Energy of one tile MVM by block (SPICE, mean over the read cycles)");
  std::vector<std::string> labels;
  std::vector<double> mean_pj;
  std::vector<std::vector<std::string>> rows;
  for (const auto& [field, label] : {std::pair{"energy_array_j", "array"}, std::pair{"energy_drivers_j", "DAC drivers"},
                                     std::pair{"energy_tia_j", "TIAs"}, std::pair{"energy_adc_j", "ADCs"},
                                     std::pair{"energy_total_j", "total"}}) {
    std::vector<double> e = ok_values(f, field);
    for (double& x : e) x *= 1e12;
    auto cells = summary_cells(e);
    labels.push_back(label);
    mean_pj.push_back(e.empty() ? NAN : std::stod(cells[0]));
    cells.insert(cells.begin(), label);
    rows.push_back(cells);
  }
  out.number("energy per MVM (mean)", fmt::format("{:.4g}", mean_pj.back()), "pJ");
  out.bars("energy", "energy of one tile MVM by block (mean over read cycles)", "energy per MVM [pJ] (log scale)",
           labels, mean_pj, {}, {}, true);
  out.text(report::markdown_table({"block", "mean [pJ]", "sd", "min", "max"}, rows));
}

}  // namespace

std::string report_campaign(const std::string& path, ReportFolder& out) {
  const CampaignFile f = characterize::read_campaign_file(path);
  const std::string name = fs::path(path).filename().string();
  const std::size_t ok = ok_count(f);
  out.number("samples (ok / total)", fmt::format("{} / {}", ok, f.records.size()));
  out.number("schema", f.schema_version);
  if (ok == 0) {
    out.text("No sample is ok (status 0): nothing to plot. `xbar inspect` lists the failures.");
    return fmt::format("Report: {} ({} campaign, no ok sample)", name, f.schema.kind);
  }
  const std::string& kind = f.schema.kind;
  if (kind == "crossbar") return report_crossbar_campaign(path, f, out);
  if (kind == "adc") adc_campaign(f, out);
  if (kind == "tia") tia_campaign(f, out);
  if (kind == "tile") tile_campaign(f, out);
  if (kind != "tile") monte_carlo_histograms(f, out);
  return fmt::format("Report: {} ({} campaign, {} samples, seed {})", name, kind, f.records.size(), f.provenance.seed);
}

}  // namespace xbar::report
