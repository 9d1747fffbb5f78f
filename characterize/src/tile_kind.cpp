// Circuit kind "tile": the whole tile chain (DAC drivers, crossbar, TIAs, flash ADCs), per sample
// the chain's transient and then the column ADCs' ([tile] adc_transient, tile_readout.hpp). One sample = one programmed array (instance, pattern) read
// with inputs_per_pattern input vectors, one per read cycle of the same transient.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "adc_sampling.hpp"
#include "crossbar_sampling.hpp"
#include "kinds.hpp"
#include "opamp_sampling.hpp"
#include "tile_readout.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/energy.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/fault_injection.hpp"
#include "xbar/netlists/tile.hpp"

namespace xbar::characterize {

namespace {

class TileKind final : public CircuitKind {
 public:
  explicit TileKind(const CampaignSpec& spec) : spec_(spec) {
    const auto& w = spec_.workload;
    if (w.weights == WeightSource::file) weights_ = read_csv_matrix(w.weights_file);
    if (w.inputs == InputSource::file) inputs_ = read_csv_matrix(w.inputs_file);
    build_schema();
  }
  const CampaignSchema& schema() const override { return schema_; }
  SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const override;
  std::string deck_text(std::uint64_t index) const override;

  /// The tile parameters of sample `index` (conductances, codes and every mismatch draw).
  netlists::TileParams tile_params(std::uint64_t index, Eigen::MatrixXd* target, double* n_on, double* n_off) const;

 private:
  void build_schema();
  Eigen::MatrixXi input_codes(std::uint64_t index) const;

