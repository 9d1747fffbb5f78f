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

/// `measured` (a campaign of another size) scaled to a rows x cols tile, stated in the note:
///   array_j x (rows cols) / (r0 c0)   (every cell conducts)
///   drivers_j x rows / r0              (one driver per row)
///   tia_j, adc_j x cols / c0           (one TIA and one ADC per column, static bias dominates)
///   spice_s_per_mvm x (rows cols) / (r0 c0)   (an assumption: the bench measured 5.0x from
///                                              64x64 to 128x128 with flash ADCs, 2026-11-23)
/// rows, cols, note change; everything else (campaign, t_cycle) stays.
behavioral::TileEnergy scale_tile_energy(const behavioral::TileEnergy& measured, int rows, int cols);

}  // namespace xbar::fit
