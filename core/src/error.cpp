#include "xbar/core/error.hpp"

namespace xbar {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string msg;
  for (const auto& line : lines) msg += (msg.empty() ? "" : "\n") + line;
  return msg;
}

}  // namespace xbar
