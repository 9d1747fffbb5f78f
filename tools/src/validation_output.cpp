// The error table, the periphery fits' summaries and a ModelValidation's printout
// (validation_output.hpp).
#include "validation_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "output_table.hpp"

namespace xbar::tools {

namespace {

void print_normal(const char* name, const behavioral::NormalParameterFit& f) {
  fmt::print("  {:<20} mean = {:+.4e} V  sigma = {:.4e} V  [{:.4e}, {:.4e}]  (n = {}; KS D = {:.3f}, p = {:.3g})\n",
             name, f.mean_v, f.sigma_v, f.sigma_ci95.low, f.sigma_ci95.high, f.n, f.gof_statistic, f.gof_p_value);
}

std::string count_or_dash(std::uint64_t n) { return n ? std::to_string(n) : std::string("-"); }

}  // namespace

void print_error_table(const std::vector<fit::ErrorRow>& rows, const std::string& unit) {
  const bool rel = unit == "A";
  fmt::print("  {:<33} {:>7} {:>5} {:>8}  {:>11}  {:>11}  {:>10}  {:>10}  {:>10}  {:>10}{}\n", "model / set", "samples",
             "chips", "values", fmt::format("RMS [{}]", unit), fmt::format("max [{}]", unit), "RMS [%FS]", "max [%FS]",
             "RMS [LSB]", "max [LSB]", rel ? fmt::format("  {:>10}", "rel L2") : "");
  for (const auto& r : rows) {
    const auto& m = r.metrics;
    fmt::print("  {:<33} {:>7} {:>5} {:>8}  {:>11.4e}  {:>11.4e}  {:>10.5g}  {:>10.5g}  {:>10.5g}  {:>10.5g}{}\n",
               r.label, r.n_samples, count_or_dash(m.n_instances), m.n_values, m.rms_abs, m.max_abs, m.rms_pct_fs,
               m.max_pct_fs, m.rms_lsb, m.max_lsb, rel ? fmt::format("  {:>10.4g}", m.relative_l2) : "");
  }
}

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
  print_error_table({{"nominal", m.held_out_nominal.n_instances, fit::from_record(m.held_out_nominal)},
                     {"instance-informed", m.held_out_instance_informed.n_instances,
                      fit::from_record(m.held_out_instance_informed)}},
                    "V");
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
  print_error_table({{"transitions", m.held_out_transitions.n_instances, fit::from_record(m.held_out_transitions)},
                     {"codes (ramp, 16/LSB)", m.held_out_codes.n_instances, fit::from_record(m.held_out_codes)}},
                    "V");
}

void print_validation(const fit::ModelValidation& v, const std::string& model_path, const std::string& campaign_path) {
  const auto& pv = v.provenance;
  if (v.tile) {
    fmt::print("{}: TIA model fitted {} to {}, inside the behavioral tile of {}\n", model_path, pv.fit_time,
               pv.campaign_path, campaign_path);
    const auto& e = v.tile->all.nominal.v_tia;
    fmt::print("\nerror of the behavioral tile against SPICE (ADC LSB {:.4e} V, full scale {:.4e} V):\n", e.lsb,
               e.full_scale);
    print_error_table(v.rows, v.unit);
    const auto& h = v.tile->held_out;
    const auto& a = v.tile->all;
    fmt::print("  codes equal to ngspice's: nominal {:.1f} % (held-out), {:.1f} % (all ok); instance-informed {:.1f} "
               "%, {:.1f} %\n",
               100 * h.nominal.exact_code_fraction, 100 * a.nominal.exact_code_fraction,
               100 * h.informed.exact_code_fraction, 100 * a.informed.exact_code_fraction);
    return;
  }
  if (v.crossbar) {
    const auto& x = *v.crossbar;
    fmt::print("{}: {}x{} crossbar model fitted {} to {}\n", model_path, x.rows, x.cols, pv.fit_time,
               pv.campaign_path);
  } else if (v.adc) {
    fmt::print("{}: {}-bit ADC model fitted {} to {}\n", model_path, v.adc->bits, pv.fit_time, pv.campaign_path);
  } else {
    fmt::print("{}: TIA model fitted {} to {}\n", model_path, pv.fit_time, pv.campaign_path);
  }
  if (!v.campaign_matches)
    fmt::print("note: {} is not the campaign the model was fitted to (SHA-256 differs); its held-out split is applied "
               "anyway\n",
               campaign_path);
  if (v.crossbar) {
    const auto& x = *v.crossbar;
    fmt::print("\nerror of the model against SPICE (full scale {:.4e} A, {}-bit ADC). recorded: the model file's "
               "numbers from when it was fitted; held-out: the {} of {} chips the fit never saw, each replayed "
               "with its own recorded conductances and wires (this measures solver agreement, not the "
               "variation); all ok: every chip\n",
               x.recorded.full_scale_a, x.recorded.adc_bits, x.n_held_out_chips, x.n_chips);
    print_error_table(v.rows, v.unit);
    print_predictive(fit::to_metrics(x.predictive));
    return;
  }
  const auto& e = v.rows.at(1).metrics;  // the held-out row: this campaign's LSB and full scale
  fmt::print(v.adc ? "\nerror of the nominal model against SPICE (LSB {:.4e} V, full scale {:.4e} V):\n"
                   : "\nerror of the model against SPICE v_out_v (LSB {:.4e} V, full scale {:.4e} V):\n",
             e.lsb, e.full_scale);
  print_error_table(v.rows, v.unit);
}

}  // namespace xbar::tools
