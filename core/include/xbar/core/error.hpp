#pragma once
// The root of every exception xbar throws (STYLE.md 12). Each library derives its own small
// hierarchy from xbar::Error (netlists::Error, characterize::Error, behavioral::Error,
// fit::FitError, networks::Error, ...), so the command line catches one type and prints what
// went wrong; broken internal assumptions are asserts, failed campaign samples are returned
// statuses, never exceptions. Messages name the file, field or value and the fix.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace xbar {

/// Base of every exception thrown by an xbar library.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One line per problem, joined with newlines (for errors that report several problems).
std::string join_lines(const std::vector<std::string>& lines);

/// A validation failure listing one problem per line: what() is the lines joined by newlines,
/// problems() gives them one by one. Libraries derive their ValidationError from it over their own
/// base, so a handler of that library's Error still sees it:
///   namespace xbar::netlists {
///   class ValidationError : public xbar::BasicValidationError<Error> {
///     using BasicValidationError::BasicValidationError;
///   };
///   }
template <class Base>
class BasicValidationError : public Base {
 public:
  explicit BasicValidationError(std::vector<std::string> problems)
      : Base(join_lines(problems)), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace xbar
