#include "xbar/characterize/campaign_runner.hpp"

#include "xbar/core/provenance.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <filesystem>
#include <optional>

#include "journal.hpp"
#include "mpi_link.hpp"
#include "worker_pool.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"

namespace xbar::characterize {

namespace {

std::atomic<int> g_stop_signal{0};
void on_stop_signal(int sig) { g_stop_signal = sig; }

bool failed(SampleStatus s) { return s != SampleStatus::ok && s != SampleStatus::not_run; }

// Progress on stderr: a bar that redraws itself on a terminal, plain lines every 5 s otherwise.
class Progress {
 public:
  Progress(std::uint64_t total, std::uint64_t already, bool quiet)
      : total_(total), already_(already), quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1),
        start_(std::chrono::steady_clock::now()), last_(start_) {}

  void update(std::uint64_t done, std::uint64_t failures, bool final = false) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (!final && since < (tty_ ? 0.2 : 5.0)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done - already_) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
    const std::string stats = fmt::format("{}/{} samples  {:.2f} samples/s  ETA {}  failed {}", done, total_, rate,
                                          final ? "0s" : core::hms(eta), failures);
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
      fmt::print(stderr, "\r[{}{}] {}\x1b[K{}", std::string(filled, '#'), std::string(kWidth - filled, '.'), stats,
                 final ? "\n" : "");
    } else {
      fmt::print(stderr, "characterize: {}\n", stats);
    }
    std::fflush(stderr);
  }

 private:
  std::uint64_t total_, already_;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
};

