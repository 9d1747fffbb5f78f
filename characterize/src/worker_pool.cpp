#include "worker_pool.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "xbar/characterize/error.hpp"
#include "xbar/characterize/fault_injection.hpp"

namespace xbar::characterize::detail {

namespace {
bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}
bool read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}
std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "stopped";
}
}  // namespace

WorkerPool::WorkerPool(const CircuitKind& kind, int workers, double sample_timeout_s)
    : kind_(kind), timeout_s_(sample_timeout_s), workers_(static_cast<std::size_t>(workers)) {
  ::signal(SIGPIPE, SIG_IGN);  // a dead worker must not kill the parent
  for (auto& w : workers_) spawn(w);
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::spawn(Worker& w) {
  int down[2], up[2];
  if (::pipe(down) != 0 || ::pipe(up) != 0) throw Error(fmt::format("cannot create worker pipes: {}", std::strerror(errno)));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(fmt::format("cannot start a worker process: {}", std::strerror(errno)));
  if (pid == 0) {
    // Child: keep only its own two pipe ends, so the parent sees EOF when any worker dies.
    for (auto& other : workers_) {
      if (other.to_fd >= 0) ::close(other.to_fd);
      if (other.from_fd >= 0) ::close(other.from_fd);
    }
    ::close(down[1]);
    ::close(up[0]);
    ::signal(SIGINT, SIG_IGN);  // Ctrl-C is the parent's to handle
    ::signal(SIGTERM, SIG_DFL);
    child_loop(down[0], up[1]);
  }
  ::close(down[0]);
  ::close(up[1]);
  w.pid = pid;
  w.to_fd = down[1];
  w.from_fd = up[0];
  w.sample.reset();
  w.buffer.clear();
}

void WorkerPool::child_loop(int in_fd, int out_fd) {
  auto& spice = SpiceSession::instance();
  std::uint64_t index = 0;
  while (read_all(in_fd, &index, sizeof index)) {
    if (fault_injected(FaultKind::crash, index)) std::abort();
    if (fault_injected(FaultKind::hang, index)) {
      while (true) ::pause();
    }
    SampleRecord rec;
    bool fatal = false;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      rec = kind_.run_sample(spice, index);
      rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } catch (const std::exception& e) {
      rec.index = index;
      rec.status = SampleStatus::crashed;
      rec.error = fmt::format("worker error: {}", e.what());
      fatal = true;  // the process state is suspect (e.g. ngspice died): replace this worker
    }
    const std::string bytes = encode_record(rec);
    const auto len = static_cast<std::uint32_t>(bytes.size());
    if (!write_all(out_fd, &len, sizeof len) || !write_all(out_fd, bytes.data(), bytes.size())) _exit(2);
    if (fatal) _exit(3);
  }
  _exit(0);
}

bool WorkerPool::has_idle() const {
  for (const auto& w : workers_)
    if (!w.sample) return true;
  return false;
}

int WorkerPool::busy() const {
  int n = 0;
  for (const auto& w : workers_) n += w.sample ? 1 : 0;
  return n;
}

void WorkerPool::submit(std::uint64_t index) {
  for (auto& w : workers_) {
    if (w.sample) continue;
    if (!write_all(w.to_fd, &index, sizeof index)) {  // died while idle: replace and retry once
      reap(w, "died while idle");
      spawn(w);
      if (!write_all(w.to_fd, &index, sizeof index)) throw Error("cannot hand a sample to a new worker process");
    }
    w.sample = index;
    w.started = std::chrono::steady_clock::now();
    w.buffer.clear();
    return;
  }
  throw Error("internal: submit() with no idle worker");
}

SampleRecord WorkerPool::failure(const Worker& w, SampleStatus status, const std::string& why) const {
  SampleRecord r;
  r.index = *w.sample;
  r.status = status;
  r.error = why;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - w.started).count();
  return r;
}

void WorkerPool::reap(Worker& w, const char* /*why*/) {
  if (w.pid > 0) {
    ::kill(w.pid, SIGKILL);
    int status = 0;
    while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (w.to_fd >= 0) ::close(w.to_fd);
  if (w.from_fd >= 0) ::close(w.from_fd);
  w.pid = -1;
  w.to_fd = w.from_fd = -1;
}

std::vector<SampleRecord> WorkerPool::collect(int wait_ms) {
  std::vector<SampleRecord> done;
  std::vector<pollfd> fds;
  std::vector<Worker*> owners;
  for (auto& w : workers_) {
    if (!w.sample) continue;
    fds.push_back({w.from_fd, POLLIN, 0});
    owners.push_back(&w);
  }
  if (fds.empty()) return done;
  const int rc = ::poll(fds.data(), fds.size(), wait_ms);
  if (rc < 0 && errno != EINTR) throw Error(fmt::format("poll on workers failed: {}", std::strerror(errno)));
  for (std::size_t k = 0; rc > 0 && k < fds.size(); ++k) {
    if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Worker& w = *owners[k];
    char buf[65536];
    const ssize_t n = ::read(w.from_fd, buf, sizeof buf);
    if (n > 0) {
      w.buffer.append(buf, static_cast<std::size_t>(n));
      std::uint32_t len = 0;
      if (w.buffer.size() >= sizeof len) {
        std::memcpy(&len, w.buffer.data(), sizeof len);
        if (w.buffer.size() >= sizeof len + len) {
          SampleRecord r = decode_record(w.buffer.data() + sizeof len, len);
          w.buffer.erase(0, sizeof len + len);
          w.sample.reset();
          if (r.status == SampleStatus::crashed) {  // the worker exits after a fatal error
            reap(w, "fatal error");
            spawn(w);
          }
          done.push_back(std::move(r));
        }
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // EOF: the worker died in the middle of a sample.
    int status = 0;
    while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
    w.pid = -1;
    done.push_back(failure(w, SampleStatus::crashed,
                           fmt::format("worker process {} while running this sample; it was replaced", describe_exit(status))));
    reap(w, "crashed");
    spawn(w);
  }
  // Timeouts.
  const auto now = std::chrono::steady_clock::now();
  for (auto& w : workers_) {
    if (!w.sample) continue;
    if (std::chrono::duration<double>(now - w.started).count() <= timeout_s_) continue;
    done.push_back(failure(w, SampleStatus::timeout,
                           fmt::format("sample ran longer than run.sample_timeout_s = {} s; its worker was killed and replaced",
                                       timeout_s_)));
    reap(w, "timeout");
    spawn(w);
  }
  return done;
}

void WorkerPool::shutdown() {
  for (auto& w : workers_) {
    if (w.to_fd >= 0) ::close(w.to_fd);  // idle workers exit on EOF
    w.to_fd = -1;
  }
  for (auto& w : workers_) {
    if (w.pid > 0 && w.sample) ::kill(w.pid, SIGKILL);
    if (w.pid > 0) {
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (w.from_fd >= 0) ::close(w.from_fd);
    w.pid = -1;
    w.from_fd = -1;
    w.sample.reset();
  }
}

}  // namespace xbar::characterize::detail
