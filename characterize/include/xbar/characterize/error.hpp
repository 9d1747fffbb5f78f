#pragma once
// Errors of xbar::characterize.
#include "xbar/core/error.hpp"
#include <stdexcept>
#include <string>
#include <vector>

namespace xbar::characterize {

/// Base of every exception thrown by xbar::characterize.
using Error = xbar::LibraryError<struct CharacterizeTag>;

/// ngspice rejected a deck, a command or an analysis. what() quotes ngspice's own words;
/// when ngspice names a deck line ("Error on line 3 ..."), deck_line() is that 1-based line
/// number (the title is line 1) and deck_line_text() its text. deck_line() is 0 otherwise.
class SpiceError : public Error {
 public:
  SpiceError(const std::string& what, std::vector<std::string> ngspice_lines, int deck_line,
             std::string deck_line_text);
  const std::vector<std::string>& ngspice_lines() const noexcept { return ngspice_lines_; }
  int deck_line() const noexcept { return deck_line_; }
  const std::string& deck_line_text() const noexcept { return deck_line_text_; }

 private:
  std::vector<std::string> ngspice_lines_;
  int deck_line_ = 0;
  std::string deck_line_text_;
};

/// ngspice called ControlledExit: this process's ngspice instance is unusable and the process
/// (a campaign worker) must be replaced.
class SessionDead : public Error {
 public:
  using Error::Error;
};

}  // namespace xbar::characterize

namespace xbar::characterize {

/// A campaign spec file is wrong: the message names the file, line, field and what is allowed.
class SpecError : public Error {
 public:
  using Error::Error;
};

/// A campaign or model file cannot be read or does not match what is expected: the message
/// names the file and the object (dataset or attribute) and says what to do.
class FileError : public Error {
 public:
  using Error::Error;
};

}  // namespace xbar::characterize
