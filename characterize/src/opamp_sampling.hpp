#pragma once
// Internal to xbar::characterize: per-instance op-amp mismatch draws, shared by the "opamp" and
// "tia" kinds and by the tile chain's TIAs (one op-amp per column: slot = column).
//
// Draws (Pelgrom's law, per transistor, see netlists/process.hpp):
//   dVT_k      = sigma_vt_k   z,   sigma_vt_k   = A_VT   / sqrt(W_k L_k)
//   dbeta_k/b  = sigma_beta_k z',  sigma_beta_k = A_beta / sqrt(W_k L_k)
// with A_VT = variation.a_vt_mv_um * 1e-9 V*m (or the process's when < 0) and
// A_beta = variation.a_beta_pct_um * 1e-8 m (or the process's when < 0).
// variation.mismatch_devices: "all" draws every transistor, "input_pair" only m1 and m2 (the
// others get 0), "none" returns empty vectors. The macro model gets
// vos_v = opamp_vos_sigma_v z (0 for "none") and empty transistor vectors.
//
// Randomness: CounterRng(seed, rng_stream(kOpampMismatchPurpose, instance)); transistor k of
// slot s uses normal draws 64 s + 2 k (dVT) and 64 s + 2 k + 1 (dbeta); the macro offset uses
// 64 s + 63. So the pair's draws are the same under "all" and "input_pair", the "opamp" and
// "tia" kinds (slot 0) see the same op-amp for the same (seed, instance), and slots are
// independent op-amps of one instance.
#include <cstdint>
#include <vector>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/netlists/opamp.hpp"

namespace xbar::characterize {

/// RNG purpose of the op-amp mismatch streams (never renumber: files depend on it).
inline constexpr std::uint64_t kOpampMismatchPurpose = 16;

netlists::OpampMismatch sample_opamp_mismatch(const netlists::OpampParams& params, const VariationSpec& variation,
                                              std::uint64_t seed, std::uint64_t instance, std::uint64_t slot);

/// The A_VT (V*m) and A_beta (m, as a fraction) that sample_opamp_mismatch uses.
/// Appends one instance's draws to a record, in the schema order both op-amp kinds use: for the
/// transistor model dvt_v then dbeta_rel (one per transistor, zeros without mismatch), for the
/// macro model the drawn offset vos_v.
void append_opamp_mismatch(const netlists::OpampParams& params, const netlists::OpampMismatch& mismatch,
                           std::vector<double>& values);

double effective_a_vt_v_m(const netlists::OpampParams& params, const VariationSpec& variation);
double effective_a_beta_m(const netlists::OpampParams& params, const VariationSpec& variation);

}  // namespace xbar::characterize
