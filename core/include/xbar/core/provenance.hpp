#pragma once
// Provenance helpers shared by every file xbar writes, and the time formats of progress lines.
#include <string>

namespace xbar::core {

/// The current time as ISO 8601 UTC, e.g. "2026-11-30T10:27:33Z".
std::string utc_now();

/// A duration for progress lines: "42s", "3m07s", "2h05m"; "--" when negative or not finite.
std::string hms(double seconds);

}  // namespace xbar::core
