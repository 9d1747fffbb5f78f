#pragma once
// The netlists -> behavioral parameter mapping, in one place: what a behavioral model of a
// circuit gets from that circuit's netlist parameters (netlists::CrossbarParams, TiaParams,
// AdcParams, DacParams, TileParams) and from a campaign spec. Every fit, validation and the
// tile replay use these; none copies fields itself.
//
//  crossbar   rows, cols, differential, cell (linear / sinh), v0_v, r_row_wire_ohm,
//             r_col_wire_ohm, r_source_ohm (per row), temperature_c, tnom_c, cell_tc1_per_k,
//             wire_tc1_per_k: the same names on both sides.
//  campaign   the spec's crossbar at the spec's corner: temperature_c, tnom_c, cell_tc1_per_k and
//             wire_tc1_per_k come from [variation] (as characterize's instance variation sets them).
//  DAC        bits, v_min_v, v_max_v; an r2r DAC also gets its per-row level table
//             (netlists::dac_r2r_level_v with each row's mismatch, none when the list is empty);
//             an ideal DAC gets no table (ideal levels).
//  TIA        rf_ohm from the netlist; everything the op-amp decides (a0_vv, r_out_ohm,
//             v_offset_v, swing, tau_s) from a given TiaModelParams (a fitted TIA model, or
//             ideal_tile_tia); t_sample_s = t_cycle_s - 2 t_edge_s in a tile.
//  ADC        bits, v_min_v, v_max_v; transition k = ladder tap k (netlists::adc_ladder_taps_v
//             with the mismatch's ladder_r_rel) + comparator offset k (0 when none).
#include <vector>

#include "xbar/behavioral/crossbar_model.hpp"
#include "xbar/behavioral/periphery.hpp"
#include "xbar/behavioral/tile_model.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/netlists/tile.hpp"

namespace xbar::fit {

/// The behavioral cell model of a netlist cell model.
behavioral::CellModel cell_model(netlists::CellModel cell);

/// The behavioral crossbar of a netlist crossbar (same fields, see above).
behavioral::CrossbarModelParams crossbar_model_params(const netlists::CrossbarParams& x);

/// The spec's crossbar with the corner of its [variation] (temperature and coefficients).
netlists::CrossbarParams spec_crossbar_at_corner(const characterize::CampaignSpec& spec);

/// The nominal behavioral parameters of a crossbar campaign spec:
/// crossbar_model_params(spec_crossbar_at_corner(spec)).
behavioral::CrossbarModelParams nominal_params(const characterize::CampaignSpec& spec);

/// A behavioral DAC of `rows` row drivers: r2r gets each row's levels with `mismatch[row]`
/// (or none when `mismatch` is empty), ideal none.
behavioral::DacModelParams dac_model_params(const netlists::DacParams& dac,
                                            const std::vector<netlists::DacMismatch>& mismatch, int rows);

/// A behavioral ADC: range and bits of `adc`; transitions = ladder taps + comparator offsets.
behavioral::AdcModelParams adc_model_params(const netlists::AdcParams& adc, const netlists::AdcMismatch& mismatch);

/// The TIA of a tile: `tia` (the op-amp's figures) with rf_ohm = p.tia.rf_ohm and
/// t_sample_s = t_cycle_s - 2 t_edge_s.
behavioral::TiaModelParams tile_tia_params(const netlists::TileParams& p, const behavioral::TiaModelParams& tia);

/// TileModelParams of a tile (netlists::TileParams, e.g. one campaign sample's or the demo's):
/// crossbar from p.crossbar with r_source_ohm = p.dac.r_source_ohm per row, DAC levels from
/// p.dac and p.dac_mismatch, ADC transitions from p.adc and p.adc_mismatch, and one shared
/// tile_tia_params(p, tia).
behavioral::TileModelParams tile_model_params(const netlists::TileParams& p, const behavioral::TiaModelParams& tia);

/// The TIA of a tile spec with an ideal op-amp (a0 = inf, no offset, swing = the op-amp's
/// supplies, tau = 0): the model to use without a fitted tia model.
behavioral::TiaModelParams ideal_tile_tia(const characterize::CampaignSpec& spec);

}  // namespace xbar::fit
