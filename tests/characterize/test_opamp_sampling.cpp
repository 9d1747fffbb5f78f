// characterize internals: the per-instance op-amp mismatch draws (characterize/src/
// opamp_sampling.hpp, private to the library, hence this test's include path). Moved out of
// test_opamp so that the op-amp/TIA tests use public headers only.
#include <doctest/doctest.h>

#include <cmath>

#include "opamp_sampling.hpp"  // characterize/src (internal)
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/netlists/opamp.hpp"

using namespace xbar;
using namespace xbar::characterize;

TEST_CASE("opamp mismatch sampling: counter-based, per slot, input pair only on request") {
  netlists::OpampParams p;
  VariationSpec v;
  const auto a = sample_opamp_mismatch(p, v, 5, 17, 0);
  const auto a2 = sample_opamp_mismatch(p, v, 5, 17, 0);
  const auto other_slot = sample_opamp_mismatch(p, v, 5, 17, 1);
  const auto other_instance = sample_opamp_mismatch(p, v, 5, 18, 0);
  REQUIRE(a.dvt_v.size() == 8);
  CHECK(a.dvt_v == a2.dvt_v);
  CHECK(a.dbeta_rel == a2.dbeta_rel);
  CHECK(a.dvt_v != other_slot.dvt_v);
  CHECK(a.dvt_v != other_instance.dvt_v);
  v.mismatch_devices = MismatchDevices::input_pair;
  const auto pair = sample_opamp_mismatch(p, v, 5, 17, 0);
  CHECK(pair.dvt_v[0] == a.dvt_v[0]);
  CHECK(pair.dbeta_rel[1] == a.dbeta_rel[1]);
  for (int k = 2; k < 8; ++k) CHECK(pair.dvt_v[k] == 0.0);
  v.mismatch_devices = MismatchDevices::none;
  CHECK(sample_opamp_mismatch(p, v, 5, 17, 0).dvt_v.empty());
  // The sigma follows A_VT / sqrt(W L): over many instances, within 10 % for 400 draws.
  v.mismatch_devices = MismatchDevices::all;
  v.a_vt_mv_um = 5.0;
  double sum2 = 0;
  const int n = 400;
  for (int i = 0; i < n; ++i) sum2 += std::pow(sample_opamp_mismatch(p, v, 1, i, 0).dvt_v[5], 2);  // m6: 70 x 1 um
  CHECK(std::sqrt(sum2 / n) == doctest::Approx(5e-9 / std::sqrt(70e-12)).epsilon(0.1));
}
