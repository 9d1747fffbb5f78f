#pragma once
// Assembles a tile model file (xbar.model/1 kind "tile", behavioral/tile_model_file.hpp) from
// three fitted component models (or fits one to a tile campaign: fit_tile, below): a crossbar model (kind crossbar), a TIA model (kind tia) and an
// ADC model (kind adc). `xbar fit tile --crossbar A --tia B --adc C -o tile.h5` calls it.
//
// What comes from where:
//  - nominal.crossbar, variation (programming error, stuck cells, wire spread, g_stuck_*),
//    held_out_crossbar: the crossbar model.
//  - nominal.tia (one, shared), variation.tia_opamp_v_offset (= the TIA model's opamp_v_offset),
//    held_out_tia (= its held_out_nominal): the TIA model.
//  - nominal.adc (one, shared; transition_v = the ADC model's nominal, fitted, transitions),
//    held_out_adc_codes (= its held_out_codes): the ADC model.
//    variation.adc_comparator_offset is refitted about those nominal transitions: a normal MLE
//    of T_k(instance) - T_k(nominal) over the ADC model's fit-set instances (held_out == 0) and
//    every finite k, so that nominal + N(mean_v, sigma_v) (draw_tile_instance) has the measured
//    spread without counting the systematic per-k error twice. (The ADC file's own
//    comparator_offset is about the ideal transitions and includes that systematic error.)
//  - nominal.dac: ideal levels, `dac_bits` bits over [v_read_min_v, v_read_max_v].
//  - g_min_s, g_max_s: the options; NaN takes them (and a NaN v_read_max_v) from the crossbar
//    model's campaign (workload.g_min_s, g_max_s, v_read_max_v), read from its
//    provenance.campaign_path (as given, else next to the crossbar model file), which must
//    still have the SHA-256 the model recorded.
//  - sources: one ModelProvenance per component (component, model_path, model_sha256 of the
//    component file, then that file's own provenance); provenance: this assembly (fit_time now,
//    xbar version, git hash; campaign_path = "" and held_out_seed = the crossbar model's).
//
// Compatibility checks (FitError naming the file and field):
//  - the crossbar is single-ended (differential = 0), as TileModel and the SPICE tile;
//  - the TIA's output swing covers the ADC's input range: tia v_out_min_v <= adc v_min_v and
//    tia v_out_max_v >= adc v_max_v;
//  - the ADC range reaches below 0 V (adc v_min_v < 0): a positive column current gives a
//    negative TIA output;
//  - the DAC options are valid (bits 1..12, v_read_max_v > v_read_min_v).
// Not checked, reported by tile_range_summary(): whether the nominal rf maps the column full
// scale onto the ADC range (rf is chosen per layer by the network mapping).
#include <limits>
#include <string>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/crossbar_fit.hpp"

namespace xbar::fit {

struct TileAssemblyOptions {
  std::string crossbar_path;  ///< the crossbar model file (for messages, provenance and SHA-256)
  std::string tia_path;       ///< the TIA model file
  std::string adc_path;       ///< the ADC model file
  int dac_bits = 4;           ///< DAC resolution, 1..12
  double v_read_min_v = 0.0;  ///< DAC level of code 0, V
  double v_read_max_v = std::numeric_limits<double>::quiet_NaN();  ///< DAC level of the top code, V; NaN = the crossbar campaign's
  double g_min_s = std::numeric_limits<double>::quiet_NaN();       ///< mapping range low, S; NaN = the crossbar campaign's
  double g_max_s = std::numeric_limits<double>::quiet_NaN();       ///< mapping range high, S; NaN = the crossbar campaign's
  std::string xbar_version;   ///< provenance
  std::string git_hash;       ///< provenance

  /// Throws FitError naming each bad field (the option it comes from), e.g.
  /// "tile.dac_bits = 0 (--dac-bits): must be between 1 and 12". NaN ranges are allowed (defaults).
  void validate() const;
};

/// Reads the three component files named in `options` (ModelFileError for a wrong or bad file),
/// checks them and assembles the tile model. Throws FitError naming file and field when the
/// pieces do not fit together.
behavioral::TileModelFile assemble_tile_model(const TileAssemblyOptions& options);

/// The same from models already read (the paths in `options` are used for messages and the
/// SHA-256 of each component file; an empty path records "").
behavioral::TileModelFile assemble_tile_model(const behavioral::CrossbarModelFile& crossbar,
                                              const behavioral::TiaModelFile& tia,
                                              const behavioral::AdcModelFile& adc,
                                              const TileAssemblyOptions& options);

/// Fits a tile model directly to a tile campaign (kind tile; `xbar fit tile_campaign.h5`). The
/// split is the crossbar fit's (held_out_samples with options.seed); per instance its first
/// fit-set sample is used for the per-instance quantities.
///  - nominal: the spec's crossbar (r_source_ohm = the DAC's output resistance per row) and DAC
///    (ideal levels; an R-2R DAC gets the fit-set mean of the recorded dac_level_v); the TIA is
///    `tia_model`'s nominal (a0, r_out, swing, tau) or, without one, ideal_tile_tia(spec), with
///    the spec's rf_ohm, t_sample_s = t_cycle - 2 t_edge and v_offset_v = the mean offset
///    below; the ADC's nominal transitions are the fit-set mean, per k, of every column's
///    transitions (ladder taps + comparator offsets, as tile_sample_params).
///  - variation: fit_crossbar_variation over every ok sample; tia_opamp_v_offset: normal MLE of
///    each fit-set column's offset v_tia_rest_v[k] / (1 + rf sum_i G(i, k)); adc_comparator_offset:
///    normal MLE of each fit-set column's transitions minus the nominal ones.
///  - held out: compare_tile_with_spice on the held-out samples with the nominal TIA: held_out_tia
///    = its "nominal" TIA outputs against ngspice's (LSB of the ADC), held_out_adc_codes = its
///    codes against ngspice's; held_out_crossbar has n_samples = 0 (a tile campaign records no
///    column currents).
///  - sources: the campaign (component "tile_campaign") and the TIA model if given ("tia").
/// Throws FitError (not a tile campaign, no ok samples, empty fit set).
behavioral::TileModelFile fit_tile(const characterize::CampaignFile& campaign, const FitOptions& options,
                                   const behavioral::TiaModelFile* tia_model = nullptr,
                                   const std::string& tia_model_path = "");

/// A few lines on the tile's ranges: column full scale rows g_max v_read_max, the TIA output for
/// it at the nominal rf, the ADC input range, and the rf that would map the full scale onto it.
std::string tile_range_summary(const behavioral::TileModelFile& tile);

}  // namespace xbar::fit