  const CampaignSpec& spec_;
  Eigen::MatrixXd weights_, inputs_;
  CampaignSchema schema_;
};

void TileKind::build_schema() {
  const auto& x = spec_.crossbar;
  const std::uint64_t R = x.rows, C = x.cols, N = spec_.workload.inputs_per_pattern;
  const std::uint64_t M = (1u << spec_.adc.bits) - 1;
  const std::uint64_t L = 1u << spec_.dac.bits;
  schema_.kind = "tile";
  schema_.fields = {
      {"instance", {}, "1", "param", "chip instance of this sample", ""},
      {"pattern", {}, "1", "param", "weight pattern of this sample on its instance", ""},
      {"n_stuck_on", {}, "1", "param", "cells stuck at g_stuck_on_s", ""},
      {"n_stuck_off", {}, "1", "param", "cells stuck at g_stuck_off_s", ""},
      {"g_target_s", {R, C}, "S", "input", "target conductances", ""},
      {"g_programmed_s", {R, C}, "S", "param", "programmed conductances after programming error and stuck cells", ""},
      {"adc_comparator_offset_v", {C, M}, "V", "param", "comparator offsets of each column's ADC (comparator m trips tap m+1)", ""},
      {"input_codes", {N, R}, "1", "input", "DAC input codes, one vector per read cycle", ""},
      {"v_tia_v", {N, C}, "V", "output", "TIA outputs at the ADC sampling instant, from ngspice", "v_tia_ideal_v"},
      {"v_tia_ideal_v", {N, C}, "V", "ideal", "ideal TIA outputs -Rf G^T v of the targets and ideal DAC levels", ""},
      {"codes", {N, C}, "1", "output", "ADC output codes from ngspice (ones count of the comparator outputs)", "codes_ideal"},
      {"codes_ideal", {N, C}, "1", "ideal", "ideal quantized MVM: adc_ideal_code(v_tia_ideal_v)", ""},
      {"energy_array_j", {N}, "J", "output", "energy into the array over the read cycle", ""},
      {"energy_drivers_j", {N}, "J", "output", "energy of the DACs and drivers not delivered to the array", ""},
      {"energy_tia_j", {N}, "J", "output", "energy of the TIA supplies over the read cycle", ""},
      {"energy_adc_j", {N}, "J", "output", "energy of the ADC supply and ladder references over the read cycle", ""},
      {"energy_total_j", {N}, "J", "output", "sum of the four blocks: the energy of one MVM", ""},
      {"r_row_wire_ohm", {}, "ohm", "param", "row wire resistance per segment of this instance", ""},
      {"r_col_wire_ohm", {}, "ohm", "param", "column wire resistance per segment of this instance", ""},
      {"dac_level_v", {R, L}, "V", "param", "output level of each row's DAC for each code (R-2R: with its mismatch)", ""},
      {"adc_ladder_r_rel", {C, M + 1}, "1", "param", "relative error of each column ADC's ladder resistors, bottom first", ""},
      {"v_tia_rest_v", {C}, "V", "output", "TIA outputs at t = 0 (every input at 0 V): each column's offset times its noise gain", ""},
  };
}

Eigen::MatrixXi TileKind::input_codes(std::uint64_t index) const {
  const auto& w = spec_.workload;
  const int R = spec_.crossbar.rows, N = w.inputs_per_pattern;
  const int top = (1 << spec_.dac.bits) - 1;
  Eigen::MatrixXi c(N, R);
  if (w.inputs == InputSource::file) {
    for (int n = 0; n < N; ++n)
      for (int r = 0; r < R; ++r)
        c(n, r) = static_cast<int>(std::lround(inputs_((index * N + n) % inputs_.rows(), r)));
  } else if (w.inputs == InputSource::one_hot) {
    c.setZero();
    for (int n = 0; n < N; ++n) c(n, (index * N + n) % R) = top;
  } else {
    core::CounterRng rng(spec_.seed, rng_stream(kInput, index));
    for (int n = 0; n < N; ++n)
      for (int r = 0; r < R; ++r) {
        const double u = rng.uniform(static_cast<std::uint64_t>(n) * R + r);
        c(n, r) = std::min(top, static_cast<int>(u * (top + 1)));
      }
  }
  return c;
}

netlists::TileParams TileKind::tile_params(std::uint64_t index, Eigen::MatrixXd* target, double* n_on,
                                           double* n_off) const {
  const auto& x = spec_.crossbar;
  const std::uint64_t instance = index / spec_.workload.patterns_per_instance;
  netlists::TileParams p;
  p.crossbar = x;
  apply_instance_variation(spec_, instance, p.crossbar);
  *target = sample_target_conductances(spec_, weights_, index);
  p.crossbar.g_s = sample_programmed_conductances(spec_, *target, index, instance, n_on, n_off);
  p.dac = spec_.dac;
  p.tia = spec_.tia;
  p.adc = spec_.adc;
  p.timing = spec_.tile.timing;
  p.t_step_max_s = spec_.tile.t_step_max_s;
  p.adc_clocked = spec_.tile.adc_clocked;
  p.t_adc_enable_s = spec_.tile.t_adc_enable_s;
  // Periphery mismatch is a chip property: drawn per instance, one slot per row or column.
  for (int i = 0; i < x.rows; ++i) p.dac_mismatch.push_back(sample_dac_mismatch(p.dac, spec_.variation, spec_.seed, instance, i));
  for (int k = 0; k < x.cols; ++k) {
    p.tia_mismatch.push_back(sample_opamp_mismatch(p.tia.opamp, spec_.variation, spec_.seed, instance, k));
    p.adc_mismatch.push_back(sample_adc_mismatch(p.adc, spec_.variation, spec_.seed, instance, k));
  }
  p.input_codes = input_codes(index);
  p.title = fmt::format("xbar tile sample {} (instance {}, pattern {})", index, instance,
                        index % spec_.workload.patterns_per_instance);
  return p;
}

std::string TileKind::deck_text(std::uint64_t index) const {
  Eigen::MatrixXd target;
  double n_on = 0, n_off = 0;
  return netlists::make_tile_deck(tile_params(index, &target, &n_on, &n_off)).text;  // has its own .tran card
}

/// What ngspice gives for one sample: per read cycle the TIA outputs, the codes and the block
/// energies, and each TIA's output at rest (time 0).
struct TileOutputs {
  Eigen::MatrixXd v_tia;  ///< cycles x cols, V, at each cycle's ADC sampling instant
  Eigen::MatrixXi codes;  ///< cycles x cols
  std::vector<double> v_rest, e_array, e_drivers, e_tia, e_adc, e_total;
};

/// Energy of each block over read cycle n, J (the split of netlists/tile.hpp): the array, drivers
/// and TIAs from the chain's transient, the ADCs from theirs.
void cycle_energies(const netlists::TileParams& p, const TileTransient& run, int n, TileOutputs& out) {
  const SpiceResult& r = run.chain;
  const std::vector<double>& t = r.real("time");
  const double t0 = n * p.timing.t_cycle_s, t1 = (n + 1) * p.timing.t_cycle_s;
  double into = 0.0, loss_rs = 0.0;
  for (int i = 0; i < p.crossbar.rows; ++i) {
    const auto& cur = r.real(fmt::format("vrow{}#branch", i));
    into += integral_of_product(t, r.real(netlists::tile_driver_node(i)), cur, t0, t1);
    loss_rs += p.dac.r_source_ohm * integral_of_product(t, cur, cur, t0, t1);
  }
  double leaving = 0.0;
  for (int k = 0; k < p.crossbar.cols; ++k)
    leaving += integral_of_product(t, node_voltage(r, fmt::format("o{}", k)), r.real(fmt::format("vcol{}#branch", k)), t0, t1);
  const double e_dac = energy_by_prefix_j(r, run.chain_sources, "vdac", t0, t1);
  out.e_array[n] = into - leaving;
  // An ideal DAC's sources deliver the array's energy themselves; an R-2R ladder's ideal
  // buffer does not, so only the loss in r_source behind it is added.
  out.e_drivers[n] = p.dac.architecture == netlists::DacArchitecture::ideal ? e_dac - into : e_dac + loss_rs;
  out.e_tia[n] = energy_by_prefix_j(r, run.chain_sources, "vtia", t0, t1);
  out.e_adc[n] = run.adc_energy_j(t0, t1);
  out.e_total[n] = out.e_array[n] + out.e_drivers[n] + out.e_tia[n] + out.e_adc[n];
}

/// Runs the tile of `p` (sample `index`, for fault injection) and reads every cycle's TIA
/// outputs, codes and energies. Throws SpiceError when ngspice fails.
TileOutputs simulate_tile(SpiceSession& spice, const netlists::TileParams& p, const TileSpec& tile, std::uint64_t index) {
  const int N = p.cycles(), C = p.crossbar.cols;
  TileOutputs out;
  out.v_tia.resize(N, C);
  out.codes.resize(N, C);
  out.v_rest.resize(static_cast<std::size_t>(C));
  for (auto* e : {&out.e_array, &out.e_drivers, &out.e_tia, &out.e_adc, &out.e_total}) e->resize(static_cast<std::size_t>(N));
  const TileTransient r = run_tile_transient(spice, p, tile.adc_transient, true, fault_injected(FaultKind::spice_error, index),
                                             tile.adc_group_cols);
  for (int k = 0; k < C; ++k) out.v_rest[static_cast<std::size_t>(k)] = r.chain.real(netlists::tile_tia_output_node(k)).front();
  read_tile_cycles(r, p, N, out.v_tia, out.codes);
  for (int n = 0; n < N; ++n) cycle_energies(p, r, n, out);
  return out;
}

/// The parameters recorded after the outputs in the field list: wires, each row's DAC levels,
/// each column's ADC ladder errors.
std::vector<double> trailing_params(const netlists::TileParams& p) {
  const int R = p.crossbar.rows, C = p.crossbar.cols, M = (1 << p.adc.bits) - 1;
  std::vector<double> tail = {p.crossbar.r_row_wire_ohm, p.crossbar.r_col_wire_ohm};
  for (int i = 0; i < R; ++i)
    for (int c = 0; c < p.dac.codes(); ++c)
      tail.push_back(p.dac.architecture == netlists::DacArchitecture::r2r
                         ? netlists::dac_r2r_level_v(p.dac, p.dac_mismatch[static_cast<std::size_t>(i)], c)
                         : netlists::dac_ideal_level_v(p.dac, c));
  for (int k = 0; k < C; ++k) {
    const auto& lr = p.adc_mismatch[static_cast<std::size_t>(k)].ladder_r_rel;
    for (int j = 0; j <= M; ++j) tail.push_back(lr.empty() ? 0.0 : lr[static_cast<std::size_t>(j)]);
  }
  return tail;
}

/// Appends a matrix row-major.
template <class Matrix>
void append_row_major(std::vector<double>& values, const Matrix& m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index k = 0; k < m.cols(); ++k) values.push_back(static_cast<double>(m(i, k)));
}

SampleRecord TileKind::run_sample(SpiceSession& spice, std::uint64_t index) const {
  const int N = spec_.workload.inputs_per_pattern;
  Eigen::MatrixXd target;
  double n_on = 0, n_off = 0;
  const netlists::TileParams p = tile_params(index, &target, &n_on, &n_off);
  const int C = p.crossbar.cols, M = (1 << p.adc.bits) - 1;

  // Leading params and inputs, in field-list order.
  SampleRecord rec;
  rec.index = index;
  rec.values = {static_cast<double>(index / spec_.workload.patterns_per_instance),
                static_cast<double>(index % spec_.workload.patterns_per_instance), n_on, n_off};
  append_row_major(rec.values, target);
  append_row_major(rec.values, p.crossbar.g_s);
  for (int k = 0; k < C; ++k) {
    const auto& os = p.adc_mismatch[static_cast<std::size_t>(k)].comparator_offset_v;
    for (int m = 0; m < M; ++m) rec.values.push_back(os.empty() ? 0.0 : os[static_cast<std::size_t>(m)]);
  }
  append_row_major(rec.values, p.input_codes);
  const std::vector<double> tail = trailing_params(p);
  Eigen::MatrixXd v_ideal;
  const Eigen::MatrixXi codes_ideal = netlists::tile_ideal_codes(p, target, &v_ideal);

  TileOutputs out;
  try {
    out = simulate_tile(spice, p, spec_.tile, index);
  } catch (const SpiceError& e) {
    // NaN outputs; the trailing params and the ideal fields do not need ngspice and are kept.
    rec.status = SampleStatus::spice_error;
    rec.error = e.what();
    const std::size_t missing = schema_.values_per_sample() - rec.values.size() - tail.size() - static_cast<std::size_t>(C);
    rec.values.insert(rec.values.end(), missing, std::nan(""));
    rec.values.insert(rec.values.end(), tail.begin(), tail.end());
    rec.values.insert(rec.values.end(), static_cast<std::size_t>(C), std::nan(""));
    const std::size_t at_ideal_v = schema_.offset_of("v_tia_ideal_v"), at_codes_ideal = schema_.offset_of("codes_ideal");
    for (int n = 0; n < N; ++n)
      for (int k = 0; k < C; ++k) {
        rec.values[at_ideal_v + static_cast<std::size_t>(n) * C + k] = v_ideal(n, k);
        rec.values[at_codes_ideal + static_cast<std::size_t>(n) * C + k] = codes_ideal(n, k);
      }
    return rec;
  }
  append_row_major(rec.values, out.v_tia);
  append_row_major(rec.values, v_ideal);
  append_row_major(rec.values, out.codes);
  append_row_major(rec.values, codes_ideal);
  for (const auto* e : {&out.e_array, &out.e_drivers, &out.e_tia, &out.e_adc, &out.e_total})
    rec.values.insert(rec.values.end(), e->begin(), e->end());
  rec.values.insert(rec.values.end(), tail.begin(), tail.end());
  rec.values.insert(rec.values.end(), out.v_rest.begin(), out.v_rest.end());
  rec.status = SampleStatus::ok;
  return rec;
}

}  // namespace

std::unique_ptr<CircuitKind> make_tile_kind(const CampaignSpec& spec) { return std::make_unique<TileKind>(spec); }

}  // namespace xbar::characterize
