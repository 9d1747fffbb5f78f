#pragma once
// Spot checks: some of the tile MVMs a network does on a chip, rerun in SPICE with the same
// chip draws, DAC codes and periphery, and compared code by code (DESIGN.md, issue 13).
//
//   1. record   The chip runs the inputs with an observer (networks/tile_observer.hpp) that keeps
//               either N tile MVMs by a seeded rule (mvms = N: the N MVMs (layer, tile, read,
//               input) with the smallest key core::stream_key({seed, kSpotPurpose, layer, tile,
//               read, input}); independent of threads and batching), or every MVM of `layers`
//               analog layers from `first_layer` for the first `images` inputs (whole-image check).
//   2. decks    MVMs on the same tile become read cycles of one deck (at most cycles_per_deck);
//               each deck is the chip's tile instance (networks::chip_tile_instance) made a
//               macro-fidelity SPICE tile (tile_deck.hpp). Written as a tile replay file
//               (characterize/tile_replay.hpp) with a campaign spec of kind "tile_replay".
//   3. SPICE    `xbar characterize <spec>` in a separate process (posix_spawn, no shell; so fork()
//               and libtorch's threads never meet): workers, journal, resume and HDF5 from the
//               campaign engine. Rerunning the same check resumes it: finished decks are not
//               recomputed.
//   4. compare  SPICE's codes against the behavioral ones on the columns the layer uses: the
//               fraction equal and within +-1 LSB, the RMS and largest difference in LSB.
//   5. images   (whole-image check) the inputs are run again with SPICE's codes substituted for
//               the checked MVMs (networks::TileCodeSubstitute); the prediction changes are
//               counted. Layers after the first get SPICE codes of their behavioral inputs.
//
// Files, in `folder`: spotcheck_decks.h5 (replay file), spotcheck.toml (spec),
// spotcheck_campaign.h5 (the campaign, `xbar inspect` reads it).
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/network.hpp"
#include "xbar/spotcheck/tile_deck.hpp"

namespace xbar::spotcheck {

inline constexpr std::uint64_t kSpotPurpose = 0x53504f54;  // "SPOT"

struct SpotCheckOptions {
  int mvms = 0;                  ///< N tile MVMs by the seeded rule (0: none); exclusive with images
  int images = 0;                ///< whole-image check of the first `images` inputs (0: none)
  int first_layer = 0;           ///< whole-image check: from this analog layer on
  int layers = 1;                ///< whole-image check: this many analog layers from first_layer (0 = all the rest)
  int chip = 0;                  ///< the chip checked (-1 = the nominal chip)
  std::uint64_t seed = 1;        ///< the seeded rule's seed (mvms)
  int cycles_per_deck = 8;       ///< most read cycles (MVMs) per SPICE deck, >= 1
  int workers = 1;               ///< `xbar characterize --workers`
  double sample_timeout_s = 7200;  ///< per deck (the campaign's run.sample_timeout_s)
  std::string folder;            ///< where the files go (created)
  std::string xbar_program = "/proc/self/exe";  ///< the xbar executable that runs the campaign
  bool quiet = false;            ///< no campaign progress
  DrawsPassed draws;             ///< which chip draws reach SPICE (all; tests switch one off)

  void validate() const;  ///< Error naming the field, e.g. "spice_check.cycles_per_deck = 0: must be >= 1"
};

/// One checked tile MVM: where, and both sides' codes on the used columns.
struct CheckedMvm {
  int layer = 0, tile_row = 0, tile_col = 0, read = 0;
  std::int64_t input = 0;          ///< index of the input (image) in the inputs given
  Eigen::VectorXi codes_behavioral;  ///< used columns
  Eigen::VectorXi codes_spice;       ///< used columns; empty if its deck failed in SPICE
};

struct SpotCheckResult {
  SpotCheckOptions options;
  std::string mode;                 ///< "mvms" or "images"
  std::vector<CheckedMvm> mvms;     ///< in deck order
  std::int64_t decks = 0, decks_failed = 0;
  std::int64_t codes_compared = 0;  ///< codes of MVMs whose deck ran
  double equal_fraction = 0.0;      ///< codes equal / compared
  double within_1_fraction = 0.0;   ///< |difference| <= 1 LSB / compared
  double rms_lsb = 0.0;             ///< RMS difference, LSB
  int max_abs_lsb = 0;              ///< largest |difference|, LSB
  std::int64_t images = 0;          ///< whole-image check: inputs rerun (0 otherwise)
  std::int64_t prediction_changes = 0;  ///< of those, predictions that change with SPICE's codes
  std::string replay_path, spec_path, campaign_path;
  double spice_seconds = 0.0;       ///< wall time of the campaign process
};

/// Runs a spot check of `net` on chip options.chip of (`design`, `seed`) for `inputs`
/// (preprocessed, [N, ...] as the network takes them). Throws Error for bad options, a campaign
/// process that fails (its exit status; rerunning resumes it) or a campaign file that does not
/// match the decks.
SpotCheckResult run_spot_check(const networks::Network& net, const networks::ChipDesign& design, std::uint64_t seed,
                               const torch::Tensor& inputs, const SpotCheckOptions& options);

/// One paragraph for the screen: the counts and the agreement figures.
std::string describe(const SpotCheckResult& result);

/// Writes the result as group /spot_check of an open HDF5 file (the inference file;
/// data/INFERENCE_SCHEMA.md documents the group). Throws Error naming the object on failure.
void write_spot_check_group(std::int64_t file_id, const SpotCheckResult& result);

}  // namespace xbar::spotcheck
