#include "output_path.hpp"

#include <filesystem>

#include "xbar/core/error.hpp"

namespace xbar::tools {

void create_parent_folder(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw xbar::Error(parent.string() + ": cannot create the output folder: " + ec.message());
}

}  // namespace xbar::tools
