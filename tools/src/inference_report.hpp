#pragma once
// Printing of network results, shared by `xbar infer` and `xbar demo`.
#include "xbar/networks/inference.hpp"

namespace xbar::tools {

/// The mapping (one line per layer: tiles, input range, TIA gain), the tile model's own error
/// against SPICE, and the accuracy table: digital, analog nominal, analog mean ± 95 % CI over K chips.
void print_inference(const networks::InferenceResult& r);

/// Runs networks::run_inference with a progress bar on stderr (none when quiet).
networks::InferenceResult run_inference_with_progress(const networks::InferenceOptions& o, bool quiet);

}  // namespace xbar::tools
