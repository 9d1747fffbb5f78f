// fit: the one error-metrics type and its records, INL/DNL (characterize's, the one
// implementation), the netlists -> behavioral parameter mapping, campaign field statistics.
// Every expected value is worked out by hand in the comments.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "xbar/characterize/adc_measure.hpp"
#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/fit/campaign_fit.hpp"
#include "xbar/fit/campaign_stats.hpp"
#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/error_metrics.hpp"
#include "xbar/fit/parameter_mapping.hpp"
#include "xbar/netlists/adc.hpp"

using namespace xbar;

TEST_CASE("error metrics: relative and absolute figures by hand") {
  Eigen::VectorXd ref(4), a(4);
  ref << 1, -2, 2, 0;
  a << 1, -2, 2, 0.3;
  const auto s = fit::compare(a, ref);
  CHECK(s.n_values == 4u);
  CHECK(s.relative_l2 == doctest::Approx(0.1));  // 0.3 / 3
  CHECK(s.max_relative == doctest::Approx(0.15));  // 0.3 / 2
  CHECK(s.max_abs == doctest::Approx(0.3));
  CHECK(s.rms_abs == doctest::Approx(0.15));  // sqrt(0.09 / 4)
  CHECK(s.rms_lsb == 0.0);  // no LSB given
  CHECK(fit::compare(ref, ref).relative_l2 == 0.0);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(2), o = Eigen::VectorXd::Ones(2);
  CHECK(std::isinf(fit::compare(o, z).relative_l2));
  CHECK(fit::compare(z, z).relative_l2 == 0.0);
}

TEST_CASE("error metrics: LSB, % of full scale, unit and instances") {
  // e = 0.3, -0.4 (V): rms = sqrt(0.25 / 2) = 0.353553..., max 0.4.
  const std::vector<double> model{1.3, 0.6}, ref{1.0, 1.0};
  const auto e = fit::error_metrics(model, ref, 0.1, 2.0, 3);
  CHECK(e.n_instances == 3u);
  CHECK(e.n_values == 2u);
  CHECK(e.rms_abs == doctest::Approx(std::sqrt(0.125)));
  CHECK(e.max_abs == doctest::Approx(0.4));
  CHECK(e.rms_lsb == doctest::Approx(std::sqrt(0.125) / 0.1));
  CHECK(e.max_lsb == doctest::Approx(4.0));
  CHECK(e.rms_pct_fs == doctest::Approx(100 * std::sqrt(0.125) / 2.0));
  CHECK(e.max_pct_fs == doctest::Approx(20.0));
  CHECK(e.lsb == 0.1);
  CHECK(e.full_scale == 2.0);
  // Codes compared in codes, reported in volts: a 1-code error with lsb 0.01 V is 0.01 V = 1 LSB.
  const auto c = fit::error_metrics(std::vector<double>{3, 4}, std::vector<double>{3, 5}, 0.01, 0.63, 1, 0.01);
  CHECK(c.max_abs == doctest::Approx(0.01));
  CHECK(c.max_lsb == doctest::Approx(1.0));
  CHECK(c.rms_lsb == doctest::Approx(std::sqrt(0.5)));
  CHECK(c.relative_l2 == doctest::Approx(1.0 / std::sqrt(34.0)));  // unitless: on the codes
  // The accumulator gives the same figures as the vectors, and a column's mean and spread.
  fit::ErrorAccumulator acc;
  for (std::size_t k = 0; k < model.size(); ++k) acc.add(model[k], ref[k]);
  const auto ea = fit::error_metrics(acc, 0.1, 2.0, 3);
  CHECK(ea.rms_abs == e.rms_abs);
  CHECK(ea.max_pct_fs == e.max_pct_fs);
  CHECK(acc.mean_err() == doctest::Approx(-0.05));
  CHECK(acc.std_err() == doctest::Approx(std::sqrt(0.245)));  // (0.35^2 + 0.35^2) / 1
  CHECK(acc.rel_rms() == doctest::Approx(std::sqrt(0.25 / 2.0)));
  CHECK(std::isnan(fit::ErrorAccumulator{}.rel_rms()));
}

