// The "crossbar" circuit kind: one sample = one programmed array (chip instance, weight
// pattern) read with inputs_per_pattern input vectors. The deck is loaded once per sample;
// later input vectors change only the row sources with `alter` (cheaper than reloading).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "xbar/characterize/circuit_kind.hpp"
#include "crossbar_sampling.hpp"
#include "kinds.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/fault_injection.hpp"

namespace xbar::characterize {

namespace {


class CrossbarKind final : public CircuitKind {
 public:
  explicit CrossbarKind(const CampaignSpec& spec) : spec_(spec) {
    const auto& w = spec_.workload;
    if (w.weights == WeightSource::file) weights_ = read_csv_matrix(w.weights_file);
    if (w.inputs == InputSource::file) inputs_ = read_csv_matrix(w.inputs_file);
    build_schema();
  }

  const CampaignSchema& schema() const override { return schema_; }

  SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const override;
  std::string deck_text(std::uint64_t index) const override;

 private:
  netlists::CrossbarParams sample_params(std::uint64_t index, Eigen::MatrixXd* target, Eigen::MatrixXd* prog,
                                         Eigen::MatrixXd* v, double* n_on, double* n_off) const;
  void build_schema();
  Eigen::MatrixXd targets(std::uint64_t index) const;
  Eigen::MatrixXd programmed(const Eigen::MatrixXd& target, std::uint64_t index, std::uint64_t instance,
                             double* n_on, double* n_off) const;
  Eigen::MatrixXd inputs(std::uint64_t index) const;  // N x R

  const CampaignSpec& spec_;
  Eigen::MatrixXd weights_, inputs_;
  CampaignSchema schema_;
};

void CrossbarKind::build_schema() {
  const auto& x = spec_.crossbar;
  const std::uint64_t R = x.rows, C = x.cols, Cp = x.physical_cols(), N = spec_.workload.inputs_per_pattern;
  schema_.kind = "crossbar";
  schema_.fields = {
      {"instance", {}, "1", "param", "chip instance of this sample", ""},
      {"pattern", {}, "1", "param", "weight pattern of this sample on its instance", ""},
      {"temperature_c", {}, "C", "param", "circuit temperature (the global corner)", ""},
      {"r_row_wire_ohm", {}, "ohm", "param", "row wire resistance per segment after the per-instance spread", ""},
      {"r_col_wire_ohm", {}, "ohm", "param", "column wire resistance per segment after the per-instance spread", ""},
      {"n_stuck_on", {}, "1", "param", "cells stuck at g_stuck_on_s", ""},
      {"n_stuck_off", {}, "1", "param", "cells stuck at g_stuck_off_s", ""},
      {"g_target_s", {R, Cp}, "S", "input", "target conductances (physical columns; differential: 2j = G+, 2j+1 = G-)", ""},
      {"g_programmed_s", {R, Cp}, "S", "param", "programmed conductances after programming error and stuck cells", ""},
      {"v_in_v", {N, R}, "V", "input", "row input voltages, one vector per read", ""},
      {"i_spice_a", {N, C}, "A", "output", "column currents from ngspice", "i_ideal_a"},
      {"i_ideal_a", {N, C}, "A", "ideal", "ideal column currents (G+ - G-)^T v of the targets (G^T v single-ended)", ""},
  };
}

Eigen::MatrixXd CrossbarKind::targets(std::uint64_t index) const {
  return sample_target_conductances(spec_, weights_, index);
}

Eigen::MatrixXd CrossbarKind::programmed(const Eigen::MatrixXd& target, std::uint64_t index, std::uint64_t instance,
                                         double* n_on, double* n_off) const {
  return sample_programmed_conductances(spec_, target, index, instance, n_on, n_off);
}

Eigen::MatrixXd CrossbarKind::inputs(std::uint64_t index) const {
  const auto& w = spec_.workload;
  const int R = spec_.crossbar.rows, N = w.inputs_per_pattern;
  Eigen::MatrixXd v(N, R);
  if (w.inputs == InputSource::file) {
    for (int n = 0; n < N; ++n) v.row(n) = inputs_.row((index * N + n) % inputs_.rows());
  } else if (w.inputs == InputSource::one_hot) {
    v.setZero();
    for (int n = 0; n < N; ++n) v(n, (index * N + n) % R) = w.v_read_max_v;
  } else {
    core::CounterRng rng(spec_.seed, rng_stream(kInput, index));
    for (int n = 0; n < N; ++n)
      for (int r = 0; r < R; ++r) v(n, r) = rng.uniform(static_cast<std::uint64_t>(n) * R + r, w.v_read_min_v, w.v_read_max_v);
  }
  return v;
}

netlists::CrossbarParams CrossbarKind::sample_params(std::uint64_t index, Eigen::MatrixXd* target_out,
                                                     Eigen::MatrixXd* prog_out, Eigen::MatrixXd* v_out, double* n_on_out,
                                                     double* n_off_out) const {
  const auto& x = spec_.crossbar;
  const int R = x.rows, C = x.cols;
  const std::uint64_t instance = index / spec_.workload.patterns_per_instance;
  const std::uint64_t pattern = index % spec_.workload.patterns_per_instance;

  netlists::CrossbarParams p = x;
  apply_instance_variation(spec_, instance, p);

  const Eigen::MatrixXd target = targets(index);
  const Eigen::MatrixXd prog = programmed(target, index, instance, n_on_out, n_off_out);
  const Eigen::MatrixXd v = inputs(index);
  if (x.differential) {
    p.g_s.resize(R, C);
    p.g_neg_s.resize(R, C);
    for (int j = 0; j < C; ++j) {
      p.g_s.col(j) = prog.col(2 * j);
      p.g_neg_s.col(j) = prog.col(2 * j + 1);
    }
  } else {
    p.g_s = prog;
  }
  p.v_in_v = v.row(0).transpose();
  p.title = fmt::format("xbar campaign sample {} (instance {}, pattern {})", index, instance, pattern);
  *target_out = target;
  *prog_out = prog;
  *v_out = v;
  return p;
}

std::string CrossbarKind::deck_text(std::uint64_t index) const {
  Eigen::MatrixXd target, prog, v;
  double n_on = 0, n_off = 0;
  return netlists::make_crossbar_deck(sample_params(index, &target, &prog, &v, &n_on, &n_off)).text;
}

SampleRecord CrossbarKind::run_sample(SpiceSession& spice, std::uint64_t index) const {
  const auto& x = spec_.crossbar;
  const int R = x.rows, C = x.cols, N = spec_.workload.inputs_per_pattern;
  const std::uint64_t instance = index / spec_.workload.patterns_per_instance;
  const std::uint64_t pattern = index % spec_.workload.patterns_per_instance;
  Eigen::MatrixXd target, prog, v;
  double n_on = 0, n_off = 0;
  const netlists::CrossbarParams p = sample_params(index, &target, &prog, &v, &n_on, &n_off);

  SampleRecord rec;
  rec.index = index;
  rec.values.reserve(schema_.values_per_sample());
  auto put_matrix = [&](const Eigen::MatrixXd& m) {  // row-major
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index k = 0; k < m.cols(); ++k) rec.values.push_back(m(i, k));
  };
  rec.values = {static_cast<double>(instance), static_cast<double>(pattern), p.temperature_c, p.r_row_wire_ohm,
                p.r_col_wire_ohm, n_on, n_off};
  put_matrix(target);
  put_matrix(prog);
  put_matrix(v);

