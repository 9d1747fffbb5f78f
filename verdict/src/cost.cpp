// The energy arithmetic of the verdict (cost.hpp).
#include "xbar/verdict/cost.hpp"

#include <cmath>
#include <limits>

namespace xbar::verdict {

namespace {
double ceil_div(double a, double b) { return std::ceil(a / b); }
}  // namespace

void add_counts(OpCounts& a, const OpCounts& b) {
  for (const auto& [k, v] : b) a[k] += v;
}

double energy_j(const OpCounts& counts, const EnergyTable& table) {
  double e = 0.0;
  for (const auto& [name, n] : counts) e += n * table.joules(name);
  return e;
}

std::int64_t tile_mvms_per_image(const std::vector<LayerShape>& layers) {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.tile_mvms();
  return n;
}

std::int64_t macs_per_image(const std::vector<LayerShape>& layers) {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.macs();
  return n;
}

OpCounts per_output_counts(const std::vector<LayerShape>& layers) {
  OpCounts c;
  for (const auto& l : layers) {
    const double outputs = static_cast<double>(l.out_features) * static_cast<double>(l.positions);
    c["int32_mult"] += outputs;                          // code (or accumulator) to value
    c["int32_add"] += outputs;                           // bias
    c["int8_add"] += outputs * (l.op == "conv2d" ? 2 : 1);  // activation (+ pooling for conv)
    c["sram_1mb_read_64b"] += 2.0 * ceil_div(outputs, 8.0);  // write and read, one byte each
  }
  return c;
}

OpCounts run_overhead_counts(const std::vector<LayerShape>& layers) {
  OpCounts c;
  for (const auto& l : layers) {
    const double mvms = static_cast<double>(l.tile_mvms());
    c["int32_add"] += mvms * l.tile_cols;
    c["sram_8kb_read_64b"] += mvms * (ceil_div(l.tile_rows, 8.0) + ceil_div(l.tile_cols / 2.0 * 4.0, 8.0));
  }
  add_counts(c, per_output_counts(layers));
  return c;
}

OpCounts digital_counts(const std::vector<LayerShape>& layers, int bits) {
  OpCounts c;
  const std::string mult = bits == 4 ? "int4_mult" : "int8_mult";
  for (const auto& l : layers) {
    const double macs = static_cast<double>(l.macs());
    c[mult] += macs;
    c["int32_add"] += macs;
    c["sram_8kb_read_64b"] += macs * bits / 64.0;
    c["sram_1mb_read_64b"] += ceil_div(static_cast<double>(l.weights()) * bits, 64.0);
  }
  add_counts(c, per_output_counts(layers));
  return c;
}

OpCounts behavioral_sim_counts(const std::vector<LayerShape>& layers, int adc_bits, int batch) {
  OpCounts c;
  for (const auto& l : layers) {
    const double mvms = static_cast<double>(l.tile_mvms());
    const double rc = static_cast<double>(l.tile_rows) * l.tile_cols;
    c["fp32_mult"] += mvms * (rc + 5.0 * l.tile_cols);
    c["fp32_add"] += mvms * (rc + 5.0 * l.tile_cols + static_cast<double>(adc_bits) * l.tile_cols);
    c["sram_1mb_read_64b"] += mvms * ceil_div(rc, batch > 0 ? batch : 1);
    c["sram_32kb_read_64b"] += mvms * (l.tile_rows + l.tile_cols);
  }
  add_counts(c, per_output_counts(layers));
  return c;
}

RunEnergy run_energy(const std::vector<LayerShape>& layers, const TileMvmEnergy& tile, const EnergyTable& table) {
  RunEnergy r;
  const double n = static_cast<double>(tile_mvms_per_image(layers));
  r.array_j = n * tile.array_j;
  r.drivers_j = n * tile.drivers_j;
  r.tia_j = n * tile.tia_j;
  r.adc_j = n * tile.adc_j;
  for (const auto& [name, k] : run_overhead_counts(layers)) {
    const double e = k * table.joules(name);
    r.digital_by_name_j[name] += e;
    r.digital_j += e;
  }
  return r;
}

double measured_energy_j(double seconds, double watts) {
  if (!(std::isfinite(seconds) && seconds >= 0 && std::isfinite(watts) && watts >= 0))
    return std::numeric_limits<double>::quiet_NaN();
  return seconds * watts;
}

}  // namespace xbar::verdict
