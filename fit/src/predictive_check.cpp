// The predictive check of a crossbar model (predictive_check.hpp).
#include "xbar/fit/predictive_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "xbar/core/counter_rng.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/fit_error.hpp"

namespace xbar::fit {

namespace {

using characterize::CampaignFile;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const double* field(const CampaignFile& c, std::size_t sample, const std::string& name) {
  return c.records[sample].values.data() + c.schema.offset_of(name);
}

// Sums per chip, for the RMS and its bootstrap.
struct ChipSums {
  double sum = 0, sum_sq = 0;
  std::uint64_t n = 0;
};

ErrorDistribution summarize(std::vector<double> values, const std::vector<ChipSums>& chips, int bootstrap,
                            std::uint64_t seed, std::uint64_t stream) {
  ErrorDistribution d;
  d.n_chips = chips.size();
  d.n_values = values.size();
  double sum = 0, sum_sq = 0;
  for (double v : values) {
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(values.size());
  if (n > 0) {
    d.mean_pct_fs = sum / n;
    d.std_pct_fs = std::sqrt(std::max(0.0, sum_sq / n - d.mean_pct_fs * d.mean_pct_fs));
    d.rms_pct_fs = std::sqrt(sum_sq / n);
  }
  for (const auto& c : chips) d.chip_rms_pct_fs.push_back(c.n ? std::sqrt(c.sum_sq / static_cast<double>(c.n)) : 0.0);
  // Percentile bootstrap over chips: resample chips with replacement, RMS over their values.
  // With one chip there is nothing to resample: the interval stays NaN ("n/a").
  if (chips.size() >= 2) {
    const core::CounterRng rng(seed, stream);
    std::vector<double> rms(static_cast<std::size_t>(bootstrap));
    const std::size_t k = chips.size();
    for (int b = 0; b < bootstrap; ++b) {
      double sq = 0, cnt = 0;
      for (std::size_t i = 0; i < k; ++i) {
        const auto pick = static_cast<std::size_t>(rng.uniform(static_cast<std::uint64_t>(b) * k + i) * static_cast<double>(k));
        const auto& c = chips[std::min(pick, k - 1)];
        sq += c.sum_sq;
        cnt += static_cast<double>(c.n);
      }
      rms[static_cast<std::size_t>(b)] = cnt > 0 ? std::sqrt(sq / cnt) : 0.0;
    }
    std::sort(rms.begin(), rms.end());
    const auto at = [&](double q) {
      const double pos = q * static_cast<double>(rms.size() - 1);
      const auto lo = static_cast<std::size_t>(std::floor(pos));
      const std::size_t hi = std::min(lo + 1, rms.size() - 1);
      return rms[lo] + (pos - static_cast<double>(lo)) * (rms[hi] - rms[lo]);
    };
    d.rms_ci95.low = at(0.025);
    d.rms_ci95.high = at(0.975);
  }
  d.values_pct_fs = std::move(values);
  return d;
}

}  // namespace

void PredictiveCheckOptions::validate() const {
  if (chips < 1 || chips > 10000)
    throw FitError(fmt::format("predictive.chips = {}: must be between 1 and 10000", chips));
  if (bootstrap < 100 || bootstrap > 100000)
    throw FitError(fmt::format("predictive.bootstrap = {}: must be between 100 and 100000", bootstrap));
}

behavioral::PredictiveMetrics to_metrics(const PredictiveCheck& p) {
  behavioral::PredictiveMetrics m;
  m.chips_per_held_out_chip = static_cast<std::uint64_t>(p.chips_per_sample);
  m.seed = p.seed;
  m.n_spice_chips = p.spice.n_chips;
  m.n_model_chips = p.model.n_chips;
  m.n_spice_values = p.spice.n_values;
  m.n_model_values = p.model.n_values;
  m.spice_mean_pct_fs = p.spice.mean_pct_fs;
  m.model_mean_pct_fs = p.model.mean_pct_fs;
  m.spice_rms_pct_fs = p.spice.rms_pct_fs;
  m.model_rms_pct_fs = p.model.rms_pct_fs;
  m.spice_rms_ci95 = p.spice.rms_ci95;
  m.model_rms_ci95 = p.model.rms_ci95;
  m.ks_statistic = p.ks_values.statistic;
  m.ks_p_value = p.ks_values.p_value;
  m.ks_chip_statistic = p.ks_chips.statistic;
  m.ks_chip_p_value = p.ks_chips.p_value;
  return m;
}

KsTest ks_two_sample(std::vector<double> a, std::vector<double> b) {
  KsTest t;
  if (a.empty() || b.empty()) return t;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  const double ne = na * nb / (na + nb);
  t.statistic = d;
  t.p_value = kolmogorov_q((std::sqrt(ne) + 0.12 + 0.11 / std::sqrt(ne)) * d);
  return t;
}

DrawnChip draw_crossbar_chip(const behavioral::CrossbarModelFile& m, const Eigen::Ref<const Eigen::MatrixXd>& g_target_s,
                             std::uint64_t seed, std::uint64_t chip, std::uint64_t sample) {
  const auto& v = m.variation;
  const core::CounterRng rng(seed, chip);
  const core::CounterRng prog(core::stream_key({seed, chip}), sample);
  DrawnChip out;
  const double ws = v.wire.r_wire_sigma_rel_d2d, wm = v.wire.mean_rel;
  out.r_row_wire_ohm = m.nominal.r_row_wire_ohm * std::max(0.0, 1.0 + wm + ws * rng.normal(0));
  out.r_col_wire_ohm = m.nominal.r_col_wire_ohm * std::max(0.0, 1.0 + wm + ws * rng.normal(1));
  const auto& pe = v.programming_error;
  const bool lognormal = pe.distribution == "lognormal";
  const double f_on = v.stuck_on.fraction, f_off = v.stuck_off.fraction;
  out.g_s.resize(g_target_s.rows(), g_target_s.cols());
  const Eigen::Index cols = g_target_s.cols();
  for (Eigen::Index i = 0; i < g_target_s.rows(); ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      const auto c = static_cast<std::uint64_t>(i * cols + j);
      // normal(k) uses the 64-bit draws 2k and 2k + 1: normal(0), normal(1) use 0..3.
      const double u = rng.uniform(4 + c);
      const double g = g_target_s(i, j);
      if (u < f_on) {
        out.g_s(i, j) = v.g_stuck_on_s;
      } else if (u < f_on + f_off) {
        out.g_s(i, j) = v.g_stuck_off_s;
      } else {
        const double e = prog.normal(c);
        out.g_s(i, j) = lognormal ? g * std::exp(pe.mean_log + pe.sigma_log * e)
                                  : g * std::max(0.0, 1.0 + pe.mean_rel + pe.sigma_rel_d2d * e);
      }
    }
  }
  return out;
}

PredictiveCheck predictive_check(const behavioral::CrossbarModelFile& m, const CampaignFile& campaign,
                                 const std::vector<std::size_t>& samples, const PredictiveCheckOptions& o) {
  o.validate();
  if (samples.empty()) throw FitError("predictive check: no held-out samples to compare with");
  const auto& nom = m.nominal;
  const int R = nom.rows, C = nom.cols, Cp = nom.physical_cols();
  // The shapes are checked once by replaying the first sample (FitError on a mismatch).
  (void)predict_sample(nom, campaign, samples.front(), {});
  const auto N = static_cast<int>(campaign.schema.field("v_in_v").shape.at(0));
  const double fs = m.held_out.full_scale_a > 0 ? m.held_out.full_scale_a : full_scale_a(stored_spec(campaign));

  PredictiveCheck out;
  out.full_scale_a = fs;
  out.chips_per_sample = o.chips;
  out.seed = o.seed;

  // SPICE: chips are the campaign's instances.
  std::map<std::uint64_t, ChipSums> spice_chips;
  std::vector<double> spice_values;
  std::map<std::uint64_t, ChipSums> model_chips;
  std::vector<double> model_values;
  for (std::size_t s : samples) {
    const double* spice = field(campaign, s, "i_spice_a");  // [N, C]
    const double* ideal = field(campaign, s, "i_ideal_a");  // [N, C]
    const auto instance = static_cast<std::uint64_t>(*field(campaign, s, "instance"));
    auto& sc = spice_chips[instance];
    for (int k = 0; k < N * C; ++k) {
      const double e = 100.0 * (spice[k] - ideal[k]) / fs;
      spice_values.push_back(e);
      sc.sum += e;
      sc.sum_sq += e * e;
      ++sc.n;
    }
    const Eigen::Map<const RowMajor> g_target(field(campaign, s, "g_target_s"), R, Cp);
    const Eigen::Map<const RowMajor> v(field(campaign, s, "v_in_v"), N, R);
    const Eigen::MatrixXd vt = v.transpose();
    // Each held-out instance gets `chips` fresh chips, programmed with that instance's patterns,
    // so that a fresh chip averages over as many values as a SPICE chip.
    for (int k = 0; k < o.chips; ++k) {
      const std::uint64_t chip = instance * static_cast<std::uint64_t>(o.chips) + static_cast<std::uint64_t>(k);
      const DrawnChip d = draw_crossbar_chip(m, g_target, o.seed, chip, s);
      behavioral::CrossbarModelParams p = nom;
      p.r_row_wire_ohm = d.r_row_wire_ohm;
      p.r_col_wire_ohm = d.r_col_wire_ohm;
      behavioral::CrossbarModel model(p);
      if (nom.differential) {
        Eigen::MatrixXd gp(R, C), gn(R, C);
        for (int j = 0; j < C; ++j) {
          gp.col(j) = d.g_s.col(2 * j);
          gn.col(j) = d.g_s.col(2 * j + 1);
        }
        model.program(gp, gn);
      } else {
        model.program(d.g_s);
      }
      const Eigen::MatrixXd i = model.forward(vt, behavioral::SinhSolve::exact);  // C x N
      auto& mc = model_chips[chip];
      for (int n = 0; n < N; ++n) {
        for (int j = 0; j < C; ++j) {
          const double e = 100.0 * (i(j, n) - ideal[n * C + j]) / fs;
          model_values.push_back(e);
          mc.sum += e;
          mc.sum_sq += e * e;
          ++mc.n;
        }
      }
    }
  }
  std::vector<ChipSums> spice_list, model_list;
  for (const auto& [inst, c] : spice_chips) spice_list.push_back(c);
  for (const auto& [chip, c] : model_chips) model_list.push_back(c);
  out.spice = summarize(std::move(spice_values), spice_list, o.bootstrap, o.seed, 1);
  out.model = summarize(std::move(model_values), model_list, o.bootstrap, o.seed, 2);
  out.ks_values = ks_two_sample(out.spice.values_pct_fs, out.model.values_pct_fs);
  out.ks_chips = ks_two_sample(out.spice.chip_rms_pct_fs, out.model.chip_rms_pct_fs);
  return out;
}

}  // namespace xbar::fit
