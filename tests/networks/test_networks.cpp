// The networks library: Fashion-MNIST reading (and its errors), TorchScript import (digital
// forward equals libtorch's, BatchNorm folded, unsupported layers named), the mapping on an
// ideal tile (analog equals digital up to quantization), one layer on one tile against
// TileModel::forward, chips reproducible whatever the thread count, and bad input.
// The networks come from make_test_networks.py (run by ctest as a fixture) in $XBAR_TEST_NETS.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/dataset.hpp"
#include "xbar/networks/error.hpp"
#include "xbar/networks/inference.hpp"
#include "xbar/networks/network.hpp"

#include "doctest_torch.hpp"  // after the torch headers: doctest's CHECK, not glog's

using namespace xbar;
using namespace xbar::networks;

namespace {

std::string nets(const std::string& name) {
  const char* dir = std::getenv("XBAR_TEST_NETS");
  REQUIRE_MESSAGE(dir != nullptr, "XBAR_TEST_NETS is not set (ctest sets it)");
  return (std::filesystem::path(dir) / name).string();
}

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

// A tile with nothing but quantization: no wires, ideal op-amps, no variation.
behavioral::TileModelFile ideal_tile(int rows, int cols, int dac_bits, int adc_bits) {
  behavioral::TileModelFile t;
  auto& n = t.nominal;
  n.crossbar.rows = rows;
  n.crossbar.cols = cols;
  n.dac.bits = dac_bits;
  n.dac.v_min_v = 0.0;
  n.dac.v_max_v = 0.2;
  n.tia.assign(1, behavioral::TiaModelParams{});
  n.tia[0].rf_ohm = 10e3;
  n.adc.assign(1, behavioral::AdcModelParams{});
  n.adc[0].bits = adc_bits;
  n.adc[0].v_min_v = -0.5;
  n.adc[0].v_max_v = 0.0;
  t.g_min_s = 1e-6;
  t.g_max_s = 1e-4;
  return t;
}

torch::Tensor test_images(int n) {
  static const Dataset test = load_fashion_mnist(Split::test);
  return Preprocess{}.apply(test.images.slice(0, 0, n));
}

}  // namespace

