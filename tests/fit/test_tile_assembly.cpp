// fit::assemble_tile_model: compatibility checks naming file and field, where each part of the
// tile model comes from, and the ADC spread refitted about the nominal transitions.
#include <doctest/doctest.h>

#include <cmath>

#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/tile_assembly.hpp"
#include "xbar/fit/tile_energy.hpp"

using namespace xbar;

namespace {

struct Parts {
  behavioral::CrossbarModelFile xb;
  behavioral::TiaModelFile tia;
  behavioral::AdcModelFile adc;
  fit::TileAssemblyOptions o;
};

Parts parts() {
  Parts p;
  p.xb.nominal.rows = 8;
  p.xb.nominal.cols = 6;
  p.xb.variation.programming_error.sigma_rel_d2d = 0.05;
  p.xb.variation.stuck_on.fraction = 0.001;
  p.xb.variation.g_stuck_on_s = 1e-4;
  p.xb.held_out.n_samples = 3;
  p.xb.provenance.campaign_path = "crossbar.h5";
  p.tia.nominal.rf_ohm = 1e3;
  p.tia.nominal.v_out_min_v = -0.8;
  p.tia.nominal.v_out_max_v = 0.85;
  p.tia.opamp_v_offset.sigma_v = 3e-3;
  p.tia.held_out_nominal.rms_lsb = 0.35;
  p.adc.nominal.bits = 3;  // 7 transitions
  const Eigen::VectorXd ideal = p.adc.nominal.transitions_v();
  p.adc.nominal.transition_v = ideal.array() + 1e-3;  // systematic offset of 1 mV
  // Three fit-set instances at nominal -1, 0, +1 mV, one held out far off (must be ignored).
  p.adc.instances.instance = {0, 1, 2, 3};
  p.adc.instances.held_out = {0, 0, 0, 1};
  p.adc.instances.transition_v.resize(4, 7);
  for (int i = 0; i < 4; ++i)
    p.adc.instances.transition_v.row(i) =
        (p.adc.nominal.transition_v.array() + (i == 3 ? 0.05 : (i - 1) * 1e-3)).transpose();
  p.o.dac_bits = 4;
  p.o.v_read_max_v = 0.1;
  p.o.g_min_s = 1e-6;
  p.o.g_max_s = 1e-4;
  p.o.crossbar_path = "";  // no files: no SHA-256
  return p;
}

}  // namespace

TEST_CASE("assemble_tile_model: parts land where the schema says") {
  const Parts p = parts();
  const auto m = fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o);
  CHECK(m.nominal.crossbar.rows == 8);
  CHECK(m.nominal.dac.bits == 4);
  CHECK(m.nominal.dac.v_max_v == 0.1);
  REQUIRE(m.nominal.tia.size() == 1u);
  CHECK(m.nominal.tia[0].rf_ohm == 1e3);
  REQUIRE(m.nominal.adc.size() == 1u);
  CHECK(m.nominal.adc[0].transition_v == p.adc.nominal.transition_v);
  CHECK(m.variation.programming_error.sigma_rel_d2d == 0.05);
  CHECK(m.variation.stuck_on.fraction == 0.001);
  CHECK(m.variation.tia_opamp_v_offset.sigma_v == 3e-3);
  // About the nominal (systematic 1 mV removed), over the fit set only: -1, 0, +1 mV.
  CHECK(std::abs(m.variation.adc_comparator_offset.mean_v) < 1e-15);
  CHECK(m.variation.adc_comparator_offset.sigma_v == doctest::Approx(std::sqrt(2.0 / 3.0) * 1e-3).epsilon(1e-9));
  CHECK(m.variation.adc_comparator_offset.n == 21u);
  CHECK(m.held_out_crossbar.n_samples == 3u);
  CHECK(m.held_out_tia.rms_lsb == 0.35);
  REQUIRE(m.sources.size() == 3u);
  CHECK(m.sources[0].component == "crossbar");
  CHECK(m.sources[0].campaign_path == "crossbar.h5");
  CHECK(m.sources[1].component == "tia");
  CHECK(m.sources[2].component == "adc");
  CHECK_FALSE(m.provenance.fit_time.empty());
  CHECK_NOTHROW(m.validate());
  CHECK(fit::tile_range_summary(m).find("column full scale") != std::string::npos);
}

TEST_CASE("assemble_tile_model: incompatible parts name the file and the field") {
  Parts p = parts();
  p.o.tia_path = "tia_model.h5";
  p.o.adc_path = "adc_model.h5";
  p.tia.nominal.v_out_min_v = -0.4;
  CHECK_THROWS_WITH_AS(fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o),
                       doctest::Contains("tia_model.h5: /nominal@v_out_min_v = -0.4 V is above the ADC's adc_model.h5 "
                                         "/nominal@v_min_v = -0.5 V"),
                       fit::FitError);
  p = parts();
  p.o.crossbar_path = "xb.h5";
  p.xb.nominal.differential = true;
  CHECK_THROWS_WITH_AS(fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o),
                       doctest::Contains("xb.h5: /nominal@differential = 1"), fit::FitError);
  p = parts();
  p.adc.nominal.v_min_v = 0.0;
  p.adc.nominal.v_max_v = 0.5;
  p.adc.nominal.transition_v.resize(0);
  CHECK_THROWS_WITH_AS(fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o), doctest::Contains("must be < 0 V"),
                       fit::FitError);
  p = parts();
  p.o.dac_bits = 0;
  CHECK_THROWS_WITH_AS(fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o),
                       doctest::Contains("tile.dac_bits = 0 (--dac-bits): must be between 1 and 12"), fit::FitError);
  p = parts();
  p.o.g_max_s = 1e-7;
  CHECK_THROWS_WITH_AS(fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o),
                       doctest::Contains("tile.g_max_s = 1e-07 (--g-max): must be finite and > g_min_s"), fit::FitError);
  p = parts();
  p.o.g_max_s = std::nan("");  // from the campaign, which is not there
  CHECK_THROWS_WITH_AS(fit::assemble_tile_model(p.xb, p.tia, p.adc, p.o),
                       doctest::Contains("pass --g-min, --g-max and --v-read-max"), fit::FitError);
}

TEST_CASE("scale_tile_energy: array by cells, drivers by rows, TIA and ADC by columns, the note says SCALED") {
  xbar::behavioral::TileEnergy m;
  m.array_j = 1e-12;
  m.drivers_j = 2e-12;
  m.tia_j = 3e-9;
  m.adc_j = 4e-9;
  m.total_j = m.array_j + m.drivers_j + m.tia_j + m.adc_j;
  m.spice_s_per_mvm = 100.0;
  m.rows = 64;
  m.cols = 64;
  m.note = "measured";
  const auto e = xbar::fit::scale_tile_energy(m, 128, 128);
  CHECK(e.array_j == doctest::Approx(4e-12));
  CHECK(e.drivers_j == doctest::Approx(4e-12));
  CHECK(e.tia_j == doctest::Approx(6e-9));
  CHECK(e.adc_j == doctest::Approx(8e-9));
  CHECK(e.total_j == doctest::Approx(4e-12 + 4e-12 + 6e-9 + 8e-9));
  CHECK(e.spice_s_per_mvm == doctest::Approx(400.0));
  CHECK(e.rows == 128);
  CHECK(e.note.find("SCALED") != std::string::npos);
}
