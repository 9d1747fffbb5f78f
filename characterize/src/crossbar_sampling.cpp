#include "crossbar_sampling.hpp"

#include <algorithm>
#include <cmath>

#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/core/counter_rng.hpp"

namespace xbar::characterize {

void apply_instance_variation(const CampaignSpec& spec, std::uint64_t instance, netlists::CrossbarParams& p) {
  const auto& x = spec.crossbar;
  core::CounterRng spread(spec.seed, rng_stream(kWireSpread, instance));
  const double s_w = spec.variation.r_wire_sigma_rel_d2d;
  p.r_row_wire_ohm = std::max(0.0, x.r_row_wire_ohm * (1.0 + s_w * spread.normal(0)));
  p.r_col_wire_ohm = std::max(0.0, x.r_col_wire_ohm * (1.0 + s_w * spread.normal(1)));
  p.temperature_c = spec.variation.temperature_c;
  p.tnom_c = spec.variation.tnom_c;
  p.cell_tc1_per_k = spec.variation.cell_tc1_per_k;
  p.wire_tc1_per_k = spec.variation.wire_tc1_per_k;
}

Eigen::MatrixXd sample_target_conductances(const CampaignSpec& spec, const Eigen::MatrixXd& weights_file, std::uint64_t index) {
  const auto& x = spec.crossbar;
  const auto& w = spec.workload;
  const int Cp = x.physical_cols();
  if (w.weights == WeightSource::file) return weights_file;  // physical columns (the spec parser checked the shape)
  core::CounterRng rng(spec.seed, rng_stream(kTarget, index));
  Eigen::MatrixXd t(x.rows, Cp);
  const double mid = 0.5 * (w.g_min_s + w.g_max_s), sigma = (w.g_max_s - w.g_min_s) / 6.0;
  for (int i = 0; i < x.rows; ++i) {
    for (int k = 0; k < Cp; ++k) {
      const std::uint64_t cell = static_cast<std::uint64_t>(i) * Cp + k;
      t(i, k) = w.weights == WeightSource::uniform ? rng.uniform(cell, w.g_min_s, w.g_max_s)
                                                    : std::clamp(mid + sigma * rng.normal(cell), w.g_min_s, w.g_max_s);
    }
  }
  return t;
}

Eigen::MatrixXd sample_programmed_conductances(const CampaignSpec& spec, const Eigen::MatrixXd& target,
                                               std::uint64_t index, std::uint64_t instance, double* n_on, double* n_off) {
  const auto& v = spec.variation;
  const double g_on = v.g_stuck_on_s >= 0 ? v.g_stuck_on_s : spec.workload.g_max_s;
  const double g_off = v.g_stuck_off_s >= 0 ? v.g_stuck_off_s : spec.workload.g_min_s;
  const double sigma = v.g_prog_error.sigma_rel_d2d;
  const double s_log = std::sqrt(std::log1p(sigma * sigma));
  core::CounterRng stuck(spec.seed, rng_stream(kStuck, instance));  // a chip property: the same for every pattern
  core::CounterRng prog(spec.seed, rng_stream(kProgramming, index));  // drawn anew at every programming
  Eigen::MatrixXd g = target;
  *n_on = *n_off = 0;
  for (Eigen::Index i = 0; i < g.rows(); ++i) {
    for (Eigen::Index k = 0; k < g.cols(); ++k) {
      const std::uint64_t cell = static_cast<std::uint64_t>(i) * g.cols() + k;
      const double u = stuck.uniform(cell);
      if (u < v.stuck_on_fraction) {
        g(i, k) = g_on;
        ++*n_on;
      } else if (u < v.stuck_on_fraction + v.stuck_off_fraction) {
        g(i, k) = g_off;
        ++*n_off;
      } else if (v.g_prog_error.distribution == Distribution::normal) {
        g(i, k) = std::max(0.0, target(i, k) * (1.0 + sigma * prog.normal(cell)));
      } else if (v.g_prog_error.distribution == Distribution::lognormal) {
        g(i, k) = target(i, k) * std::exp(s_log * prog.normal(cell) - 0.5 * s_log * s_log);
      }
    }
  }
  return g;
}

}  // namespace xbar::characterize