struct SignalGuard {
  struct sigaction old_int {}, old_term {};
  SignalGuard() {
    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

// Ranks other than 0 run their share of the pending samples in their own worker processes
// and send every record to rank 0.
CampaignSummary run_remote_rank(const CampaignSpec& spec, const RunOptions& options, const detail::MpiWorld& world) {
  const auto t0 = std::chrono::steady_clock::now();
  auto kind = make_circuit_kind(spec);
  std::vector<std::uint64_t> all;
  detail::mpi_broadcast(all);
  std::deque<std::uint64_t> share;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (static_cast<int>(k % world.size) == world.rank) share.push_back(all[k]);
  CampaignSummary summary;
  summary.output = spec.run.output;
  summary.total = spec.total_samples();
  if (!share.empty()) {
    const int workers = options.workers > 0 ? options.workers : 1;
    detail::WorkerPool pool(*kind, std::min<int>(workers, static_cast<int>(share.size())), spec.run.sample_timeout_s);
    while (!share.empty() || pool.busy() > 0) {
      while (!share.empty() && pool.has_idle()) {
        pool.submit(share.front());
        share.pop_front();
      }
      for (const auto& r : pool.collect(20)) {
        detail::mpi_send_record(r);
        ++summary.ran;
      }
      detail::mpi_progress();
    }
  }
  detail::mpi_send_done();
  summary.rank = world.rank;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace

CampaignSummary run_campaign(const CampaignSpec& spec, const RunOptions& options) {
  const auto world = detail::mpi_world();
  if (world.rank != 0) return run_remote_rank(spec, options, world);
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t total = spec.total_samples();
  const std::string& out = spec.run.output;
  const std::string journal_path = out + ".journal";
  // Under MPI each rank runs --workers processes (default 1: one rank per core).
  const int workers = options.workers > 0 ? options.workers : (world.size > 1 ? 1 : spec.run.workers);
  auto kind = make_circuit_kind(spec);
  const CampaignSchema& schema = kind->schema();
  auto& spice = SpiceSession::instance();  // the parent's instance gives the version; workers inherit it

  CampaignProvenance prov;
  prov.xbar_version = options.xbar_version;
  prov.git_hash = options.git_hash;
  prov.ngspice_version = spice.version();
  prov.spec_text = spec.source_text;
  prov.seed = spec.seed;
  prov.extra = {{"spec_path", spec.source_path}};

  // Records so far: from the journal if there is one, else from an earlier complete or
  // checkpointed file of the same spec.
  std::vector<SampleRecord> records(total);
  for (std::uint64_t i = 0; i < total; ++i) records[i].index = i;
  std::vector<SampleRecord> earlier;
  std::uint64_t summary_dropped = 0;
  std::string start_time = core::utc_now();
  // The journal and an existing file are matched on the part of the spec that decides results
  // (results_text): comments, run.workers and the like may change between runs.
  const std::string spec_results = results_text(spec.source_text, spec.source_path.empty() ? "spec" : spec.source_path);
  const std::uint64_t spec_hash = detail::fnv1a64(spec.kind + "\n" + spec_results);
  const std::uint64_t legacy_hash = detail::fnv1a64(spec.kind + "\n" + spec.source_text);
  {
    const auto parent = std::filesystem::path(out).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      throw SpecError(fmt::format("{}:{}: run.output = '{}': the folder '{}' does not exist; create it or change "
                                  "run.output",
                                  spec.source_path.empty() ? "spec" : spec.source_path, spec.run.output_line,
                                  spec.run.output, parent.string()));
    }
  }
  // One run per campaign: a second run of the same output stops here and names the first.
  detail::CampaignLock lock(out);
  const bool have_journal = std::filesystem::exists(journal_path);
  if (!have_journal && std::filesystem::exists(out)) {
    CampaignFile f = read_campaign_file(out);
    std::string stored_results;
    try {
      stored_results = results_text(f.provenance.spec_text, out);
    } catch (const SpecError&) {
      stored_results = "?";
    }
    if (stored_results != spec_results || f.records.size() != total) {
      throw FileError(fmt::format("{} exists and was written from a different spec (one with other results); set "
                                  "run.output to another file, or restore the spec it was written from to resume it",
                                  out));
    }
    start_time = f.provenance.start_time;
    for (auto& r : f.records)
      if (r.status != SampleStatus::not_run) earlier.push_back(std::move(r));
  }
  detail::Journal journal(journal_path, spec_hash, total, start_time, earlier, legacy_hash);
  if (journal.dropped_records() > 0 && !options.quiet) {
    fmt::print(stderr,
               "characterize: {}: skipped {} damaged journal record(s) and kept every other one; those samples run "
               "again\n",
               journal_path, journal.dropped_records());
  }
  summary_dropped = journal.dropped_records();
  if (!have_journal) {
    for (const auto& r : earlier) journal.append(r);  // seed a new journal from the earlier file
  }
  prov.start_time = journal.start_time();
  for (auto& r : earlier) {
    if (r.index >= total) {
      throw FileError(fmt::format("{}: record for sample {}, but the campaign has {} samples", journal_path, r.index, total));
    }
    records[r.index] = std::move(r);
  }

  std::deque<std::uint64_t> pending;
  std::uint64_t done = 0, failures = 0;
  for (std::uint64_t i = 0; i < total; ++i) {
    const auto s = records[i].status;
    if (s == SampleStatus::not_run || (options.retry_failed && failed(s))) {
      pending.push_back(i);
    } else {
      ++done;
      failures += failed(s) ? 1 : 0;
    }
  }
  CampaignSummary summary;
  summary.output = out;
  summary.total = total;
  summary.resumed = done;
  summary.journal_dropped = summary_dropped;

  auto write_file = [&](bool final) {
    prov.end_time = final ? core::utc_now() : "";
    write_campaign_file(out, schema, prov, records);
  };

  // Under MPI, rank 0 keeps every k-th pending sample for itself and hears from the others.
  std::vector<std::uint64_t> all_pending(pending.begin(), pending.end());
  if (world.size > 1) {
    detail::mpi_broadcast(all_pending);
    pending.clear();
    for (std::size_t k = 0; k < all_pending.size(); k += static_cast<std::size_t>(world.size)) pending.push_back(all_pending[k]);
  }
  const int remote_ranks = world.size - 1;
  int remote_done = 0;
  if (!all_pending.empty() || remote_ranks > 0) {
    if (!options.quiet && done > 0) {
      fmt::print(stderr, "characterize: resuming {}: {} of {} samples already done\n", out, done, total);
    }
    SignalGuard signals;
    Progress progress(total, done, options.quiet);
    std::optional<detail::WorkerPool> pool;
    if (!pending.empty()) {
      pool.emplace(*kind, std::max(1, std::min<int>(workers, static_cast<int>(pending.size()))), spec.run.sample_timeout_s);
    }
    auto accept = [&](SampleRecord&& r) {
      journal.append(r);
      if (failed(records[r.index].status)) --failures;  // a retried failure
      failures += failed(r.status) ? 1 : 0;
      ++done;
      ++summary.ran;
      records[r.index] = std::move(r);
    };
    auto last_checkpoint = std::chrono::steady_clock::now();
    while (!pending.empty() || (pool && pool->busy() > 0) || remote_done < remote_ranks) {
      while (pool && !pending.empty() && pool->has_idle()) {
        pool->submit(pending.front());
        pending.pop_front();
      }
      if (pool && pool->busy() > 0) {
        for (auto& r : pool->collect(remote_ranks > 0 ? 20 : 200)) accept(std::move(r));
      } else {
        ::usleep(5000);  // only remote ranks are working
      }
      if (remote_ranks > 0)
        for (auto& r : detail::mpi_receive(&remote_done)) accept(std::move(r));
      progress.update(done, failures);
      if (g_stop_signal != 0) {
        if (pool) pool->shutdown();
        write_file(false);
        progress.update(done, failures, true);
        throw Interrupted(fmt::format("stopped by signal {} after {} of {} samples; {} holds them (and {} the "
                                      "journal): rerun the same command to resume",
                                      static_cast<int>(g_stop_signal), done, total, out, journal_path));
      }
      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_checkpoint).count() >= spec.run.checkpoint_interval_s) {
        write_file(false);
        last_checkpoint = now;
      }
    }
    if (pool) pool->shutdown();
    progress.update(done, failures, true);
  }
  write_file(true);
  journal.remove();
  for (const auto& r : records) {
    summary.ok += r.status == SampleStatus::ok ? 1 : 0;
    summary.failed += failed(r.status) ? 1 : 0;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace xbar::characterize
