#pragma once
// Provenance helpers shared by every file xbar writes.
#include <string>

namespace xbar::core {

/// The current time as ISO 8601 UTC, e.g. "2026-11-30T10:27:33Z".
std::string utc_now();

}  // namespace xbar::core
