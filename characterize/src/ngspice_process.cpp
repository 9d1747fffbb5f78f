#include "xbar/characterize/ngspice_process.hpp"
#include "xbar/characterize/spice_session.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <functional>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "xbar/characterize/error.hpp"

extern char** environ;

namespace xbar::characterize {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "v(a)" -> "a", "i(vs)" -> "vs#branch"; anything else unchanged.
std::string embedded_name(const std::string& raw) {
  if (raw.size() > 3 && raw.back() == ')') {
    if (raw.rfind("v(", 0) == 0) return raw.substr(2, raw.size() - 3);
    if (raw.rfind("i(", 0) == 0) return raw.substr(2, raw.size() - 3) + "#branch";
  }
  return raw;
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "xbar-ngspice-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error(fmt::format("cannot create a temporary folder {}: {}", tmpl, std::strerror(errno)));
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

std::string ngspice_program() {
  const char* env = std::getenv("XBAR_NGSPICE");
  return (env && *env) ? env : "ngspice";
}

namespace {

// std::stod throws on subnormal values (ngspice writes e.g. 4.67e-310 as the imaginary part
// of an ac frequency); strtod returns them. Only an unparsable token is an error.
double parse_number(const std::string& tok, const std::function<void(const std::string&)>& fail) {
  const char* begin = tok.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || *end != '\0') fail("value '" + tok + "' is not a number");
  return v;
}

}  // namespace

std::vector<SpiceResult> parse_ascii_rawfile_plots(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  auto fail = [&](const std::string& why) {
    throw Error(fmt::format("{} line {}: {}", source, line_no, why));
  };
  std::vector<SpiceResult> plots;
  SpiceResult r;
  std::size_t n_vars = 0, n_points = 0;
  bool complex = false;
  std::vector<std::string> names;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("Plotname:", 0) == 0) {
      r = SpiceResult{};
      names.clear();
      r.plot = line.substr(9);
      r.plot.erase(0, r.plot.find_first_not_of(" \t"));
    } else if (line.rfind("Flags:", 0) == 0) {
      complex = line.find("complex") != std::string::npos;
    } else if (line.rfind("No. Variables:", 0) == 0) {
      n_vars = std::strtoul(line.substr(14).c_str(), nullptr, 10);
    } else if (line.rfind("No. Points:", 0) == 0) {
      n_points = std::strtoul(line.substr(11).c_str(), nullptr, 10);
    } else if (line.rfind("Variables:", 0) == 0) {
      for (std::size_t k = 0; k < n_vars; ++k) {
        if (!std::getline(in, line)) fail("rawfile ends inside the variable list");
        ++line_no;
        std::istringstream ls(line);
        std::size_t idx;
        std::string name;
        if (!(ls >> idx >> name)) fail("malformed variable line '" + line + "'");
        names.push_back(embedded_name(name));
      }
    } else if (line.rfind("Values:", 0) == 0) {
      if (names.empty()) fail("values before any variables");
      std::vector<SpiceVector> vecs(names.size());
      for (std::size_t p = 0; p < n_points; ++p) {
        for (std::size_t k = 0; k < names.size(); ++k) {
          std::string tok;
          if (!(in >> tok)) fail("rawfile ends inside the values");
          if (k == 0) {
            if (!(in >> tok)) fail("rawfile ends inside the values");  // first token is the point index
          }
          if (complex) {
            auto comma = tok.find(',');
            if (comma == std::string::npos) fail("complex value without a comma: '" + tok + "'");
            vecs[k].complex.emplace_back(parse_number(tok.substr(0, comma), fail),
                                         parse_number(tok.substr(comma + 1), fail));
          } else {
            vecs[k].real.push_back(parse_number(tok, fail));
          }
        }
      }
      std::getline(in, line);  // rest of the last value line
      r.scale = names.front();
      for (std::size_t k = 0; k < names.size(); ++k) r.vectors.emplace(names[k], std::move(vecs[k]));
      plots.push_back(std::move(r));
      r = SpiceResult{};
    }
  }
  if (plots.empty()) fail("no 'Values:' section: not an ASCII rawfile");
  return plots;
}

SpiceResult parse_ascii_rawfile(const std::string& text, const std::string& source) {
  return parse_ascii_rawfile_plots(text, source).front();
}

std::string with_only_analysis(std::string_view deck, std::string_view analysis) {
  check_analysis_command(analysis);
  static const char* const kCards[] = {".op", ".dc", ".ac", ".tran", ".noise", ".tf", ".pz", ".sens", ".disto"};
  std::istringstream in{std::string(deck)};
  std::string line, out;
  bool in_control = false;
  while (std::getline(in, line)) {
    std::string low = line;
    for (char& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string first = low.substr(0, low.find_first_of(" \t\r"));
    if (first == ".control") in_control = true;
    if (first == ".endc") in_control = false;
    bool analysis_card = false;
    if (!in_control)
      for (const char* c : kCards) analysis_card = analysis_card || first == c;
    if (first == ".end") out += "* the analysis chosen by xbar simulate --analysis\n." + std::string(analysis) + "\n";
    if (analysis_card) {
      out += "* (xbar simulate --analysis) " + line + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

SpiceResult run_ngspice_batch(std::string_view deck_in, const std::string& program, bool allow_shell,
                              std::string_view analysis) {
  check_analysis_command(analysis);
  const std::string chosen = analysis == "run" ? std::string(deck_in) : with_only_analysis(deck_in, analysis);
  const std::string_view deck = chosen;
  if (!allow_shell) {
    const auto bad = shell_lines_in_control(deck);
    if (!bad.empty()) {
      throw Error(fmt::format("deck line {}: a .control block that can run shell commands (shell, source, alias, "
                              "unixcom or a backquote) is refused; pass --allow-shell if you trust this deck",
                              bad.front()));
    }
  }
  TempDir dir;
  const fs::path deck_path = dir.path / "deck.cir", raw_path = dir.path / "out.raw", log_path = dir.path / "ngspice.log";
  {
    std::ofstream out(deck_path, std::ios::binary);
    out << deck;
    if (!out) throw Error(fmt::format("cannot write {}", deck_path.string()));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "SPICE_ASCIIRAWFILE=", 19) != 0) env_store.emplace_back(*e);
  }
  env_store.emplace_back("SPICE_ASCIIRAWFILE=1");
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  // -n: no .spiceinit from the current folder or $HOME (its shell lines would run).
  std::string a0 = program, a1 = "-b", an = "-n", a2 = "-r", a3 = raw_path.string(), a4 = deck_path.string();
  char* argv[] = {a0.data(), a1.data(), an.data(), a2.data(), a3.data(), a4.data(), nullptr};

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw Error(fmt::format("cannot start '{}': {}; install the ngspice package (scripts/install-deps.sh) or set XBAR_NGSPICE",
                            program, std::strerror(rc)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string log = read_file(log_path);
  std::vector<std::string> errors;
  {
    std::istringstream ls(log);
    std::string l;
    while (std::getline(ls, l)) {
      if (l.find("rror") != std::string::npos || l.find("singular matrix") != std::string::npos) errors.push_back(l);
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !errors.empty() || !fs::exists(raw_path)) {
    std::string msg = fmt::format("'{} -b' failed (exit status {}):", program, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    for (const auto& e : errors) msg += "\n  " + e;
    if (errors.empty()) msg += "\n" + log;
    throw SpiceError(msg, errors, 0, "");
  }
  // The last plot: the one the embedded session's "run" leaves current.
  return parse_ascii_rawfile_plots(read_file(raw_path), raw_path.string()).back();
}

}  // namespace xbar::characterize
