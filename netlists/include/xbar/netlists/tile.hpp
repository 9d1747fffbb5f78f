#pragma once
// The tile chain: a DAC row driver per row, the crossbar, one TIA and one flash ADC per column,
// in one transient deck that performs one matrix-vector product per read cycle.
//
//   input_codes(k, i) --DAC i--> x<i> --Vrow<i> (0 V sense)--> in<i> = crossbar row i
//   crossbar column k ends at o<k> --Vcol<k> (0 V sense)--> ti<k> = TIA k input (virtual ground)
//   TIA k output t<k> = -Rf I_k (ideally) --> flash ADC k (prefix "adc<k>"), comparators adc<k>q<m>
//
// Supplies (independent sources, named by block so that energy can be split by name prefix):
//   vtia_dd  tdd 0  (TIA positive supply, tia.opamp.vdd_v)     vtia_ss  tss 0  (tia.opamp.vss_v)
//   vadc_dd  add 0  (ADC supply, adc.vdd_v); each ADC's ladder references are vadc<k>...
//   DAC sources are vdac<i>... (dac.hpp).
// Read cycle k spans [k T, (k+1) T] (ReadTiming, dac.hpp): the drivers return to zero between
// cycles, the ADC outputs are read at read_sample_time_s(timing, k) = t_r.
//
// ADC clock (adc_clocked = true, the default, with adc.comparator = transistor; macro comparators
// always track, having no switching edges to resolve): one source vadc_clk on node aclk enables every
// comparator (adc_text's enable_node). In cycle k it is 0 V, rises over t_edge to adc.vdd_v ending
// at t_r - t_en (t_en = t_adc_enable_s, or T / 10), stays there until t_r and falls over t_edge
// (with the drivers). The comparators' outputs are low while it is low, so they do not follow the
// TIA outputs through the rise and the return to zero (each crossing of a threshold was a fast
// inverter edge that the transient resolved: tens per column and cycle); each switches at most
// once up and once down per cycle. At t_r the enable is at vdd, where the preamps equal the
// tracking ones: the same comparators, taps and offsets give the code. The clock source's own
// drive energy is not modelled (it feeds B-source inputs only and carries no current).
// adc_clocked = false gives the tracking ADC (no vadc_clk) of the decks before 2026-11-30.
//
// Energy per block and per cycle (characterize/src/tile_kind.cpp integrates it):
//   array    energy into the rows minus energy out of the columns: sum_i int v(in_i) i(Vrow_i)
//            - sum_k int v(o_k) i(Vcol_k)
//   drivers  energy of the vdac* sources that does not reach the array (source and ladder
//            losses), plus the loss in r_source_ohm behind an ideal R-2R buffer
//   tia      energy of vtia_dd and vtia_ss
//   adc      energy of vadc_dd and every vadc<k>* ladder reference
//
// Only single-ended arrays: crossbar.differential must be false (a differential tile needs a
// current subtractor or a differential ADC, not modelled yet).
#include <Eigen/Core>
#include <string>
#include <vector>

#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/crossbar.hpp"
#include "xbar/netlists/dac.hpp"
#include "xbar/netlists/deck.hpp"
#include "xbar/netlists/opamp.hpp"

namespace xbar::netlists {

struct TileParams {
  CrossbarParams crossbar;                  ///< the array; r_source_ohm must be empty (the DAC has r_source_ohm), v_in_v is ignored
  DacParams dac;                            ///< every row driver
  TiaParams tia;                            ///< every column's TIA
  AdcParams adc;                            ///< every column's ADC
  ReadTiming timing;                        ///< read-cycle timing
  std::vector<DacMismatch> dac_mismatch;    ///< empty, or one per row
  std::vector<OpampMismatch> tia_mismatch;  ///< empty, or one per column
  std::vector<AdcMismatch> adc_mismatch;    ///< empty, or one per column
  Eigen::MatrixXi input_codes;              ///< cycles x rows DAC codes, 0 .. 2^dac.bits - 1
  double t_step_max_s = 0.0;                ///< transient maximum step, s; 0 = t_edge_s / 4
  bool adc_clocked = true;                  ///< transistor comparators clocked by vadc_clk (below); false = tracking
  double t_adc_enable_s = 0.0;              ///< how long the ADC clock is high before each read, s; 0 = t_cycle_s / 10
  std::string title = "xbar tile chain";    ///< deck title (one line)

  /// Checks the tile-level rules and every part; throws ValidationError listing each problem.
  void validate() const;
  int cycles() const { return static_cast<int>(input_codes.rows()); }
};

/// The whole deck: title, supplies, drivers, array, TIAs, ADCs, ".options klu", the ".tran" card
/// covering every cycle (stopping 0.1 % past the end of the last), ".end". Probes: "v_tia<k>" (V)
/// for each column's TIA output.
Deck make_tile_deck(const TileParams& params);

/// The same tile cut at the TIA outputs into the chain and its ADCs. Exact: the ADCs read t<k>
/// only through their preamps' B sources (adc.hpp), which draw no current, and their supply,
/// ladder references and clock are ideal sources, so nothing flows from the ADCs back into the
/// chain or from one column's ADC into another's; only the transients' time steps differ (in one
/// deck every comparator edge cuts the step of the whole array, and every Newton iteration
/// reloads every device). characterize's tile kinds run them in turn (tile_readout.hpp).
///   make_tile_chain_deck: make_tile_deck without vadc_dd and the ADCs (same element order,
///     probes, .tran and .meas cards). The ADC clock vadc_clk stays, driving nothing: its corners
///     are breakpoints, so the chain's transient resolves the TIA outputs around each enable window
///     as the whole deck's does (without them, at a 100 ns maximum step, the transistor ADC energy
///     moved by 0.4 %; tests/system/test_tile_fidelity.cpp).
///   make_tile_adc_deck: vadc_dd, the clock and the ADCs of columns first_col .. first_col +
///     n_cols - 1 (n_cols < 0: to the last), each TIA output t<k> a PWL source "vwave<k>" through
///     (time_s[j], v_tia_v[k][j]) (the chain transient's own points; repeated times dropped), the
///     same .options and .tran. Throws ValidationError unless the columns exist and there is one
///     finite waveform per column of the tile, each as long as time_s (>= 2 points).
Deck make_tile_chain_deck(const TileParams& params);
Deck make_tile_adc_deck(const TileParams& params, const std::vector<double>& time_s,
                        const std::vector<std::vector<double>>& v_tia_v, int first_col = 0, int n_cols = -1);

/// Node and prefix names of the tile, for reading results.
std::string tile_tia_output_node(int column);  ///< "t<k>"
std::string tile_adc_prefix(int column);       ///< "adc<k>"
std::string tile_driver_node(int row);         ///< "x<i>"

/// The ideal quantized MVM the tile approximates, from target conductances g (rows x cols):
///   v_k = -Rf sum_i g(i,k) level(code_i),  code_k = adc_ideal_code(v_k)
/// Returns cycles x cols codes; `v_out` (if not null) receives the ideal TIA outputs.
Eigen::MatrixXi tile_ideal_codes(const TileParams& params, const Eigen::MatrixXd& g, Eigen::MatrixXd* v_out = nullptr);

}  // namespace xbar::netlists
