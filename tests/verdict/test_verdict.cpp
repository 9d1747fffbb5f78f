// xbar::verdict: the energy arithmetic on hand-computed cases, the cited energy tables (every
// constant has a value, unit, node and source), and fake quantization.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "xbar/verdict/cost.hpp"
#include "xbar/verdict/energy_table.hpp"
#include "xbar/verdict/error.hpp"
#include "xbar/verdict/fake_quant.hpp"
#include "xbar/verdict/verdict.hpp"

using namespace xbar::verdict;

namespace {

// Round numbers, so that the sums below can be done by hand.
EnergyTable synthetic_table() {
  EnergyTable t;
  auto add = [&](const char* name, double pj) {
    EnergyEntry e;
    e.name = name;
    e.value = pj;
    e.unit = "pJ";
    e.what = name;
    e.node = "test";
    e.source = "test";
    e.checked = "test";
    e.file = "synthetic";
    t.add(e);
  };
  add("int32_add", 1.0);
  add("int32_mult", 2.0);
  add("int8_add", 0.5);
  add("int8_mult", 0.25);
  add("int4_mult", 0.125);
  add("fp32_add", 1.0);
  add("fp32_mult", 4.0);
  add("sram_8kb_read_64b", 10.0);
  add("sram_32kb_read_64b", 20.0);
  add("sram_1mb_read_64b", 100.0);
  return t;
}

// fc 784 -> 256 on 128 x 128 tiles: 7 x 4 tiles, 28 tile MVMs per image.
LayerShape fc_784_256() {
  LayerShape l;
  l.name = "fc1";
  l.op = "linear";
  l.in_features = 784;
  l.out_features = 256;
  l.positions = 1;
  l.tile_rows = 128;
  l.tile_cols = 128;
  l.tiles_r = 7;
  l.tiles_c = 4;
  return l;
}

}  // namespace

TEST_CASE("cost: tile MVMs and MACs per image") {
  const LayerShape fc = fc_784_256();
  CHECK(fc.tile_mvms() == 28);
  CHECK(fc.macs() == 200704);
  LayerShape conv;
  conv.op = "conv2d";
  conv.in_features = 9;
  conv.out_features = 16;
  conv.positions = 784;
  conv.tile_rows = conv.tile_cols = 64;
  conv.tiles_r = conv.tiles_c = 1;
  CHECK(conv.tile_mvms() == 784);
  conv.signed_inputs = true;
  CHECK(conv.tile_mvms() == 1568);  // two reads per input vector
  CHECK(tile_mvms_per_image({fc, conv}) == 28 + 1568);
  CHECK(macs_per_image({fc, conv}) == 200704 + 9 * 16 * 784);
}

TEST_CASE("cost: E_run of one layer, computed by hand") {
  const EnergyTable t = synthetic_table();
  const std::vector<LayerShape> net = {fc_784_256()};
  // Overheads: int32_add 28 x 128 + 256 = 3840 (1 pJ); sram_8kb 28 x (128/8 + 64 x 4/8) = 1344 (10 pJ);
  // int32_mult 256 (2 pJ); int8_add 256 (0.5 pJ); sram_1mb 2 x 256/8 = 64 (100 pJ).
  const OpCounts c = run_overhead_counts(net);
  CHECK(c.at("int32_add") == 3840);
  CHECK(c.at("sram_8kb_read_64b") == 1344);
  CHECK(c.at("int32_mult") == 256);
  CHECK(c.at("int8_add") == 256);
  CHECK(c.at("sram_1mb_read_64b") == 64);
  const double overhead_pj = 3840 + 13440 + 512 + 128 + 6400;  // 24320 pJ
  CHECK(energy_j(c, t) == doctest::Approx(overhead_pj * 1e-12).epsilon(1e-12));
  // Tile: array 1 + drivers 0 + TIA 100 + ADC 200 = 301 pJ per MVM, x 28 = 8428 pJ.
  const RunEnergy r = run_energy(net, {1e-12, 0.0, 100e-12, 200e-12}, t);
  CHECK(r.adc_j == doctest::Approx(5600e-12).epsilon(1e-12));
  CHECK(r.tia_j == doctest::Approx(2800e-12).epsilon(1e-12));
  CHECK(r.digital_j == doctest::Approx(overhead_pj * 1e-12).epsilon(1e-12));
  CHECK(r.total_j() == doctest::Approx(32748e-12).epsilon(1e-12));
}

