// A fit::ModelValidation's predictions as CSV and its plots (validation_files.hpp): fills the
// plain-vector plot structs of validation_plots.hpp from the validation's rows.
#include "xbar/report/validation_files.hpp"

#include <fstream>

#include "xbar/fit/model_validation.hpp"
#include "xbar/report/report_error.hpp"
#include "xbar/report/validation_plots.hpp"

namespace xbar::report {

namespace {

std::ofstream open_out(const std::string& path) {
  std::ofstream out(path);
  if (!out) throw ReportError(path + ": cannot write");
  out.precision(17);
  return out;
}

}  // namespace

void write_predictions_csv(const fit::ModelValidation& v, const std::string& path) {
  auto out = open_out(path);
  if (v.crossbar) {
    const auto& all = v.crossbar->all;
    const std::size_t n_out = static_cast<std::size_t>(v.crossbar->cols);
    const std::size_t n_in = v.ok_samples.empty() ? 0 : all.spice_a.size() / (v.ok_samples.size() * n_out);
    out << "sample,input,output,model_a,spice_a,ideal_a\n";
    std::size_t k = 0;
    for (std::size_t s : v.ok_samples)
      for (std::size_t n = 0; n < n_in; ++n)
        for (std::size_t j = 0; j < n_out; ++j, ++k)
          out << s << ',' << n << ',' << j << ',' << all.model_a[k] << ',' << all.spice_a[k] << ',' << all.ideal_a[k]
              << '\n';
  } else if (v.tile) {
    const auto& all = v.tile->all;
    out << "index,spice_v,nominal_v,informed_v,spice_code,nominal_code,informed_code\n";
    for (std::size_t i = 0; i < all.spice_v.size(); ++i)
      out << i << ',' << all.spice_v[i] << ',' << all.nominal.model_v[i] << ',' << all.informed.model_v[i] << ','
          << all.spice_codes[i] << ',' << all.nominal.model_codes[i] << ',' << all.informed.model_codes[i] << '\n';
  } else if (v.tia) {
    const auto& all = *v.tia;
    const std::size_t P = v.ok_samples.empty() ? 0 : all.spice_v.size() / v.ok_samples.size();
    out << "sample,instance,held_out,point,i_in_a,spice_v,nominal_v,informed_v\n";
    std::size_t k = 0;
    for (std::size_t r = 0; r < v.ok_samples.size(); ++r) {
      const std::size_t s = v.ok_samples[r];
      for (std::size_t j = 0; j < P; ++j, ++k)
        out << s << ',' << v.ok_instances[r] << ',' << (v.is_held_out(s) ? 1 : 0) << ',' << j << ',' << all.i_in_a[k]
            << ',' << all.spice_v[k] << ',' << all.nominal_v[k] << ',' << all.informed_v[k] << '\n';
    }
  } else if (v.adc) {
    const auto& all = v.adc->all;
    out << "sample,instance,held_out,point,v_in_v,code_nominal,code_instance\n";
    for (std::size_t r = 0; r < v.ok_samples.size(); ++r) {
      const std::size_t s = v.ok_samples[r];
      const auto& codes = all.codes_instance[r];
      if (codes.empty()) continue;  // a NaN transition: no instance model
      for (Eigen::Index j = 0; j < all.ramp_v.size(); ++j)
        out << s << ',' << v.ok_instances[r] << ',' << (v.is_held_out(s) ? 1 : 0) << ',' << j << ',' << all.ramp_v[j]
            << ',' << all.codes_nominal[static_cast<std::size_t>(j)] << ',' << codes[static_cast<std::size_t>(j)]
            << '\n';
    }
  }
}

std::vector<std::string> write_validation_plots(const fit::ModelValidation& v, const std::string& dir) {
  if (v.crossbar) {
    const auto& x = *v.crossbar;
    CrossbarValidationPlot p;
    p.name = v.campaign_name;
    p.outputs = static_cast<int>(x.spice_vs_ideal_by_column.size());
    p.full_scale_a = x.recorded.full_scale_a;
    p.adc_bits = x.recorded.adc_bits;
    p.spice_a = x.all.spice_a;
    p.ideal_a = x.all.ideal_a;
    p.model_a = x.all.model_a;
    for (const auto& c : x.spice_vs_ideal_by_column) {
      const auto e = fit::error_metrics(c, 0.0, p.full_scale_a);
      p.column_mean_pct_fs.push_back(c.n > 0 ? 100.0 * c.mean_err() / p.full_scale_a : 0.0);
      p.column_rms_pct_fs.push_back(e.rms_pct_fs);
    }
    p.spice_error_pct_fs = x.predictive.spice.values_pct_fs;
    p.model_error_pct_fs = x.predictive.model.values_pct_fs;
    p.ks_statistic = x.predictive.ks_values.statistic;
    p.ks_p_value = x.predictive.ks_values.p_value;
    p.spice_chips = x.predictive.spice.n_chips;
    p.model_chips = x.predictive.model.n_chips;
    return plot_crossbar_validation(dir, p);
  }
  if (v.tile) {
    const auto& a = v.tile->all;
    return plot_tile_validation(dir, {a.spice_v, a.nominal.model_v, a.informed.model_v, a.spice_codes,
                                              a.nominal.model_codes, a.informed.model_codes});
  }
  if (v.tia) {
    const auto& a = *v.tia;
    return plot_tia_validation(
        dir, {v.campaign_name, a.nominal.lsb, a.i_in_a, a.spice_v, a.nominal_v, a.informed_v});
  }
  const auto& a = *v.adc;
  AdcLinearityPlot p;
  p.name = v.campaign_name;
  p.model_inl_lsb = a.model.inl_lsb;
  p.model_dnl_lsb = a.model.dnl_lsb;
  p.instance_sample = v.ok_samples;
  for (const auto& f : a.instances) {
    p.instance_inl_lsb.push_back(f.inl_lsb);
    p.instance_dnl_lsb.push_back(f.dnl_lsb);
  }
  p.transition_error_lsb = a.transition_error_lsb;
  p.inl_min = a.inl_min;
  p.inl_max = a.inl_max;
  p.dnl_min = a.dnl_min;
  p.dnl_max = a.dnl_max;
  return plot_adc_linearity(dir, p);
}

}  // namespace xbar::report
