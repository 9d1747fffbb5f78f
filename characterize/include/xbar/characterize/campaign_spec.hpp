#pragma once
// The campaign spec: one TOML file that describes a tile, its variation, the workload and the
// run. Every field is documented in data/SPEC.md, with one example per circuit kind in data/.
//
// Units are in the names (STYLE.md 4). `_d2d` = drawn once per device or chip instance.
//
// Example (data/crossbar_small.toml):
//   kind = "crossbar"
//   seed = 1
//   [crossbar]
//   rows = 32
//   cols = 32
//   r_row_wire_ohm = 1.0
//   [variation]
//   g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }
//   [workload]
//   instances = 4
//   patterns_per_instance = 2
//   inputs_per_pattern = 8
//   [run]
//   output = "crossbar_small.h5"
#include <cstdint>
#include <string>
#include <vector>

#include "xbar/netlists/adc.hpp"
#include "xbar/netlists/crossbar.hpp"
#include "xbar/netlists/opamp.hpp"
#include "xbar/netlists/dac.hpp"

namespace xbar::characterize {

/// The kind of distribution of a variation.
enum class Distribution { none, normal, lognormal };

/// Relative programming error of each cell's conductance, drawn per device:
///   normal:     G = G_target * (1 + sigma_rel_d2d * z), clipped at 0
///   lognormal:  G = G_target * exp(s z - s^2/2), s = sqrt(ln(1 + sigma_rel_d2d^2))
///               (mean G_target, standard deviation sigma_rel_d2d * G_target)
struct ProgrammingError {
  Distribution distribution = Distribution::none;
  double sigma_rel_d2d = 0.0;  ///< relative standard deviation, >= 0
};

/// Which transistors of an op-amp get Pelgrom mismatch draws.
enum class MismatchDevices { all, input_pair, none };

/// How a tile's transient is run: `joint`, the whole deck (netlists::make_tile_deck) in one
/// transient; `separate`, the chain (drivers, array, TIAs) first, then the ADCs driven by the
/// chain's TIA output waveforms, in a transient of their own (make_tile_chain_deck,
/// make_tile_adc_deck: exact, nothing flows from the ADCs into the chain). Separate is the
/// default: in one deck each comparator edge cuts the time step of the whole array and every
/// Newton iteration refactors it.
enum class AdcTransient { separate, joint };

struct VariationSpec {
  ProgrammingError g_prog_error;           ///< [variation] g_prog_error
  double stuck_on_fraction = 0.0;          ///< fraction of cells stuck at g_stuck_on_s, in [0, 1]
  double stuck_off_fraction = 0.0;         ///< fraction of cells stuck at g_stuck_off_s; on + off <= 1
  double g_stuck_on_s = -1.0;              ///< conductance of a stuck-on cell, S; < 0 means workload g_max_s
  double g_stuck_off_s = -1.0;             ///< conductance of a stuck-off cell, S; < 0 means workload g_min_s
  double r_wire_sigma_rel_d2d = 0.0;       ///< relative normal spread of the wire resistance, per chip instance
  double temperature_c = 27.0;             ///< global corner temperature, Celsius
  double tnom_c = 27.0;                    ///< temperature at which nominal values hold, Celsius
  double cell_tc1_per_k = 0.0;             ///< first-order temperature coefficient of cell resistance, 1/K
  double wire_tc1_per_k = 0.0;             ///< first-order temperature coefficient of wire resistance, 1/K
  // Op-amp mismatch (kinds "opamp" and "tia"; the tile chain's TIAs), drawn per instance.
  double a_vt_mv_um = -1.0;                ///< Pelgrom A_VT per transistor, mV*um; < 0 means the process's (3.5 for xbar180)
  double a_beta_pct_um = -1.0;             ///< Pelgrom A_beta per transistor, %*um; < 0 means the process's (0.7 for xbar180)
  MismatchDevices mismatch_devices = MismatchDevices::all;  ///< which transistors get mismatch draws
  double opamp_vos_sigma_v = 0.0;          ///< macro op-amp: standard deviation of the input offset, V
  // Converters (kinds "adc", and the tile chain), drawn per instance and per converter:
  double comparator_offset_sigma_v = 0.0;  ///< ADC comparator input-referred offset, normal, V
  double ladder_r_sigma_rel = 0.0;         ///< ADC reference-ladder resistor relative error, normal (clipped at -0.9)
  double dac_r_sigma_rel = 0.0;            ///< R-2R DAC resistor relative error, normal (clipped at -0.9)
};

/// Read-cycle timing of the tile chain ([tile]); see netlists/tile.hpp.
struct TileSpec {
  netlists::ReadTiming timing;             ///< t_cycle_s, t_edge_s
  double t_step_max_s = 0.0;               ///< transient maximum step, s; 0 = t_edge_s / 4
  /// "transistor": Miller op-amps as [opamp] model says, transistor comparators; "macro": the
  /// macro op-amp and macro comparators (netlists::ComparatorModel), for fast spot checks.
  std::string fidelity = "transistor";
  /// "separate" (default): the chain (drivers, array, TIAs) in one transient, then the ADCs in
  /// another, driven by the TIA output waveforms (exact: the ADCs draw no current from the TIAs;
  /// netlists/tile.hpp); "joint": the whole deck in one transient, as `xbar netlist sample` writes it.
  AdcTransient adc_transient = AdcTransient::separate;
  /// With "separate": the ADCs of this many adjacent columns share a transient (the last group may
  /// hold fewer). One is fastest: ngspice loads every device at each Newton iteration, and the
  /// comparators of more columns need more iterations together (README, "The SPICE tile at two
  /// fidelities").
  int adc_group_cols = 1;
  /// Transistor comparators enabled by the ADC clock for t_adc_enable_s before each read (0 = a
  /// tenth of the cycle), or tracking the TIA outputs all cycle (false); netlists/tile.hpp.
  bool adc_clocked = true;
  double t_adc_enable_s = 0.0;
};

/// How the "adc" kind measures each instance ([measure]).
struct AdcMeasureSpec {
  int points_per_lsb = 16;                 ///< DC ramp density: sweep step = LSB / points_per_lsb, 1..1024
  double t_conversion_s = 10e-9;           ///< conversion period of the energy transient, s
  double t_edge_s = 0.1e-9;                ///< input step rise time of the energy transient, s (<= t_conversion_s / 4)
};

enum class WeightSource { uniform, normal, file };
enum class InputSource { random, one_hot, file };

struct WorkloadSpec {
  int instances = 1;                       ///< chip instances, >= 1
  int patterns_per_instance = 1;           ///< weight patterns programmed on each instance, >= 1
  int inputs_per_pattern = 1;              ///< input vectors applied to each programmed pattern, >= 1
  WeightSource weights = WeightSource::uniform;  ///< uniform or normal in [g_min_s, g_max_s], or file
  std::string weights_file;                ///< CSV, rows x cols target conductances in S (weights = "file")
  double g_min_s = 1e-6;                   ///< lowest target conductance, S
  double g_max_s = 1e-4;                   ///< highest target conductance, S
  InputSource inputs = InputSource::random;  ///< random (uniform in the read range), one_hot, or file
  std::string inputs_file;                 ///< CSV, one input vector (rows values, V) per line (inputs = "file")
  double v_read_min_v = 0.0;               ///< lowest read voltage, V
  double v_read_max_v = 0.2;               ///< highest read voltage, V (the one-hot level)
};

/// Kind "tile_replay": the decks to run ([replay]; xbar/characterize/tile_replay.hpp).
struct ReplaySpec {
  std::string file;    ///< tile replay file, relative to the spec's folder ("" in a stored spec: not at hand)
  std::string sha256;  ///< its SHA-256 (hex): a resume never mixes decks of two files
  int rows = 1, cols = 1, cycles_max = 1;  ///< the decks' array size and most read cycles (the file must agree)
};

struct RunSpec {
  std::string output = "campaign.h5";      ///< HDF5 output path, relative to the spec file's folder
  int workers = 1;                         ///< worker processes, >= 1
  double sample_timeout_s = 60.0;          ///< a sample running longer is killed and recorded as failed
  double checkpoint_interval_s = 30.0;     ///< rewrite the HDF5 file from the journal this often, seconds
  int output_line = 0;                     ///< line of `output` in the spec (for messages; 0 = unknown)
};

struct CampaignSpec {
  std::string kind = "crossbar";           ///< circuit kind: "crossbar", "opamp", "tia", "adc", "tile" or "tile_replay"
  std::uint64_t seed = 1;                  ///< campaign seed: sample i depends only on (seed, i)
  netlists::CrossbarParams crossbar;       ///< [crossbar] nominal parameters; g_s and v_in_v come from the workload
  netlists::OpampParams opamp;             ///< [opamp] the op-amp (kinds "opamp" and "tia")
  netlists::OpampBench opamp_bench;        ///< [opamp] test-bench fields (kind "opamp")
  netlists::TiaParams tia;                 ///< [tia] the TIA; tia.opamp is a copy of `opamp` (kind "tia")
  netlists::TiaBench tia_bench;            ///< [tia] test-bench fields (kind "tia")
  netlists::DacParams dac;                 ///< [dac] nominal row driver
  netlists::AdcParams adc;                 ///< [adc] nominal flash ADC
  AdcMeasureSpec adc_measure;              ///< [measure] of kind "adc"
  TileSpec tile;                           ///< [tile] read-cycle timing of kind "tile"
  ReplaySpec replay;                       ///< [replay] of kind "tile_replay"
  VariationSpec variation;
  WorkloadSpec workload;
  RunSpec run;
  std::string source_path;                 ///< the spec file read ("" when parsed from a string)
  std::string source_text;                 ///< the spec file's full text, stored in the HDF5 provenance

