#pragma once
// `xbar fit` as one library call: a campaign of any kind fitted to the model of its kind, and
// `xbar fit tile` (assembly from component model files, with the SPICE energy of a tile
// campaign). The verbs only parse, call these and print.
//
//   const auto m = fit::fit_campaign(characterize::read_campaign_file("tia.h5"), options);
//   fit::write_model_file("tia_model.h5", m);   // m.kind == "tia", m.tia is set
#include <optional>
#include <string>

#include "xbar/behavioral/model_file.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/crossbar_fit.hpp"
#include "xbar/fit/tile_assembly.hpp"

namespace xbar::fit {

/// A model fitted to a campaign: exactly the member named by `kind` is set.
struct FittedModel {
  std::string kind;  ///< "crossbar", "tia", "adc" or "tile" (the campaign's kind)
  std::optional<behavioral::CrossbarModelFile> crossbar;
  std::optional<behavioral::TiaModelFile> tia;
  std::optional<behavioral::AdcModelFile> adc;
  std::optional<behavioral::TileModelFile> tile;  ///< with /energy from the campaign itself
};

/// Dispatches on the campaign's kind: fit_crossbar, fit_tia, fit_adc or fit_tile (with the TIA
/// model file `tia_model_path` for the tile's op-amp, "" = ideal op-amp; only tile campaigns use
/// it) and, for a tile, the campaign's own energies (tile_energy_from_campaign of
/// options.campaign_path, which must then name the file). Throws FitError for another kind,
/// naming it, and whatever the fit throws.
FittedModel fit_campaign(const characterize::CampaignFile& campaign, const FitOptions& options,
                         const std::string& tia_model_path = "");

/// Writes the model of `m.kind` to `path` (the behavioral writers: atomic, ModelFileError).
void write_model_file(const std::string& path, const FittedModel& m);

/// `xbar fit tile`: assemble_tile_model(options) and, when energy_campaign is given, its
/// energies (tile_energy_from_campaign, checked against the tile's size; scaled to it with
/// scale_tile_energy when energy_scale).
behavioral::TileModelFile assemble_tile_model_with_energy(const TileAssemblyOptions& options,
                                                          const std::string& energy_campaign, bool energy_scale);

}  // namespace xbar::fit
