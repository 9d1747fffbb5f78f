// The "adc" circuit kind: one sample = one flash ADC instance (netlists/adc.hpp) with its own
// comparator offsets and ladder mismatch. Each sample runs the DC ramp (transitions, DNL, INL,
// offset, gain error, missing codes) and one conversion transient (energy per conversion); see
// xbar/characterize/adc_measure.hpp for the definitions and data/SCHEMA.md for the fields.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "adc_sampling.hpp"
#include "kinds.hpp"
#include "xbar/characterize/adc_measure.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/fault_injection.hpp"

namespace xbar::characterize {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class AdcKind final : public CircuitKind {
 public:
  explicit AdcKind(const CampaignSpec& spec) : spec_(spec) {
    spec_.adc.validate();
    const std::uint64_t M = spec_.adc.comparators();
    schema_.kind = "adc";
    schema_.fields = {
        {"instance", {}, "1", "param", "ADC instance of this sample", ""},
        {"comparator_offset_v", {M}, "V", "param", "input-referred offset of comparator k (1..M) at [k-1]", ""},
        {"ladder_r_rel", {M + 1}, "1", "param", "relative error of ladder resistor j, bottom (R/2 at v_min) first", ""},
        {"chain_trip_v", {}, "V", "output", "trip point V_M of the comparators' inverter chain (replica)", ""},
        {"threshold_v", {M}, "V", "output", "threshold of comparator k at [k-1] (unsorted)", ""},
        {"transition_v", {M}, "V", "output", "code transition levels 1..M (sorted thresholds)", "transition_ideal_v"},
        {"transition_ideal_v", {M}, "V", "ideal", "ideal transitions v_min + (k - 1/2) LSB", ""},
        {"dnl_lsb", {M - 1}, "1", "output", "DNL of codes 1..M-1, endpoint LSB", ""},
        {"inl_lsb", {M}, "1", "output", "endpoint INL at transitions 1..M, LSB", ""},
        {"max_abs_dnl_lsb", {}, "1", "output", "max |DNL|, LSB", ""},
        {"max_abs_inl_lsb", {}, "1", "output", "max |INL|, LSB", ""},
        {"offset_lsb", {}, "1", "output", "offset error (T_1 - T*_1) / LSB", ""},
        {"gain_error_lsb", {}, "1", "output", "gain error ((T_M - T_1) - (T*_M - T*_1)) / LSB", ""},
        {"missing_codes", {}, "1", "output", "codes 0..M never produced by the DC ramp", ""},
        {"energy_per_conversion_j", {}, "J", "output", "energy of every vadc* source over one conversion period", ""},
        {"energy_supply_j", {}, "J", "output", "energy of the ADC supply vadc_dd over one conversion period", ""},
        {"energy_reference_j", {}, "J", "output", "energy of the ladder references over one conversion period", ""},
    };
  }

  const CampaignSchema& schema() const override { return schema_; }
  SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const override;
  std::string deck_text(std::uint64_t index) const override;

 private:
  CampaignSpec spec_;
  CampaignSchema schema_;
};

std::string AdcKind::deck_text(std::uint64_t index) const {
  const netlists::AdcMismatch m = sample_adc_mismatch(spec_.adc, spec_.variation, spec_.seed, index, 0);
  return with_analyses(netlists::make_adc_dc_deck(spec_.adc, m).text,
                       {netlists::adc_dc_sweep_command(spec_.adc, spec_.adc_measure.points_per_lsb)});
}

SampleRecord AdcKind::run_sample(SpiceSession& spice, std::uint64_t index) const {
  const netlists::AdcParams& p = spec_.adc;
  const int M = p.comparators();
  const netlists::AdcMismatch m = sample_adc_mismatch(p, spec_.variation, spec_.seed, index, 0);
  SampleRecord rec;
  rec.index = index;
  auto put = [&](const std::vector<double>& v, std::size_t n) {
    if (v.empty()) {
      rec.values.insert(rec.values.end(), n, 0.0);
    } else {
      rec.values.insert(rec.values.end(), v.begin(), v.end());
    }
  };
  rec.values.push_back(static_cast<double>(index));
  put(m.comparator_offset_v, static_cast<std::size_t>(M));
  put(m.ladder_r_rel, static_cast<std::size_t>(M) + 1);
  const std::vector<double> ideal = netlists::adc_ideal_transitions_v(p);
  AdcLinearity lin;
  AdcEnergy e;
  double v_m = kNaN;
  try {
    if (fault_injected(FaultKind::spice_error, index)) {
      spice.load("fault injected\nrfloat xf1 xf2 1k\n.end\n");
      spice.run("op");
    }
    lin = measure_adc_linearity(spice, p, m, spec_.adc_measure.points_per_lsb, &v_m);
    e = measure_adc_energy(spice, p, m, spec_.adc_measure.t_conversion_s, spec_.adc_measure.t_edge_s);
  } catch (const Error& err) {  // SpiceError, or a measurement that could not complete
    spice.cleanup();
    rec.status = SampleStatus::spice_error;
    rec.error = err.what();
    const std::size_t n_out = 1 + 2 * static_cast<std::size_t>(M);
    rec.values.insert(rec.values.end(), n_out, kNaN);
    rec.values.insert(rec.values.end(), ideal.begin(), ideal.end());
    rec.values.resize(schema_.values_per_sample(), kNaN);
    return rec;
  }
  auto max_abs = [](const std::vector<double>& v) {
    double x = 0.0;
    for (double d : v) x = std::isnan(d) ? d : std::max(x, std::abs(d));
    return x;
  };
  rec.values.push_back(v_m);
  put(lin.threshold_v, 0);
  put(lin.transition_v, 0);
  put(ideal, 0);
  put(lin.dnl_lsb, 0);
  put(lin.inl_lsb, 0);
  rec.values.insert(rec.values.end(), {max_abs(lin.dnl_lsb), max_abs(lin.inl_lsb), lin.offset_lsb, lin.gain_error_lsb,
                                       static_cast<double>(lin.missing_codes), e.total_j, e.supply_j, e.reference_j});
  rec.status = SampleStatus::ok;
  return rec;
}

}  // namespace

std::unique_ptr<CircuitKind> make_adc_kind(const CampaignSpec& spec) { return std::make_unique<AdcKind>(spec); }

}  // namespace xbar::characterize
