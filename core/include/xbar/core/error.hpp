#pragma once
// The root of every exception xbar throws (STYLE.md 12). Each library derives its own small
// hierarchy from xbar::Error (netlists::Error, characterize::Error, behavioral::Error,
// fit::FitError, networks::Error, ...), so the command line catches one type and prints what
// went wrong; broken internal assumptions are asserts, failed campaign samples are returned
// statuses, never exceptions. Messages name the file, field or value and the fix.
#include <stdexcept>
#include <string>
#include <vector>

namespace xbar {

/// Base of every exception thrown by an xbar library.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One line per problem, joined with newlines (for errors that report several problems).
std::string join_lines(const std::vector<std::string>& lines);

}  // namespace xbar
