#include "xbar/networks/analog_chip.hpp"

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "xbar/core/counter_rng.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/networks/error.hpp"
#include "chip_internal.hpp"

namespace xbar::networks {

using behavioral::TileModel;
using behavioral::TileModelFile;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The q-quantile of the values of `t` (a deterministic subsample of at most 2^22 of them).
double quantile_of(const torch::Tensor& t, double q) {
  torch::Tensor v = t.reshape({-1}).to(torch::kFloat64);
  constexpr std::int64_t kMax = std::int64_t{1} << 22;
  if (v.numel() > kMax) v = v.slice(0, 0, v.numel(), (v.numel() + kMax - 1) / kMax);
  if (v.numel() == 0) return 0.0;
  return torch::quantile(v, q).item<double>();
}

// The tile model as the design uses it: the options' DAC and ADC resolutions, checked for the
// mapping's assumptions.
TileModelFile design_tile(const TileModelFile& tile, const MappingOptions& o) {
  TileModelFile t = tile;
  auto& n = t.nominal;
  if (o.dac_bits > 0 && o.dac_bits != n.dac.bits) {
    n.dac.bits = o.dac_bits;
    n.dac.level_table_v.resize(0, 0);
  }
  if (o.adc_bits > 0) {
    for (auto& a : n.adc)
      if (o.adc_bits != a.bits) {
        a.bits = o.adc_bits;
        a.transition_v.resize(0);
      }
  }
  t.validate();
  if (n.dac.v_min_v != 0.0 || (n.dac.level_table_v.size() != 0 && n.dac.level_table_v.col(0).cwiseAbs().maxCoeff() != 0.0))
    throw MappingError(fmt::format("tile model: dac.v_min_v = {} V: the mapping needs code 0 at 0 V (inputs are "
                                   "non-negative reads)",
                                   n.dac.v_min_v));
  if (n.crossbar.differential)
    throw MappingError("tile model: crossbar.differential = true: tiles are single-ended; the mapping pairs columns");
  if (n.crossbar.cols < 2) throw MappingError("tile model: crossbar.cols = 1: a differential pair needs 2 columns");
  return t;
}

}  // namespace

