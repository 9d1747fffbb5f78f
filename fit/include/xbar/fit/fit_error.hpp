#pragma once
// Errors of xbar::fit: a campaign that cannot be fitted (wrong kind, no ok samples, a missing
// field) or bad fit options. Messages name the file or option and what is needed.
#include <stdexcept>

namespace xbar::fit {

class FitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace xbar::fit
