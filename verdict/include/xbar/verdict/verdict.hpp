#pragma once
// The verdict: the energy of running a network on the analog tiles of a tile model against the
// energy of simulating the same inference and of computing it digitally, at matched accuracy
// (DESIGN.md, "Energy: run versus simulate"; the arithmetic is in cost.hpp).
//
// run_verdict() loads the network and the tile model (which must hold the SPICE-measured energy
// of one tile MVM, /energy: `xbar fit tile ... --energy-campaign`), calibrates the mapping as
// `xbar infer` does (networks::calibrate), and on the first `images` test images measures
//   accuracy   digital float32 (libtorch), int8 and int4 (FakeQuantExecutor, calibrated on the
//              mapping's calibration images), the nominal analog chip and K chips
//   E_run      tile MVMs per image x the tile's energy by block + the digital overheads
//   E_sim      behavioral: the process CPU time of classifying the images on the nominal chip
//              (getrusage, all threads) x host power per core, or the RAPL package energy over
//              the same run when /sys/class/powercap/intel-rapl:* is readable; and counted
//              (behavioral_sim_counts x the energy table).
//              SPICE: ngspice seconds per tile MVM (the tile's energy campaign) x tile MVMs per
//              image x host power per core
//   E_digital  digital_counts at the lowest of 4 and 8 bits whose accuracy reaches the analog
//              accuracy (the mean over chips when K > 0, else the nominal chip's)
// Host power: options.host_power_w if given, else the energy table's host_power_per_core; the
// result says which.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/networks/analog_chip.hpp"
#include "xbar/networks/dataset.hpp"
#include "xbar/verdict/cost.hpp"
#include "xbar/verdict/energy_table.hpp"

namespace xbar::verdict {

struct VerdictOptions {
  std::string network_path;                    ///< TorchScript file
  std::string tile_path;                       ///< tile model file with /energy
  std::vector<std::string> energy_tables;      ///< data/energy/*.toml
  std::string data_dir = networks::fashion_mnist_dir();
  int images = 1000;                           ///< test images, 1..10000
  int chips = 0;                               ///< chips drawn from the variation, >= 0
  std::uint64_t seed = 1;                      ///< chip k depends only on (seed, k)
  int batch_size = 500;                        ///< images per forward pass
  int threads = 0;                             ///< libtorch threads, 0 = its default
  double host_power_w = -1.0;                  ///< W per busy core; < 0: RAPL, else the table's host_power_per_core
  std::string powercap_dir = "/sys/class/powercap";
  networks::MappingOptions mapping;
  networks::Preprocess preprocess;
  void validate() const;                       ///< verdict::Error naming the option
};

struct VerdictResult {
  VerdictOptions options;
  EnergyTable table;
  std::vector<LayerShape> layers;
  std::int64_t images = 0;
  std::int64_t macs_per_image = 0;
  std::int64_t tile_mvms_per_image = 0;        ///< from the layer shapes
  std::int64_t tile_mvms_counted = 0;          ///< the nominal chip's count over the images (a check)
  int tile_rows = 0, tile_cols = 0, dac_bits = 0, adc_bits = 0;
  behavioral::TileEnergy tile_energy;          ///< from the tile file
  TileMvmEnergy tile_mvm;

  // accuracies, 0..1 (NaN when not run)
  double acc_float = 0, acc_int8 = 0, acc_int4 = 0, acc_nominal = 0;
  double acc_chips_mean = 0, acc_chips_low = 0, acc_chips_high = 0;
  double acc_analog = 0;                       ///< the one matched: chips mean (K > 0) or nominal
  std::string acc_analog_what;

  RunEnergy run;                               ///< E_run by part, J per image
  double e_run_j = 0;
  double e_run_survey_adc_j = 0;               ///< E_run with the ADCs replaced by adc_walden_fom x 2^bits
  double e_sim_behavioral_j = 0;               ///< measured, J per image
  double behavioral_cpu_s_per_image = 0, behavioral_wall_s_per_image = 0;
  double program_s_per_chip = 0;               ///< programming the nominal chip (not per image)
  double host_power_w = 0;                     ///< W per core used
  std::string power_source;                    ///< "RAPL ...", "--host-power-w", or the table entry
  bool rapl = false;
  double e_sim_behavioral_counted_j = 0;
  OpCounts sim_counts;
  double spice_s_per_mvm = 0, spice_s_per_image = 0;
  double e_sim_spice_j = 0;
  double e_digital8_j = 0, e_digital4_j = 0;
  int digital_bits = 8;                        ///< the matched precision
  double e_digital_j = 0;                      ///< at digital_bits
  std::string matched_note;
  std::string sentence;                        ///< the verdict in one sentence
};

using VerdictProgress = std::function<void(const std::string&)>;

VerdictResult run_verdict(const VerdictOptions& options, const VerdictProgress& progress = {});

/// The verdict sentence of a result.
std::string verdict_sentence(const VerdictResult& r);
/// The whole result as markdown: the figures table with accuracies and ratios, the E_run
/// breakdown, the assumptions, and every constant used with its source.
std::string verdict_markdown(const VerdictResult& r, const std::string& png_name = "");
/// Human units: "3.21 nJ", "45.6 mJ".
std::string format_joules(double j);

/// One reading of the top-level RAPL zones (intel-rapl:N, one per CPU package) under a powercap
/// folder (/sys/class/powercap). Subzones (intel-rapl:N:M: core, uncore, dram) are inside their
/// package's count and are ignored, as are other control types (intel-rapl-mmio:N) and zones whose
/// energy_uj cannot be read (root-only on recent kernels).
struct RaplReading {
  std::vector<std::string> zones;     ///< zone folder names, sorted
  std::vector<double> energy_uj;      ///< each zone's energy_uj counter, µJ
  std::vector<double> max_range_uj;   ///< each zone's max_energy_range_uj (NaN when unreadable), µJ
};
RaplReading read_rapl(const std::string& powercap_dir);

/// The energy between two readings, J: the sum over zones of after - before, where a counter that
/// went down wrapped around once and gains max_energy_range_uj (+1: the counter runs 0 .. max).
/// NaN when there is no zone, the two readings name different zones, or a wrapped zone has no
/// readable max_energy_range_uj.
double rapl_energy_between_j(const RaplReading& before, const RaplReading& after);

/// Sum of energy_uj of the top-level RAPL zones under `powercap_dir`, J; NaN when none is readable.
double read_rapl_j(const std::string& powercap_dir);

}  // namespace xbar::verdict
