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

/// A library's own error base: a distinct type per library (the tag), derived from xbar::Error, so a
/// handler can catch one library's errors or all of them. A library declares its pair in two lines:
///   namespace xbar::netlists {
///   using Error = xbar::LibraryError<struct NetlistsTag>;
///   using ValidationError = xbar::BasicValidationError<Error>;
///   }
/// Inside a class derived from it, `Error` names the library's error (the member alias below), as
/// it would for a class named Error, so `using Error::Error;` and `: Error(message)` mean it.
template <class Tag>
class LibraryError : public ::xbar::Error {
 public:
  using ::xbar::Error::Error;
  using Error = LibraryError;
};

/// A validation failure listing one problem per line: what() is the lines joined by newlines,
/// problems() gives them one by one. Its base is the library's own error type (LibraryError above),
/// so a handler of that library's Error still sees it.
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
