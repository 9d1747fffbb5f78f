#pragma once
// The tile model file, layout "xbar.model/1" with kind "tile" (every attribute and dataset:
// data/MODEL_SCHEMA.md, "Kind tile"). One file says everything about one analog tile: the
// nominal circuit (crossbar, DAC, one shared TIA, one shared ADC), the conductance range the
// weights are mapped into, the fitted variation of every part, the held-out error of each part's
// model against SPICE, and the component model files it was assembled from
// (fit::assemble_tile_model, `xbar fit tile`). draw_tile_instance() turns it into one simulated
// chip: a TileModelParams with that chip's draws and the conductances it holds.
//
// File layout (attributes unless marked dataset):
//   /                               schema = "xbar.model/1", kind = "tile"
//   /nominal                        g_min_s, g_max_s, sinh_solve
//   /nominal/crossbar               every scalar field of CrossbarModelParams; dataset r_source_ohm [rows] or [0]
//   /nominal/dac                    bits, v_min_v, v_max_v; dataset level_table_v [rows, 2^bits] or [0, 0]
//   /nominal/tia                    every field of TiaModelParams (one TIA for every column)
//   /nominal/adc                    bits, v_min_v, v_max_v, noise_sigma_v, surrogate, smooth_width_lsb;
//                                   dataset transition_v [2^bits - 1] or [0] (ideal)
//   /variation                      g_stuck_on_s, g_stuck_off_s
//   /variation/programming_error    as the crossbar kind
//   /variation/stuck_on, stuck_off  as the crossbar kind
//   /variation/wire                 as the crossbar kind
//   /variation/tia_opamp_v_offset   normal fit (mean_v, sigma_v, CI, KS, n)
//   /variation/adc_comparator_offset  normal fit of T_k - T*_k, T* = the nominal transitions
//   /held_out/crossbar              ErrorMetrics of the crossbar model
//   /held_out/tia, /held_out/adc_codes  PeripheryErrorMetrics
//   /sources                        n_sources; /sources/<k> (k = 0 ..): component, model_path,
//                                   model_sha256 and the component's own provenance fields
//   /provenance                     of the tile file (as the other kinds)
//   /energy                         optional (absent in older files): the SPICE-measured energy of one
//                                   tile MVM by block and the wall time of one SPICE tile MVM (TileEnergy)
// Writing is atomic (to `path`.tmp, then rename) and validates first; reading checks schema and
// kind and says what a wrong file is (a campaign, a crossbar model, ...).
//
// Example:
//   const auto tile = read_tile_model_file("data/presets/tile64_xbar180.h5");
//   Eigen::MatrixXd g = Eigen::MatrixXd::Constant(64, 64, 50e-6);
//   TileInstance chip = draw_tile_instance(tile, g, /*seed=*/1, /*stream=*/0);
//   TileModel model(chip.params);
//   model.program(chip.g_s);
//   TileOutputs out = model.forward(codes);   // codes: 64 x B DAC codes
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model.hpp"

namespace xbar::behavioral {

/// The fitted variation of a tile, drawn per instance by draw_tile_instance().
struct TileVariation {
  ProgrammingErrorFit programming_error;     ///< relative programming error of each cell (normal or lognormal)
  FractionFit stuck_on;                      ///< fraction of cells stuck at g_stuck_on_s
  FractionFit stuck_off;                     ///< fraction of cells stuck at g_stuck_off_s
  double g_stuck_on_s = 0.0;                 ///< conductance of a stuck-on cell, S
  double g_stuck_off_s = 0.0;                ///< conductance of a stuck-off cell, S
  WireSpreadFit wire;                        ///< per-chip relative wire spread (row and column wires)
  NormalParameterFit tia_opamp_v_offset;     ///< op-amp input offset per column (mean_v, sigma_v), V
  NormalParameterFit adc_comparator_offset;  ///< per-transition offset T_k - T*_k about the nominal transitions, V
};

/// The energy of one MVM of this tile measured in ngspice (a tile campaign, `xbar fit tile
/// --energy-campaign`), and the wall time ngspice took for it. Every number is NaN when unknown;
/// the group /energy is absent from files written before it existed (read as all NaN).
/// total_j = array_j + drivers_j + tia_j + adc_j (the campaign's energy_total_j).
struct TileEnergy {
  double array_j = kNaN;            ///< mean energy into the array per MVM (read cycle), J
  double drivers_j = kNaN;          ///< DACs and row drivers, not delivered to the array, J
  double tia_j = kNaN;              ///< TIA supplies, J
  double adc_j = kNaN;              ///< ADC supply and ladder references, J
  double total_j = kNaN;            ///< the sum: one tile MVM, J
  double t_cycle_s = kNaN;          ///< the read cycle the energies were integrated over, s
  double spice_s_per_mvm = kNaN;    ///< ngspice wall time per tile MVM (sample wall time / reads), s
  int rows = 0, cols = 0;           ///< size of the campaign's tile (0 when unknown)
  std::uint64_t n_mvms = 0;         ///< MVMs averaged
  std::string opamp_model;          ///< "transistor" or "macro" ("" when unknown)
  std::string campaign_path;        ///< the tile campaign ("" when unknown)
  std::string campaign_sha256;      ///< lower-case hex SHA-256 of the campaign file
  std::string note;                 ///< how the numbers were obtained, e.g. "measured" or "scaled from 64x64: ..."
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  bool known() const { return std::isfinite(total_j); }
};

/// Everything in an xbar.model/1 file of kind "tile".
struct TileModelFile {
  /// crossbar (rows, cols = physical single-ended columns, wires, cell, r_source), dac, ONE
  /// shared tia, ONE shared adc (nominal transitions). noise_seed is not stored (per instance).
  TileModelParams nominal;
  double g_min_s = 1e-6;  ///< lowest programmable cell conductance (mapping range), S, > 0
  double g_max_s = 1e-4;  ///< highest programmable cell conductance, S, > g_min_s
  TileVariation variation;
  ErrorMetrics held_out_crossbar;            ///< the crossbar model against SPICE (n_samples = 0 when unknown)
  PeripheryErrorMetrics held_out_tia;        ///< the nominal TIA model on held-out instances
  PeripheryErrorMetrics held_out_adc_codes;  ///< ADC codes, nominal transitions against measured
  /// One per component model it was assembled from: component ("crossbar", "tia", "adc"),
  /// model_path and model_sha256 name the component model file; the other fields are that
  /// file's own provenance (its campaign, ngspice, fit time).
  std::vector<ModelProvenance> sources;
  ModelProvenance provenance;  ///< of the tile file itself (fit_time = when it was assembled)
  TileEnergy energy;           ///< SPICE-measured energy per MVM (all NaN when unknown)

