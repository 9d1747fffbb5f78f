#pragma once
// Mapping a network onto tiles, and the simulated chips that run it (networks/README.md has the
// rules with a worked example).
//
// Weights. Output j of a layer uses two physical columns of a tile, G+ (column 2j) and G-
// (2j + 1), a differential pair; with w = W(j, i) / w_max(j) in [-1, 1],
//   G+ = g_min + (g_max - g_min) max(w, 0),   G- = g_min + (g_max - g_min) max(-w, 0),
// where w_max(j) = max_i |W(j, i)| (per-column scaling) or max |W| (per-layer). A layer with more
// inputs than tile rows, or more outputs than tile columns / 2, is split over a grid of tiles;
// cells a layer does not use hold g_min and unused rows are driven at 0 V.
//
// Inputs. x is quantized to the DAC's codes, c = clamp(round(x / x_max (2^bits - 1)), 0,
// 2^bits - 1), and drives the row at the DAC level of c (the tile's DAC must start at 0 V).
// Signed inputs (a layer whose calibration inputs go below 0, e.g. normalized pixels) take two
// reads, one for max(x, 0) and one for max(-x, 0), subtracted digitally.
//
// Outputs. Each column's TIA and ADC give a code; the digital side turns it back into a current
// with the nominal, ideal converter, I = (v_min + code LSB - v_rest) / G_T (G_T the TIA's nominal
// closed-loop gain), where v_rest is the column's output at zero current: measured by the chip
// itself at zero input (offset_calibration, the default: every column read once with the DACs at
// code 0, so v_rest is known to half an LSB) or the nominal (v_os + v_ref)(1 + rf g_in); and
//   y(j) = (I+ - I-) w_max(j) x_max / ((g_max - g_min) v_read),   v_read = the DAC's top level,
// summed digitally over the tiles of the layer's rows; the bias is added digitally.
//
// Calibration (per layer, once, on training images, never test images): x_max is the
// input_quantile of |x| over the layer's calibration inputs; the TIA feedback resistor of the
// layer is chosen so that the output_quantile of its column currents (nominal tile) spans the ADC
// window from the rest to its bottom for the column with the largest noise gain. The rest of
// column k is c (1 + rf g_k), c = v_os + v_ref, with a reference v_ref on the layer's TIAs chosen
// so that c = -offset_headroom_sigma sigma_os: each column rests the same number of its own
// (noise-gain-amplified) offset spreads below the window's top, so offsets of either sign stay
// inside the window. Layers are calibrated in order, each on the analog outputs of the layers
// before it.
//
// Chips. Chip k draws every tile of every layer from the tile model's fitted variation with
// behavioral::draw_tile_instance(seed, core::stream_key({kChipPurpose, k, layer, tile})): a
// result depends only on the seed, not on the thread count or the order of work. The nominal
// chip uses the targets and the nominal periphery (no variation).
#include <Eigen/Core>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xbar/behavioral/tile_model.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/networks/network.hpp"
#include "xbar/networks/tile_observer.hpp"

namespace xbar::networks {

struct MappingOptions {
  int dac_bits = 0;                 ///< input DAC resolution, 1..12; 0 = the tile model's
  int adc_bits = 0;                 ///< ADC resolution, 1..14; 0 = the tile model's (other values: ideal nominal
                                    ///< transitions of that resolution, the fitted comparator offsets kept)
  bool per_column_scaling = true;   ///< w_max per output (else one per layer)
  double input_quantile = 0.999;    ///< DAC full scale: this quantile of |x| (0.5..1)
  double output_quantile = 0.999;   ///< ADC full scale: this quantile of the column currents (0.5..1)
  double offset_headroom_sigma = 4.0;  ///< zero current rests this many op-amp offset sigmas (times the column's
                                       ///< noise gain) below the ADC window's top (0..20)
  bool offset_calibration = true;   ///< each chip reads every column at zero input and decodes with what it
                                    ///< measured (else with the nominal rest)
  int calibration_images = 256;     ///< training images for calibration, >= 1
  std::uint64_t calibration_seed = 7;  ///< which training images (a seeded choice)
  int chunk_columns = 2048;         ///< input vectors per tile call (memory and parallel grain only; fixed, so
                                    ///< results do not depend on the thread count)

