#include "xbar/behavioral/error.hpp"

#include <utility>

namespace xbar::behavioral {

namespace {
std::string join_lines(const std::vector<std::string>& lines) {
  std::string msg;
  for (const auto& line : lines) msg += (msg.empty() ? "" : "\n") + line;
  return msg;
}
}  // namespace

ValidationError::ValidationError(std::vector<std::string> problems)
    : Error(join_lines(problems)), problems_(std::move(problems)) {}

}  // namespace xbar::behavioral
