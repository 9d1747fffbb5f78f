// `xbar fit` as one library call (campaign_fit.hpp).
#include "xbar/fit/campaign_fit.hpp"

#include <fmt/format.h>

#include "xbar/fit/fit_error.hpp"
#include "xbar/fit/periphery_fit.hpp"
#include "xbar/fit/tile_energy.hpp"

namespace xbar::fit {

FittedModel fit_campaign(const characterize::CampaignFile& campaign, const FitOptions& options,
                         const std::string& tia_model_path) {
  FittedModel m;
  m.kind = campaign.schema.kind;
  if (m.kind == "crossbar") {
    m.crossbar = fit_crossbar(campaign, options);
  } else if (m.kind == "tia") {
    m.tia = fit_tia(campaign, options);
  } else if (m.kind == "adc") {
    m.adc = fit_adc(campaign, options);
  } else if (m.kind == "tile") {
    std::optional<behavioral::TiaModelFile> tia;
    if (!tia_model_path.empty()) tia = behavioral::read_tia_model_file(tia_model_path);
    m.tile = fit_tile(campaign, options, tia ? &*tia : nullptr, tia_model_path);
    m.tile->energy = tile_energy_from_campaign(options.campaign_path, 0, 0);  // the campaign's own energies
  } else {
    throw FitError(fmt::format("campaign kind '{}': xbar fit handles crossbar, tia, adc and tile campaigns", m.kind));
  }
  return m;
}

void write_model_file(const std::string& path, const FittedModel& m) {
  if (m.crossbar) behavioral::write_crossbar_model_file(path, *m.crossbar);
  if (m.tia) behavioral::write_tia_model_file(path, *m.tia);
  if (m.adc) behavioral::write_adc_model_file(path, *m.adc);
  if (m.tile) behavioral::write_tile_model_file(path, *m.tile);
}

behavioral::TileModelFile assemble_tile_model_with_energy(const TileAssemblyOptions& options,
                                                          const std::string& energy_campaign, bool energy_scale) {
  behavioral::TileModelFile m = assemble_tile_model(options);
  if (!energy_campaign.empty()) {
    const int rows = m.nominal.crossbar.rows, cols = m.nominal.crossbar.physical_cols();
    m.energy = energy_scale ? scale_tile_energy(tile_energy_from_campaign(energy_campaign, 0, 0), rows, cols)
                            : tile_energy_from_campaign(energy_campaign, rows, cols);
  }
  return m;
}

}  // namespace xbar::fit
