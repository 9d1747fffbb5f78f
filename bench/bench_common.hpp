#pragma once
// Helpers shared by the benchmarks: medians, dates, machine facts for the report header.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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

}  // namespace xbar::bench
