// The "opamp" circuit kind: one sample = one Monte Carlo instance of the op-amp, characterized
// by one test bench (netlists::make_opamp_test_deck): offset, supply current, output swing from
// the op, open-loop gain, output resistance, unity-gain bandwidth and phase margin from the ac.
#include <fmt/format.h>

#include <cmath>
#include <complex>
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

constexpr double kPi = 3.14159265358979323846;

double probe_value(const SpiceSession& spice, const netlists::Probe& probe) {
  double sum = 0;
  for (const auto& [vec, w] : probe.terms) sum += w * spice.read_real(vec)[0];
  return sum;
}

}  // namespace

OpampFigures measure_opamp(SpiceSession& spice, const netlists::OpampParams& params,
                           const netlists::OpampMismatch& mismatch, const netlists::OpampBench& bench,
                           bool inject_error) {
  const netlists::Deck deck = netlists::make_opamp_test_deck(params, mismatch, bench);
  std::string text = deck.text;
  if (inject_error) text.insert(text.rfind(".end"), "Rfloat xf1 xf2 1k\n");
  OpampFigures f;
  try {
    spice.load(text);
    spice.run("op");
    auto probe = [&](const char* name) {
      for (const auto& p : deck.probes)
        if (p.name == name) return probe_value(spice, p);
      return 0.0;  // v_tail_v of the macro model
    };
    f.v_offset_v = probe("v_offset_v");
    f.i_supply_a = probe("i_supply_a");
    f.v_out_high_v = probe("v_out_high_v");
    f.v_out_low_v = probe("v_out_low_v");
    f.v_tail_v = probe("v_tail_v");
    spice.run(netlists::opamp_ac_analysis(bench));
    const SpiceResult r = spice.read();
    spice.cleanup();
    const auto& freq = r.vectors.at("frequency");
    const auto& a_out = r.vectors.at("a_out").complex;
    const auto& l_out = r.vectors.at("l_out").complex;
    const std::size_t n = a_out.size();
    std::vector<double> fr(n), mag(n), ph(n);
    double unwrap = 0;
    for (std::size_t i = 0; i < n; ++i) {
      fr[i] = freq.is_complex() ? freq.complex[i].real() : freq.real[i];
      const std::complex<double> a = -a_out[i];  // v(vac) = 1, out = -A v(inn)
      mag[i] = std::abs(a);
      double p = std::arg(a) * 180.0 / kPi + unwrap;
      if (i > 0) {
        while (p - ph[i - 1] > 180.0) { p -= 360.0; unwrap -= 360.0; }
        while (p - ph[i - 1] < -180.0) { p += 360.0; unwrap += 360.0; }
      }
      ph[i] = p;
    }
    f.a0_vv = mag[0];
    f.a0_loaded_vv = std::abs(l_out[0]);
    f.r_out_ohm = bench.r_load_ohm * (f.a0_vv / f.a0_loaded_vv - 1.0);
    bool found = false;
    for (std::size_t i = 1; i < n && !found; ++i) {
      if (mag[i - 1] >= 1.0 && mag[i] < 1.0) {
        const double t = std::log(mag[i - 1]) / (std::log(mag[i - 1]) - std::log(mag[i]));  // log-log interpolation
        f.ugb_hz = std::exp(std::log(fr[i - 1]) + t * (std::log(fr[i]) - std::log(fr[i - 1])));
        f.phase_margin_deg = 180.0 + ph[i - 1] + t * (ph[i] - ph[i - 1]);
        found = true;
      }
    }
    if (!found) {
      throw SpiceError(fmt::format("op-amp bench: |A| never crosses 1 between {} Hz and {} Hz (|A| = {} at the start, "
                                   "{} at the end)",
                                   bench.f_start_hz, bench.f_stop_hz, mag.front(), mag.back()),
                       {}, 0, "");
    }
  } catch (const SpiceError&) {
    spice.cleanup();
    throw;
  }
  return f;
}

namespace {

class OpampKind final : public CircuitKind {
 public:
  explicit OpampKind(const CampaignSpec& spec) : spec_(spec) { build_schema(); }
  const CampaignSchema& schema() const override { return schema_; }
  SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const override;
  std::string deck_text(std::uint64_t index) const override;

 private:
  bool transistor() const { return spec_.opamp.model == netlists::OpampModel::transistor; }
  void build_schema();

