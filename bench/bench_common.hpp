#pragma once
// Helpers shared by the benchmarks: medians, dates, machine facts for the report header, and the
// tile-chain campaign spec that bench_periphery and bench_tile time in ngspice.
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xbar::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
inline double ms_since(Clock::time_point t0) { return 1e3 * seconds_since(t0); }

/// Median of `v` (NaN when empty).
inline double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The current UTC time in strftime `format`, e.g. "%Y-%m-%d".
inline std::string utc_date(const char* format = "%Y-%m-%d") {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

/// CPUs this process may run on (what `nproc` prints).
inline int nproc() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
}

/// The first line of `path`, or, with a prefix, the value after ':' on the first line that
/// starts with it (e.g. "model name" in /proc/cpuinfo); "unknown" if absent.
inline std::string first_line_of(const std::string& path, const std::string& prefix = "") {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (prefix.empty()) return line;
    if (line.rfind(prefix, 0) == 0) {
      const auto c = line.find(':');
      if (c != std::string::npos) return line.substr(line.find_first_not_of(" \t", c + 1));
    }
  }
  return "unknown";
}

inline std::string cpu_model() { return first_line_of("/proc/cpuinfo", "model name"); }

/// "1-min 5-min 15-min" load averages.
inline std::string load_average() {
  std::istringstream ss(first_line_of("/proc/loadavg"));
  std::string a, b, c;
  ss >> a >> b >> c;
  return a + " " + b + " " + c;
}

/// Resident set size of this process in MiB (VmRSS), or NaN.
inline double rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return std::nan("");
}

/// The tile-chain campaign spec (kind "tile") timed by bench_periphery and bench_tile: N x N,
/// ideal 4-bit DACs 0..0.1 V, 1 ohm wires, TIAs with cf_f = 0.1 pF (transistor-level or macro
/// op-amp), 6-bit flash ADCs -0.5..0 V, t_cycle_s = 500 ns, g in [1e-6, 1e-5] S, mismatch on.
inline double tile_rf_ohm(int n) {
  // Rf sized so that all rows at g_max and the top DAC level give -0.32 V at the TIA output
  // (16 x 16: 20 kohm, as data/tile_small.toml).
  return 0.32 / (n * 1e-5 * 0.1);
}

inline std::string tile_spec(int n, bool transistor, int inputs_per_pattern, std::uint64_t seed, double t_step_max_s) {
  const double rf = tile_rf_ohm(n);
  return fmt::format(R"(kind = "tile"
seed = {}
[crossbar]
rows = {}
cols = {}
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[dac]
architecture = "ideal"
bits = 4
v_min_v = 0.0
v_max_v = 0.1
[opamp]
model = "{}"
[tia]
rf_ohm = {:g}
cf_f = 0.1e-12
[adc]
bits = 6
v_min_v = -0.5
v_max_v = 0.0
[tile]
t_cycle_s = 500e-9
t_edge_s = 2e-9
t_step_max_s = {:g}
[variation]
mismatch_devices = "all"
comparator_offset_sigma_v = 1e-3
ladder_r_sigma_rel = 0.005
[workload]
instances = 1000
inputs_per_pattern = {}
g_min_s = 1e-6
g_max_s = 1e-5
)",
                     seed, n, n, transistor ? "transistor" : "macro", rf, t_step_max_s, inputs_per_pattern);
}

}  // namespace xbar::bench
