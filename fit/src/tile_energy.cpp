// tile_energy_from_campaign (tile_energy.hpp).
#include "xbar/fit/tile_energy.hpp"

#include <fmt/format.h>

#include <cmath>

#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/core/sha256.hpp"
#include "xbar/fit/fit_error.hpp"

namespace xbar::fit {

behavioral::TileEnergy tile_energy_from_campaign(const std::string& campaign_path, int rows, int cols) {
  const characterize::CampaignFile c = characterize::read_campaign_file(campaign_path);
  if (c.schema.kind != "tile")
    throw FitError(fmt::format("{}: --energy-campaign: kind '{}': must be a tile campaign (kind tile)", campaign_path,
                               c.schema.kind));
  const auto spec = characterize::parse_stored_campaign_spec(c.provenance.spec_text, campaign_path + " spec_text");
  const int r = spec.crossbar.rows, k = spec.crossbar.physical_cols();
  if ((rows > 0 && r != rows) || (cols > 0 && k != cols))
    throw FitError(fmt::format("{}: --energy-campaign: the campaign's tile is {}x{}: must match the tile model's {}x{}",
                               campaign_path, r, k, rows, cols));
  const char* names[] = {"energy_array_j", "energy_drivers_j", "energy_tia_j", "energy_adc_j", "energy_total_j"};
  double sum[5] = {0, 0, 0, 0, 0};
  std::uint64_t n = 0, n_samples = 0;
  double seconds = 0.0;
  const std::uint64_t reads = c.schema.field("energy_total_j").size();
  for (const auto& rec : c.records) {
    if (rec.status != characterize::SampleStatus::ok) continue;
    bool finite = true;
    for (const char* name : names)
      for (std::uint64_t q = 0; q < reads; ++q)
        finite = finite && std::isfinite(rec.values[c.schema.offset_of(name) + q]);
    if (!finite) continue;
    for (int b = 0; b < 5; ++b)
      for (std::uint64_t q = 0; q < reads; ++q) sum[b] += rec.values[c.schema.offset_of(names[b]) + q];
    n += reads;
    ++n_samples;
    seconds += rec.seconds;
  }
  if (n == 0) throw FitError(campaign_path + ": --energy-campaign: no ok sample with finite energies");
  behavioral::TileEnergy e;
  e.array_j = sum[0] / n;
  e.drivers_j = sum[1] / n;
  e.tia_j = sum[2] / n;
  e.adc_j = sum[3] / n;
  e.total_j = sum[4] / n;
  e.t_cycle_s = spec.tile.timing.t_cycle_s;
  e.spice_s_per_mvm = seconds / static_cast<double>(n);
  e.rows = r;
  e.cols = k;
  e.n_mvms = n;
  e.opamp_model = netlists::to_string(spec.opamp.model);
  e.campaign_path = campaign_path;
  e.campaign_sha256 = core::sha256_file_hex(campaign_path);
  e.note = fmt::format("measured: mean of {} MVM(s) over {} sample(s) of a {}x{} SPICE tile campaign ({} op-amps)", n,
                       n_samples, r, k, e.opamp_model);
  return e;
}

behavioral::TileEnergy scale_tile_energy(const behavioral::TileEnergy& m, int rows, int cols) {
  if (!(m.rows > 0 && m.cols > 0 && rows > 0 && cols > 0))
    throw FitError(fmt::format("scale_tile_energy: sizes must be > 0 ({}x{} to {}x{})", m.rows, m.cols, rows, cols));
  behavioral::TileEnergy e = m;
  const double cells = static_cast<double>(rows) * cols / (static_cast<double>(m.rows) * m.cols);
  const double r = static_cast<double>(rows) / m.rows, c = static_cast<double>(cols) / m.cols;
  e.array_j = m.array_j * cells;
  e.drivers_j = m.drivers_j * r;
  e.tia_j = m.tia_j * c;
  e.adc_j = m.adc_j * c;
  e.total_j = e.array_j + e.drivers_j + e.tia_j + e.adc_j;
  e.spice_s_per_mvm = m.spice_s_per_mvm * cells;
  e.rows = rows;
  e.cols = cols;
  e.note = fmt::format("SCALED, not measured: from the {}x{} SPICE campaign to {}x{} (array x cells, drivers x rows, "
                       "TIA and ADC x columns, ngspice time x cells); measured part: {}",
                       m.rows, m.cols, rows, cols, m.note);
  return e;
}

}  // namespace xbar::fit
