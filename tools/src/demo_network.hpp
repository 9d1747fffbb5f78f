#pragma once
// Step 5 of `xbar demo`: a network on analog tiles (kept apart so that verb_demo.cpp does not
// include libtorch's headers).
#include <string>

namespace xbar::tools {

/// Trains the built-in MLP for `epochs` epochs into `out_dir`/demo_mlp.pt, then classifies
/// `images` test images digitally, on the nominal chip and on `chips` chips of `tile_path`,
/// writing `out_dir`/demo_inference.h5. Returns the exit code.
int run_demo_network(const std::string& out_dir, const std::string& tile_path, int epochs, int chips, int images);

}  // namespace xbar::tools