TEST_CASE("error metrics: the model files' records round-trip") {
  const auto e = fit::error_metrics(std::vector<double>{1e-6, 2.5e-6}, std::vector<double>{1.1e-6, 2e-6},
                                    fit::crossbar_lsb(4e-5, 8), 4e-5, 2);
  CHECK(fit::crossbar_lsb(4e-5, 8) == doctest::Approx(2 * 4e-5 / 256));
  const auto r = fit::to_crossbar_record(e, 5, 8);
  CHECK(r.n_samples == 5u);
  CHECK(r.n_values == 2u);
  CHECK(r.rms_abs_a == e.rms_abs);
  CHECK(r.max_lsb == e.max_lsb);
  CHECK(r.rel_l2 == e.relative_l2);
  CHECK(r.full_scale_a == 4e-5);
  CHECK(r.adc_bits == 8);
  const auto back = fit::from_record(r);
  CHECK(back.rms_pct_fs == e.rms_pct_fs);
  CHECK(back.lsb == doctest::Approx(e.lsb));
  const auto p = fit::to_periphery_record(e);
  CHECK(p.n_instances == 2u);
  CHECK(p.lsb_v == e.lsb);
  CHECK(p.full_scale_v == e.full_scale);
  const auto pb = fit::from_record(p);
  CHECK(pb.max_abs == e.max_abs);
  CHECK(pb.max_pct_fs == e.max_pct_fs);
  CHECK(pb.n_instances == 2u);
  // SPICE all zero: the file's convention is rel_l2 = 0, not inf.
  const auto z = fit::error_metrics(std::vector<double>{1.0}, std::vector<double>{0.0}, 1.0, 1.0);
  CHECK(std::isinf(z.relative_l2));
  CHECK(fit::to_crossbar_record(z, 1, 8).rel_l2 == 0.0);
}

TEST_CASE("endpoint INL and DNL of hand-made transitions (characterize, the one implementation)") {
  // 4 transitions at 0, 1, 3, 3 (V): endpoint LSB = 1; INL 0, 0, 1, 0; DNL 0, 1, -1.
  const auto f = characterize::endpoint_inl_dnl({3.0, 0.0, 1.0, 3.0});  // unsorted on purpose
  CHECK(f.lsb_v == 1.0);
  CHECK(f.inl_lsb == std::vector<double>{0.0, 0.0, 1.0, 0.0});
  CHECK(f.dnl_lsb == std::vector<double>{0.0, 1.0, -1.0});
  const auto one = characterize::endpoint_inl_dnl({0.2});
  CHECK(one.inl_lsb.empty());
  CHECK(one.dnl_lsb.empty());
  // A NaN (never tripped) sorts last and poisons the endpoint LSB: every figure is NaN.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto n = characterize::endpoint_inl_dnl({nan, 0.0, 1.0});
  REQUIRE(n.inl_lsb.size() == 3u);
  CHECK(std::isnan(n.inl_lsb[2]));
  CHECK(std::isnan(n.lsb_v));
  // Against ideal transitions 0.5, 1.5, 2.5 with LSB 1: INL = T - T*, DNL from the ideal LSB.
  const auto g = characterize::inl_dnl_against_ideal({0.5, 1.75, 2.5}, {0.5, 1.5, 2.5}, 1.0);
  CHECK(g.inl_lsb == std::vector<double>{0.0, 0.25, 0.0});
  CHECK(g.dnl_lsb == std::vector<double>{0.25, -0.25});
  CHECK_THROWS_WITH_AS(characterize::inl_dnl_against_ideal({0.5}, {0.5, 1.5}, 1.0),
                       doctest::Contains("1 transitions and 2 ideal ones"), characterize::Error);
}

