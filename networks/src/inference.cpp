#include "xbar/networks/inference.hpp"

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <boost/math/distributions/students_t.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "xbar/core/counter_rng.hpp"
#include "xbar/core/provenance.hpp"
#include "xbar/core/sha256.hpp"
#include "xbar/networks/error.hpp"

namespace xbar::networks {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr std::uint64_t kCalibrationPurpose = 0x43414c49;  // "CALI"

}  // namespace

void InferenceOptions::validate() const {
  std::vector<std::string> bad;
  if (chips < 0) bad.push_back(fmt::format("infer.chips = {}: must be >= 0", chips));
  if (images < 0) bad.push_back(fmt::format("infer.images = {}: must be >= 0 (0 = all test images)", images));
  if (batch_size < 1) bad.push_back(fmt::format("infer.batch_size = {}: must be >= 1", batch_size));
  if (threads < 0) bad.push_back(fmt::format("infer.threads = {}: must be >= 0 (0 = libtorch's default)", threads));
  if (!bad.empty()) throw MappingError(xbar::join_lines(bad));
  mapping.validate();
  preprocess.validate();
}

MeanCi mean_ci95(const std::vector<double>& v) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  MeanCi r{nan, nan, nan, nan};
  if (v.empty()) return r;
  r.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() < 2) return r;
  double ss = 0;
  for (double x : v) ss += (x - r.mean) * (x - r.mean);
  r.std = std::sqrt(ss / static_cast<double>(v.size() - 1));
  const boost::math::students_t t(static_cast<double>(v.size() - 1));
  const double half = boost::math::quantile(boost::math::complement(t, 0.025)) * r.std / std::sqrt(static_cast<double>(v.size()));
  r.low = r.mean - half;
  r.high = r.mean + half;
  return r;
}

torch::Tensor calibration_images(const Dataset& train, int n, std::uint64_t seed, const Preprocess& pre) {
  const std::int64_t total = train.size();
  const std::int64_t k = std::min<std::int64_t>(n, total);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(total));
  std::iota(idx.begin(), idx.end(), 0);
  const core::CounterRng rng(seed, kCalibrationPurpose);
  for (std::int64_t i = 0; i < k; ++i) {  // partial Fisher-Yates
    const auto j = i + static_cast<std::int64_t>(rng.bits(static_cast<std::uint64_t>(i)) % static_cast<std::uint64_t>(total - i));
    std::swap(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
  }
  const torch::Tensor pick = torch::tensor(std::vector<std::int64_t>(idx.begin(), idx.begin() + k), torch::kInt64);
  return pre.apply(train.images.index_select(0, pick));
}

ChipResult classify(const Network& net, LayerExecutor* exec, bool torch_reference, const Dataset& data,
                    std::int64_t n_images, const Preprocess& pre, int batch_size, const ProgressFn& progress,
                    Progress stage) {
  const auto t0 = Clock::now();
  ChipResult r;
  r.confusion = Eigen::MatrixXi::Zero(Dataset::kClasses, Dataset::kClasses);
  std::int64_t correct = 0;
  stage.total = n_images;
  for (std::int64_t b0 = 0; b0 < n_images; b0 += batch_size) {
    const std::int64_t b1 = std::min<std::int64_t>(n_images, b0 + batch_size);
    const torch::Tensor x = pre.apply(data.images.slice(0, b0, b1));
    const torch::Tensor logits = torch_reference ? net.forward_torch(x) : net.forward(x, exec);
    const torch::Tensor pred = logits.argmax(1).to(torch::kInt64).contiguous();
    const torch::Tensor truth = data.labels.slice(0, b0, b1).contiguous();
    const auto* p = pred.data_ptr<std::int64_t>();
    const auto* t = truth.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < b1 - b0; ++i) {
      r.confusion(t[i], p[i]) += 1;
      correct += p[i] == t[i];
    }
    stage.done = b1;
    if (progress) progress(stage);
  }
  r.accuracy = n_images > 0 ? static_cast<double>(correct) / static_cast<double>(n_images) : 0.0;
  r.run_s = seconds_since(t0);
  return r;
}

InferenceResult run_inference(const InferenceOptions& options, const ProgressFn& progress) {
  options.validate();
  if (options.threads > 0) at::set_num_threads(options.threads);
  InferenceResult res;
  res.options = options;
  res.time = core::utc_now();
  const Network net(options.network_path);
  const behavioral::TileModelFile tile = behavioral::read_tile_model_file(options.tile_path);
  res.network_sha256 = core::sha256_file_hex(options.network_path);
  res.tile_sha256 = core::sha256_file_hex(options.tile_path);
  const Dataset test = load_fashion_mnist(Split::test, options.data_dir);
  const Dataset train = load_fashion_mnist(Split::train, options.data_dir);
  net.check_io({1, 1, 28, 28}, Dataset::kClasses);
  res.layers = net.layers();
  res.images = options.images > 0 ? std::min<std::int64_t>(options.images, test.size()) : test.size();

  const auto t0 = Clock::now();
  if (progress) progress({"calibrate", -1, options.chips, 0, 1});
  res.design = calibrate(net, tile, options.mapping,
                         calibration_images(train, options.mapping.calibration_images,
                                            options.mapping.calibration_seed, options.preprocess));
  res.calibration_s = seconds_since(t0);
  if (progress) progress({"calibrate", -1, options.chips, 1, 1});

  res.digital = classify(net, nullptr, true, test, res.images, options.preprocess, options.batch_size, progress,
                         {"digital", -2, options.chips, 0, 0});
  res.digital.chip = -2;
  auto run_chip = [&](int chip) {
    AnalogChip c(res.design, options.seed, chip);
    ChipResult r = classify(net, &c, false, test, res.images, options.preprocess, options.batch_size, progress,
                            {chip < 0 ? "nominal" : "chip", chip, options.chips, 0, 0});
    r.chip = chip;
    r.program_s = c.program_seconds();
    r.tile_mvms = c.tile_mvms();
    return r;
  };
  if (options.nominal) {
    res.nominal = run_chip(-1);
    res.tile_mvms_per_image = res.images > 0 ? res.nominal.tile_mvms / res.images : 0;
  }
  std::vector<double> acc;
  for (int k = 0; k < options.chips; ++k) {
    res.chips.push_back(run_chip(k));
    acc.push_back(res.chips.back().accuracy);
    if (res.tile_mvms_per_image == 0 && res.images > 0) res.tile_mvms_per_image = res.chips.back().tile_mvms / res.images;
  }
  const MeanCi m = mean_ci95(acc);
  res.mean_accuracy = m.mean;
  res.std_accuracy = m.std;
  res.ci95_low = m.low;
  res.ci95_high = m.high;
  return res;
}

}  // namespace xbar::networks