  /// Checks everything a reader relies on; throws ValidationError listing each problem, e.g.
  /// "tile_model.g_max_s = 1e-07: must be > g_min_s (1e-06)".
  void validate() const;
};

/// Writes `model` to `path` atomically. Validates first (ValidationError); ModelFileError naming
/// the file and object on any HDF5 or file-system failure.
void write_tile_model_file(const std::string& path, const TileModelFile& model);

/// Reads a tile model file. Throws ModelFileError naming the file and the missing or malformed
/// object, or saying what a wrong file is (a campaign, a crossbar model, ...).
TileModelFile read_tile_model_file(const std::string& path);

/// One physical instance of the tile: the periphery with this instance's draws, and the
/// conductances it holds.
struct TileInstance {
  TileModelParams params;  ///< builds a TileModel
  Eigen::MatrixXd g_s;     ///< rows x cols conductances to program, S
};

/// Draws one instance for target conductances `g_target_s` (nominal.crossbar.rows x cols, S;
/// ValidationError otherwise). With `with_variation` false: g_s = g_target_s, the nominal
/// periphery (one shared TIA and ADC) and nominal wires (the "analog nominal" case).
///
/// Otherwise every draw comes from rng = core::CounterRng(seed, stream) (xbar/core/counter_rng.hpp);
/// with R rows, C columns, M = 2^adc.bits - 1 transitions, cell c = i C + j (row i, column j),
/// B = 2 + C + C M, N(k) = rng.normal(k), U(k) = rng.uniform(k):
///   wires      r_row = r_row_wire_ohm max(0, 1 + mean_rel + sigma N(0)),
///              r_col = r_col_wire_ohm max(0, 1 + mean_rel + sigma N(1))      (sigma = r_wire_sigma_rel_d2d)
///   TIA        tia[j] = nominal with v_offset_v = mean_v + sigma_v N(2 + j)
///   ADC        adc[j] = nominal with transition_v[t] = T*_t + mean_v + sigma_v N(2 + C + j M + t),
///              T* = the nominal transitions (the ideal ones when nominal transition_v is empty)
///   stuck      u = U(2 (B + R C) + c): u < f_on -> g_stuck_on_s; else u < f_on + f_off -> g_stuck_off_s
///   programmed otherwise, e = N(B + c):
///              normal     g = G max(0, 1 + mean_rel + sigma_rel_d2d e)
///              lognormal  g = G exp(mean_log + sigma_log e)
/// (normal(k) uses the 64-bit draws 2k and 2k + 1, so the index ranges never overlap.) The
/// instance's params.noise_seed = core::stream_key({seed, stream}). A pure function of (model,
/// g_target_s, seed, stream). The caller may change each params.tia[k].rf_ohm afterwards (a
/// network picks rf per layer); the drawn offsets do not depend on it.
TileInstance draw_tile_instance(const TileModelFile& model, const Eigen::Ref<const Eigen::MatrixXd>& g_target_s,
                                std::uint64_t seed, std::uint64_t stream, bool with_variation = true);

}  // namespace xbar::behavioral