TEST_CASE("cost: E_digital at 8 and 4 bits and the behavioral model's counts, computed by hand") {
  const EnergyTable t = synthetic_table();
  const std::vector<LayerShape> net = {fc_784_256()};
  // int8: 200704 x (0.25 + 1) + (200704 x 8/64) x 10 + (200704 x 8/64 + 64) x 100 + 256 x (1 + 2 + 0.5).
  const double d8 = 200704 * 0.25 + 200960 * 1.0 + 25088 * 10.0 + 25152 * 100.0 + 256 * 2.0 + 256 * 0.5;
  CHECK(d8 == 3017856.0);
  CHECK(energy_j(digital_counts(net, 8), t) == doctest::Approx(d8 * 1e-12).epsilon(1e-12));
  // int4: 200704 x 0.125 mults; 12544 local reads; 12544 + 64 global reads.
  const double d4 = 200704 * 0.125 + 200960 * 1.0 + 12544 * 10.0 + 12608 * 100.0 + 256 * 2.0 + 256 * 0.5;
  CHECK(energy_j(digital_counts(net, 4), t) == doctest::Approx(d4 * 1e-12).epsilon(1e-12));
  // Behavioral, 6-bit ADC, batch 2048: fp32_mult 28 x (16384 + 5 x 128), fp32_add 28 x (16384 + 640 + 6 x 128),
  // sram_1mb 28 x 16384/2048 + 64, sram_32kb 28 x (128 + 128).
  const OpCounts s = behavioral_sim_counts(net, 6, 2048);
  CHECK(s.at("fp32_mult") == 476672);
  CHECK(s.at("fp32_add") == 498176);
  CHECK(s.at("sram_1mb_read_64b") == 288);
  CHECK(s.at("sram_32kb_read_64b") == 7168);
  CHECK(energy_j(s, t) == doctest::Approx(2577920e-12).epsilon(1e-12));
  CHECK(measured_energy_j(2.0, 15.0) == 30.0);
  CHECK(std::isnan(measured_energy_j(-1.0, 15.0)));
}

TEST_CASE("energy tables: every constant in data/energy has a value, unit, node and source") {
  const auto files = energy_table_files(std::string(XBAR_SOURCE_DIR) + "/data/energy");
  REQUIRE(files.size() >= 2);
  const EnergyTable t = read_energy_tables(files);  // validates every entry
  CHECK(t.entries().size() >= 14);
  for (const auto& [name, e] : t.entries()) {
    INFO(name);
    CHECK_FALSE(e.unit.empty());
    CHECK_FALSE(e.source.empty());
    CHECK_FALSE(e.node.empty());
    CHECK_FALSE(e.checked.empty());
    CHECK(e.si_value() > 0);
  }
  // Every constant the cost model uses is there, in the right kind of unit.
  for (const char* n : {"int8_add", "int32_add", "int8_mult", "int32_mult", "int4_mult", "fp32_add", "fp32_mult",
                        "sram_8kb_read_64b", "sram_32kb_read_64b", "sram_1mb_read_64b", "dram_read_64b",
                        "adc_walden_fom"})
    CHECK(t.joules(n) > 0);
  CHECK(t.watts("host_power_per_core") > 0);
  CHECK(t.joules("int8_add") == doctest::Approx(0.03e-12));
  CHECK(t.joules("sram_1mb_read_64b") == doctest::Approx(100e-12));
}