namespace detail {

double dac_top_level_v(const behavioral::DacModelParams& dac) { return dac.ideal_level_v(dac.codes() - 1); }

Eigen::VectorXd weight_scale(const torch::Tensor& weight, bool per_column) {
  torch::NoGradGuard no_grad;
  const torch::Tensor a = weight.detach().abs().to(torch::kFloat64);
  const torch::Tensor w = per_column ? std::get<0>(a.max(1)) : a.max().expand({weight.size(0)});
  return Eigen::Map<const Eigen::VectorXd>(w.contiguous().data_ptr<double>(), weight.size(0));
}

// Runs one layer on its programmed tiles: x (float32 [B, in]) -> y = W x (float32 [B, out]).
// Work is split into tasks of (tile column tc, chunk of input vectors); each task owns its block
// of the output and adds the tile rows tr (and the negative read of signed inputs) in a fixed
// order, so the result does not depend on the thread count.
torch::Tensor run_layer(const ChipDesign& d, const AnalogLayer& layer, const LayerMapping& m,
                        const std::vector<std::unique_ptr<TileModel>>& tiles, const std::vector<Eigen::VectorXd>& rest_v,
                        const torch::Tensor& x_in, std::int64_t* tile_mvms, TileObserver* observer,
                        TileCodeSubstitute* substitute) {
  const torch::Tensor x = x_in.to(torch::kFloat32).contiguous();
  const std::int64_t in = layer.in_features, out = layer.out_features, B = x.size(0);
  const int reads = m.signed_inputs ? 2 : 1;
  const std::int64_t chunk = d.options.chunk_columns;
  const std::int64_t n_chunks = (B + chunk - 1) / chunk;
  const auto& adc = d.tile.nominal.adc.front();
  const double lsb = adc.lsb_v();
  const int top = d.tile.nominal.dac.codes() - 1;
  const double code_scale = top / m.x_max;
  const double scale_common = m.x_max / ((d.tile.g_max_s - d.tile.g_min_s) * dac_top_level_v(d.tile.nominal.dac));
  torch::Tensor result = torch::empty({B, out}, torch::kFloat32);
  const float* xp = x.data_ptr<float>();
  float* yp = result.data_ptr<float>();
  at::parallel_for(0, std::int64_t{m.tiles_c} * n_chunks, 1, [&](std::int64_t begin, std::int64_t end) {
    Eigen::MatrixXi block;
    Eigen::MatrixXd acc;
    for (std::int64_t task = begin; task < end; ++task) {
      const int tc = static_cast<int>(task / n_chunks);
      const std::int64_t c0 = (task % n_chunks) * chunk, bc = std::min(chunk, B - c0);
      const std::int64_t o0 = std::int64_t{tc} * m.outputs_per_tile,
                         no = std::min<std::int64_t>(m.outputs_per_tile, out - o0);
      acc.setZero(no, bc);
      for (int read = 0; read < reads; ++read) {
        const float sign = read == 0 ? 1.0f : -1.0f;
        for (int tr = 0; tr < m.tiles_r; ++tr) {
          const int tile = tr * m.tiles_c + tc;
          const std::int64_t r0 = std::int64_t{tr} * m.tile_rows, nr = std::min<std::int64_t>(m.tile_rows, in - r0);
          block.resize(nr, bc);
          for (std::int64_t b = 0; b < bc; ++b) {
            const float* xb = xp + (c0 + b) * in + r0;
            for (std::int64_t i = 0; i < nr; ++i) block(i, b) = dac_code(sign * xb[i], code_scale, top);
          }
          Eigen::MatrixXi q = tiles[static_cast<std::size_t>(tile)]->forward_codes(block, static_cast<int>(2 * no));
          if (observer) observer->on_tile_mvm(TileMvm{layer.index, tr, tc, read, c0, block, q});
          if (substitute) {
            const Eigen::MatrixXi model_q = q;
            substitute->substitute(TileMvm{layer.index, tr, tc, read, c0, block, model_q}, q);
          }
          const Eigen::VectorXd& v_rest = rest_v[static_cast<std::size_t>(tile)];
          const double w = read == 0 ? 1.0 : -1.0;
          for (std::int64_t b = 0; b < bc; ++b)
            for (std::int64_t j = 0; j < no; ++j) {
              const double i_pos = (adc.v_min_v + q(2 * j, b) * lsb - v_rest[2 * j]) / m.gain_ohm;
              const double i_neg = (adc.v_min_v + q(2 * j + 1, b) * lsb - v_rest[2 * j + 1]) / m.gain_ohm;
              acc(j, b) += w * (i_pos - i_neg) * m.w_max[o0 + j] * scale_common;
            }
        }
      }
      for (std::int64_t b = 0; b < bc; ++b)
        for (std::int64_t j = 0; j < no; ++j) yp[(c0 + b) * out + o0 + j] = static_cast<float>(acc(j, b));
    }
  });
  if (tile_mvms) *tile_mvms += std::int64_t{reads} * m.tiles() * B;
  return result;
}

// Target conductances of every tile of a layer (rows x cols each; unused cells at g_min).
std::vector<Eigen::MatrixXd> layer_targets(const AnalogLayer& layer, const LayerMapping& m, const TileModelFile& tile) {
  const int rows = tile.nominal.crossbar.rows, cols = tile.nominal.crossbar.cols;
  const double g_min = tile.g_min_s, span = tile.g_max_s - tile.g_min_s;
  const torch::Tensor w64 = layer.weight.to(torch::kFloat64).contiguous();
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> W(
      w64.data_ptr<double>(), layer.out_features, layer.in_features);
  std::vector<Eigen::MatrixXd> g(static_cast<std::size_t>(m.tiles()), Eigen::MatrixXd::Constant(rows, cols, g_min));
  for (int tr = 0; tr < m.tiles_r; ++tr)
    for (int tc = 0; tc < m.tiles_c; ++tc) {
      Eigen::MatrixXd& gt = g[static_cast<std::size_t>(tr * m.tiles_c + tc)];
      for (int j = 0; j < m.outputs_per_tile; ++j) {
        const std::int64_t o = std::int64_t{tc} * m.outputs_per_tile + j;
        if (o >= layer.out_features) break;
        for (int i = 0; i < rows; ++i) {
          const std::int64_t r = std::int64_t{tr} * rows + i;
          if (r >= layer.in_features) break;
          const double w = m.w_max[o] > 0 ? W(o, r) / m.w_max[o] : 0.0;
          gt(i, 2 * j) = g_min + span * std::max(w, 0.0);
          gt(i, 2 * j + 1) = g_min + span * std::max(-w, 0.0);
        }
      }
    }
  return g;
}

behavioral::TileInstance layer_tile_instance(const TileModelFile& tile, const Eigen::MatrixXd& g_target,
                                             const LayerMapping& m, std::uint64_t seed, std::uint64_t stream,
                                             bool with_variation) {
  behavioral::TileInstance inst = behavioral::draw_tile_instance(tile, g_target, seed, stream, with_variation);
  for (auto& t : inst.params.tia) {
    t.rf_ohm = m.rf_ohm;
    t.v_offset_v += m.v_ref_v;  // the layer's reference voltage adds to each op-amp's own offset
  }
  return inst;
}

std::unique_ptr<TileModel> make_tile(const TileModelFile& tile, const Eigen::MatrixXd& g_target, const LayerMapping& m,
                                     std::uint64_t seed, std::uint64_t stream, bool with_variation,
                                     Eigen::MatrixXd* g_programmed) {
  behavioral::TileInstance inst = layer_tile_instance(tile, g_target, m, seed, stream, with_variation);
  auto model = std::make_unique<TileModel>(inst.params);
  model->program(inst.g_s);
  if (g_programmed) *g_programmed = std::move(inst.g_s);
  return model;
}

// Per-chip offset calibration: each column's output at zero input (every DAC at code 0), read
// through its own ADC and taken as the code's nominal voltage. What a chip can measure of its
// own rest, to within half an LSB.
Eigen::VectorXd measured_rest_v(const TileModel& tile, const behavioral::AdcModelParams& adc) {
  const int cols = tile.params().crossbar.cols;
  const Eigen::MatrixXi q = tile.forward_codes(Eigen::MatrixXi::Zero(1, 1), cols);
  return (adc.v_min_v + q.col(0).cast<double>().array() * adc.lsb_v()).matrix();
}

}  // namespace detail

