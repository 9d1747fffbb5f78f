#include "xbar/networks/hwa.hpp"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "chip_internal.hpp"
#include "epoch_order.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/networks/error.hpp"

namespace xbar::networks {

using behavioral::TileModel;
using behavioral::TileModelFile;

namespace {

constexpr std::uint64_t kHwaShufflePurpose = 0x48534846;  // "HSHF"

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Training needs dL/dv and dL/dG only (the crossbar picks the cheapest exact method).
const behavioral::BackwardOptions kTrainingBackward{/*outputs=*/false, /*wire_gradients=*/false,
                                                    behavioral::BackwardMethod::automatic};

}  // namespace

GradientMode parse_gradient_mode(const std::string& s) {
  if (s == "exact") return GradientMode::exact;
  if (s == "ste" || s == "straight_through" || s == "straight-through") return GradientMode::straight_through;
  throw MappingError(fmt::format("hwa.gradient = '{}': must be 'exact' (the circuit's adjoint) or 'ste' "
                                 "(straight through, as if the layer were ideal)",
                                 s));
}

const char* to_string(GradientMode m) { return m == GradientMode::exact ? "exact" : "ste"; }

void HwaOptions::validate() const {
  std::vector<std::string> bad;
  if (network_path.empty()) bad.push_back("hwa.network: a TorchScript file is needed");
  if (tile_path.empty()) bad.push_back("hwa.tile: a tile model file is needed");
  if (epochs < 0) bad.push_back(fmt::format("hwa.epochs = {}: must be >= 0", epochs));
  if (batch_size < 1) bad.push_back(fmt::format("hwa.batch_size = {}: must be >= 1", batch_size));
  if (!(learning_rate > 0 && std::isfinite(learning_rate)))
    bad.push_back(fmt::format("hwa.learning_rate = {}: must be > 0", learning_rate));
  if (train_images < 0) bad.push_back(fmt::format("hwa.train_images = {}: must be >= 0 (0 = all)", train_images));
  if (!std::isfinite(r_wire_ohm) || r_wire_ohm > 1e6)
    bad.push_back(fmt::format("hwa.r_wire_ohm = {}: must be < 0 (the tile model's) or 0..1e6 ohm", r_wire_ohm));
  if (threads < 0) bad.push_back(fmt::format("hwa.threads = {}: must be >= 0", threads));
  if (eval_chips < 0) bad.push_back(fmt::format("hwa.eval_chips = {}: must be >= 0", eval_chips));
  if (eval_images < 0) bad.push_back(fmt::format("hwa.eval_images = {}: must be >= 0 (0 = all)", eval_images));
  if (!bad.empty()) throw MappingError(xbar::join_lines(bad));
  mapping.validate();
  preprocess.validate();
}

TileModelFile hwa_tile(const HwaOptions& o) {
  TileModelFile t = behavioral::read_tile_model_file(o.tile_path);
  if (o.r_wire_ohm >= 0) t.nominal.crossbar.r_row_wire_ohm = t.nominal.crossbar.r_col_wire_ohm = o.r_wire_ohm;
  return t;
}

// ---------------------------------------------------------------------------------------------
// HwaExecutor

struct HwaExecutor::LayerState {
  LayerMapping m;                                  // the design's, with the current w_max and targets
  std::vector<std::unique_ptr<TileModel>> tiles;   // the step's chip
  std::vector<Eigen::VectorXd> rest_v;             // what the decode subtracts
  std::vector<Eigen::MatrixXd> dg_dtarget;         // per tile: G_programmed / G_target (0 stuck)
};

HwaExecutor::HwaExecutor(const ChipDesign& design, GradientMode mode, std::uint64_t seed)
    : design_(design), mode_(mode), seed_(seed) {
  for (const LayerMapping& m : design.layers) {
    layers_.push_back(std::make_unique<LayerState>());
    layers_.back()->m = m;
  }
}

HwaExecutor::~HwaExecutor() = default;

void HwaExecutor::draw(const Network& net, std::uint64_t chip, bool with_variation) {
  const auto t0 = Clock::now();
  const auto& variation = design_.tile.variation;
  std::vector<std::pair<std::size_t, int>> jobs;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    LayerState& s = *layers_[l];
    const AnalogLayer& layer = net.layers().at(l);
    s.m.w_max = detail::weight_scale(layer.weight, design_.options.per_column_scaling);
    {
      torch::NoGradGuard no_grad;
      AnalogLayer detached = layer;
      detached.weight = layer.weight.detach();
      s.m.g_target_s = detail::layer_targets(detached, s.m, design_.tile);
    }
    s.tiles.resize(static_cast<std::size_t>(s.m.tiles()));
    s.rest_v.resize(s.tiles.size());
    s.dg_dtarget.resize(s.tiles.size());
    for (int t = 0; t < s.m.tiles(); ++t) jobs.emplace_back(l, t);
  }
  at::parallel_for(0, static_cast<std::int64_t>(jobs.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t j = begin; j < end; ++j) {
      const auto [l, t] = jobs[static_cast<std::size_t>(j)];
      LayerState& s = *layers_[l];
      const auto ts = static_cast<std::size_t>(t);
      const std::uint64_t stream = core::stream_key({kTrainChipPurpose, chip, l, static_cast<std::uint64_t>(t)});
      Eigen::MatrixXd g;
      s.tiles[ts] = detail::make_tile(design_.tile, s.m.g_target_s[ts], s.m, seed_, stream, with_variation, &g);
      const Eigen::MatrixXd& target = s.m.g_target_s[ts];
      Eigen::MatrixXd& ratio = s.dg_dtarget[ts];
      ratio.resize(g.rows(), g.cols());
      for (Eigen::Index c = 0; c < g.cols(); ++c)
        for (Eigen::Index r = 0; r < g.rows(); ++r) {
          const bool stuck = with_variation && (g(r, c) == variation.g_stuck_on_s || g(r, c) == variation.g_stuck_off_s) &&
                             g(r, c) != target(r, c);
          ratio(r, c) = stuck ? 0.0 : target(r, c) > 0 ? g(r, c) / target(r, c) : 1.0;
        }
      s.rest_v[ts] = design_.options.offset_calibration
                         ? detail::measured_rest_v(*s.tiles[ts], design_.tile.nominal.adc.front())
                         : s.m.v_rest_v[ts];
    }
  });
  program_s_ += seconds_since(t0);
}

