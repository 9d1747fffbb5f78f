#pragma once
// Output files of the verbs.
#include <string>

namespace xbar::tools {

/// Creates the folder that will hold `path` (and its parents) if missing; throws xbar::Error
/// naming the folder when it cannot.
void create_parent_folder(const std::string& path);

}  // namespace xbar::tools
