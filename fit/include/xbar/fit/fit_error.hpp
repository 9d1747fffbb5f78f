#pragma once
// Errors of xbar::fit: a campaign that cannot be fitted (wrong kind, no ok samples, a missing
// field) or bad fit options. Messages name the file or option and what is needed.
#include "xbar/core/error.hpp"

namespace xbar::fit {

class FitError : public xbar::Error {
 public:
  using xbar::Error::Error;
};

}  // namespace xbar::fit
