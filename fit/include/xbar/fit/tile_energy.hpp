#pragma once
// The energy of one tile MVM from a SPICE tile campaign (kind "tile"), for the tile model file's
// /energy group (behavioral::TileEnergy, data/MODEL_SCHEMA.md "Kind tile").
//
// Over every ok sample s and read cycle k of the campaign:
//   array_j = mean of /samples/energy_array_j[s, k]   (likewise drivers, tia, adc, total)
//   spice_s_per_mvm = sum_s /timing/sample_seconds[s] / (number of ok samples x reads per sample)
// The wall time includes the deck generation, the transient and the measurement of one sample
// in its worker process (the campaign's own timing); it is measured on the machine that ran the
// campaign.
//
// Example:
//   auto tile = behavioral::read_tile_model_file("tile.h5");
//   tile.energy = fit::tile_energy_from_campaign("tile64_energy.h5", 64, 64);
#include <string>

#include "xbar/behavioral/tile_model_file.hpp"

namespace xbar::fit {

/// Reads the tile campaign at `campaign_path` and averages its energies. Throws FitError naming
/// the file when it is not a tile campaign, has no ok sample, or its crossbar is not
/// `rows` x `cols` (pass 0 for either to skip that check).
behavioral::TileEnergy tile_energy_from_campaign(const std::string& campaign_path, int rows, int cols);

}  // namespace xbar::fit
