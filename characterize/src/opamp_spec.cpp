// Spec readers of the "opamp" and "tia" kinds: [opamp], [tia], their [variation] (op-amp
// mismatch) and their [workload] (instances only). Field rules are those of
// netlists::OpampParams / OpampBench / TiaParams / TiaBench::validate(), reported at the
// field's line ("spec.toml:4: opamp.cc_f = -1e-12: must be finite and > 0 F").
#include <fmt/format.h>

#include <climits>
#include <string>
#include <string_view>

#include "spec_reader.hpp"
#include "xbar/netlists/error.hpp"

namespace xbar::characterize::spec_detail {

namespace {

/// Reports each validate() problem at the line of its field. `from` is the prefix validate()
/// uses ("opamp_bench."), `to` the table's prefix in the spec ("opamp."). Lines starting with
/// `skip` are dropped (already reported elsewhere).
void report_validation(Section& s, const netlists::ValidationError& e, std::string_view from, std::string_view to,
                       std::string_view skip = {}) {
  for (const std::string& line : e.problems()) {
    if (!skip.empty() && line.compare(0, skip.size(), skip) == 0) continue;
    std::string message = line;
    if (message.compare(0, from.size(), from) == 0) message = std::string(to) + message.substr(from.size());
    std::string key = message.substr(to.size());
    key = key.substr(0, key.find_first_of(" .:"));
    s.note(key, message);
  }
}

void read_number(Section& s, std::string_view key, double& out) { s.read(key, out, finite, "must be finite"); }

bool nonneg_or_default(double x) { return std::isfinite(x) && x >= 0.0; }

}  // namespace

void read_opamp(Section s, netlists::OpampParams& p, netlists::OpampBench& b) {
  s.check_known({"model", "vdd_v", "vss_v", "w_in_m", "l_in_m", "w_load_m", "l_load_m", "w_tail_m", "l_tail_m",
                 "w_cs_m", "l_cs_m", "w_sink_m", "l_sink_m", "w_bias_m", "l_bias_m", "i_bias_a", "cc_f", "rz_ohm",
                 "a0_vv", "f_p1_hz", "f_p2_hz", "r_out_ohm", "i_q_a", "headroom_v", "vos_v", "c_load_f",
                 "r_load_ohm", "v_overdrive_v", "f_start_hz", "f_stop_hz", "points_per_decade"});
  s.read_enum("model", {{"transistor", netlists::OpampModel::transistor}, {"macro", netlists::OpampModel::macro}},
              "transistor, macro", p.model);
  const std::pair<std::string_view, double*> numbers[] = {
      {"vdd_v", &p.vdd_v},       {"vss_v", &p.vss_v},         {"w_in_m", &p.w_in_m},       {"l_in_m", &p.l_in_m},
      {"w_load_m", &p.w_load_m}, {"l_load_m", &p.l_load_m},   {"w_tail_m", &p.w_tail_m},   {"l_tail_m", &p.l_tail_m},
      {"w_cs_m", &p.w_cs_m},     {"l_cs_m", &p.l_cs_m},       {"w_sink_m", &p.w_sink_m},   {"l_sink_m", &p.l_sink_m},
      {"w_bias_m", &p.w_bias_m}, {"l_bias_m", &p.l_bias_m},   {"i_bias_a", &p.i_bias_a},   {"cc_f", &p.cc_f},
      {"rz_ohm", &p.rz_ohm},     {"a0_vv", &p.a0_vv},         {"f_p1_hz", &p.f_p1_hz},     {"f_p2_hz", &p.f_p2_hz},
      {"r_out_ohm", &p.r_out_ohm}, {"i_q_a", &p.i_q_a},       {"headroom_v", &p.headroom_v}, {"vos_v", &p.vos_v},
      {"c_load_f", &b.c_load_f}, {"r_load_ohm", &b.r_load_ohm}, {"v_overdrive_v", &b.v_overdrive_v},
      {"f_start_hz", &b.f_start_hz}, {"f_stop_hz", &b.f_stop_hz}};
  for (const auto& [key, out] : numbers) read_number(s, key, *out);
  s.read_int("points_per_decade", 1, 1000, b.points_per_decade);
  try {
    p.validate();
  } catch (const netlists::ValidationError& e) {
    report_validation(s, e, "opamp.", "opamp.");
  }
  try {
    b.validate();
  } catch (const netlists::ValidationError& e) {
    report_validation(s, e, "opamp_bench.", "opamp.");
  }
}

void read_tia(Section s, netlists::TiaParams& t, netlists::TiaBench& b) {
  s.check_known({"rf_ohm", "cf_f", "i_full_scale_a", "sweep_points", "lsb_bits", "c_in_f", "c_load_f", "t_delay_s",
                 "t_rise_s", "t_stop_s", "t_step_s"});
  const std::pair<std::string_view, double*> numbers[] = {
      {"rf_ohm", &t.rf_ohm},       {"cf_f", &t.cf_f},         {"i_full_scale_a", &b.i_full_scale_a},
      {"c_in_f", &b.c_in_f},       {"c_load_f", &b.c_load_f}, {"t_delay_s", &b.t_delay_s},
      {"t_rise_s", &b.t_rise_s},   {"t_stop_s", &b.t_stop_s}, {"t_step_s", &b.t_step_s}};
  for (const auto& [key, out] : numbers) read_number(s, key, *out);
  s.read_int("sweep_points", 3, 10000, b.sweep_points);
  s.read_int("lsb_bits", 1, 24, b.lsb_bits);
  try {
    t.validate();
  } catch (const netlists::ValidationError& e) {
    report_validation(s, e, "tia.", "tia.", "tia.opamp.");  // the op-amp is reported under [opamp]
  }
  try {
    b.validate();
  } catch (const netlists::ValidationError& e) {
    report_validation(s, e, "tia_bench.", "tia.");
  }
}

void read_opamp_variation(Section s, VariationSpec& v) {
  s.check_known({"a_vt_mv_um", "a_beta_pct_um", "mismatch_devices", "opamp_vos_sigma_v"});
  s.read("a_vt_mv_um", v.a_vt_mv_um, nonneg_or_default,
         "must be finite and >= 0 mV*um (per transistor; omit it for the process's value)");
  s.read("a_beta_pct_um", v.a_beta_pct_um, nonneg_or_default,
         "must be finite and >= 0 %*um (per transistor; omit it for the process's value)");
  s.read_enum("mismatch_devices",
              {{"all", MismatchDevices::all}, {"input_pair", MismatchDevices::input_pair}, {"none", MismatchDevices::none}},
              "all, input_pair, none", v.mismatch_devices);
  s.read("opamp_vos_sigma_v", v.opamp_vos_sigma_v, finite_nonneg, "must be finite and >= 0 V");
}

namespace {

void read_instances(Section s, WorkloadSpec& w, std::string_view kind) {
  s.check_known({"instances", "patterns_per_instance", "inputs_per_pattern"});
  read_counts(s, w);
  for (auto [key, value] : {std::pair<std::string_view, int>{"patterns_per_instance", w.patterns_per_instance},
                            std::pair<std::string_view, int>{"inputs_per_pattern", w.inputs_per_pattern}}) {
    if (s.has(key) && value != 1) {
      s.bad(key, fmt::format("{}", value),
            fmt::format("must be 1 for kind = '{}' (one sample is one Monte Carlo instance: set instances)", kind));
    }
  }
}

}  // namespace

void read_opamp_kind(Section& top, CampaignSpec& spec, const DataFiles& files) {
  top.check_known({"kind", "seed", "opamp", "variation", "workload", "run"});
  read_opamp(section(top, "opamp"), spec.opamp, spec.opamp_bench);
  read_opamp_variation(section(top, "variation"), spec.variation);
  read_instances(section(top, "workload"), spec.workload, "opamp");
  read_run(section(top, "run"), spec.run, files);
}

void read_tia_kind(Section& top, CampaignSpec& spec, const DataFiles& files) {
  top.check_known({"kind", "seed", "opamp", "tia", "variation", "workload", "run"});
  read_opamp(section(top, "opamp"), spec.opamp, spec.opamp_bench);
  spec.tia.opamp = spec.opamp;
  read_tia(section(top, "tia"), spec.tia, spec.tia_bench);
  read_opamp_variation(section(top, "variation"), spec.variation);
  read_instances(section(top, "workload"), spec.workload, "tia");
  read_run(section(top, "run"), spec.run, files);
}

}  // namespace xbar::characterize::spec_detail
