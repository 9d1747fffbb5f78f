#pragma once
// Errors of xbar::report: gnuplot missing or failing, an output file that cannot be written, a
// string that cannot enter a gnuplot script, an unknown table format. Messages name the file,
// string or option and what to do.
#include "xbar/core/error.hpp"

namespace xbar::report {

class ReportError : public xbar::Error {
 public:
  using xbar::Error::Error;
};

}  // namespace xbar::report
