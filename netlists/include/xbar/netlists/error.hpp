#pragma once
// Errors of xbar::netlists: bad user parameters. Each message names the field, the value and
// the rule it breaks, e.g. "crossbar.rows = 0: must be between 1 and 1024".
#include "xbar/core/error.hpp"
#include <stdexcept>
#include <string>
#include <vector>

namespace xbar::netlists {

/// Base of every exception thrown by xbar::netlists.
class Error : public xbar::Error {
 public:
  using xbar::Error::Error;
};

/// A parameter struct failed validate(). what() lists one line per bad field;
/// problems() gives the same lines one by one.
class ValidationError : public Error {
 public:
  explicit ValidationError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace xbar::netlists
