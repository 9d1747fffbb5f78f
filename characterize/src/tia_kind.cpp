// The "tia" circuit kind: one sample = one Monte Carlo instance of a TIA (the op-amp of
// [opamp] with [tia] rf_ohm / cf_f). Per sample: the op-amp bench of the same op-amp instance
// (open-loop gain and output resistance, loaded with r_load = rf_ohm), then the TIA bench: a
// DC sweep of the input current (transfer curve, gain, virtual-ground error) and a transient
// current step (settling time to 0.5 LSB).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kinds.hpp"
#include "opamp_measure.hpp"
#include "opamp_sampling.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/fault_injection.hpp"

namespace xbar::characterize {

namespace {

/// Least-squares line y = slope x + intercept.
void fit_line(const std::vector<double>& x, const std::vector<double>& y, double* slope, double* intercept) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  *slope = sxy / sxx;
  *intercept = my - *slope * mx;
}

class TiaKind final : public CircuitKind {
 public:
  explicit TiaKind(const CampaignSpec& spec) : spec_(spec) { build_schema(); }
  const CampaignSchema& schema() const override { return schema_; }
  SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const override;
  std::string deck_text(std::uint64_t index) const override;

 private:
  bool transistor() const { return spec_.tia.opamp.model == netlists::OpampModel::transistor; }
  void build_schema();

