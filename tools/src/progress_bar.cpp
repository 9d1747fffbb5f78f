#include "progress_bar.hpp"

#include "xbar/core/provenance.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace xbar::tools {

ProgressBar::ProgressBar(std::string unit, bool quiet)
    : unit_(std::move(unit)), quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double done, double total, const std::string& label) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool end = done >= total;
  if (!tty_ && !end && std::chrono::duration<double>(now - last_).count() < 5.0) return;
  if (tty_ && !end && std::chrono::duration<double>(now - last_).count() < 0.1) return;
  last_ = now;
  const double frac = total > 0 ? std::min(1.0, done / total) : 1.0;
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = rate > 0 ? (total - done) / rate : NAN;
  if (tty_) {
    constexpr int kWidth = 28;
    const int filled = static_cast<int>(frac * kWidth);
    std::fprintf(stderr, "\r%-22s [%s%s] %5.1f%%  %.0f %s/s  ETA %s   ", label.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), 100 * frac, rate, unit_.c_str(), core::hms(eta).c_str());
    open_ = true;
  } else {
    std::fprintf(stderr, "%s: %.1f%% (%.0f %s/s, ETA %s)\n", label.c_str(), 100 * frac, rate, unit_.c_str(), core::hms(eta).c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (open_) std::fputc('\n', stderr);
  open_ = false;
}

}  // namespace xbar::tools
