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

/// A parameter struct or an argument failed validation: what() lists one line per problem,
/// problems() gives them one by one (xbar::BasicValidationError).
class ValidationError : public xbar::BasicValidationError<Error> {
 public:
  using BasicValidationError::BasicValidationError;
};

}  // namespace xbar::netlists
