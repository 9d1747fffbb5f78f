#pragma once
// A progress bar for long verbs (train, infer): on a terminal, one line redrawn in place with
// the fraction done, a rate and the time left; otherwise a plain line every 5 s, so logs stay
// readable. Writes to stderr; --quiet turns it off.
#include <chrono>
#include <string>

namespace xbar::tools {

class ProgressBar {
 public:
  ProgressBar(std::string unit, bool quiet);
  ~ProgressBar();
  /// `done` of `total` units; `label` says what is running (e.g. "chip 3/10").
  void update(double done, double total, const std::string& label);
  /// Ends the bar's line (on a terminal).
  void finish();

 private:
  std::string unit_;
  bool quiet_, tty_, open_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace xbar::tools
