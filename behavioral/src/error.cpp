#include "xbar/behavioral/error.hpp"

#include <utility>

namespace xbar::behavioral {

ValidationError::ValidationError(std::vector<std::string> problems)
    : Error(join_lines(problems)), problems_(std::move(problems)) {}

}  // namespace xbar::behavioral