  void validate() const;  ///< MappingError naming the field, e.g. "mapping.dac_bits = 13: must be 0 or 1..12"
};

/// Design-time mapping of one layer (the same for every chip).
struct LayerMapping {
  int layer = 0;                       ///< AnalogLayer::index
  int tile_rows = 0;                   ///< rows of a tile (inputs it takes)
  int outputs_per_tile = 0;            ///< tile columns / 2
  int tiles_r = 0, tiles_c = 0;        ///< the tile grid: tiles_r over inputs, tiles_c over outputs
  double x_max = 1.0;                  ///< input full scale (DAC top code)
  bool signed_inputs = false;          ///< two reads per input vector
  Eigen::VectorXd w_max;               ///< per output (all equal for per-layer scaling)
  double i_full_scale_a = 0.0;         ///< calibrated column current at the bottom of the ADC window, A
  double rf_ohm = 0.0;                 ///< the layer's TIA feedback resistor, ohm
  double v_ref_v = 0.0;                ///< the layer's TIA reference (non-inverting input), V
  double gain_ohm = 0.0;               ///< nominal closed-loop TIA gain G_T at rf_ohm, ohm (negative)
  std::vector<Eigen::MatrixXd> g_target_s;  ///< per tile (tr * tiles_c + tc): rows x cols targets, S
  std::vector<Eigen::VectorXd> v_rest_v;    ///< per tile: nominal TIA output at zero current per column, V
                                            ///< ((v_os nominal + v_ref) (1 + rf g_in of the targets))
  int tiles() const { return tiles_r * tiles_c; }
};

/// The whole design: the tile model (with the DAC/ADC resolution of the options), the options
/// and every layer's mapping.
struct ChipDesign {
  behavioral::TileModelFile tile;   ///< as used: nominal dac.bits / adc.bits after the options
  MappingOptions options;
  std::vector<LayerMapping> layers;  ///< one per AnalogLayer, same index
  std::int64_t tiles() const;        ///< tiles in the whole network
};

/// Calibrates the mapping of `net` on `calibration_inputs` (preprocessed, [N, ...]) through the
/// nominal tile. Throws MappingError for options or a tile model it cannot use (the message
/// names the field).
ChipDesign calibrate(const Network& net, const behavioral::TileModelFile& tile, const MappingOptions& options,
                     const torch::Tensor& calibration_inputs);

inline constexpr std::uint64_t kChipPurpose = 0x43484950;  // "CHIP"

/// One simulated chip: every tile of every layer programmed, ready to run the network.
class AnalogChip : public LayerExecutor {
 public:
  /// chip < 0: the nominal chip (targets, nominal periphery); else chip `chip` of `seed`.
  AnalogChip(const ChipDesign& design, std::uint64_t seed, int chip);
  ~AnalogChip() override;
  torch::Tensor matmul(const AnalogLayer& layer, const torch::Tensor& x) override;
  double program_seconds() const { return program_s_; }
  /// Tile MVMs (one input vector through one tile, each read of a signed input counted) so far.
  std::int64_t tile_mvms() const { return tile_mvms_; }
  /// The programmed tile (tr, tc) of a layer, for tests and spot checks.
  const behavioral::TileModel& tile(int layer, int tr, int tc) const;
  /// Every tile MVM from now on is also handed to `observer` (tile_observer.hpp); nullptr stops
  /// it. The chip does not own the observer, which must outlive its use.
  void set_observer(TileObserver* observer) { observer_ = observer; }
  /// Every tile MVM from now on has its codes passed through `substitute` before decoding
  /// (tile_observer.hpp); nullptr stops it. Not owned.
  void set_code_substitute(TileCodeSubstitute* substitute) { substitute_ = substitute; }

 private:
  const ChipDesign& design_;
  std::vector<std::vector<std::unique_ptr<behavioral::TileModel>>> tiles_;  // [layer][tile]
  std::vector<std::vector<Eigen::VectorXd>> rest_v_;  // [layer][tile]: the rest the decode subtracts, per column
  double program_s_ = 0.0;
  std::int64_t tile_mvms_ = 0;
  TileObserver* observer_ = nullptr;
  TileCodeSubstitute* substitute_ = nullptr;
};

/// The tile instance chip `chip` of `seed` programs for tile `tile` (tr * tiles_c + tc) of
/// layer `layer` (chip < 0: the nominal one): draw_tile_instance with the chip's stream, then
/// the layer's feedback resistor and its TIA reference added to each op-amp's offset. Exactly
/// what AnalogChip programs (params builds its TileModel, g_s is what it programs).
behavioral::TileInstance chip_tile_instance(const ChipDesign& design, std::uint64_t seed, int chip, int layer, int tile);

/// DAC codes of x (float32 [B, in]) for a layer: int32 [B, in] (x >= 0 part; negate x for the
/// other read of signed inputs).
torch::Tensor dac_codes(const torch::Tensor& x, double x_max, int dac_bits);

}  // namespace xbar::networks