namespace {

using namespace detail;

// Calibrates each layer as the graph reaches it, then runs it on the nominal tiles.
class Calibrator : public LayerExecutor {
 public:
  explicit Calibrator(ChipDesign& d) : d_(d) {}
  torch::Tensor matmul(const AnalogLayer& layer, const torch::Tensor& x) override {
    const TileModelFile& tile = d_.tile;
    const auto& o = d_.options;
    LayerMapping& m = d_.layers[static_cast<std::size_t>(layer.index)];
    m.layer = layer.index;
    m.tile_rows = tile.nominal.crossbar.rows;
    m.outputs_per_tile = tile.nominal.crossbar.cols / 2;
    m.tiles_r = static_cast<int>((layer.in_features + m.tile_rows - 1) / m.tile_rows);
    m.tiles_c = static_cast<int>((layer.out_features + m.outputs_per_tile - 1) / m.outputs_per_tile);
    m.signed_inputs = x.min().item<double>() < 0.0;
    m.x_max = quantile_of(x.abs(), o.input_quantile);
    if (!(m.x_max > 0.0)) m.x_max = std::max(x.abs().max().item<double>(), 1e-30);
    m.w_max = weight_scale(layer.weight, o.per_column_scaling);
    m.g_target_s = layer_targets(layer, m, tile);
    // Column currents of the nominal tiles on (a subsample of) the calibration inputs.
    const int bits = tile.nominal.dac.bits;
    const std::int64_t n_cal = std::min<std::int64_t>(x.size(0), 8192);
    const torch::Tensor xs = x.slice(0, 0, x.size(0), std::max<std::int64_t>(1, x.size(0) / n_cal)).contiguous();
    torch::Tensor codes = dac_codes(xs, m.x_max, bits);
    if (m.signed_inputs) codes = torch::cat({codes, dac_codes(-xs, m.x_max, bits)}, 0);
    std::vector<double> currents;
    for (int t = 0; t < m.tiles(); ++t) {
      const int tr = t / m.tiles_c, tc = t % m.tiles_c;
      const std::int64_t r0 = std::int64_t{tr} * m.tile_rows, nr = std::min<std::int64_t>(m.tile_rows, layer.in_features - r0);
      const std::int64_t nc = 2 * std::min<std::int64_t>(m.outputs_per_tile, layer.out_features - std::int64_t{tc} * m.outputs_per_tile);
      behavioral::TileInstance inst = behavioral::draw_tile_instance(tile, m.g_target_s[static_cast<std::size_t>(t)], 0, 0, false);
      TileModel model(inst.params);
      model.program(inst.g_s);
      const Eigen::Map<const Eigen::MatrixXi> all(codes.data_ptr<int>(), layer.in_features, codes.size(0));
      Eigen::MatrixXi padded = Eigen::MatrixXi::Zero(m.tile_rows, codes.size(0));
      padded.topRows(nr) = all.middleRows(r0, nr);
      const Eigen::MatrixXd i_col = model.forward(padded).i_col_a.topRows(nc);
      currents.insert(currents.end(), i_col.data(), i_col.data() + i_col.size());
    }
    m.i_full_scale_a = quantile_of(torch::from_blob(currents.data(), {static_cast<std::int64_t>(currents.size())},
                                                    torch::kFloat64),
                                   o.output_quantile);
    if (!(m.i_full_scale_a > 0.0))
      throw MappingError(fmt::format("{}: the calibration images give no column current (all inputs zero?)",
                                     layer.describe()));
    // The rest (zero current) of column k is c (1 + rf g_k), c = v_os + v_ref: the op-amp's offset
    // plus the layer's reference on the non-inverting input, both multiplied by the column's noise
    // gain, as are the offsets of a chip. So c = -headroom_sigma sigma_os keeps every column's rest
    // the same number of its own offset spreads inside the window's top (0 V and above is the top
    // code). The feedback resistor then maps the full-scale current of the column with the largest
    // noise gain g onto the bottom: c (1 + rf g) + G_T I_fs = v_min, with G_T = -alpha rf + beta
    // (alpha = a0 / (1 + a0), beta = r_out / (1 + a0)), so rf = (v_min - c - beta I_fs) / (c g - alpha I_fs).
    const auto& tia = tile.nominal.tia.front();
    const auto& adc = tile.nominal.adc.front();
    const double c = std::min(adc.v_max_v, 0.0) - o.offset_headroom_sigma * tile.variation.tia_opamp_v_offset.sigma_v;
    m.v_ref_v = c - tia.v_offset_v;
    double g_max = 0.0;
    for (int t = 0; t < m.tiles(); ++t) {
      const std::int64_t no = std::min<std::int64_t>(m.outputs_per_tile, layer.out_features - std::int64_t{t % m.tiles_c} * m.outputs_per_tile);
      g_max = std::max(g_max, m.g_target_s[static_cast<std::size_t>(t)].leftCols(2 * no).colwise().sum().maxCoeff());
    }
    const double alpha = std::isinf(tia.a0_vv) ? 1.0 : tia.a0_vv / (1.0 + tia.a0_vv);
    const double beta = std::isinf(tia.a0_vv) ? 0.0 : tia.r_out_ohm / (1.0 + tia.a0_vv);
    m.rf_ohm = (adc.v_min_v - c - beta * m.i_full_scale_a) / (c * g_max - alpha * m.i_full_scale_a);
    if (!(m.rf_ohm > 0.0) || !std::isfinite(m.rf_ohm))
      throw MappingError(fmt::format("{}: mapping.offset_headroom_sigma = {} puts the rest ({:.3g} V) below the ADC "
                                     "window [{}, {}] V; lower it",
                                     layer.describe(), o.offset_headroom_sigma, c, adc.v_min_v, adc.v_max_v));
    behavioral::TiaModelParams t = tia;
    t.rf_ohm = m.rf_ohm;
    m.gain_ohm = t.gain_ohm() * t.settled_fraction();
    m.v_rest_v.clear();
    for (const Eigen::MatrixXd& g : m.g_target_s)
      m.v_rest_v.push_back(((tia.v_offset_v + m.v_ref_v) * (1.0 + m.rf_ohm * g.colwise().sum().transpose().array())).matrix());
    // Run the layer on nominal tiles, so the next layer calibrates on analog outputs.
    std::vector<std::unique_ptr<TileModel>> tiles;
    for (int k = 0; k < m.tiles(); ++k)
      tiles.push_back(make_tile(tile, m.g_target_s[static_cast<std::size_t>(k)], m, 0, 0, false));
    return run_layer(d_, layer, m, tiles, m.v_rest_v, x, nullptr);
  }