torch::Tensor HwaExecutor::matmul(const AnalogLayer& layer, const torch::Tensor& x_in) {
  const LayerState& s = *layers_.at(static_cast<std::size_t>(layer.index));
  if (s.tiles.empty()) throw MappingError("HwaExecutor: draw() a chip before running the network");
  if (!surrogate_) return detail::run_layer(design_, layer, s.m, s.tiles, s.rest_v, x_in, nullptr);
  // The surrogate forward: continuous DAC levels, the ADC's surrogate codes, the same decode.
  const LayerMapping& m = s.m;
  const torch::Tensor x = x_in.to(torch::kFloat32).contiguous();
  const std::int64_t in = layer.in_features, out = layer.out_features, B = x.size(0);
  const auto& adc = design_.tile.nominal.adc.front();
  const double v_read = detail::dac_top_level_v(design_.tile.nominal.dac);
  const double scale_common = m.x_max / ((design_.tile.g_max_s - design_.tile.g_min_s) * v_read);
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(out, B);
  const float* xp = x.data_ptr<float>();
  for (int read = 0; read < (m.signed_inputs ? 2 : 1); ++read) {
    const double sign = read == 0 ? 1.0 : -1.0;
    for (int t = 0; t < m.tiles(); ++t) {
      const int tr = t / m.tiles_c, tc = t % m.tiles_c;
      const std::int64_t r0 = std::int64_t{tr} * m.tile_rows, nr = std::min<std::int64_t>(m.tile_rows, in - r0);
      const std::int64_t o0 = std::int64_t{tc} * m.outputs_per_tile, no = std::min<std::int64_t>(m.outputs_per_tile, out - o0);
      Eigen::MatrixXd v = Eigen::MatrixXd::Zero(m.tile_rows, B);
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t i = 0; i < nr; ++i)
          v(i, b) = std::clamp(sign * xp[b * in + r0 + i] / m.x_max, 0.0, 1.0) * v_read;
      const Eigen::MatrixXd q = s.tiles[static_cast<std::size_t>(t)]->surrogate_forward(v);
      const Eigen::VectorXd& rest = s.rest_v[static_cast<std::size_t>(t)];
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t j = 0; j < no; ++j) {
          const double ip = (adc.v_min_v + q(2 * j, b) * adc.lsb_v() - rest[2 * j]) / m.gain_ohm;
          const double ineg = (adc.v_min_v + q(2 * j + 1, b) * adc.lsb_v() - rest[2 * j + 1]) / m.gain_ohm;
          y(o0 + j, b) += sign * (ip - ineg) * m.w_max[o0 + j] * scale_common;
        }
    }
  }
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic> yf = y.cast<float>();  // out x B = [B, out] row-major
  return torch::from_blob(const_cast<float*>(yf.data()), {B, out}, torch::kFloat32).clone();
}

