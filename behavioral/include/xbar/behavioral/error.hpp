#pragma once
// Errors of xbar::behavioral: bad user input (parameters, shapes, call order). Each message
// names the field, the value and the rule it breaks, e.g.
// "crossbar_model.rows = 0: must be between 1 and 1024". Broken internal assumptions are
// asserts; a solve that does not converge is a returned status (SolveStats), not an exception.
#include "xbar/core/error.hpp"
#include <stdexcept>
#include <string>
#include <vector>

namespace xbar::behavioral {

/// Base of every exception thrown by xbar::behavioral.
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

}  // namespace xbar::behavioral
