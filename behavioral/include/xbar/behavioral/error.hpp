#pragma once
// Errors of xbar::behavioral: bad user input (parameters, shapes, call order). Each message
// names the field, the value and the rule it breaks, e.g.
// "crossbar_model.rows = 0: must be between 1 and 1024". Broken internal assumptions are
// asserts; a solve that does not converge is a returned status (SolveStats), not an exception.
#include "xbar/core/error.hpp"

namespace xbar::behavioral {

/// Base of every exception thrown by xbar::behavioral.
using Error = xbar::LibraryError<struct BehavioralTag>;
/// A parameter struct or an argument failed validation: what() lists one line per problem,
/// problems() gives them one by one.
using ValidationError = xbar::BasicValidationError<Error>;

}  // namespace xbar::behavioral