TEST_CASE("adc_linearity uses the one INL/DNL implementation") {
  netlists::AdcParams p;
  p.bits = 2;  // 3 comparators
  const std::vector<double> thresholds{p.v_min_v + 2.5 * p.lsb_v(), p.v_min_v + 0.5 * p.lsb_v(),
                                       p.v_min_v + 1.75 * p.lsb_v()};
  const auto lin = characterize::adc_linearity(p, thresholds, {1, 1, 1, 1});
  const auto f = characterize::endpoint_inl_dnl(thresholds);
  CHECK(lin.inl_lsb == f.inl_lsb);
  CHECK(lin.dnl_lsb == f.dnl_lsb);
  CHECK(lin.dnl_lsb[0] == doctest::Approx(0.25));  // endpoint LSB = lsb; widths 1.25 and 0.75 LSB
  CHECK(lin.dnl_lsb[1] == doctest::Approx(-0.25));
}

TEST_CASE("parameter mapping: crossbar, corner, DAC, ADC and tile") {
  netlists::CrossbarParams x;
  x.rows = 3;
  x.cols = 2;
  x.differential = true;
  x.cell = netlists::CellModel::sinh;
  x.v0_v = 0.3;
  x.r_row_wire_ohm = 1.5;
  x.r_col_wire_ohm = 2.5;
  x.r_source_ohm = Eigen::VectorXd::Constant(3, 7.0);
  x.temperature_c = 40;
  x.tnom_c = 25;
  x.cell_tc1_per_k = 1e-3;
  x.wire_tc1_per_k = 4e-3;
  const auto c = fit::crossbar_model_params(x);
  CHECK(c.rows == 3);
  CHECK(c.cols == 2);
  CHECK(c.differential);
  CHECK(c.cell == behavioral::CellModel::sinh);
  CHECK(c.v0_v == 0.3);
  CHECK(c.r_row_wire_ohm == 1.5);
  CHECK(c.r_col_wire_ohm == 2.5);
  CHECK(c.r_source_ohm == x.r_source_ohm);
  CHECK(c.temperature_c == 40);
  CHECK(c.tnom_c == 25);
  CHECK(c.cell_tc1_per_k == 1e-3);
  CHECK(c.wire_tc1_per_k == 4e-3);
  CHECK(fit::cell_model(netlists::CellModel::linear) == behavioral::CellModel::linear);

  characterize::CampaignSpec spec;
  spec.crossbar = x;
  spec.variation.temperature_c = 85;
  spec.variation.tnom_c = 27;
  spec.variation.cell_tc1_per_k = 2e-3;
  spec.variation.wire_tc1_per_k = 3e-3;
  const auto n = fit::nominal_params(spec);  // the crossbar at the [variation] corner
  CHECK(n.temperature_c == 85);
  CHECK(n.tnom_c == 27);
  CHECK(n.cell_tc1_per_k == 2e-3);
  CHECK(n.wire_tc1_per_k == 3e-3);
  CHECK(n.r_row_wire_ohm == 1.5);

  netlists::AdcParams adc;
  adc.bits = 4;  // 15 comparators
  netlists::AdcMismatch m;
  m.comparator_offset_v.assign(15, 0.0);
  m.comparator_offset_v[0] = 0.001;
  m.comparator_offset_v[1] = -0.002;
  const auto a = fit::adc_model_params(adc, m);
  const auto taps = netlists::adc_ladder_taps_v(adc, {});
  REQUIRE(a.transition_v.size() == 15);
  CHECK(a.bits == 4);
  CHECK(a.transition_v[14] == taps[14]);
  CHECK(a.v_min_v == adc.v_min_v);
  CHECK(a.v_max_v == adc.v_max_v);
  CHECK(a.transition_v[0] == doctest::Approx(taps[0] + 0.001));
  CHECK(a.transition_v[1] == doctest::Approx(taps[1] - 0.002));

  netlists::DacParams dac;
  dac.bits = 2;
  CHECK(fit::dac_model_params(dac, {}, 3).level_table_v.size() == 0);  // ideal: no table
  dac.architecture = netlists::DacArchitecture::r2r;
  const auto d = fit::dac_model_params(dac, {}, 3);
  CHECK(d.level_table_v.rows() == 3);
  CHECK(d.level_table_v.cols() == 4);

  netlists::TileParams tp;
  tp.crossbar = x;
  tp.crossbar.r_source_ohm.resize(0);
  tp.dac = dac;
  tp.dac.r_source_ohm = 11.0;
  tp.adc = adc;
  tp.tia.rf_ohm = 5e3;
  tp.timing.t_cycle_s = 100e-9;
  tp.timing.t_edge_s = 5e-9;
  behavioral::TiaModelParams op;
  op.a0_vv = 1e4;
  op.rf_ohm = 1.0;  // replaced by the netlist's
  const auto t = fit::tile_model_params(tp, op);
  CHECK(t.crossbar.r_source_ohm == Eigen::VectorXd::Constant(3, 11.0));
  CHECK(t.crossbar.temperature_c == 40);
  REQUIRE(t.tia.size() == 1u);
  CHECK(t.tia[0].rf_ohm == 5e3);
  CHECK(t.tia[0].a0_vv == 1e4);
  CHECK(t.tia[0].t_sample_s == doctest::Approx(90e-9));
  CHECK(t.adc.size() == 2u);
  CHECK(t.dac.level_table_v.rows() == 3);

  spec.tia.rf_ohm = 2e4;
  const auto ideal = fit::ideal_tile_tia(spec);
  CHECK(ideal.rf_ohm == 2e4);
  CHECK(ideal.v_out_max_v == spec.tia.opamp.vdd_v);
  CHECK(ideal.v_out_min_v == spec.tia.opamp.vss_v);
}

