#pragma once
// Errors of xbar::netlists: bad user parameters. Each message names the field, the value and
// the rule it breaks, e.g. "crossbar.rows = 0: must be between 1 and 1024".
#include "xbar/core/error.hpp"

namespace xbar::netlists {

/// Base of every exception thrown by xbar::netlists.
using Error = xbar::LibraryError<struct NetlistsTag>;
/// A parameter struct or an argument failed validation: what() lists one line per problem,
/// problems() gives them one by one.
using ValidationError = xbar::BasicValidationError<Error>;

}  // namespace xbar::netlists