TEST_CASE("Fashion-MNIST from Debian's package: sizes, labels, and clear errors for bad files") {
  const Dataset test = load_fashion_mnist(Split::test);
  CHECK(test.size() == 10000);
  CHECK(test.images.sizes() == torch::IntArrayRef({10000, 1, 28, 28}));
  CHECK(test.labels.min().item<int>() == 0);
  CHECK(test.labels.max().item<int>() == 9);
  CHECK(torch::bincount(test.labels).eq(1000).all().item<bool>());  // 1,000 per class
  const Dataset train = load_fashion_mnist(Split::train);
  CHECK(train.size() == 60000);

  test::TempDir dir;
  CHECK(message_of([&] { load_fashion_mnist(Split::test, dir.path.string()); }).find("dataset-fashion-mnist") !=
        std::string::npos);
  // A truncated copy: the header promises more bytes than the file has.
  const std::string src = fashion_mnist_dir() + "/t10k-labels-idx1-ubyte.gz";
  std::ifstream in(src, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const std::string cut = (dir.path / "cut.gz").string();
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  std::vector<std::int64_t> dims;
  const std::string m1 = message_of([&] { read_idx_u8(cut, dims); });
  CHECK(m1.find(cut) != std::string::npos);
  CHECK((m1.find("truncated") != std::string::npos || m1.find("corrupt") != std::string::npos));
  const std::string junk = (dir.path / "junk").string();
  std::ofstream(junk) << "this is not an IDX file";
  const std::string m2 = message_of([&] { read_idx_u8(junk, dims); });
  CHECK(m2.find("not an IDX file") != std::string::npos);
  CHECK(m2.find(junk) != std::string::npos);
}

TEST_CASE("xbar's digital forward equals libtorch's on networks saved from Python") {
  const torch::Tensor x = test_images(16);
  for (const char* name : {"cnn.pt", "cnn_traced.pt", "resnet.pt", "attention.pt"}) {
    CAPTURE(name);
    const Network net(nets(name));
    const torch::Tensor ref = net.forward_torch(x);
    const torch::Tensor ours = net.forward(x);
    CHECK((ours - ref).abs().max().item<double>() <= 1e-5 * std::max(1.0, ref.abs().max().item<double>()));
    net.check_io({1, 1, 28, 28}, 10);
  }
  const Network cnn(nets("cnn.pt"));
  REQUIRE(cnn.layers().size() == 4);
  CHECK(cnn.layers()[0].op == "conv2d");
  CHECK(cnn.layers()[0].folded_batchnorm);   // conv1 + bn1, folded by torch.jit.freeze
  CHECK((cnn.layers()[1].stride == std::vector<std::int64_t>{2, 2}));
  CHECK(cnn.layers()[2].op == "linear");
  CHECK(cnn.layers()[2].folded_batchnorm);   // fc1 + bn_fc, folded by xbar
  CHECK(cnn.layers()[2].name == "fc1");
  CHECK(!cnn.layers()[3].folded_batchnorm);
  const Network res(nets("resnet.pt"));
  CHECK(res.layers().size() == 7);  // stem, 2 per block, down, head
  const Network att(nets("attention.pt"));
  CHECK(att.layers().size() == 8);  // embed, q, k, v, o, mlp1, mlp2, head; attention digital
}

TEST_CASE("a small transformer runs with its Linear layers on tiles") {
  const Network net(nets("attention.pt"));
  auto tile = ideal_tile(32, 32, 10, 12);
  const torch::Tensor x = test_images(32);
  const ChipDesign d = calibrate(net, tile, MappingOptions{}, x);
  CHECK(d.layers[1].tiles() == 2);  // q: 32 -> 32 on 32 x 32 tiles of 16 differential outputs
  AnalogChip chip(d, 1, -1);
  const torch::Tensor ref = net.forward(x), y = net.forward(x, &chip);
  CHECK(((y - ref).norm() / ref.norm()).item<double>() < 0.05);
}

TEST_CASE("unsupported layers, NaN weights, wrong input shapes and foreign files are named") {
  const std::string t = message_of([&] { Network n(nets("conv_transpose.pt")); });
  CHECK(t.find("conv_transpose.pt") != std::string::npos);
  CHECK(t.find("transposed") != std::string::npos);
  const std::string g = message_of([&] { Network n(nets("grouped.pt")); });
  CHECK(g.find("groups = 2") != std::string::npos);
  CHECK(g.find("conv2") != std::string::npos);
  const std::string nan = message_of([&] { Network n(nets("nan_weight.pt")); });
  CHECK(nan.find("NaN") != std::string::npos);
  CHECK(nan.find("fc.weight") != std::string::npos);
  const Network rgb(nets("rgb_input.pt"));
  const std::string shape = message_of([&] { rgb.check_io({1, 1, 28, 28}, 10); });
  CHECK(shape.find("rgb_input.pt") != std::string::npos);
  CHECK(shape.find("[1, 1, 28, 28]") != std::string::npos);
  const Network tiny(nets("tiny_linear.pt"));
  CHECK(message_of([&] { tiny.check_io({1, 1, 28, 28}, 10); }).find("does not accept") != std::string::npos);
  CHECK(message_of([&] { Network n(nets("not_torchscript.pt")); }).find("not a TorchScript file") != std::string::npos);
  CHECK(message_of([&] { Network n(nets("missing.pt")); }).find("no such file") != std::string::npos);
}

TEST_CASE("a tile model of the wrong kind and bad mapping options are named") {
  test::TempDir dir;
  InferenceOptions o;
  o.network_path = nets("cnn.pt");
  o.tile_path = nets("cnn.pt");
  CHECK(message_of([&] { run_inference(o); }).find("cnn.pt") != std::string::npos);
  o.mapping.dac_bits = 13;
  CHECK(message_of([&] { run_inference(o); }).find("mapping.dac_bits = 13") != std::string::npos);
  o.mapping.dac_bits = 0;
  o.data_dir = dir.path.string();
  const std::string tile = (dir.path / "tile.h5").string();
  behavioral::write_tile_model_file(tile, ideal_tile(32, 32, 8, 10));
  o.tile_path = tile;
  CHECK(message_of([&] { run_inference(o); }).find("dataset-fashion-mnist") != std::string::npos);
}

TEST_CASE("one layer on one tile gives the codes of TileModel::forward on the mapped conductances") {
  const Network net(nets("tiny_linear.pt"));  // Linear 20 -> 6: one 32 x 32 tile, 12 of its columns
  const auto tile = ideal_tile(32, 32, 6, 8);
  torch::manual_seed(3);
  const torch::Tensor x = torch::rand({40, 20});
  const ChipDesign d = calibrate(net, tile, MappingOptions{}, x);
  const LayerMapping& m = d.layers[0];
  REQUIRE(m.tiles() == 1);
  AnalogChip chip(d, 1, -1);
  const torch::Tensor y = net.forward(x, &chip);
  // The same MVMs by hand: DAC codes, TileModel::forward on the targets, the decode of the header.
  const torch::Tensor codes = dac_codes(x, m.x_max, 6);
  Eigen::MatrixXi c = Eigen::MatrixXi::Zero(32, 40);
  c.topRows(20) = Eigen::Map<const Eigen::MatrixXi>(codes.data_ptr<int>(), 20, 40);
  behavioral::TileModelParams p = tile.nominal;
  p.tia[0].rf_ohm = m.rf_ohm;
  p.tia[0].v_offset_v += m.v_ref_v;  // the layer's TIA reference
  behavioral::TileModel direct(p);
  direct.program(m.g_target_s[0]);
  const Eigen::MatrixXi q = direct.forward(c).codes;
  const Eigen::MatrixXi q0 = direct.forward(Eigen::MatrixXi::Zero(32, 1)).codes;  // the chip's zero-input read
  CHECK(chip.tile(0, 0, 0).forward_codes(c.topRows(20), 12) == q.topRows(12));
  const auto& adc = tile.nominal.adc[0];
  CHECK(m.v_ref_v == 0.0);           // no offset spread in this tile: no reference needed
  CHECK((q0.array() == 255).all());  // every column rests at the top code (0 V)
  const torch::Tensor w = net.layers()[0].weight, b = net.layers()[0].bias;
  for (int s = 0; s < 40; ++s)
    for (int j = 0; j < 6; ++j) {
      const double ip = (q(2 * j, s) - q0(2 * j, 0)) * adc.lsb_v() / m.gain_ohm;
      const double in = (q(2 * j + 1, s) - q0(2 * j + 1, 0)) * adc.lsb_v() / m.gain_ohm;
      const double yj = (ip - in) * m.w_max[j] * m.x_max / ((tile.g_max_s - tile.g_min_s) * 0.2) + b[j].item<double>();
      CHECK(y[s][j].item<double>() == doctest::Approx(yj).epsilon(1e-5));
    }
}

TEST_CASE("on an ideal tile with fine converters the analog network equals the digital one") {
  const Network net(nets("cnn.pt"));
  const torch::Tensor cal = test_images(64);  // calibration on test images is fine for this closed case
  const torch::Tensor x = test_images(200).slice(0, 100, 200);
  const torch::Tensor ref = net.forward(x);
  double err_fine = 0, err_coarse = 0;
  for (int fine = 1; fine >= 0; --fine) {
    const auto tile = fine ? ideal_tile(64, 64, 12, 14) : ideal_tile(64, 64, 4, 5);
    MappingOptions o;
    o.input_quantile = o.output_quantile = 1.0;
    const ChipDesign d = calibrate(net, tile, o, cal);
    AnalogChip chip(d, 1, -1);
    const torch::Tensor y = net.forward(x, &chip);
    const double rel = ((y - ref).norm() / ref.norm()).item<double>();
    (fine ? err_fine : err_coarse) = rel;
    if (fine) CHECK(y.argmax(1).eq(ref.argmax(1)).to(torch::kFloat).mean().item<double>() >= 0.98);
  }
  MESSAGE("relative error of the logits: fine converters ", err_fine, ", 4-bit DAC / 5-bit ADC ", err_coarse);
  CHECK(err_fine < 0.01);        // what 12-bit inputs and 14-bit outputs leave
  CHECK(err_coarse > 3 * err_fine);  // and coarse converters explain the difference
}

TEST_CASE("chips: same seed, same outputs, whatever the thread count; different chips differ") {
  const Network net(nets("resnet.pt"));
  auto tile = ideal_tile(32, 32, 6, 8);
  tile.nominal.crossbar.r_row_wire_ohm = tile.nominal.crossbar.r_col_wire_ohm = 1.0;
  tile.variation.programming_error.sigma_rel_d2d = 0.05;
  tile.variation.tia_opamp_v_offset.sigma_v = 2e-3;
  tile.variation.adc_comparator_offset.sigma_v = 1e-3;
  const torch::Tensor x = test_images(24);
  const ChipDesign d = calibrate(net, tile, MappingOptions{}, x);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  AnalogChip a1(d, 5, 0);
  const torch::Tensor y1 = net.forward(x, &a1);
  at::set_num_threads(std::max(2, threads));
  AnalogChip a2(d, 5, 0);
  const torch::Tensor y2 = net.forward(x, &a2);
  AnalogChip b(d, 5, 1);
  const torch::Tensor y3 = net.forward(x, &b);
  at::set_num_threads(threads);
  CHECK(torch::equal(y1, y2));
  CHECK(!torch::equal(y1, y3));
}

TEST_CASE("mean and Student-t interval of chip accuracies") {
  const MeanCi m = mean_ci95({0.80, 0.82, 0.84});
  CHECK(m.mean == doctest::Approx(0.82));
  CHECK(m.std == doctest::Approx(0.02));
  CHECK(m.high - m.mean == doctest::Approx(4.302652729911275 * 0.02 / std::sqrt(3.0)).epsilon(1e-9));
  CHECK(std::isnan(mean_ci95({0.5}).low));
}