  const CampaignSpec& spec_;
  CampaignSchema schema_;
};

void TiaKind::build_schema() {
  const std::uint64_t T = netlists::opamp_transistor_names().size();
  const std::uint64_t P = spec_.tia_bench.sweep_points;
  schema_.kind = "tia";
  schema_.fields = {{"instance", {}, "1", "param", "Monte Carlo instance of this sample", ""}};
  if (transistor()) {
    schema_.fields.push_back({"dvt_v", {T}, "V", "param", "op-amp threshold shift per transistor m1..m8", ""});
    schema_.fields.push_back({"dbeta_rel", {T}, "1", "param", "op-amp relative beta shift per transistor m1..m8", ""});
  } else {
    schema_.fields.push_back({"vos_drawn_v", {}, "V", "param", "macro op-amp: drawn input offset", ""});
  }
  const std::vector<FieldSpec> rest = {
      {"i_in_a", {P}, "A", "input", "DC sweep of the input current (into the input node)", ""},
      {"v_out_v", {P}, "V", "output", "TIA output at each swept input current", "v_out_ideal_v"},
      {"v_out_ideal_v", {P}, "V", "ideal", "ideal transfer -rf_ohm i_in", ""},
      {"v_in_v", {P}, "V", "output", "input (virtual-ground) node at each swept current", ""},
      {"gain_ohm", {}, "ohm", "output", "least-squares slope of v_out_v against i_in_a", "gain_ideal_ohm"},
      {"gain_ideal_ohm", {}, "ohm", "ideal", "ideal gain -rf_ohm", ""},
      {"gain_error_rel", {}, "1", "output", "gain_ohm / (-rf_ohm) - 1", ""},
      {"gain_predicted_ohm", {}, "ohm", "output", "finite-gain prediction -rf (a0 - r_out/rf) / (1 + a0)", ""},
      {"v_out_offset_v", {}, "V", "output", "intercept of the least-squares line (output offset at i_in = 0)", ""},
      {"a0_vv", {}, "V/V", "output", "this instance's op-amp open-loop DC gain (op-amp bench, load CL)", ""},
      {"r_out_ohm", {}, "ohm", "output", "this instance's op-amp output resistance (bench loaded with rf_ohm)", ""},
      {"v_ground_error_v", {}, "V", "output", "max |v_in_v| over the sweep: the virtual-ground error", ""},
      {"lsb_v", {}, "V", "param", "output-referred LSB: 2 i_full_scale_a rf_ohm / 2^lsb_bits", ""},
      {"settling_time_s", {}, "s", "output",
       "time from the step start until v_out stays within 0.5 LSB of its DC value at +i_fs (t_stop - t_delay if never)", ""},
      {"settled", {}, "1", "output", "1 if the step settled to 0.5 LSB before t_stop_s, else 0", ""},
      {"i_supply_a", {}, "A", "output", "current drawn from vtia_dd at the sweep point nearest i_in = 0", ""},
      {"opamp_v_offset_v", {}, "V", "output", "this instance's op-amp input-referred offset (op-amp bench follower)", ""},
      {"v_out_high_v", {}, "V", "output", "this instance's op-amp highest output (op-amp bench, load rf_ohm || CL)", ""},
      {"v_out_low_v", {}, "V", "output", "this instance's op-amp lowest output (op-amp bench, load rf_ohm || CL)", ""},
  };
  schema_.fields.insert(schema_.fields.end(), rest.begin(), rest.end());
}

std::string TiaKind::deck_text(std::uint64_t index) const {
  const netlists::OpampMismatch mm = sample_opamp_mismatch(spec_.tia.opamp, spec_.variation, spec_.seed, index, 0);
  return with_analyses(netlists::make_tia_test_deck(spec_.tia, mm, spec_.tia_bench).text,
                       {netlists::tia_dc_analysis(spec_.tia_bench), netlists::tia_tran_analysis(spec_.tia_bench)});
}

SampleRecord TiaKind::run_sample(SpiceSession& spice, std::uint64_t index) const {
  const auto& tia = spec_.tia;
  const auto& bench = spec_.tia_bench;
  const int P = bench.sweep_points;
  const netlists::OpampMismatch mm = sample_opamp_mismatch(tia.opamp, spec_.variation, spec_.seed, index, 0);
  SampleRecord rec;
  rec.index = index;
  rec.values.push_back(static_cast<double>(index));
  append_opamp_mismatch(tia.opamp, mm, rec.values);
  std::vector<double> i_in(P);
  for (int k = 0; k < P; ++k) i_in[k] = -bench.i_full_scale_a + 2.0 * bench.i_full_scale_a * k / (P - 1);
  std::vector<double> ideal(P);
  for (int k = 0; k < P; ++k) ideal[k] = -tia.rf_ohm * i_in[k];
  const double lsb = bench.lsb_v(tia.rf_ohm);

  try {
    netlists::OpampBench ob = spec_.opamp_bench;
    ob.r_load_ohm = tia.rf_ohm;  // the TIA loads its op-amp with about rf to ground
    const OpampFigures of = measure_opamp(spice, tia.opamp, mm, ob);

    const netlists::Deck deck = netlists::make_tia_test_deck(tia, mm, bench);
    std::string text = deck.text;
    if (fault_injected(FaultKind::spice_error, index)) text.insert(text.rfind(".end"), "Rfloat xf1 xf2 1k\n");
    spice.load(text);
    spice.run(netlists::tia_dc_analysis(bench));
    std::vector<double> v_out = spice.read_real("t_out");
    std::vector<double> v_in = spice.read_real("t_in");
    std::vector<double> i_dd = spice.read_real("vtia_dd#branch");
    if (static_cast<int>(v_out.size()) != P) {
      throw SpiceError(fmt::format("TIA bench: the DC sweep returned {} points, expected {}", v_out.size(), P), {}, 0, "");
    }
    spice.run(netlists::tia_tran_analysis(bench));
    const std::vector<double> t = spice.read_real("time");
    const std::vector<double> vt = spice.read_real("t_out");
    spice.cleanup();

    double gain = 0, intercept = 0;
    fit_line(i_in, v_out, &gain, &intercept);
    double vg_err = 0;
    for (double v : v_in) vg_err = std::max(vg_err, std::abs(v));
    const double a0 = of.a0_vv, r_out = of.r_out_ohm;
    const double predicted = -tia.rf_ohm * (a0 - r_out / tia.rf_ohm) / (1.0 + a0);
    const int mid = static_cast<int>(std::min_element(i_in.begin(), i_in.end(), [](double a, double b) {
                                       return std::abs(a) < std::abs(b);
                                     }) - i_in.begin());
    // Settling: the last time the output is more than 0.5 LSB away from its DC value at +i_fs.
    const double v_final = v_out.back();
    double settle = bench.t_stop_s - bench.t_delay_s;
    double settled = 0;
    if (std::abs(vt.back() - v_final) <= 0.5 * lsb) {
      settled = 1;
      settle = 0;
      for (std::size_t k = vt.size() - 1; k-- > 0;) {
        const double e0 = std::abs(vt[k] - v_final), e1 = std::abs(vt[k + 1] - v_final);
        if (e0 > 0.5 * lsb) {
          const double tc = t[k] + (t[k + 1] - t[k]) * (e0 - 0.5 * lsb) / (e0 - e1);
          settle = std::max(0.0, tc - bench.t_delay_s);
          break;
        }
      }
    }
    rec.values.insert(rec.values.end(), i_in.begin(), i_in.end());
    rec.values.insert(rec.values.end(), v_out.begin(), v_out.end());
    rec.values.insert(rec.values.end(), ideal.begin(), ideal.end());
    rec.values.insert(rec.values.end(), v_in.begin(), v_in.end());
    rec.values.insert(rec.values.end(), {gain, -tia.rf_ohm, gain / -tia.rf_ohm - 1.0, predicted, intercept, a0, r_out,
                                         vg_err, lsb, settle, settled, -i_dd[mid], of.v_offset_v,
                                         of.v_out_high_v, of.v_out_low_v});
    rec.status = SampleStatus::ok;
  } catch (const SpiceError& e) {
    spice.cleanup();
    rec.status = SampleStatus::spice_error;
    rec.error = e.what();
    // Keep the inputs and the ideal; NaN for every output (and for lsb_v, a param, keep it).
    auto nan = [&](std::size_t n) { rec.values.insert(rec.values.end(), n, std::nan("")); };
    rec.values.insert(rec.values.end(), i_in.begin(), i_in.end());
    nan(P);
    rec.values.insert(rec.values.end(), ideal.begin(), ideal.end());
    nan(P);
    nan(1);
    rec.values.push_back(-tia.rf_ohm);
    nan(6);
    rec.values.push_back(lsb);
    nan(3 + 3);  // settling_time_s, settled, i_supply_a; opamp_v_offset_v, v_out_high_v, v_out_low_v
  }
  return rec;
}

}  // namespace

std::unique_ptr<CircuitKind> make_tia_kind(const CampaignSpec& spec) { return std::make_unique<TiaKind>(spec); }

}  // namespace xbar::characterize
