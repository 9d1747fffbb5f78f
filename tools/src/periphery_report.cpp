// Printing, validation, prediction dumps and plots of the tia and adc models (periphery_report.hpp).
#include "periphery_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "xbar/report/gnuplot.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/core/sha256.hpp"

namespace xbar::tools {

using report::gnuplot_quote;
using report::gnuplot_terminal;
using report::run_gnuplot;

namespace {

namespace fs = std::filesystem;

void print_header() {
  fmt::print("  {:<33} {:>9} {:>7}  {:>11}  {:>11}  {:>9}  {:>9}  {:>10}  {:>10}\n", "model / set", "instances",
             "values", "RMS [V]", "max [V]", "RMS [LSB]", "max [LSB]", "RMS [%FS]", "max [%FS]");
}

void print_row(const std::string& label, const behavioral::PeripheryErrorMetrics& m) {
  fmt::print("  {:<33} {:>9} {:>7}  {:>11.4e}  {:>11.4e}  {:>9.4f}  {:>9.4f}  {:>10.4f}  {:>10.4f}\n", label,
             m.n_instances, m.n_values, m.rms_abs_v, m.max_abs_v, m.rms_lsb, m.max_lsb, m.rms_pct_fs, m.max_pct_fs);
}

void print_normal(const char* name, const behavioral::NormalParameterFit& f) {
  fmt::print("  {:<20} mean = {:+.4e} V  sigma = {:.4e} V  [{:.4e}, {:.4e}]  (n = {}; KS D = {:.3f}, p = {:.3g})\n",
             name, f.mean_v, f.sigma_v, f.sigma_ci95.low, f.sigma_ci95.high, f.n, f.gof_statistic, f.gof_p_value);
}

// The campaign must be of the model's kind; otherwise say which is which.
void require_campaign_kind(const PeripheryValidateOptions& o, const characterize::CampaignFile& c, const char* kind) {
  if (c.schema.kind != kind)
    throw fit::FitError(fmt::format(
        "{}: campaign kind '{}': {} holds a model of kind '{}'; validate it against a campaign of that kind",
        o.campaign_path, c.schema.kind, o.model_path, kind));
}

void note_sha(const PeripheryValidateOptions& o, const behavioral::ModelProvenance& pv) {
  const std::string sha = core::sha256_file_hex(o.campaign_path);
  if (!pv.campaign_sha256.empty() && sha != pv.campaign_sha256)
    fmt::print(
        "note: {} is not the campaign the model was fitted to (SHA-256 differs); its held-out split is applied "
        "anyway\n",
        o.campaign_path);
}

std::ofstream open_out(const std::string& path) {
  std::ofstream out(path);
  if (!out) throw fit::FitError(path + ": cannot write");
  out.precision(17);
  return out;
}

double field_value(const characterize::CampaignFile& c, std::size_t s, const std::string& name, std::size_t k = 0) {
  return c.records[s].values[c.schema.offset_of(name) + k];
}

std::string campaign_name(const std::string& campaign_path) { return fs::path(campaign_path).stem().string(); }

// TIA: model against SPICE in mV, and the residuals of each model in LSB with a bin width of its
// own (the instance-informed residuals are ~100x smaller than the nominal ones: one shared bin
// width put them all in one bar).
std::vector<std::string> tia_plots(const std::string& dir, const std::string& name, const fit::TiaComparison& all) {
  fs::create_directories(dir);
  const auto path = [&](const std::string& what) { return (fs::path(dir) / (name + "_" + what)).string(); };
  const std::string data = path("tia_points.dat");
  const double lsb = all.nominal.lsb_v > 0 ? all.nominal.lsb_v : 1.0;
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

// ADC: INL and DNL of every instance (thin), the model (thick), the instances' envelope (shaded),
// +-0.5 LSB guides; the transition error of the model against each instance.
std::vector<std::string> adc_plots(const std::string& dir, const std::string& name, const characterize::CampaignFile& c,
                                   const behavioral::AdcModelFile& m, const std::vector<std::size_t>& ok) {
  fs::create_directories(dir);
  const auto path = [&](const std::string& what) { return (fs::path(dir) / (name + "_" + what)).string(); };
  const int M = m.nominal.transitions();
  const double lsb = m.nominal.lsb_v();
  const std::string inl_dat = path("adc_inl.dat"), dnl_dat = path("adc_dnl.dat");
  const std::string terr_dat = path("adc_transition_error.dat"), env_dat = path("adc_envelope.dat");
  {
    auto inl = open_out(inl_dat);
    auto dnl = open_out(dnl_dat);
    auto terr = open_out(terr_dat);
    // Block 0: the model; blocks 1..: the campaign's instances (blocks separated by 2 blank lines).
    std::vector<double> mi, md;
    fit::endpoint_inl_dnl_lsb(m.nominal.transitions_v(), &mi, &md);
    std::vector<double> inl_lo(static_cast<std::size_t>(M), 1e300), inl_hi(inl_lo.size(), -1e300);
    std::vector<double> dnl_lo(inl_lo.size(), 1e300), dnl_hi(inl_lo.size(), -1e300);
    inl << "# model (nominal transitions)\n";
    for (int k = 0; k < M; ++k) inl << k + 1 << ' ' << mi[static_cast<std::size_t>(k)] << '\n';
    dnl << "# model (nominal transitions)\n";
    for (int k = 0; k + 1 < M; ++k) dnl << k + 1 << ' ' << md[static_cast<std::size_t>(k)] << '\n';
    for (std::size_t s : ok) {
      inl << "\n\n# sample " << s << '\n';
      for (int k = 0; k < M; ++k) {
        const double v = field_value(c, s, "inl_lsb", static_cast<std::size_t>(k));
        inl << k + 1 << ' ' << v << '\n';
        inl_lo[static_cast<std::size_t>(k)] = std::min(inl_lo[static_cast<std::size_t>(k)], v);
        inl_hi[static_cast<std::size_t>(k)] = std::max(inl_hi[static_cast<std::size_t>(k)], v);
      }
      dnl << "\n\n# sample " << s << '\n';
      for (int k = 0; k + 1 < M; ++k) {
        const double v = field_value(c, s, "dnl_lsb", static_cast<std::size_t>(k));
        dnl << k + 1 << ' ' << v << '\n';
        dnl_lo[static_cast<std::size_t>(k)] = std::min(dnl_lo[static_cast<std::size_t>(k)], v);
        dnl_hi[static_cast<std::size_t>(k)] = std::max(dnl_hi[static_cast<std::size_t>(k)], v);
      }
      terr << "# sample " << s << "\n";
      for (int k = 0; k < M; ++k)
        terr << k + 1 << ' '
             << (m.nominal.transition_v[k] - field_value(c, s, "transition_v", static_cast<std::size_t>(k))) / lsb
             << '\n';
      terr << "\n\n";
    }
    auto env = open_out(env_dat);
    env << "# k inl_min inl_max dnl_min dnl_max (LSB, over the instances)\n";
    for (int k = 0; k < M; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      env << k + 1 << ' ' << inl_lo[kk] << ' ' << inl_hi[kk] << ' ' << (k + 1 < M ? dnl_lo[kk] : NAN) << ' '
          << (k + 1 < M ? dnl_hi[kk] : NAN) << '\n';
    }
  }
  const int n = static_cast<int>(ok.size());
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

}  // namespace

void print_tia_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                   const behavioral::TiaModelFile& m) {
  const auto& p = m.nominal;
  fmt::print("{}: TIA, {} ok instances ({} held out)\n", campaign_path, fit::ok_samples(campaign).size(),
             std::count(m.instances.held_out.begin(), m.instances.held_out.end(), 1LL));
  fmt::print("\nnominal TIA model (fit set):\n");
  fmt::print("  rf_ohm = {:.6g}  a0_vv = {:.6g}  r_out_ohm = {:.6g}  v_offset_v = {:+.4e}\n", p.rf_ohm, p.a0_vv,
             p.r_out_ohm, p.v_offset_v);
  fmt::print("  v_out_min_v = {:.4f}  v_out_max_v = {:.4f}  tau_s = {:.4e} (median settling {:.4e} s of {} settled, "
             "{} bits)  t_sample_s = {}\n",
             p.v_out_min_v, p.v_out_max_v, p.tau_s, m.settling.t_settle_median_s, m.settling.n_settled,
             m.settling.lsb_bits, p.t_sample_s);
  fmt::print("\nfitted variation (normal MLE, 95% CI of sigma):\n");
  print_normal("op-amp offset", m.opamp_v_offset);
  fmt::print("\nheld-out error against SPICE v_out_v (seed {}, LSB {:.4e} V, full scale {:.4e} V):\n",
             m.provenance.held_out_seed, m.held_out_nominal.lsb_v, m.held_out_nominal.full_scale_v);
  print_header();
  print_row("nominal", m.held_out_nominal);
  print_row("instance-informed", m.held_out_instance_informed);
}

void print_adc_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                   const behavioral::AdcModelFile& m) {
  const auto& p = m.nominal;
  fmt::print("{}: {}-bit flash ADC, {} ok instances ({} held out)\n", campaign_path, p.bits,
             fit::ok_samples(campaign).size(),
             std::count(m.instances.held_out.begin(), m.instances.held_out.end(), 1LL));
  const Eigen::VectorXd ideal = behavioral::AdcModelParams{p.bits, p.v_min_v, p.v_max_v, {}, 0.0, p.surrogate,
                                                           p.smooth_width_lsb}
                                    .transitions_v();
  fmt::print("\nnominal ADC model: v_min_v = {}  v_max_v = {}  LSB = {:.4e} V  noise_sigma_v = 0 (DC campaign)\n",
             p.v_min_v, p.v_max_v, p.lsb_v());
  fmt::print("  mean transitions - ideal: max |.| = {:.4f} LSB\n",
             (p.transition_v - ideal).cwiseAbs().maxCoeff() / p.lsb_v());
  fmt::print("\nfitted variation (normal MLE, 95% CI of sigma):\n");
  print_normal("T_k - T*_k (ideal)", m.comparator_offset);
  fmt::print("\nheld-out error of the nominal model (seed {}, LSB {:.4e} V, full scale {:.4e} V):\n",
             m.provenance.held_out_seed, m.held_out_transitions.lsb_v, m.held_out_transitions.full_scale_v);
  print_header();
  print_row("transitions", m.held_out_transitions);
  print_row("codes (ramp, 16/LSB)", m.held_out_codes);
}

namespace {

std::vector<std::string> tile_plots(const std::string& dir, const fit::TileComparison& all) {
  fs::create_directories(dir);
  const std::string data = (fs::path(dir) / "tile_points.dat").string();
  {
    auto out = open_out(data);
    out << "# spice_v nominal_v informed_v spice_code nominal_code_difference informed_code_difference\n";
    for (std::size_t i = 0; i < all.spice_v.size(); ++i)
      out << all.spice_v[i] << ' ' << all.nominal.model_v[i] << ' ' << all.informed.model_v[i] << ' '
          << all.spice_codes[i] << ' ' << all.nominal.model_codes[i] - all.spice_codes[i] << ' '
          << all.informed.model_codes[i] - all.spice_codes[i] << '\n';
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

// A tia model against a tile campaign: the behavioral tile with that TIA (see periphery_fit.hpp).
int validate_tile(const PeripheryValidateOptions& o, const behavioral::TiaModelFile& m,
                  const characterize::CampaignFile& c) {
  fmt::print("{}: TIA model fitted {} to {}, inside the behavioral tile of {}\n", o.model_path, m.provenance.fit_time,
             m.provenance.campaign_path, o.campaign_path);
  const auto held = fit::compare_tile_with_spice(m.nominal, c, fit::held_out_samples(c, m.provenance.held_out_seed));
  const auto all = fit::compare_tile_with_spice(m.nominal, c, fit::ok_samples(c));
  fmt::print("\nerror of the behavioral tile against SPICE (ADC LSB {:.4e} V, full scale {:.4e} V):\n",
             all.nominal.v_tia.lsb_v, all.nominal.v_tia.full_scale_v);
  print_header();
  for (auto [name, h, a] : {std::tuple{"nominal", &held.nominal, &all.nominal},
                             std::tuple{"informed", &held.informed, &all.informed}}) {
    print_row(fmt::format("{} TIA outputs, held-out", name), h->v_tia);
    print_row(fmt::format("{} TIA outputs, all ok", name), a->v_tia);
    print_row(fmt::format("{} codes, held-out", name), h->codes);
    print_row(fmt::format("{} codes, all ok", name), a->codes);
  }
  fmt::print("  codes equal to ngspice's: nominal {:.1f} % (held-out), {:.1f} % (all ok); instance-informed {:.1f} %, "
             "{:.1f} %\n",
             100 * held.nominal.exact_code_fraction, 100 * all.nominal.exact_code_fraction,
             100 * held.informed.exact_code_fraction, 100 * all.informed.exact_code_fraction);
  if (!o.dump_path.empty()) {
    auto out = open_out(o.dump_path);
    out << "index,spice_v,nominal_v,informed_v,spice_code,nominal_code,informed_code\n";
    for (std::size_t i = 0; i < all.spice_v.size(); ++i)
      out << i << ',' << all.spice_v[i] << ',' << all.nominal.model_v[i] << ',' << all.informed.model_v[i] << ','
          << all.spice_codes[i] << ',' << all.nominal.model_codes[i] << ',' << all.informed.model_codes[i] << '\n';
    fmt::print("\nwrote {}\n", o.dump_path);
  }
  if (!o.plots_dir.empty()) {
    fmt::print("\nplots:\n");
    for (const auto& png : tile_plots(o.plots_dir, all)) fmt::print("  {}\n", png);
  }
  return 0;
}

}  // namespace

int validate_tia(const PeripheryValidateOptions& o) {
  const auto m = behavioral::read_tia_model_file(o.model_path);
  const auto c = characterize::read_campaign_file(o.campaign_path);
  if (c.schema.kind == "tile") return validate_tile(o, m, c);
  require_campaign_kind(o, c, "tia");
  fmt::print("{}: TIA model fitted {} to {}\n", o.model_path, m.provenance.fit_time, m.provenance.campaign_path);
  note_sha(o, m.provenance);
  const auto held = fit::compare_tia_with_spice(m.nominal, c, fit::held_out_samples(c, m.provenance.held_out_seed));
  const auto ok = fit::ok_samples(c);
  const auto all = fit::compare_tia_with_spice(m.nominal, c, ok);
  fmt::print("\nerror of the model against SPICE v_out_v (LSB {:.4e} V, full scale {:.4e} V):\n", held.nominal.lsb_v,
             held.nominal.full_scale_v);
  print_header();
  print_row("nominal, recorded", m.held_out_nominal);
  print_row("nominal, held-out", held.nominal);
  print_row("nominal, all ok", all.nominal);
  print_row("instance-informed, recorded", m.held_out_instance_informed);
  print_row("instance-informed, held-out", held.instance_informed);
  print_row("instance-informed, all ok", all.instance_informed);
  if (!o.dump_path.empty()) {
    auto out = open_out(o.dump_path);
    out << "sample,instance,held_out,point,i_in_a,spice_v,nominal_v,informed_v\n";
    const auto held_set = fit::held_out_samples(c, m.provenance.held_out_seed);
    const std::size_t P = c.schema.field("i_in_a").size();
    std::size_t k = 0;
    for (std::size_t s : ok) {
      const int h = std::binary_search(held_set.begin(), held_set.end(), s) ? 1 : 0;
      for (std::size_t j = 0; j < P; ++j, ++k)
        out << s << ',' << static_cast<long long>(field_value(c, s, "instance")) << ',' << h << ',' << j << ','
            << all.i_in_a[k] << ',' << all.spice_v[k] << ',' << all.nominal_v[k] << ',' << all.informed_v[k] << '\n';
    }
    fmt::print("\nwrote {}\n", o.dump_path);
  }
  if (!o.plots_dir.empty()) {
    fmt::print("\nplots:\n");
    for (const auto& png : tia_plots(o.plots_dir, campaign_name(o.campaign_path), all)) fmt::print("  {}\n", png);
  }
  return 0;
}

int validate_adc(const PeripheryValidateOptions& o) {
  const auto m = behavioral::read_adc_model_file(o.model_path);
  const auto c = characterize::read_campaign_file(o.campaign_path);
  require_campaign_kind(o, c, "adc");
  fmt::print("{}: {}-bit ADC model fitted {} to {}\n", o.model_path, m.nominal.bits, m.provenance.fit_time,
             m.provenance.campaign_path);
  note_sha(o, m.provenance);
  const auto held_set = fit::held_out_samples(c, m.provenance.held_out_seed);
  const auto held = fit::compare_adc_with_spice(m.nominal, c, held_set);
  const auto ok = fit::ok_samples(c);
  const auto all = fit::compare_adc_with_spice(m.nominal, c, ok);
  fmt::print("\nerror of the nominal model against SPICE (LSB {:.4e} V, full scale {:.4e} V):\n",
             held.transitions.lsb_v, held.transitions.full_scale_v);
  print_header();
  print_row("transitions, recorded", m.held_out_transitions);
  print_row("transitions, held-out", held.transitions);
  print_row("transitions, all ok", all.transitions);
  print_row("codes, recorded", m.held_out_codes);
  print_row("codes, held-out", held.codes);
  print_row("codes, all ok", all.codes);
  if (!o.dump_path.empty()) {
    auto out = open_out(o.dump_path);
    out << "sample,instance,held_out,point,v_in_v,code_nominal,code_instance\n";
    for (std::size_t r = 0; r < ok.size(); ++r) {
      const std::size_t s = ok[r];
      const int h = std::binary_search(held_set.begin(), held_set.end(), s) ? 1 : 0;
      const auto& codes = all.codes_instance[r];
      if (codes.empty()) continue;  // a NaN transition: no instance model
      for (Eigen::Index j = 0; j < all.ramp_v.size(); ++j)
        out << s << ',' << static_cast<long long>(field_value(c, s, "instance")) << ',' << h << ',' << j << ','
            << all.ramp_v[j] << ',' << all.codes_nominal[static_cast<std::size_t>(j)] << ','
            << codes[static_cast<std::size_t>(j)] << '\n';
    }
    fmt::print("\nwrote {}\n", o.dump_path);
  }
  if (!o.plots_dir.empty()) {
    fmt::print("\nplots:\n");
    for (const auto& png : adc_plots(o.plots_dir, campaign_name(o.campaign_path), c, m, ok)) fmt::print("  {}\n", png);
  }
  return 0;
}

}  // namespace xbar::tools