std::pair<torch::Tensor, torch::Tensor> HwaExecutor::backward(const AnalogLayer& layer, const torch::Tensor& x_in,
                                                              const torch::Tensor& grad_y, bool need_x_grad) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = x_in.detach().to(torch::kFloat32).contiguous();
  const torch::Tensor gy = grad_y.detach().to(torch::kFloat32).contiguous();
  const torch::Tensor w = layer.weight.detach().to(torch::kFloat32);
  if (mode_ == GradientMode::straight_through)
    return {need_x_grad ? gy.mm(w) : torch::Tensor(), gy.t().mm(x)};

  const LayerState& s = *layers_.at(static_cast<std::size_t>(layer.index));
  const LayerMapping& m = s.m;
  const std::int64_t in = layer.in_features, out = layer.out_features, B = x.size(0);
  const int reads = m.signed_inputs ? 2 : 1;
  const auto& adc = design_.tile.nominal.adc.front();
  const double v_read = detail::dac_top_level_v(design_.tile.nominal.dac);
  const double scale_common = m.x_max / ((design_.tile.g_max_s - design_.tile.g_min_s) * v_read);
  const double span = design_.tile.g_max_s - design_.tile.g_min_s;
  const int top = design_.tile.nominal.dac.codes() - 1;
  const double code_scale = top / m.x_max, dv_dx = v_read / m.x_max;
  const std::int64_t chunk = design_.options.chunk_columns;
  const float* xp = x.data_ptr<float>();
  const float* gp = gy.data_ptr<float>();
  const torch::Tensor w64 = w.to(torch::kFloat64).contiguous();
  const Eigen::Map<const RowMajor> W(w64.data_ptr<double>(), out, in);
  RowMajor gw = RowMajor::Zero(out, in);
  std::vector<Eigen::MatrixXd> gx_tile(static_cast<std::size_t>(need_x_grad ? m.tiles() : 0));  // nr x B per tile

  at::parallel_for(0, m.tiles(), 1, [&](std::int64_t begin, std::int64_t end) {
    Eigen::MatrixXi codes;
    Eigen::MatrixXd dl_dcode;
    for (std::int64_t t = begin; t < end; ++t) {
      const int tr = static_cast<int>(t) / m.tiles_c, tc = static_cast<int>(t) % m.tiles_c;
      const std::int64_t r0 = std::int64_t{tr} * m.tile_rows, nr = std::min<std::int64_t>(m.tile_rows, in - r0);
      const std::int64_t o0 = std::int64_t{tc} * m.outputs_per_tile, no = std::min<std::int64_t>(m.outputs_per_tile, out - o0);
      const TileModel& tile = *s.tiles[static_cast<std::size_t>(t)];
      const int rows = tile.params().crossbar.rows, cols = tile.params().crossbar.cols;
      Eigen::MatrixXd dg = Eigen::MatrixXd::Zero(rows, cols);
      Eigen::MatrixXd* gx = need_x_grad ? &gx_tile[static_cast<std::size_t>(t)] : nullptr;
      if (gx) gx->setZero(nr, B);
      for (std::int64_t c0 = 0; c0 < B; c0 += chunk) {
        const std::int64_t bc = std::min(chunk, B - c0);
        for (int read = 0; read < reads; ++read) {
          const double sign = read == 0 ? 1.0 : -1.0;
          codes.setZero(rows, bc);
          for (std::int64_t b = 0; b < bc; ++b)
            for (std::int64_t i = 0; i < nr; ++i) {
              codes(i, b) = detail::dac_code(static_cast<float>(sign) * xp[(c0 + b) * in + r0 + i], code_scale, top);
            }
          // y(o) = sum_read sign (q(2j) - q(2j+1)) lsb / G_T w_max(o) scale_common: dL/dq.
          dl_dcode.setZero(cols, bc);
          for (std::int64_t b = 0; b < bc; ++b)
            for (std::int64_t j = 0; j < no; ++j) {
              const double g = gp[(c0 + b) * out + o0 + j] * sign * adc.lsb_v() / m.gain_ohm * m.w_max[o0 + j] * scale_common;
              dl_dcode(2 * j, b) = g;
              dl_dcode(2 * j + 1, b) = -g;
            }
          const behavioral::TileGradients g = tile.backward(codes, dl_dcode, kTrainingBackward);
          dg += g.crossbar.dl_dg_s;
          if (gx)
            for (std::int64_t b = 0; b < bc; ++b)
              for (std::int64_t i = 0; i < nr; ++i) {
                const double xv = sign * xp[(c0 + b) * in + r0 + i];
                if (xv >= 0.0 && xv <= m.x_max) (*gx)(i, c0 + b) += sign * g.dl_dv_in(i, b) * dv_dx;
              }
        }
      }
      // dL/dG_target, then dL/dW of this tile's block of the weight (tiles own disjoint blocks).
      dg.array() *= s.dg_dtarget[static_cast<std::size_t>(t)].array();
      for (std::int64_t j = 0; j < no; ++j) {
        const std::int64_t o = o0 + j;
        if (!(m.w_max[o] > 0)) continue;
        const double k = span / m.w_max[o];
        for (std::int64_t i = 0; i < nr; ++i)
          gw(o, r0 + i) = k * (W(o, r0 + i) >= 0.0 ? dg(i, 2 * j) : -dg(i, 2 * j + 1));
      }
    }
  });
  torch::Tensor gx_out;
  if (need_x_grad) {  // sum the tile columns of each tile row in a fixed order
    RowMajor gx = RowMajor::Zero(B, in);
    for (int t = 0; t < m.tiles(); ++t) {
      const std::int64_t r0 = std::int64_t{t / m.tiles_c} * m.tile_rows;
      const Eigen::MatrixXd& g = gx_tile[static_cast<std::size_t>(t)];
      gx.middleCols(r0, g.rows()) += g.transpose();
    }
    gx_out = torch::from_blob(gx.data(), {B, in}, torch::kFloat64).to(torch::kFloat32);
  }
  return {gx_out, torch::from_blob(gw.data(), {out, in}, torch::kFloat64).to(torch::kFloat32)};
}