  /// Samples = instances * patterns_per_instance. One sample is one programmed array with
  /// inputs_per_pattern input vectors.
  std::uint64_t total_samples() const {
    return static_cast<std::uint64_t>(workload.instances) * static_cast<std::uint64_t>(workload.patterns_per_instance);
  }
};

/// Reads and validates a spec file. Throws SpecError whose message names the file, the line,
/// the field and what is allowed, e.g.
///   "spec.toml:7: workload.instances = 0: must be an integer >= 1"
///   "spec.toml:3: crossbar.cell = 'tanh': must be one of linear, sinh"
///   "spec.toml:12: unknown field 'variaton' (known: kind, seed, crossbar, variation, workload, run); did you mean 'variation'?"
/// Relative paths (weights_file, inputs_file, run.output) are resolved against the spec's folder.
CampaignSpec load_campaign_spec(const std::string& path);
/// load_campaign_spec with command-line overrides (`xbar characterize --set field=value`): each
/// override is a dotted key and a TOML value ("workload.instances=20", "crossbar.cell=sinh",
/// "variation.g_prog_error.sigma_rel_d2d=0.1"); a value that is not TOML is taken as a string.
/// The overridden spec is re-printed as TOML, headed by a comment naming the file and the
/// overrides, validated like a file and stored as the campaign's spec text, so a resume with
/// different overrides is refused like an edited spec. Throws SpecError naming the override
/// ("--set 'x': must be field=value, e.g. workload.instances=20") or the field.
CampaignSpec load_campaign_spec(const std::string& path, const std::vector<std::string>& overrides);

/// The same from text; `source_name` is used in messages and relative paths resolve against
/// the current folder.
CampaignSpec parse_campaign_spec(const std::string& text, const std::string& source_name = "spec");
/// A spec as stored in a campaign file (provenance spec_text): validated like
/// parse_campaign_spec, but weights_file and inputs_file are neither read nor checked, since the
/// campaign holds every sample's conductances and inputs. Fits use this, so a file-based campaign
/// can be fitted from any folder and on another machine.
CampaignSpec parse_stored_campaign_spec(const std::string& text, const std::string& source_name = "spec");

/// The part of a spec's text that decides its results, in a canonical form: the TOML tables
/// re-printed in key order without comments or formatting, and without the fields that do not
/// change any sample (run.workers, run.checkpoint_interval_s, run.sample_timeout_s,
/// run.output). Two specs with the same results_text give the same samples; the resume journal
/// and the check of an existing output file compare this, so editing a comment or the worker
/// count keeps completed samples. Throws SpecError on a TOML syntax error.
std::string results_text(const std::string& spec_text, const std::string& source_name = "spec");

}  // namespace xbar::characterize
