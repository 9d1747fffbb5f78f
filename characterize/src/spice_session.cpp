#include "xbar/characterize/spice_session.hpp"

#include <ngspice/sharedspice.h>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cctype>
#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace xbar::characterize {

namespace {

int cb_output(char* line, int /*id*/, void* user) {
  static_cast<SpiceSession*>(user)->on_output(line);
  return 0;
}
int cb_status(char* /*status*/, int /*id*/, void* /*user*/) { return 0; }
int cb_exit(int status, NG_BOOL unload, NG_BOOL quit, int /*id*/, void* user) {
  static_cast<SpiceSession*>(user)->on_controlled_exit(status, unload, quit);
  return 0;
}
int cb_bg(NG_BOOL /*running*/, int /*id*/, void* /*user*/) { return 0; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool starts_with(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

// True for the stderr lines that mean the deck, command or analysis failed. ngspice prints
// harmless notes and warnings on stderr too ("Note: Starting dynamic gmin stepping"), so we
// pick the failures out by their words.
bool is_error_line(const std::string& text) {
  const std::string s = lower(text);
  static const char* const kMarks[] = {
      "singular matrix",   "is not a valid",  "no such command",      "timestep too small",
      "aborted",           "iteration limit", "could not find",       "unknown parameter",
      "mif-error",         "fatal",           "circuit not parsed",   "no circuit loaded",
      "unknown subckt",    "unknown model",   "too few parameters",   "not enough nodes"};
  if (starts_with(s, "error")) return true;
  for (const char* m : kMarks)
    if (s.find(m) != std::string::npos) return true;
  return false;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (end == text.size() && line.empty()) break;
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// For the duration of ngSpice_Init: the current folder is a private empty folder holding an
// empty `.spiceinit`. ngspice reads `.spiceinit` from the current folder, or else from the home
// folder; this way it reads neither the user's folder's nor $HOME's. restore() (or the
// destructor) goes back to the caller's folder and removes the private one.
class NoUserInit {
 public:
  NoUserInit() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xbar-init-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(fmt::format("cannot create a folder in {} to start ngspice without "
                                                         "reading .spiceinit: {}",
                                                         std::filesystem::temp_directory_path().string(),
                                                         std::strerror(errno)));
    dir_ = tmpl;
    {
      std::ofstream out(dir_ + "/.spiceinit", std::ios::binary);
      out << "* xbar: no user init file\n";
    }
    old_cwd_ = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (old_cwd_ < 0 || ::chdir(dir_.c_str()) != 0) {
      const int err = errno;
      restore();
      throw Error(fmt::format("cannot start ngspice without reading .spiceinit: {}", std::strerror(err)));
    }
  }
  void restore() {
    if (old_cwd_ >= 0) {
      [[maybe_unused]] const int rc = ::fchdir(old_cwd_);
      ::close(old_cwd_);
      old_cwd_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }
  ~NoUserInit() { restore(); }
  NoUserInit(const NoUserInit&) = delete;
  NoUserInit& operator=(const NoUserInit&) = delete;

 private:
  std::string dir_;
  int old_cwd_ = -1;
};

}  // namespace

SpiceError::SpiceError(const std::string& what, std::vector<std::string> ngspice_lines, int deck_line,
                       std::string deck_line_text)
    : Error(what),
      ngspice_lines_(std::move(ngspice_lines)),
      deck_line_(deck_line),
      deck_line_text_(std::move(deck_line_text)) {}

SpiceSession& SpiceSession::instance() {
  static SpiceSession session;
  return session;
}

SpiceSession::SpiceSession() {
  std::setlocale(LC_NUMERIC, "C");
  // No `.spiceinit` from the current folder or $HOME: its `shell` lines would run in every
  // process that starts a session (`xbar version`, campaign workers). ngSpice_nospiceinit()
  // crashes when called before ngSpice_Init (ngspice 46), and `set no_spiceinit` in a spinit
  // has no effect, so ngSpice_Init runs in a private folder (NoUserInit). The installed
  // spinit (code models) is still read.
  NoUserInit no_user_init;
  ngSpice_Init(cb_output, cb_status, cb_exit, nullptr, nullptr, cb_bg, this);
  // One ngspice per worker process: keep its OpenMP device loading to one thread, since the
  // workers already fill the cores.
  no_user_init.restore();
  send("set num_threads=1");
  output_.clear();
  send("version -s");
  static const std::regex kVersion(R"(ngspice-[0-9][^ \t]*)");
  for (const auto& line : output_) {
    std::smatch m;
    if (std::regex_search(line, m, kVersion)) {
      version_ = m.str();
      break;
    }
  }
  if (version_.empty()) version_ = "ngspice (unknown version)";
}

void SpiceSession::on_output(const char* line) {
  if (line) output_.emplace_back(line);
}

void SpiceSession::on_controlled_exit(int status, bool unload, bool quit) {
  dead_reason_ = fmt::format(
      "ngspice called ControlledExit (status {}, unload {}, quit {}): this process's ngspice instance is "
      "unusable; start a new process (a campaign replaces the worker)",
      status, unload, quit);
}

void SpiceSession::ensure_alive() const {
  if (!alive()) throw SessionDead(dead_reason_);
}

void SpiceSession::send(std::string_view cmd) {
  std::string c(cmd);
  ngSpice_Command(c.data());
}

void SpiceSession::throw_if_errors(const char* what, std::string_view deck) {
  std::vector<std::string> errors, stderr_lines;
  for (const auto& line : output_) {
    if (!starts_with(line, "stderr ")) continue;
    std::string text = line.substr(7);
    if (!stderr_lines.empty() && stderr_lines.back() == text) continue;  // ngspice repeats itself
    stderr_lines.push_back(text);
    if (is_error_line(text)) errors.push_back(text);
  }
  if (!alive()) throw SessionDead(dead_reason_);
  if (errors.empty()) return;

  int deck_line = 0;
  std::string deck_text;
  static const std::regex kLine(R"([Ll]ine\s+([0-9]+))");
  for (const auto& e : stderr_lines) {
    std::smatch m;
    if (std::regex_search(e, m, kLine)) {
      deck_line = std::stoi(m[1].str());
      break;
    }
  }
  if (deck_line > 0 && !deck.empty()) {
    auto lines = split_lines(deck);
    if (deck_line <= static_cast<int>(lines.size())) deck_text = lines[deck_line - 1];
  }
  std::string msg = fmt::format("{}: ngspice reports:", what);
  for (const auto& e : stderr_lines) msg += "\n  " + e;
  if (deck_line > 0) {
    msg += deck_text.empty() ? fmt::format("\n(deck line {})", deck_line)
                             : fmt::format("\n(deck line {}: '{}')", deck_line, deck_text);
  }
  throw SpiceError(msg, std::move(stderr_lines), deck_line, std::move(deck_text));
}

void SpiceSession::load(std::string_view deck) {
  ensure_alive();
  auto lines = split_lines(deck);
  if (lines.empty()) throw Error("cannot load an empty deck: a deck needs a title line and '.end'");
  if (!allow_shell_) {
    const auto bad = shell_lines_in_control(deck);
    if (!bad.empty()) {
      throw Error(fmt::format("deck line {}: '{}': a .control block that can run shell commands (shell, source, "
                              "alias, unixcom or a backquote) is refused; pass --allow-shell if you trust this deck",
                              bad.front(), lines[static_cast<std::size_t>(bad.front() - 1)]));
    }
  }
  std::vector<char*> ptrs;
  ptrs.reserve(lines.size() + 1);
  for (auto& l : lines) ptrs.push_back(l.data());
  ptrs.push_back(nullptr);
  output_.clear();
  ngSpice_Circ(ptrs.data());
  try {
    throw_if_errors("ngspice rejected the deck", deck);
  } catch (const SpiceError&) {
    cleanup();  // drop the half-parsed circuit so the next deck starts clean
    throw;
  }
}

void SpiceSession::run(std::string_view analysis) {
  ensure_alive();
  if (analysis.size() > 1023) throw Error("analysis command longer than 1023 characters; ngspice would cut it");
  check_analysis_command(analysis);
  output_.clear();
  send("option klu");
  // ngspice stores every device and node name in lower case, but its analysis commands look
  // names up as typed ("dc V1 ..." finds no "V1"). SPICE is case-insensitive, so lower-case
  // the command before sending it.
  send(lower(std::string(analysis)));
  throw_if_errors(fmt::format("ngspice analysis '{}' failed", analysis).c_str(), {});
  bool klu = false, other = false;
  for (const auto& line : output_) {
    if (line.find("Using KLU") != std::string::npos) klu = true;
    if (line.find("Using SPARSE") != std::string::npos) other = true;
  }
  if (other || !klu) {
    throw SpiceError(fmt::format("ngspice analysis '{}' did not report solving with KLU ({}); xbar requires "
                                 "ngspice >= 46 with KLU (scripts/install-deps.sh)",
                                 analysis, other ? "it used SPARSE 1.3" : "no solver line, so no analysis ran"),
                     {}, 0, "");
  }
}

SpiceResult SpiceSession::read() const {
  ensure_alive();
  SpiceResult result;
  char* plot = ngSpice_CurPlot();
  if (!plot) throw Error("ngspice has no current plot: run an analysis before read()");
  result.plot = plot;
  char** names = ngSpice_AllVecs(plot);
  for (int k = 0; names && names[k]; ++k) {
    std::string name = names[k];
    pvector_info info = ngGet_Vec_Info(names[k]);  // points to one static struct: copy now
    if (!info) continue;
    SpiceVector v;
    const auto n = static_cast<std::size_t>(info->v_length);
    if (info->v_realdata) {
      v.real.assign(info->v_realdata, info->v_realdata + n);
    } else if (info->v_compdata) {
      v.complex.reserve(n);
      for (std::size_t i = 0; i < n; ++i) v.complex.emplace_back(info->v_compdata[i].cx_real, info->v_compdata[i].cx_imag);
    }
    result.vectors.emplace(std::move(name), std::move(v));
  }
  // The sweep vector by the names ngspice gives it (the rawfile reader takes the first variable).
  for (const char* scale : {"time", "frequency", "v-sweep", "i-sweep", "temp-sweep", "res-sweep"}) {
    if (result.vectors.count(scale)) {
      result.scale = scale;
      break;
    }
  }
  return result;
}

std::vector<double> SpiceSession::read_real(const std::string& name) const {
  ensure_alive();
  std::string n = name;
  pvector_info info = ngGet_Vec_Info(n.data());
  if (!info || !info->v_realdata) {
    throw Error(fmt::format("ngspice's current plot has no real vector '{}'", name));
  }
  return std::vector<double>(info->v_realdata, info->v_realdata + info->v_length);
}

void SpiceSession::cleanup() {
  if (!alive()) return;
  send("remcirc");
  send("destroy all");
  ngSpice_Command(nullptr);
}

SpiceResult SpiceSession::simulate(std::string_view deck, std::string_view analysis) {
  load(deck);
  try {
    run(analysis);
    SpiceResult r = read();
    cleanup();
    return r;
  } catch (...) {
    cleanup();
    throw;
  }
}

void SpiceSession::command(std::string_view cmd) {
  ensure_alive();
  if (cmd.size() > 1023) {
    throw Error(fmt::format("ngspice command of {} characters: ngspice silently cuts commands at 1023", cmd.size()));
  }
  std::string first = lower(std::string(cmd.substr(0, cmd.find_first_of(" \t"))));
  if (first == "quit" || first == "exit") {
    throw Error("refusing to send 'quit' to embedded ngspice: it leaves the instance unusable (end the process instead)");
  }
  output_.clear();
  send(cmd);
  throw_if_errors(fmt::format("ngspice command '{}' failed", cmd).c_str(), {});
}

void check_analysis_command(std::string_view analysis) {
  static const char* const kAnalyses[] = {"run", "op", "dc", "ac", "tran", "noise", "tf", "pz", "sens", "disto"};
  const std::string a = lower(std::string(analysis));
  for (char c : a) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '\t' ||
                    std::string_view(".+-_#(),=:").find(c) != std::string_view::npos;
    if (!ok) {
      throw Error(fmt::format("analysis '{}': character '{}' is not allowed; give one analysis command (run, op, dc, "
                              "ac, tran, noise, tf, pz, sens, disto) with its arguments",
                              analysis, std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : fmt::format("\\x{:02x}", static_cast<unsigned char>(c))));
    }
  }
  const auto b = a.find_first_not_of(" \t");
  const std::string first = b == std::string::npos ? "" : a.substr(b, a.find_first_of(" \t", b) - b);
  for (const char* k : kAnalyses)
    if (first == k) return;
  throw Error(fmt::format("analysis '{}': '{}' is not an analysis command (run, op, dc, ac, tran, noise, tf, pz, sens, disto)",
                          analysis, first));
}

std::vector<int> shell_lines_in_control(std::string_view deck) {
  std::vector<int> bad;
  const auto lines = split_lines(deck);
  bool in_control = false;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string l = lower(lines[n]);
    const auto b = l.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    const std::string word = l.substr(b, l.find_first_of(" \t;", b) - b);
    if (word == ".control") {
      in_control = true;
      continue;
    }
    if (word == ".endc") {
      in_control = false;
      continue;
    }
    if (!in_control) continue;
    bool danger = l.find('`') != std::string::npos || l.find("unixcom") != std::string::npos;
    // Every command of the line: ngspice splits a control line at ';'.
    std::size_t start = b;
    while (!danger && start < l.size()) {
      const auto end = std::min(l.find(';', start), l.size());
      const auto cb = l.find_first_not_of(" \t", start);
      if (cb != std::string::npos && cb < end) {
        const std::string cmd = l.substr(cb, std::min(l.find_first_of(" \t", cb), end) - cb);
        if (cmd == "shell" || cmd == "source" || cmd == "alias" || cmd == "codemodel") danger = true;
      }
      start = end + 1;
    }
    if (danger) bad.push_back(static_cast<int>(n + 1));
  }
  return bad;
}

// ---- SpiceResult ----

const std::vector<double>& SpiceResult::real(const std::string& name) const {
  auto it = vectors.find(name);
  if (it == vectors.end() || it->second.is_complex()) {
    std::string some;
    int n = 0;
    for (const auto& [k, v] : vectors) {
      if (n++ == 8) {
        some += ", ...";
        break;
      }
      some += (some.empty() ? "" : ", ") + k;
    }
    throw Error(fmt::format("plot '{}' has no real vector '{}' (it has: {})", plot, name, some));
  }
  return it->second.real;
}

std::vector<double> SpiceResult::probe(const netlists::Probe& probe) const {
  std::vector<double> out;
  for (const auto& [name, w] : probe.terms) {
    const auto& v = real(name);
    if (out.empty()) out.assign(v.size(), 0.0);
    if (v.size() != out.size()) throw Error(fmt::format("probe '{}': vectors of different lengths", probe.name));
    for (std::size_t i = 0; i < v.size(); ++i) out[i] += w * v[i];
  }
  return out;
}

}  // namespace xbar::characterize
