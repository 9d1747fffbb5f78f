#pragma once
// The energy arithmetic of the verdict: pure functions on counts, no I/O, no torch.
//
// A network is a list of LayerShape (one per Linear/Conv2d, as networks::AnalogLayer and
// networks::LayerMapping give them, with `positions` = output positions per image: 1 for a
// Linear, H_out W_out for a Conv2d). Each function returns OpCounts per image: how many times
// each named constant of the energy table (data/energy/*.toml) is spent. energy_j() multiplies:
//   E = sum over names n of count(n) x table.joules(n).
//
// E_run (running the analog system, one image):
//   analog:  tile_mvms x E_tile (the SPICE-measured energy of one tile MVM, by block)
//   tile_mvms = sum_layers positions x reads x tiles_r x tiles_c   (reads = 2 for signed inputs)
//   digital overheads (run_overhead_counts), per tile MVM:
//     accumulate:  cols int32_add (pair difference and partial sums over the tile rows)
//     buffers:     ceil(rows / 8) sram_8kb_read_64b (the DAC codes, one byte each) and
//                  ceil(cols / 2 x 4 / 8) sram_8kb_read_64b (the 32-bit partial sums, a write
//                  counted as a read)
//   per output element (outputs x positions):
//     rescale:     1 int32_mult (code to value) and 1 int32_add (bias)
//     activation:  1 int8_add (ReLU as a compare); conv layers 1 more (pooling, a compare)
//     moving activations between tiles: 2 x ceil(bytes / 8) sram_1mb_read_64b (write and read one
//                  byte per element through a 1 MB global buffer)
// E_digital (the same network on a digital accelerator at b = 8 or 4 bits, one image):
//   per MAC:      1 int<b>_mult + 1 int32_add, and b / 64 sram_8kb_read_64b (the activation operand
//                 from a local buffer, 64 / b operands per 64-bit read)
//   weights:      each weight once per image: ceil(weights x b / 64) sram_1mb_read_64b
//   per output element: rescale, activation, pooling and moving activations as for E_run
// E_sim counted (the behavioral model on a CPU, one image):
//   per tile MVM: rows x cols (fp32_mult + fp32_add) (the GEMV with the crossbar's effective
//                 matrix), cols x (5 fp32_mult + 5 fp32_add) (TIA), cols x adc_bits fp32_add (the
//                 ADC's binary search), ceil(rows x cols / batch) sram_1mb_read_64b (the matrix,
//                 8 bytes per entry, read once per batch of `batch` vectors), (rows + cols)
//                 sram_32kb_read_64b (input and output vectors, 8 bytes each)
//   plus the same per-output digital work as E_run. The model computes in 64-bit floating point;
//   the 32-bit costs make this a lower bound.
// E_sim measured = seconds x power (cpu seconds of the behavioral run x W per core; SPICE: ngspice
//   seconds per tile MVM x tile MVMs x W per core, ngspice being single-threaded).
//
// Example (hand-checked in tests/verdict/test_verdict.cpp):
//   LayerShape l{"fc", "linear", 784, 256, 1, 128, 128, 7, 4, false};
//   OpCounts c = run_overhead_counts({l});
//   double e = energy_j(c, table);
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "xbar/verdict/energy_table.hpp"

namespace xbar::verdict {

struct LayerShape {
  std::string name;             ///< for tables
  std::string op;               ///< "linear" or "conv2d"
  std::int64_t in_features = 0;   ///< inputs per position (conv: C kh kw)
  std::int64_t out_features = 0;  ///< outputs per position
  std::int64_t positions = 1;     ///< output positions per image (conv: H_out W_out)
  int tile_rows = 0, tile_cols = 0;  ///< physical tile size (cols = physical columns)
  int tiles_r = 0, tiles_c = 0;      ///< the layer's tile grid
  bool signed_inputs = false;        ///< two reads per input vector
  std::int64_t macs() const { return in_features * out_features * positions; }
  std::int64_t weights() const { return in_features * out_features; }
  std::int64_t tile_mvms() const {
    return positions * (signed_inputs ? 2 : 1) * static_cast<std::int64_t>(tiles_r) * tiles_c;
  }
};

/// Counts of named energy-table constants, per image.
using OpCounts = std::map<std::string, double>;

/// a += b, name by name.
void add_counts(OpCounts& a, const OpCounts& b);
/// sum of count x table.joules(name), J. Throws EnergyTableError for a name not in the table.
double energy_j(const OpCounts& counts, const EnergyTable& table);

std::int64_t tile_mvms_per_image(const std::vector<LayerShape>& layers);
std::int64_t macs_per_image(const std::vector<LayerShape>& layers);

/// Digital work around the tiles of the analog system (header comment).
OpCounts run_overhead_counts(const std::vector<LayerShape>& layers);
/// Per output element: rescale, bias, activation, pooling, moving activations.
OpCounts per_output_counts(const std::vector<LayerShape>& layers);
/// The network on a digital accelerator at `bits` (8 or 4).
OpCounts digital_counts(const std::vector<LayerShape>& layers, int bits);
/// The behavioral model's arithmetic and memory traffic; `batch` = input vectors per tile call.
OpCounts behavioral_sim_counts(const std::vector<LayerShape>& layers, int adc_bits, int batch);

/// The SPICE-measured energy of one tile MVM, by block, J.
struct TileMvmEnergy {
  double array_j = 0, drivers_j = 0, tia_j = 0, adc_j = 0;
  double total_j() const { return array_j + drivers_j + tia_j + adc_j; }
};

/// E_run split into its parts, J per image.
struct RunEnergy {
  double array_j = 0, drivers_j = 0, tia_j = 0, adc_j = 0;  ///< tile_mvms x the tile's blocks
  double digital_j = 0;                                      ///< energy_j(run_overhead_counts)
  std::map<std::string, double> digital_by_name_j;           ///< its parts, by constant
  double total_j() const { return array_j + drivers_j + tia_j + adc_j + digital_j; }
};
RunEnergy run_energy(const std::vector<LayerShape>& layers, const TileMvmEnergy& tile, const EnergyTable& table);

/// seconds x watts, J (both must be finite and >= 0; NaN otherwise).
double measured_energy_j(double seconds, double watts);

}  // namespace xbar::verdict
