#pragma once
// cat(a, b, ...): streams its arguments into one string (10 significant digits), for messages.
#include <sstream>
#include <string>

namespace xbar::behavioral::detail {

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  os.precision(10);
  (os << ... << parts);
  return os.str();
}

}  // namespace xbar::behavioral::detail
