#pragma once
// The pieces of analog_chip.cpp that hardware-aware training (hwa.cpp) shares: running a layer on
// its programmed tiles, the conductance targets of a layer, programming one tile, and a chip's
// own zero-input read. Private to networks/.
#include <Eigen/Core>
#include <torch/types.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "xbar/core/counter_rng.hpp"
#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/tile_observer.hpp"

namespace xbar::networks::detail {

/// The DAC's top level (the read voltage of a full-scale input), V.
double dac_top_level_v(const behavioral::DacModelParams& dac);

/// DAC code of one input value (x >= 0 read; pass -x for the other read of a signed input):
/// round half to even of x / x_max (2^bits - 1), clamped to the codes; scale = (2^bits - 1) / x_max.
inline int dac_code(float x, double scale, int top) {
  const double c = std::nearbyint(static_cast<double>(x) * scale);
  return c <= 0.0 ? 0 : c >= top ? top : static_cast<int>(c);
}

/// w_max of a layer's weight [out, in]: max |W| of each output (per_column) or of the layer.
Eigen::VectorXd weight_scale(const torch::Tensor& weight, bool per_column);

/// y = W x of one layer on its programmed tiles (x float32 [B, in] -> float32 [B, out]), decoded
/// with the rests `rest_v` (per tile, per column); adds the tile MVMs to *tile_mvms when not null
/// and hands each tile MVM to `observer` when not null, then its codes to `substitute` when not null.
torch::Tensor run_layer(const ChipDesign& d, const AnalogLayer& layer, const LayerMapping& m,
                        const std::vector<std::unique_ptr<behavioral::TileModel>>& tiles,
                        const std::vector<Eigen::VectorXd>& rest_v, const torch::Tensor& x_in, std::int64_t* tile_mvms,
                        TileObserver* observer = nullptr, TileCodeSubstitute* substitute = nullptr);

/// Target conductances of every tile of a layer for layer.weight and m.w_max (rows x cols each).
std::vector<Eigen::MatrixXd> layer_targets(const AnalogLayer& layer, const LayerMapping& m,
                                           const behavioral::TileModelFile& tile);

/// A tile drawn (seed, stream) around `g_target` (with or without the variation), with the layer's
/// TIA feedback resistor and reference, programmed. `g_programmed` (may be null) receives the
/// drawn conductances.
std::unique_ptr<behavioral::TileModel> make_tile(const behavioral::TileModelFile& tile, const Eigen::MatrixXd& g_target,
                                                 const LayerMapping& m, std::uint64_t seed, std::uint64_t stream,
                                                 bool with_variation, Eigen::MatrixXd* g_programmed = nullptr);

/// The tile instance behind make_tile: the draw plus the layer's feedback resistor and reference.
behavioral::TileInstance layer_tile_instance(const behavioral::TileModelFile& tile, const Eigen::MatrixXd& g_target,
                                             const LayerMapping& m, std::uint64_t seed, std::uint64_t stream,
                                             bool with_variation);

/// The counter-RNG stream of a chip's tile (AnalogChip's draws).
inline std::uint64_t chip_tile_stream(int chip, std::size_t layer, int tile) {
  return core::stream_key({kChipPurpose, static_cast<std::uint64_t>(chip), layer, static_cast<std::uint64_t>(tile)});
}

/// Each column's output at zero input, read through its own ADC (per-chip offset calibration), V.
Eigen::VectorXd measured_rest_v(const behavioral::TileModel& tile, const behavioral::AdcModelParams& adc);

}  // namespace xbar::networks::detail
