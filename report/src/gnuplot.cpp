#include "xbar/report/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>


extern char** environ;

namespace xbar::report {

namespace {

struct Run {
  int exit_status = -1;  // -1: killed by a signal
  int spawn_errno = 0;   // posix_spawnp's error (ENOENT: not installed)
  std::string output;    // stdout and stderr together
};

// gnuplot with `args`, stdin from /dev/null, stdout and stderr captured; no shell involved.
Run run_gnuplot_args(std::vector<std::string> args) {
  Run r;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw ReportError(fmt::format("cannot start gnuplot: pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  args.insert(args.begin(), "gnuplot");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  r.spawn_errno = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (r.spawn_errno != 0) {
    ::close(fds[0]);
    return r;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      if (r.output.size() < 65536) r.output.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

std::string gnuplot_quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw ReportError(fmt::format("'{}': a path for gnuplot may not hold control characters (newline, tab, ...)",
                                      fmt::format("{}", text.substr(0, 200))));
    }
    if (c == '\'') q += '\'';
    q += c;
  }
  return q + "'";
}

void run_gnuplot(const std::string& script) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "xbar-gnuplot-XXXXXX").string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw ReportError(fmt::format("cannot write a gnuplot script in {}: {}", fs::temp_directory_path().string(), std::strerror(errno)));
  const bool written = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  Run r;
  if (written) r = run_gnuplot_args({tmpl});
  std::error_code ec;
  fs::remove(tmpl, ec);
  if (!written) throw ReportError(fmt::format("{}: cannot write the gnuplot script", tmpl));
  if (r.spawn_errno == ENOENT) {
    throw ReportError("cannot start gnuplot: not found on PATH (install the gnuplot-nox package)");
  }
  if (r.spawn_errno != 0) throw ReportError(fmt::format("cannot start gnuplot: {}", std::strerror(r.spawn_errno)));
  if (r.exit_status != 0) {
    throw ReportError(fmt::format("gnuplot failed ({}):\n{}",
                                    r.exit_status < 0 ? std::string("killed by a signal") : fmt::format("exit status {}", r.exit_status),
                                    r.output));
  }
}

std::string gnuplot_terminal() {
  const Run r = run_gnuplot_args({"-e", "set terminal"});
  // noenhanced: names such as v_out are printed as written, not with subscripts.
  return r.output.find("pngcairo") != std::string::npos ? "pngcairo noenhanced size 900,700" : "png noenhanced size 900,700";
}

}  // namespace xbar::report