  // Ideal outputs of the targets: (G+ - G-)^T v, or G^T v.
  Eigen::MatrixXd g_eff(R, C);
  for (int j = 0; j < C; ++j) g_eff.col(j) = x.differential ? Eigen::VectorXd(target.col(2 * j) - target.col(2 * j + 1))
                                                             : Eigen::VectorXd(target.col(j));
  const Eigen::MatrixXd ideal = v * g_eff;  // N x C

  Eigen::MatrixXd spice_out(N, C);
  try {
    const auto deck = netlists::make_crossbar_deck(p);
    std::string text = deck.text;
    if (fault_injected(FaultKind::spice_error, index)) text.insert(text.rfind(".end"), "Rfloat xf1 xf2 1k\n");
    spice.load(text);
    for (int n = 0; n < N; ++n) {
      if (n > 0) {
        for (int r = 0; r < R; ++r)
          if (v(n, r) != v(n - 1, r)) spice.command(fmt::format("alter vin{} = {}", r, v(n, r)));
      }
      spice.run("op");
      for (int j = 0; j < C; ++j) {
        double sum = 0;
        for (const auto& [vec, wgt] : deck.probes[j].terms) sum += wgt * spice.read_real(vec)[0];
        spice_out(n, j) = sum;
      }
    }
    spice.cleanup();
  } catch (const SpiceError& e) {
    spice.cleanup();
    rec.status = SampleStatus::spice_error;
    rec.error = e.what();
    rec.values.insert(rec.values.end(), static_cast<std::size_t>(N) * C, std::nan(""));  // no SPICE outputs
    put_matrix(ideal);
    return rec;
  }
  put_matrix(spice_out);
  put_matrix(ideal);
  rec.status = SampleStatus::ok;
  return rec;
}

}  // namespace

std::uint64_t rng_stream(std::uint64_t purpose, std::uint64_t index) {
  return core::CounterRng::mix(purpose * 0x9E3779B97F4A7C15ULL) ^ core::CounterRng::mix(index);
}

std::unique_ptr<CircuitKind> make_crossbar_kind(const CampaignSpec& spec) { return std::make_unique<CrossbarKind>(spec); }

}  // namespace xbar::characterize
