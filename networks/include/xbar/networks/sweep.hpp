#pragma once
// Accuracy sweeps over circuit settings (`xbar sweep`; networks/README.md, "Sweeps").
//
// A sweep varies one or two settings (a grid for two) and, at every point, recalibrates the
// mapping (calibrate(), analog_chip.hpp) and classifies the test images on the nominal chip and on
// the same K chips (chip k of seed S, k = 0..K-1) as run_inference() would, reporting the mean
// accuracy with its Student-t 95 % interval. The digital reference (libtorch's own forward) does
// not depend on any setting and is run once.
//
// Settings (SweepAxis::name, values as written on the command line):
//   adc_bits        MappingOptions::adc_bits, integers 1..14
//   dac_bits        MappingOptions::dac_bits, integers 1..12
//   r_wire_ohm      nominal crossbar.r_row_wire_ohm and r_col_wire_ohm (ohm per segment), >= 0
//   prog_sigma_rel  the variation's programming error sigma_rel_d2d (relative std of G), 0..1
//   tile            tile model files (xbar.model/1 kind tile), one per point
// A nominal value is changed on a copy of the TileModelFile before calibration; the tile model's
// fitted variation (wire spread, op-amp and comparator offsets, stuck cells, programming error
// unless prog_sigma_rel is swept) is kept as fitted. SweepResult::variation_note says so.
//
// Points. With axes a (n_a values) and b (n_b values) point p = i_a n_b + i_b; with one axis p = i_a.
// A point depends only on (options, p): chip k of a point is AnalogChip(design_p, seed, k).
//
// Work sharing. A point has work units u = 0: the nominal chip, u = 1 + k: chip k (without the
// nominal chip, u = k). run_sweep() takes the unfinished points in order, in groups of
// max(1, ceil(size / units)) points (one point when it has at least as many units as there are
// ranks); unit u of the i-th point of a group belongs to rank (i units + u) mod size, so both the
// chips of a point and, with few chips and many ranks, the points themselves are shared. Every rank
// with a unit of a point calibrates that point itself (calibration is deterministic), packs its
// results into a vector of doubles (zeros elsewhere) and hands it to SweepHooks::reduce_sum once
// per group, which must leave the element-wise sum over ranks on rank 0 (MPI_Reduce with MPI_SUM;
// x + 0 = x exactly, so the result equals one process's). Without hooks there is one rank and the
// sum is the identity.
#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "xbar/networks/error.hpp"
#include "xbar/networks/inference.hpp"

namespace xbar::networks {

/// A bad --vary, a sweep file that cannot be resumed with these arguments, or a bad sweep file.
class SweepError : public Error {
 public:
  using Error::Error;
};

/// One varied setting and its values.
struct SweepAxis {
  std::string name;                 ///< adc_bits, dac_bits, r_wire_ohm, prog_sigma_rel or tile
  std::vector<std::string> labels;  ///< the values as given (tile: the file paths)
  std::vector<double> values;       ///< numeric values (tile: rows of each tile model)
  std::string unit() const;         ///< "bits", "ohm", "1" or "file"
  std::string axis_label() const;   ///< for plots, with the unit: "ADC resolution [bits]"
};

/// Parses "name=v1,v2,...". Throws SweepError naming the setting, the value and the rule, e.g.
/// "--vary adc_bits=3,x: value 'x' is not an integer (adc_bits takes integers 1..14)".
/// Tile files are only checked for existence here (read later with their own messages).
SweepAxis parse_sweep_axis(const std::string& spec);

struct SweepOptions {
  InferenceOptions base;         ///< network, tile (unused with a tile axis), chips, seed, images, mapping, ...
  std::vector<SweepAxis> axes;   ///< one or two, different names

  /// SweepError/MappingError naming the field: 1 or 2 axes, no setting twice, a tile path unless
  /// tile is swept (and none if it is), and base.validate().
  void validate() const;
  int points() const;                      ///< product of the axes' sizes
  std::vector<int> value_index(int p) const;  ///< index into each axis of point p
  /// The settings that make a sweep file what it is, as (name, value) text pairs in a fixed order:
  /// a resumed run must match every one (SweepResult::settings; compared by name).
  std::vector<std::pair<std::string, std::string>> identity() const;
};

/// One point of the sweep.
struct SweepPoint {
  bool done = false;
  std::vector<int> value_index;            ///< per axis
  std::vector<double> value;               ///< per axis
  std::string tile_path, tile_sha256;      ///< the tile model file of this point
  int dac_bits = 0, adc_bits = 0;          ///< as used
  int tile_rows = 0, tile_cols = 0;
  double r_row_wire_ohm = 0, r_col_wire_ohm = 0, prog_sigma_rel = 0;  ///< as used
  std::int64_t tiles = 0, tile_mvms_per_image = 0;
  double calibration_s = 0;
  ChipResult nominal;                      ///< chip -1
  std::vector<ChipResult> chips;           ///< chip 0..K-1
  MeanCi accuracy;                         ///< over chips
};

struct SweepResult {
  SweepOptions options;
  std::vector<std::pair<std::string, std::string>> settings;  ///< options.identity() of the run that wrote it
  std::string network_sha256;
  std::string time;                ///< when the file was first started, ISO 8601 UTC
  std::int64_t images = 0;
  ChipResult digital;              ///< libtorch's own forward (chip -2)
  std::vector<SweepPoint> points;  ///< options.points() of them, done or not
  std::string variation_note;      ///< what was changed and that the fitted variation is kept
  int done_points() const;
};

struct SweepHooks {
  int rank = 0, size = 1;
  /// Element-wise sum over ranks, left on rank 0 (other ranks' buffers: unspecified). Empty: identity.
  std::function<void(std::vector<double>&)> reduce_sum;
  /// Called on rank 0 after each finished point (write the file here), and once before the first
  /// point with point = -1 (after the digital reference).
  std::function<void(const SweepResult&, int point)> point_done;
  /// Progress of the current point on this rank: stage, chip, images done of the rank's units.
  std::function<void(int point, const Progress&)> progress;
};

/// The text of SweepResult::variation_note for these axes.
std::string variation_note(const std::vector<SweepAxis>& axes);

/// Runs (or, with `resume` holding the points of an earlier run with the same identity(), finishes)
/// the sweep. Points already done in `resume` are kept as they are and not run again. Every rank
/// calls it; only rank 0's result is complete.
SweepResult run_sweep(const SweepOptions& options, const SweepResult* resume, const SweepHooks& hooks = {});

/// Writes the sweep file atomically (schema xbar.sweep/1, data/SWEEP_SCHEMA.md): fixed-length
/// strings only. Throws behavioral::ModelFileError naming the file.
void write_sweep_file(const std::string& path, const SweepResult& result);

/// Reads a sweep file written by write_sweep_file (for resuming and plotting). Throws SweepError
/// naming the file and the object.
SweepResult read_sweep_file(const std::string& path);

/// Differences between a file's settings and a run's, one line each:
/// "adc_bits values: file 3,4,5; this run 3,4,6". Empty when they match.
std::vector<std::string> settings_differences(const std::vector<std::pair<std::string, std::string>>& file,
                                              const std::vector<std::pair<std::string, std::string>>& run);

}  // namespace xbar::networks
