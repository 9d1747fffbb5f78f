#pragma once
// The seam through which orchestration above networks (spot checks against SPICE, DESIGN.md)
// sees the tile MVMs a chip does, without networks knowing about SPICE.
//
// AnalogChip::set_observer(o) makes the chip call o->on_tile_mvm(mvm) once per tile per read per
// chunk of the batch, right after the tile model produced the codes, with what went in and what
// came out. The references in TileMvm point into the chip's working memory: valid only during the
// call; copy what you keep. Calls come from libtorch's intra-op threads (at::parallel_for), several
// at once: an observer synchronizes its own state. The observer never changes what the chip
// computes; its work slows the layer, so keep it short (e.g. a seeded rule that keeps a few).
//
// Example (keep every 100th MVM of layer 0):
//   struct Keep : TileObserver {
//     std::mutex mu; std::vector<Eigen::MatrixXi> kept;
//     void on_tile_mvm(const TileMvm& m) override {
//       if (m.layer == 0 && m.first_sample % 100 == 0) { std::lock_guard l(mu); kept.push_back(m.adc_codes); }
//     }
//   };
#include <Eigen/Core>
#include <cstdint>

namespace xbar::networks {

/// One tile MVM of an AnalogChip, for a chunk of the batch.
struct TileMvm {
  int layer = 0;                       ///< AnalogLayer::index
  int tile_row = 0, tile_col = 0;      ///< the tile in the layer's grid (AnalogChip::tile(layer, tr, tc))
  int read = 0;                        ///< 0: the x >= 0 read; 1: the read of max(-x, 0) of a signed input
  std::int64_t first_sample = 0;       ///< batch index of column 0 of the codes
  const Eigen::MatrixXi& dac_codes;    ///< used rows x samples: the DAC code driving each row (unused rows: 0 V)
  const Eigen::MatrixXi& adc_codes;    ///< used columns x samples: each physical column's ADC code
};

/// Receives the tile MVMs of a chip; see the header comment for threading and lifetime.
class TileObserver {
 public:
  virtual ~TileObserver() = default;
  virtual void on_tile_mvm(const TileMvm& mvm) = 0;
};

/// Replaces the codes of chosen tile MVMs before the chip decodes them: the one way to change what
/// a chip computes from outside (AnalogChip::set_code_substitute). Spot checks use it to rerun a
/// network with SPICE's codes in place of the tile model's. `mvm.adc_codes` is the tile model's
/// output; write the replacement into `codes` (the same shape: used columns x samples), leaving
/// entries it does not replace as they are. Called like an observer (several threads at once,
/// references valid during the call), after the observer.
class TileCodeSubstitute {
 public:
  virtual ~TileCodeSubstitute() = default;
  virtual void substitute(const TileMvm& mvm, Eigen::MatrixXi& codes) = 0;
};

}  // namespace xbar::networks
