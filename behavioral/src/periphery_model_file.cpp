// xbar.model/1 files of kinds "tia" and "adc" (periphery_model_file.hpp, data/MODEL_SCHEMA.md).
#include "xbar/behavioral/periphery_model_file.hpp"

#include <hdf5.h>

#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/model_file_error.hpp"

namespace xbar::behavioral {

namespace {

using detail::Hid;
using detail::QuietHdf5;
using detail::Reader;
using detail::Writer;

void write_normal(const Writer& w, hid_t parent, const std::string& name, const std::string& full,
                  const NormalParameterFit& f) {
  Hid g = w.group(parent, name, full);
  w.str(g.get(), full, "distribution", "normal");
  w.f64(g.get(), full, "mean_v", f.mean_v);
  w.f64(g.get(), full, "sigma_v", f.sigma_v);
  w.ci(g.get(), full, "sigma_v", f.sigma_ci95);
  w.str(g.get(), full, "gof_test", f.gof_test);
  w.f64(g.get(), full, "gof_statistic", f.gof_statistic);
  w.f64(g.get(), full, "gof_p_value", f.gof_p_value);
  w.u64(g.get(), full, "n", f.n);
}

NormalParameterFit read_normal(const Reader& r, hid_t file, const std::string& full) {
  Hid g = r.group(file, full);
  NormalParameterFit f;
  f.mean_v = r.f64(g.get(), full, "mean_v");
  f.sigma_v = r.f64(g.get(), full, "sigma_v");
  f.sigma_ci95 = r.ci(g.get(), full, "sigma_v");
  f.gof_test = r.str(g.get(), full, "gof_test");
  f.gof_statistic = r.f64(g.get(), full, "gof_statistic");
  f.gof_p_value = r.f64(g.get(), full, "gof_p_value");
  f.n = r.u64(g.get(), full, "n");
  return f;
}

void write_metrics(const Writer& w, hid_t parent, const std::string& name, const PeripheryErrorMetrics& m) {
  const std::string full = "/held_out/" + name;
  Hid g = w.group(parent, name, full);
  w.u64(g.get(), full, "n_instances", m.n_instances);
  w.u64(g.get(), full, "n_values", m.n_values);
  w.f64(g.get(), full, "rms_abs_v", m.rms_abs_v);
  w.f64(g.get(), full, "max_abs_v", m.max_abs_v);
  w.f64(g.get(), full, "rms_lsb", m.rms_lsb);
  w.f64(g.get(), full, "max_lsb", m.max_lsb);
  w.f64(g.get(), full, "rms_pct_fs", m.rms_pct_fs);
  w.f64(g.get(), full, "max_pct_fs", m.max_pct_fs);
  w.f64(g.get(), full, "lsb_v", m.lsb_v);
  w.f64(g.get(), full, "full_scale_v", m.full_scale_v);
}

PeripheryErrorMetrics read_metrics(const Reader& r, hid_t file, const std::string& name) {
  const std::string full = "/held_out/" + name;
  Hid g = r.group(file, full);
  PeripheryErrorMetrics m;
  m.n_instances = r.u64(g.get(), full, "n_instances");
  m.n_values = r.u64(g.get(), full, "n_values");
  m.rms_abs_v = r.f64(g.get(), full, "rms_abs_v");
  m.max_abs_v = r.f64(g.get(), full, "max_abs_v");
  m.rms_lsb = r.f64(g.get(), full, "rms_lsb");
  m.max_lsb = r.f64(g.get(), full, "max_lsb");
  m.rms_pct_fs = r.f64(g.get(), full, "rms_pct_fs");
  m.max_pct_fs = r.f64(g.get(), full, "max_pct_fs");
  m.lsb_v = r.f64(g.get(), full, "lsb_v");
  m.full_scale_v = r.f64(g.get(), full, "full_scale_v");
  return m;
}

void write_root(const Writer& w, hid_t file, const char* kind) {
  w.str(file, "/", "schema", detail::kModelSchema);
  w.str(file, "/", "kind", kind);
}

// Checks that every per-instance column has the length of `instance`.
void check_rows(const std::string& path, std::size_t n, std::size_t got, const char* column) {
  if (got != n)
    throw ModelFileError(path + ": dataset /instances/" + column + " has " + std::to_string(got) +
                         " rows, /instances/instance has " + std::to_string(n));
}

const char* surrogate_name(AdcSurrogate s) { return s == AdcSurrogate::smoothed ? "smoothed" : "straight_through"; }

}  // namespace

void write_tia_model_file(const std::string& path, const TiaModelFile& m) {
  m.nominal.validate();
  const auto& t = m.instances;
  const std::size_t n = t.size();
  for (auto [v, name] : {std::pair{&t.opamp_v_offset_v, "opamp_v_offset_v"}, {&t.gain_ohm, "gain_ohm"},
                         {&t.v_out_offset_v, "v_out_offset_v"}, {&t.a0_vv, "a0_vv"}, {&t.r_out_ohm, "r_out_ohm"},
                         {&t.v_out_high_v, "v_out_high_v"}, {&t.v_out_low_v, "v_out_low_v"}})
    if (static_cast<std::size_t>(v->size()) != n || t.held_out.size() != n)
      throw ValidationError({std::string("tia model instances.") + name + " has " + std::to_string(v->size()) +
                             " entries: must be one per instance (" + std::to_string(n) + ")"});
  detail::write_model_file_atomically(path, [&](const Writer& w, hid_t file) {
    write_root(w, file, "tia");
    {
      const std::string g_name = "/nominal";
      Hid g = w.group(file, "nominal", g_name);
      const auto& p = m.nominal;
      w.f64(g.get(), g_name, "rf_ohm", p.rf_ohm);
      w.f64(g.get(), g_name, "a0_vv", p.a0_vv);
      w.f64(g.get(), g_name, "r_out_ohm", p.r_out_ohm);
      w.f64(g.get(), g_name, "v_offset_v", p.v_offset_v);
      w.f64(g.get(), g_name, "v_out_min_v", p.v_out_min_v);
      w.f64(g.get(), g_name, "v_out_max_v", p.v_out_max_v);
      w.f64(g.get(), g_name, "tau_s", p.tau_s);
      w.f64(g.get(), g_name, "t_sample_s", p.t_sample_s);
    }
    {
      Hid var = w.group(file, "variation", "/variation");
      write_normal(w, var.get(), "opamp_v_offset", "/variation/opamp_v_offset", m.opamp_v_offset);
      const std::string s = "/variation/settling";
      Hid g = w.group(var.get(), "settling", s);
      w.u64(g.get(), s, "n_settled", m.settling.n_settled);
      w.f64(g.get(), s, "t_settle_median_s", m.settling.t_settle_median_s);
      w.i64(g.get(), s, "lsb_bits", m.settling.lsb_bits);
    }
    {
      Hid g = w.group(file, "instances", "/instances");
      w.int_vector(g.get(), "instance", "/instances/instance", t.instance, "1");
      w.int_vector(g.get(), "held_out", "/instances/held_out", t.held_out, "1");
      w.vector(g.get(), "opamp_v_offset_v", "/instances/opamp_v_offset_v", t.opamp_v_offset_v, "V");
      w.vector(g.get(), "gain_ohm", "/instances/gain_ohm", t.gain_ohm, "ohm");
      w.vector(g.get(), "v_out_offset_v", "/instances/v_out_offset_v", t.v_out_offset_v, "V");
      w.vector(g.get(), "a0_vv", "/instances/a0_vv", t.a0_vv, "V/V");
      w.vector(g.get(), "r_out_ohm", "/instances/r_out_ohm", t.r_out_ohm, "ohm");
      w.vector(g.get(), "v_out_high_v", "/instances/v_out_high_v", t.v_out_high_v, "V");
      w.vector(g.get(), "v_out_low_v", "/instances/v_out_low_v", t.v_out_low_v, "V");
    }
    {
      Hid g = w.group(file, "held_out", "/held_out");
      write_metrics(w, g.get(), "nominal", m.held_out_nominal);
      write_metrics(w, g.get(), "instance_informed", m.held_out_instance_informed);
    }
    detail::write_provenance(w, file, m.provenance);
  });
}

TiaModelFile read_tia_model_file(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = detail::open_model_file(path, "tia");
  Reader r(path);
  const hid_t f = file.get();
  TiaModelFile m;
  {
    const std::string n = "/nominal";
    Hid g = r.group(f, n);
    auto& p = m.nominal;
    p.rf_ohm = r.f64(g.get(), n, "rf_ohm");
    p.a0_vv = r.f64(g.get(), n, "a0_vv");
    p.r_out_ohm = r.f64(g.get(), n, "r_out_ohm");
    p.v_offset_v = r.f64(g.get(), n, "v_offset_v");
    p.v_out_min_v = r.f64(g.get(), n, "v_out_min_v");
    p.v_out_max_v = r.f64(g.get(), n, "v_out_max_v");
    p.tau_s = r.f64(g.get(), n, "tau_s");
    p.t_sample_s = r.f64(g.get(), n, "t_sample_s");
    try {
      p.validate();
    } catch (const ValidationError& e) {
      throw ModelFileError(path + ": group /nominal: invalid parameters:\n" + e.what());
    }
  }
  m.opamp_v_offset = read_normal(r, f, "/variation/opamp_v_offset");
  {
    const std::string s = "/variation/settling";
    Hid g = r.group(f, s);
    m.settling.n_settled = r.u64(g.get(), s, "n_settled");
    m.settling.t_settle_median_s = r.f64(g.get(), s, "t_settle_median_s");
    m.settling.lsb_bits = static_cast<int>(r.i64(g.get(), s, "lsb_bits"));
  }
  auto& t = m.instances;
  t.instance = r.int_vector(f, "/instances/instance");
  t.held_out = r.int_vector(f, "/instances/held_out");
  check_rows(path, t.size(), t.held_out.size(), "held_out");
  for (auto [v, name] : {std::pair{&t.opamp_v_offset_v, "opamp_v_offset_v"}, {&t.gain_ohm, "gain_ohm"},
                         {&t.v_out_offset_v, "v_out_offset_v"}, {&t.a0_vv, "a0_vv"}, {&t.r_out_ohm, "r_out_ohm"},
                         {&t.v_out_high_v, "v_out_high_v"}, {&t.v_out_low_v, "v_out_low_v"}}) {
    *v = r.vector(f, std::string("/instances/") + name);
    check_rows(path, t.size(), static_cast<std::size_t>(v->size()), name);
  }
  m.held_out_nominal = read_metrics(r, f, "nominal");
  m.held_out_instance_informed = read_metrics(r, f, "instance_informed");
  m.provenance = detail::read_provenance(r, f);
  return m;
}

void write_adc_model_file(const std::string& path, const AdcModelFile& m) {
  m.nominal.validate();
  const auto& t = m.instances;
  if (t.held_out.size() != t.size() || static_cast<std::size_t>(t.transition_v.rows()) != t.size() ||
      (t.size() > 0 && t.transition_v.cols() != m.nominal.transitions()))
    throw ValidationError({"adc model instances: transition_v is " + std::to_string(t.transition_v.rows()) + "x" +
                           std::to_string(t.transition_v.cols()) + ": must be one row per instance (" +
                           std::to_string(t.size()) + ") of 2^bits - 1 transitions"});
  detail::write_model_file_atomically(path, [&](const Writer& w, hid_t file) {
    write_root(w, file, "adc");
    {
      const std::string n = "/nominal";
      Hid g = w.group(file, "nominal", n);
      const auto& p = m.nominal;
      w.i64(g.get(), n, "bits", p.bits);
      w.f64(g.get(), n, "v_min_v", p.v_min_v);
      w.f64(g.get(), n, "v_max_v", p.v_max_v);
      w.f64(g.get(), n, "noise_sigma_v", p.noise_sigma_v);
      w.str(g.get(), n, "surrogate", surrogate_name(p.surrogate));
      w.f64(g.get(), n, "smooth_width_lsb", p.smooth_width_lsb);
      w.vector(g.get(), "transition_v", "/nominal/transition_v", p.transition_v, "V");
    }
    {
      Hid var = w.group(file, "variation", "/variation");
      write_normal(w, var.get(), "comparator_offset", "/variation/comparator_offset", m.comparator_offset);
    }
    {
      Hid g = w.group(file, "instances", "/instances");
      w.int_vector(g.get(), "instance", "/instances/instance", t.instance, "1");
      w.int_vector(g.get(), "held_out", "/instances/held_out", t.held_out, "1");
      w.matrix(g.get(), "transition_v", "/instances/transition_v", t.transition_v, "V");
    }
    {
      Hid g = w.group(file, "held_out", "/held_out");
      write_metrics(w, g.get(), "transitions_nominal", m.held_out_transitions);
      write_metrics(w, g.get(), "codes_nominal", m.held_out_codes);
    }
    detail::write_provenance(w, file, m.provenance);
  });
}

AdcModelFile read_adc_model_file(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = detail::open_model_file(path, "adc");
  Reader r(path);
  const hid_t f = file.get();
  AdcModelFile m;
  {
    const std::string n = "/nominal";
    Hid g = r.group(f, n);
    auto& p = m.nominal;
    p.bits = static_cast<int>(r.i64(g.get(), n, "bits"));
    p.v_min_v = r.f64(g.get(), n, "v_min_v");
    p.v_max_v = r.f64(g.get(), n, "v_max_v");
    p.noise_sigma_v = r.f64(g.get(), n, "noise_sigma_v");
    const std::string s = r.str(g.get(), n, "surrogate");
    if (s != "straight_through" && s != "smoothed")
      r.fail("attribute /nominal@surrogate = '" + s + "'", "must be straight_through or smoothed");
    p.surrogate = s == "smoothed" ? AdcSurrogate::smoothed : AdcSurrogate::straight_through;
    p.smooth_width_lsb = r.f64(g.get(), n, "smooth_width_lsb");
    p.transition_v = r.vector(f, "/nominal/transition_v");
    try {
      p.validate();
    } catch (const ValidationError& e) {
      throw ModelFileError(path + ": group /nominal: invalid parameters:\n" + e.what());
    }
  }
  m.comparator_offset = read_normal(r, f, "/variation/comparator_offset");
  auto& t = m.instances;
  t.instance = r.int_vector(f, "/instances/instance");
  t.held_out = r.int_vector(f, "/instances/held_out");
  check_rows(path, t.size(), t.held_out.size(), "held_out");
  t.transition_v = r.matrix(f, "/instances/transition_v");
  check_rows(path, t.size(), static_cast<std::size_t>(t.transition_v.rows()), "transition_v");
  m.held_out_transitions = read_metrics(r, f, "transitions_nominal");
  m.held_out_codes = read_metrics(r, f, "codes_nominal");
  m.provenance = detail::read_provenance(r, f);
  return m;
}

std::string model_kind_of(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = detail::open_model_file(path, "");
  return Reader(path).str(file.get(), "/", "kind");
}

}  // namespace xbar::behavioral