 private:
  ChipDesign& d_;
};

}  // namespace

void MappingOptions::validate() const {
  std::vector<std::string> bad;
  if (dac_bits != 0 && (dac_bits < 1 || dac_bits > 12)) bad.push_back(fmt::format("mapping.dac_bits = {}: must be 0 (the tile model's) or 1..12", dac_bits));
  if (adc_bits != 0 && (adc_bits < 1 || adc_bits > 14)) bad.push_back(fmt::format("mapping.adc_bits = {}: must be 0 (the tile model's) or 1..14", adc_bits));
  if (!(input_quantile >= 0.5 && input_quantile <= 1.0)) bad.push_back(fmt::format("mapping.input_quantile = {}: must be between 0.5 and 1", input_quantile));
  if (!(output_quantile >= 0.5 && output_quantile <= 1.0)) bad.push_back(fmt::format("mapping.output_quantile = {}: must be between 0.5 and 1", output_quantile));
  if (!(offset_headroom_sigma >= 0.0 && offset_headroom_sigma <= 20.0))
    bad.push_back(fmt::format("mapping.offset_headroom_sigma = {}: must be between 0 and 20", offset_headroom_sigma));
  if (calibration_images < 1) bad.push_back(fmt::format("mapping.calibration_images = {}: must be >= 1", calibration_images));
  if (chunk_columns < 1) bad.push_back(fmt::format("mapping.chunk_columns = {}: must be >= 1", chunk_columns));
  if (!bad.empty()) throw MappingError(xbar::join_lines(bad));
}

