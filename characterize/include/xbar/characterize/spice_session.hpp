#pragma once
// SpiceSession: the one embedded libngspice of this process.
//
// libngspice keeps global state and is not thread-safe, so a process has exactly one session
// (SpiceSession::instance()), used from one thread. Parallel work uses worker processes.
//
// Contract:
//  - load() takes a whole deck as text (title line first, ".end" last) and keeps no pointer to it.
//  - run() runs one analysis ("op", "dc ...", "tran ...", "ac ...", or "run" for the deck's own
//    analysis cards), always with the KLU solver: the session sends "option klu" and checks
//    ngspice's "Using KLU" line.
//  - read() copies every vector of the current plot; nothing returned points into ngspice.
//  - cleanup() sends remcirc, destroy all and ngSpice_Command(NULL): all three are needed for
//    flat memory. simulate() = load + run + read, and cleans up on success and on error.
//  - Every ngspice error (which ngspice reports only as "stderr" lines through its output
//    callback) becomes a SpiceError quoting those lines, with the deck line where ngspice names
//    one. A singular matrix (e.g. a floating node) is an error even when ngspice's
//    transient-op fallback "succeeds". After a SpiceError the session stays usable.
//  - If ngspice calls ControlledExit, the session is dead: every later call throws SessionDead,
//    and the process must be replaced. The session never sends "quit".
//  - LC_NUMERIC is set to "C" when the session starts (ngspice parses numbers with the locale).
//  - No shell from data: the session reads no `.spiceinit` (neither in the current folder nor in
//    $HOME; only the installed `spinit`); run() accepts one analysis command and nothing else
//    (check_analysis_command); load() refuses a deck whose `.control` block could run a shell
//    command (shell_lines_in_control) unless allow_shell(true) was called.
//
// Example:
//   auto& spice = SpiceSession::instance();
//   SpiceResult r = spice.simulate(deck.text, "op");
//   double i0 = r.real("vsj0#branch")[0];
#include <string>
#include <string_view>
#include <vector>

#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_result.hpp"

namespace xbar::characterize {

class SpiceSession {
 public:
  /// The process's session; initializes libngspice on first use.
  static SpiceSession& instance();

  SpiceSession(const SpiceSession&) = delete;
  SpiceSession& operator=(const SpiceSession&) = delete;

  /// ngspice's version string, e.g. "ngspice-46".
  const std::string& version() const { return version_; }

  /// Loads a deck from memory (replacing any loaded circuit). Throws SpiceError if ngspice
  /// rejects it, naming the deck line where ngspice does.
  void load(std::string_view deck);
  /// Runs one analysis on the loaded deck with KLU. Throws SpiceError on any ngspice error, and
  /// Error if `analysis` is not one analysis command (check_analysis_command).
  void run(std::string_view analysis = "run");
  /// Lets load() accept decks whose .control block runs shell commands (default: refused).
  void allow_shell(bool allow) { allow_shell_ = allow; }
  /// Copies every vector of the current plot.
  SpiceResult read() const;
  /// Copies one real vector of the current plot (cheaper than read() on big circuits). Throws
  /// Error if it is absent or complex.
  std::vector<double> read_real(const std::string& name) const;
  /// Frees the circuit and all plots (remcirc, destroy all, ngSpice_Command(NULL)).
  void cleanup();
  /// load + run + read, with cleanup on every path.
  SpiceResult simulate(std::string_view deck, std::string_view analysis = "run");

  /// Sends one interactive command. Throws Error if it is longer than 1023 characters (ngspice
  /// would cut it silently) or is "quit"/"exit"; SpiceError if ngspice complains.
  void command(std::string_view cmd);

  /// False once ngspice has called ControlledExit.
  bool alive() const { return dead_reason_.empty(); }
  /// Why the session died, or "" while alive.
  const std::string& dead_reason() const { return dead_reason_; }
  /// Everything ngspice printed during the last load/run/command, "stdout "/"stderr " prefixes kept.
  const std::vector<std::string>& last_output() const { return output_; }

  /// Called by ngspice's callbacks (public for the C callback shims only).
  void on_output(const char* line);
  void on_controlled_exit(int status, bool unload, bool quit);

 private:
  SpiceSession();
  void ensure_alive() const;
  void send(std::string_view cmd);  // no error check
  void throw_if_errors(const char* what, std::string_view deck);

  std::string version_;
  std::string dead_reason_;
  std::vector<std::string> output_;
  bool allow_shell_ = false;
};

/// Throws Error unless `analysis` is exactly one analysis command: its first word is one of
/// run, op, dc, ac, tran, noise, tf, pz, sens, disto, and it holds only letters, digits, blanks
/// and `. + - _ # ( ) , = :` (no `;` that would start a second command, no backquote, `$`,
/// quote or newline). E.g. "op", "tran 1n 500n", "dc v1 0 1 0.1".
void check_analysis_command(std::string_view analysis);

/// The 1-based deck lines inside `.control` ... `.endc` that can run a shell command: a command
/// `shell`, `source` (runs another file's commands), `alias` (could rename `shell`), `unixcom`
/// (runs unknown commands in the shell), or a backquote (command substitution). Empty for a
/// deck without them. `.include`d files are not opened.
std::vector<int> shell_lines_in_control(std::string_view deck);

}  // namespace xbar::characterize