  const CampaignSpec& spec_;
  CampaignSchema schema_;
};

void OpampKind::build_schema() {
  const std::uint64_t T = netlists::opamp_transistor_names().size();
  schema_.kind = "opamp";
  schema_.fields = {{"instance", {}, "1", "param", "Monte Carlo instance of this sample", ""}};
  if (transistor()) {
    schema_.fields.push_back({"dvt_v", {T}, "V", "param", "threshold shift per transistor m1..m8 (raises |VT|)", ""});
    schema_.fields.push_back({"dbeta_rel", {T}, "1", "param", "relative beta (KP) shift per transistor m1..m8", ""});
  } else {
    schema_.fields.push_back({"vos_drawn_v", {}, "V", "param", "macro model: drawn input offset (added to opamp.vos_v)", ""});
  }
  const std::vector<FieldSpec> outputs = {
      {"v_offset_v", {}, "V", "output", "input-referred offset: unity-gain follower output with v(inp) = 0", ""},
      {"a0_vv", {}, "V/V", "output", "open-loop DC gain (at f_start_hz), load CL only", ""},
      {"a0_db", {}, "dB", "output", "open-loop DC gain, 20 log10(a0_vv)", ""},
      {"a0_loaded_vv", {}, "V/V", "output", "open-loop DC gain with r_load_ohm to ground", ""},
      {"r_out_ohm", {}, "ohm", "output", "output resistance r_load (a0 / a0_loaded - 1)", ""},
      {"ugb_hz", {}, "Hz", "output", "unity-gain bandwidth of the open-loop gain (load CL)", ""},
      {"phase_margin_deg", {}, "deg", "output", "phase margin: 180 + phase of A at ugb_hz", ""},
      {"v_out_high_v", {}, "V", "output", "highest output: open loop, +v_overdrive_v, load RL || CL", ""},
      {"v_out_low_v", {}, "V", "output", "lowest output: open loop, -v_overdrive_v, load RL || CL", ""},
      {"i_supply_a", {}, "A", "output", "quiescent current drawn from vdd (follower, output at 0 V)", ""},
  };
  schema_.fields.insert(schema_.fields.end(), outputs.begin(), outputs.end());
  if (transistor()) {
    schema_.fields.push_back({"v_tail_v", {}, "V", "output", "follower's input-pair source node (tail), V", ""});
  }
}

std::string OpampKind::deck_text(std::uint64_t index) const {
  const netlists::OpampMismatch mm = sample_opamp_mismatch(spec_.opamp, spec_.variation, spec_.seed, index, 0);
  return with_analyses(netlists::make_opamp_test_deck(spec_.opamp, mm, spec_.opamp_bench).text,
                       {"op", netlists::opamp_ac_analysis(spec_.opamp_bench)});
}

SampleRecord OpampKind::run_sample(SpiceSession& spice, std::uint64_t index) const {
  const netlists::OpampMismatch mm = sample_opamp_mismatch(spec_.opamp, spec_.variation, spec_.seed, index, 0);
  SampleRecord rec;
  rec.index = index;
  rec.values.push_back(static_cast<double>(index));
  append_opamp_mismatch(spec_.opamp, mm, rec.values);
  const std::size_t n_out = schema_.values_per_sample() - rec.values.size();
  try {
    const OpampFigures f =
        measure_opamp(spice, spec_.opamp, mm, spec_.opamp_bench, fault_injected(FaultKind::spice_error, index));
    rec.values.insert(rec.values.end(), {f.v_offset_v, f.a0_vv, 20.0 * std::log10(f.a0_vv), f.a0_loaded_vv,
                                         f.r_out_ohm, f.ugb_hz, f.phase_margin_deg, f.v_out_high_v, f.v_out_low_v,
                                         f.i_supply_a});
    if (transistor()) rec.values.push_back(f.v_tail_v);
    rec.status = SampleStatus::ok;
  } catch (const SpiceError& e) {
    rec.status = SampleStatus::spice_error;
    rec.error = e.what();
    rec.values.insert(rec.values.end(), n_out, std::nan(""));
  }
  return rec;
}

}  // namespace

std::unique_ptr<CircuitKind> make_opamp_kind(const CampaignSpec& spec) { return std::make_unique<OpampKind>(spec); }

}  // namespace xbar::characterize