// ---------------------------------------------------------------------------------------------
// Training and evaluation

HwaResult train_hwa(const HwaOptions& o, const std::function<void(const HwaProgress&)>& progress) {
  o.validate();
  if (o.threads > 0) at::set_num_threads(o.threads);
  Network net(o.network_path);
  if (!o.output_path.empty()) net.check_saveable();  // before hours of training, not after
  TileModelFile tile;
  try {
    tile = hwa_tile(o);
  } catch (const behavioral::ValidationError& e) {
    throw MappingError(fmt::format("{}: {}", o.tile_path, e.what()));
  }
  const Dataset train = load_fashion_mnist(Split::train, o.data_dir);
  const Dataset test = load_fashion_mnist(Split::test, o.data_dir);
  net.check_io({1, 1, 28, 28}, Dataset::kClasses);
  const torch::Tensor cal = calibration_images(train, o.mapping.calibration_images, o.mapping.calibration_seed, o.preprocess);

  // The analog layers' weights and biases become the trained leaves.
  std::vector<torch::Tensor> params;
  for (const AnalogLayer& l : net.layers()) {
    torch::Tensor w = l.weight.detach().clone().set_requires_grad(true);
    torch::Tensor b = l.bias.defined() ? l.bias.detach().clone().set_requires_grad(true) : torch::Tensor();
    net.set_layer_parameters(l.index, w, b);
    params.push_back(w);
    if (b.defined()) params.push_back(b);
  }
  HwaResult r;
  const auto t_train = Clock::now();
  if (o.epochs > 0) {
    torch::optim::Adam opt(params, torch::optim::AdamOptions(o.learning_rate));
    const std::int64_t n = o.train_images > 0 ? std::min<std::int64_t>(o.train_images, train.size()) : train.size();
    for (int epoch = 0; epoch < o.epochs; ++epoch) {
      static_cast<torch::optim::AdamOptions&>(opt.param_groups()[0].options())
          .lr(detail::cosine_lr(o.learning_rate, epoch, o.epochs));
      const ChipDesign design = calibrate(net, tile, o.mapping, cal);
      HwaExecutor exec(design, o.gradient, o.seed);
      const torch::Tensor perm = detail::epoch_order(n, o.seed, kHwaShufflePurpose, epoch);
      double loss_sum = 0;
      std::int64_t steps = 0;
      for (std::int64_t b0 = 0; b0 < n; b0 += o.batch_size) {
        const torch::Tensor idx = perm.slice(0, b0, std::min(n, b0 + o.batch_size));
        const torch::Tensor x = o.preprocess.apply(train.images.index_select(0, idx));
        const torch::Tensor y = train.labels.index_select(0, idx);
        exec.draw(net, static_cast<std::uint64_t>(r.steps));
        opt.zero_grad();
        const auto tf = Clock::now();
        const torch::Tensor loss = torch::nn::functional::cross_entropy(net.forward_train(x, exec), y);
        r.forward_s += seconds_since(tf);
        const auto tb = Clock::now();
        loss.backward();
        r.backward_s += seconds_since(tb);
        opt.step();
        loss_sum += loss.item<double>();
        ++steps;
        ++r.steps;
        if (progress && (steps % 5 == 0 || b0 + o.batch_size >= n))
          progress({"train", epoch + 1, o.epochs, std::min(n, b0 + o.batch_size), n, loss_sum / static_cast<double>(steps)});
      }
      r.program_s += exec.program_seconds();
      r.epoch_loss.push_back(loss_sum / static_cast<double>(steps));
    }
    r.train_s = seconds_since(t_train);
  }
  for (torch::Tensor& p : params) p.set_requires_grad(false);
  if (!o.output_path.empty()) net.save(o.output_path);

  // Evaluation: the trained weights digitally, on the nominal chip and on the evaluation chips.
  const std::int64_t n_eval = o.eval_images > 0 ? std::min<std::int64_t>(o.eval_images, test.size()) : test.size();
  const ChipDesign design = calibrate(net, tile, o.mapping, cal);
  const int batch = 500;
  auto stage = [&](int k) {
    if (progress) progress({"eval", 0, 0, k, o.eval_chips + 2, 0.0});
  };
  stage(0);
  r.digital_accuracy = classify(net, nullptr, false, test, n_eval, o.preprocess, batch, {}, {}).accuracy;
  stage(1);
  {
    AnalogChip nominal(design, o.eval_seed, -1);
    r.nominal_accuracy = classify(net, &nominal, false, test, n_eval, o.preprocess, batch, {}, {}).accuracy;
  }
  for (int k = 0; k < o.eval_chips; ++k) {
    stage(2 + k);
    AnalogChip chip(design, o.eval_seed, k);
    r.chip_accuracy.push_back(classify(net, &chip, false, test, n_eval, o.preprocess, batch, {}, {}).accuracy);
  }
  if (!r.chip_accuracy.empty()) r.chips = mean_ci95(r.chip_accuracy);
  return r;
}

}  // namespace xbar::networks
