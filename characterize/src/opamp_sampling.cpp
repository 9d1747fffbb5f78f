#include "opamp_sampling.hpp"

#include <cmath>

#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/core/counter_rng.hpp"

namespace xbar::characterize {

double effective_a_vt_v_m(const netlists::OpampParams& p, const VariationSpec& v) {
  return v.a_vt_mv_um >= 0.0 ? v.a_vt_mv_um * 1e-3 * 1e-6 : p.process.a_vt_v_m;
}

double effective_a_beta_m(const netlists::OpampParams& p, const VariationSpec& v) {
  return v.a_beta_pct_um >= 0.0 ? v.a_beta_pct_um * 1e-2 * 1e-6 : p.process.a_beta_m;
}

netlists::OpampMismatch sample_opamp_mismatch(const netlists::OpampParams& params, const VariationSpec& variation,
                                              std::uint64_t seed, std::uint64_t instance, std::uint64_t slot) {
  netlists::OpampMismatch m;
  if (variation.mismatch_devices == MismatchDevices::none) return m;
  const core::CounterRng rng(seed, rng_stream(kOpampMismatchPurpose, instance));
  const std::uint64_t base = 64 * slot;
  if (params.model == netlists::OpampModel::macro) {
    m.vos_v = variation.opamp_vos_sigma_v * rng.normal(base + 63);
    return m;
  }
  const double a_vt = effective_a_vt_v_m(params, variation);
  const double a_beta = effective_a_beta_m(params, variation);
  const int n = static_cast<int>(netlists::opamp_transistor_names().size());
  const int drawn = variation.mismatch_devices == MismatchDevices::input_pair ? 2 : n;  // m1, m2 come first
  m.dvt_v.assign(n, 0.0);
  m.dbeta_rel.assign(n, 0.0);
  for (int k = 0; k < drawn; ++k) {
    const netlists::MosfetInstance t = netlists::opamp_transistor(params, k);
    const double area = t.w_m * t.l_m;
    m.dvt_v[k] = a_vt / std::sqrt(area) * rng.normal(base + 2 * k);
    m.dbeta_rel[k] = a_beta / std::sqrt(area) * rng.normal(base + 2 * k + 1);
  }
  return m;
}

void append_opamp_mismatch(const netlists::OpampParams& params, const netlists::OpampMismatch& mm,
                           std::vector<double>& values) {
  if (params.model != netlists::OpampModel::transistor) {
    values.push_back(mm.vos_v);
    return;
  }
  const std::size_t T = netlists::opamp_transistor_names().size();
  for (std::size_t k = 0; k < T; ++k) values.push_back(mm.dvt_v.empty() ? 0.0 : mm.dvt_v[k]);
  for (std::size_t k = 0; k < T; ++k) values.push_back(mm.dbeta_rel.empty() ? 0.0 : mm.dbeta_rel[k]);
}

}  // namespace xbar::characterize