TEST_CASE("energy tables: a missing source, a bad unit, an unknown field name the file and entry") {
  EnergyTable t;
  CHECK_THROWS_WITH_AS(parse_energy_table("[x]\nvalue = 1.0\nunit = \"pJ\"\nwhat = \"w\"\nnode = \"n\"\nchecked = \"c\"\n",
                                          "t.toml", t),
                       doctest::Contains("t.toml: [x]: source is missing"), EnergyTableError);
  CHECK_THROWS_WITH_AS(parse_energy_table("[y]\nvalue = 1.0\nunit = \"pj\"\nwhat = \"w\"\nnode = \"n\"\nsource = "
                                          "\"s\"\nchecked = \"c\"\n",
                                          "t.toml", t),
                       doctest::Contains("unit 'pj'"), EnergyTableError);
  CHECK_THROWS_WITH_AS(parse_energy_table("[z]\nvalu = 1.0\n", "t.toml", t), doctest::Contains("unknown field 'valu'"),
                       EnergyTableError);
  CHECK_THROWS_WITH_AS(parse_energy_table("[w]\nvalue = -1.0\nunit = \"pJ\"\nwhat = \"w\"\nnode = \"n\"\nsource = "
                                          "\"s\"\nchecked = \"c\"\n",
                                          "t.toml", t),
                       doctest::Contains("must be finite and > 0"), EnergyTableError);
  CHECK_THROWS_AS(t.joules("nope"), EnergyTableError);
}

TEST_CASE("fake quantization: symmetric per-layer scales") {
  const torch::Tensor v = torch::tensor({-1.0f, -0.3f, 0.05f, 0.45f, 2.0f});
  // 4 bits: q_max = 7, scale 1/7: round(v * 7) clamped to +-7 (no value half-way between two levels).
  const torch::Tensor q = fake_quantize(v, 1.0 / 7.0, 4);
  CHECK(q[0].item<float>() == doctest::Approx(-1.0));
  CHECK(q[1].item<float>() == doctest::Approx(-2.0 / 7));
  CHECK(q[2].item<float>() == doctest::Approx(0.0));
  CHECK(q[3].item<float>() == doctest::Approx(3.0 / 7));
  CHECK(q[4].item<float>() == doctest::Approx(1.0));      // clamped at q_max
  CHECK_THROWS_AS(FakeQuantExecutor(1), Error);

  xbar::networks::AnalogLayer layer;
  layer.index = 0;
  layer.weight = torch::tensor({{0.7f, -0.33f}, {0.1f, 0.0f}});
  FakeQuantExecutor fq(4);
  fq.set_calibrating(true);
  const torch::Tensor x = torch::tensor({{1.4f, -0.66f}});
  const torch::Tensor exact = fq.matmul(layer, x);  // calibrating: float32, records a_max = 1.4
  CHECK(exact[0][0].item<float>() == doctest::Approx(0.7 * 1.4 + 0.33 * 0.66));
  CHECK(fq.activation_max(0) == doctest::Approx(1.4));
  fq.set_calibrating(false);
  // w scale 0.1, x scale 0.2: W = [[7, -3.3 -> -3], [1, 0]] 0.1, x = [7, -3.3 -> -3] 0.2.
  const torch::Tensor y = fq.matmul(layer, x);
  CHECK(y[0][0].item<float>() == doctest::Approx((0.7 * 1.4 + 0.3 * 0.6)).epsilon(1e-5));
  CHECK(y[0][1].item<float>() == doctest::Approx(0.1 * 1.4).epsilon(1e-5));
}

TEST_CASE("format_joules picks a readable unit") {
  CHECK(format_joules(3.21e-9) == "3.21 nJ");
  CHECK(format_joules(0.0456) == "45.6 mJ");
  CHECK(format_joules(2.0) == "2 J");
  CHECK(format_joules(1.19e5) == "119 kJ");
  CHECK(format_joules(0.0) == "0 J");
}