std::int64_t ChipDesign::tiles() const {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.tiles();
  return n;
}

torch::Tensor dac_codes(const torch::Tensor& x, double x_max, int dac_bits) {
  const torch::Tensor xf = x.to(torch::kFloat32).contiguous();
  torch::Tensor c = torch::empty(xf.sizes(), torch::kInt32);
  const int top = (1 << dac_bits) - 1;
  const double scale = top / x_max;
  const float* xp = xf.data_ptr<float>();
  int* cp = c.data_ptr<int>();
  for (std::int64_t i = 0; i < xf.numel(); ++i) cp[i] = dac_code(xp[i], scale, top);
  return c;
}

ChipDesign calibrate(const Network& net, const TileModelFile& tile, const MappingOptions& options,
                     const torch::Tensor& calibration_inputs) {
  options.validate();
  ChipDesign d;
  d.options = options;
  try {
    d.tile = design_tile(tile, options);
  } catch (const behavioral::ValidationError& e) {
    throw MappingError(fmt::format("tile model with the mapping options:\n{}", e.what()));
  }
  d.layers.resize(net.layers().size());
  Calibrator cal(d);
  net.forward(calibration_inputs, &cal);
  return d;
}

AnalogChip::AnalogChip(const ChipDesign& design, std::uint64_t seed, int chip) : design_(design) {
  const auto t0 = Clock::now();
  tiles_.resize(design.layers.size());
  rest_v_.resize(design.layers.size());
  std::vector<std::pair<std::size_t, int>> jobs;
  for (std::size_t l = 0; l < design.layers.size(); ++l) {
    tiles_[l].resize(static_cast<std::size_t>(design.layers[l].tiles()));
    rest_v_[l].resize(static_cast<std::size_t>(design.layers[l].tiles()));
    for (int t = 0; t < design.layers[l].tiles(); ++t) jobs.emplace_back(l, t);
  }
  at::parallel_for(0, static_cast<std::int64_t>(jobs.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t j = begin; j < end; ++j) {
      const auto [l, t] = jobs[static_cast<std::size_t>(j)];
      const LayerMapping& m = design.layers[l];
      const std::uint64_t stream = chip_tile_stream(chip, l, t);
      auto& tile = tiles_[l][static_cast<std::size_t>(t)];
      tile = make_tile(design.tile, m.g_target_s[static_cast<std::size_t>(t)], m, seed, stream, chip >= 0);
      rest_v_[l][static_cast<std::size_t>(t)] =
          design.options.offset_calibration ? measured_rest_v(*tile, design.tile.nominal.adc.front())
                                            : m.v_rest_v[static_cast<std::size_t>(t)];
    }
  });
  program_s_ = seconds_since(t0);
}

AnalogChip::~AnalogChip() = default;

torch::Tensor AnalogChip::matmul(const AnalogLayer& layer, const torch::Tensor& x) {
  const LayerMapping& m = design_.layers[static_cast<std::size_t>(layer.index)];
  const auto l = static_cast<std::size_t>(layer.index);
  return run_layer(design_, layer, m, tiles_[l], rest_v_[l], x, &tile_mvms_, observer_, substitute_);
}

behavioral::TileInstance chip_tile_instance(const ChipDesign& design, std::uint64_t seed, int chip, int layer, int tile) {
  const LayerMapping& m = design.layers.at(static_cast<std::size_t>(layer));
  return layer_tile_instance(design.tile, m.g_target_s.at(static_cast<std::size_t>(tile)), m, seed,
                             chip_tile_stream(chip, static_cast<std::size_t>(layer), tile), chip >= 0);
}

const TileModel& AnalogChip::tile(int layer, int tr, int tc) const {
  const LayerMapping& m = design_.layers.at(static_cast<std::size_t>(layer));
  return *tiles_.at(static_cast<std::size_t>(layer)).at(static_cast<std::size_t>(tr * m.tiles_c + tc));
}

}  // namespace xbar::networks
