#pragma once
// Test hooks that make chosen samples fail, so that the engine's failure paths can be tested
// with real failures: XBAR_FAULT_INJECT="spice_error:3,7;crash:5;hang:9" makes sample 3 and 7
// load a deck with a floating node (ngspice reports a singular matrix), the worker running
// sample 5 abort(), and the worker running sample 9 hang until its timeout. Unset in normal use.
#include <cstdint>

namespace xbar::characterize {

enum class FaultKind { spice_error, crash, hang };

/// True if XBAR_FAULT_INJECT asks for `kind` at sample `index`.
bool fault_injected(FaultKind kind, std::uint64_t index);

}  // namespace xbar::characterize
