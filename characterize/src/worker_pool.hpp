#pragma once
// Worker processes for a campaign (private to characterize). Each worker is a forked child
// that runs samples in its own embedded ngspice: it reads a u64 sample index from its pipe and
// answers with u32 length + encode_record bytes. The parent polls all workers, replaces any
// that dies or overruns the sample timeout, and turns that into a failed record.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/circuit_kind.hpp"

namespace xbar::characterize::detail {

class WorkerPool {
 public:
  WorkerPool(const CircuitKind& kind, int workers, double sample_timeout_s);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()); }
  /// True if some worker has no sample.
  bool has_idle() const;
  /// Hands `index` to an idle worker (has_idle() must be true).
  void submit(std::uint64_t index);
  /// Number of samples in flight.
  int busy() const;
  /// Waits up to `wait_ms` and returns the records that finished (ok or failed, including
  /// crashed and timed-out samples, whose workers are replaced).
  std::vector<SampleRecord> collect(int wait_ms);
  /// Stops every worker (SIGKILL) and reaps it.
  void shutdown();

 private:
  struct Worker {
    pid_t pid = -1;
    int to_fd = -1;    // parent writes sample indices
    int from_fd = -1;  // parent reads records
    std::optional<std::uint64_t> sample;
    std::chrono::steady_clock::time_point started;
    std::string buffer;
  };
  void spawn(Worker& w);
  void reap(Worker& w, const char* why);
  [[noreturn]] void child_loop(int in_fd, int out_fd);
  SampleRecord failure(const Worker& w, SampleStatus status, const std::string& why) const;

  const CircuitKind& kind_;
  double timeout_s_;
  std::vector<Worker> workers_;
};

}  // namespace xbar::characterize::detail