TEST_CASE("campaign field statistics per column") {
  characterize::CampaignFile f;
  f.schema.kind = "crossbar";
  characterize::FieldSpec out, ref;
  out.name = "i_spice_a";
  out.shape = {2, 2};
  out.role = "output";
  out.reference = "i_ideal_a";
  ref.name = "i_ideal_a";
  ref.shape = {2, 2};
  f.schema.fields = {out, ref};
  characterize::SampleRecord ok, failed;
  ok.status = characterize::SampleStatus::ok;
  ok.values = {1.0, 2.0, 3.0, 5.0, /* ref */ 1.0, 1.0, 2.0, 4.0};
  failed.status = characterize::SampleStatus::spice_error;
  failed.values = {9, 9, 9, 9, 0, 0, 0, 0};
  f.records = {ok, failed};
  const auto c = fit::compare_field(f, f.schema.field("i_spice_a"));
  REQUIRE(c.per_column.size() == 2u);
  CHECK(c.all.n == 4);  // the failed sample is skipped
  CHECK(c.per_column[0].mean_err() == doctest::Approx(0.5));  // errors 0, 1
  CHECK(c.per_column[1].mean_err() == doctest::Approx(1.0));  // errors 1, 1
  CHECK(c.all.max_abs == 1.0);
}

TEST_CASE("differential conductance CSV: one file, physical column order") {
  Eigen::MatrixXd m(2, 4);  // outputs 0 and 1: G+ in columns 0 and 2, G- in columns 1 and 3
  m << 1, 2, 3, 4, 5, 6, 7, 8;
  const auto d = characterize::split_differential_columns(m, "w.csv");
  CHECK(d.g_pos_s == (Eigen::MatrixXd(2, 2) << 1, 3, 5, 7).finished());
  CHECK(d.g_neg_s == (Eigen::MatrixXd(2, 2) << 2, 4, 6, 8).finished());
  CHECK(characterize::interleave_differential_columns(d.g_pos_s, d.g_neg_s) == m);
  CHECK_THROWS_WITH_AS(characterize::split_differential_columns(Eigen::MatrixXd::Ones(2, 3), "w.csv"),
                       doctest::Contains("w.csv: 2 x 3 values: a differential array is one CSV of rows x (2 * cols)"),
                       characterize::Error);
  CHECK_THROWS_AS(characterize::interleave_differential_columns(Eigen::MatrixXd::Ones(2, 2), Eigen::MatrixXd::Ones(2, 3)),
                  characterize::Error);
}

TEST_CASE("fit_campaign refuses a campaign kind it has no fit for, naming it") {
  characterize::CampaignFile c;
  c.schema.kind = "opamp";
  CHECK_THROWS_WITH_AS(fit::fit_campaign(c, fit::FitOptions{}),
                       "campaign kind 'opamp': xbar fit handles crossbar, tia, adc and tile campaigns", fit::FitError);
}
