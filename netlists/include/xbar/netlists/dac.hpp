#pragma once
// Row drivers: a DAC per row that applies one input code per read cycle.
//
// Levels (both architectures), for an N-bit code c in 0 .. 2^N - 1:
//   level(c) = v_min_v + c * (v_max_v - v_min_v) / (2^N - 1)
//
// Read timing (return to zero). Cycle k spans [k T, (k+1) T], T = t_cycle_s:
//   [k T,              k T + t_edge]      ramp 0 -> level(codes[k])
//   [k T + t_edge,     (k+1) T - t_edge]  hold
//   [(k+1) T - t_edge, (k+1) T]           ramp back to 0
// The output is sampled at read_sample_time_s(timing, k) = (k+1) T - t_edge, the end of the hold.
//
// Architectures:
//   ideal  One PWL source at the ideal levels behind r_source_ohm:
//            v<prefix> <prefix>_src 0 PWL(...)   r<prefix>_s <prefix>_src <out_node> r_source_ohm
//          (with r_source_ohm = 0 the source drives <out_node> directly).
//   r2r    A voltage-mode R-2R ladder, a unity buffer, then r_source_ohm:
//            bit j (j = 0 is the LSB) drives node <prefix>_n<j> through 2R from source
//            v<prefix>_b<j> (PWL: 0 V between cycles, v_hi when bit j of the code is set, else v_lo);
//            series R from <prefix>_n<j> to <prefix>_n<j+1>; 2R from <prefix>_n0 to the terminating
//            source v<prefix>_lo (0 V between cycles, v_lo during cycles). The ladder output
//            <prefix>_n<N-1> feeds an ideal unity VCVS e<prefix>_buf into <prefix>_buf, then
//            r<prefix>_s to <out_node>.
//          With v_lo = v_min_v and v_hi = v_min_v + (v_max_v - v_min_v) 2^N / (2^N - 1), the ladder gives
//            v(<prefix>_n<N-1>) = v_lo + (v_hi - v_lo) c / 2^N = level(c).
//
// Energy: every independent source is named "v<prefix>..." (prefix "dac3" -> vdac3_b0, vdac3_lo),
// so characterize::energy_by_prefix_j(result, deck, "vdac3", ...) gives the driver's energy. The
// R-2R buffer is an ideal VCVS: the energy it delivers is NOT counted (a real buffer's supply
// belongs to the op-amp model).
//
// Mismatch of the R-2R ladder: DacMismatch::r_rel holds 2N relative resistor errors
// (R_actual = R_nominal (1 + r_rel)), in this order:
//   r_rel[j],         j = 0 .. N-1   the 2R leg of bit j
//   r_rel[N + j],     j = 0 .. N-2   the series R between <prefix>_n<j> and <prefix>_n<j+1>
//   r_rel[2N - 1]                    the terminating 2R at the LSB end
// Empty = no mismatch. dac_r2r_level_v() solves the mismatched ladder exactly (nodal analysis).
//
// Example:
//   DacParams p;  p.architecture = DacArchitecture::r2r;  p.bits = 4;
//   std::string text = dac_text(p, {}, "dac0", {3, 15, 0}, ReadTiming{}, "in0");
#include <string>
#include <vector>

namespace xbar::netlists {

enum class DacArchitecture { ideal, r2r };

/// Parses "ideal" or "r2r"; throws netlists::Error naming `field` otherwise.
DacArchitecture parse_dac_architecture(const std::string& name, const std::string& field = "dac.architecture");
const char* to_string(DacArchitecture a);

/// Every parameter of one row driver.
struct DacParams {
  DacArchitecture architecture = DacArchitecture::ideal;  ///< ideal PWL source, or R-2R ladder + buffer
  int bits = 4;                       ///< resolution N, 1..12
  double v_min_v = 0.0;               ///< level of code 0, V
  double v_max_v = 0.2;               ///< level of code 2^N - 1, V (> v_min_v)
  double r_source_ohm = 0.0;          ///< output resistance after the source or buffer, ohm (0 = none)
  double r_unit_ohm = 10e3;           ///< R of the R-2R ladder (legs are 2R), ohm; used by r2r only

  /// Checks every field; throws ValidationError, e.g. "dac.bits = 0: must be between 1 and 12".
  void validate() const;
  /// Number of codes, 2^bits.
  int codes() const { return 1 << bits; }
};

/// Relative error of each R-2R resistor (order above); empty = none.
struct DacMismatch {
  std::vector<double> r_rel;
};

/// Read-cycle timing of the row drivers (see the header comment).
struct ReadTiming {
  double t_cycle_s = 100e-9;  ///< cycle length T, s
  double t_edge_s = 1e-9;     ///< rise and fall time, s (0 < t_edge <= T / 4)
};

/// Throws ValidationError unless 0 < t_edge_s <= t_cycle_s / 4 and both are finite.
void validate(const ReadTiming& timing);

/// level(code) = v_min + code (v_max - v_min) / (2^N - 1). Throws Error for a code outside 0 .. 2^N - 1.
double dac_ideal_level_v(const DacParams& p, int code);

/// The R-2R ladder's output for `code` with mismatch `m` (nodal solve of the ladder), V.
/// Equals dac_ideal_level_v for empty mismatch (to rounding).
double dac_r2r_level_v(const DacParams& p, const DacMismatch& m, int code);

/// Time at which cycle k's output is sampled: (k+1) T - t_edge, s.
double read_sample_time_s(const ReadTiming& timing, int k);

/// The driver's elements (no title, no analysis, no .end): applies codes[k] in cycle k and
/// drives `out_node`. Validates p and timing, each code, and m (r_rel empty or 2N entries,
/// each > -1); throws ValidationError or Error otherwise.
std::string dac_text(const DacParams& p, const DacMismatch& m, const std::string& prefix, const std::vector<int>& codes,
                     const ReadTiming& timing, const std::string& out_node);

}  // namespace xbar::netlists
