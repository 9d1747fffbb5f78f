#pragma once
// Errors of xbar::verdict: a bad energy table (file, entry and field named) or bad options.
#include "xbar/core/error.hpp"

namespace xbar::verdict {

/// Base of every exception thrown by xbar::verdict.
using Error = xbar::LibraryError<struct VerdictTag>;

/// An energy-table file that is missing, malformed or has an entry without value, unit or source.
class EnergyTableError : public Error {
 public:
  using Error::Error;
};

}  // namespace xbar::verdict
