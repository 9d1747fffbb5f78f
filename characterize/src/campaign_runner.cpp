#include "xbar/characterize/campaign_runner.hpp"

#include "xbar/core/provenance.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <utility>
#include <vector>
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

/// One bit per sample, packed into 64-bit words (bit i in word i / 64).
class Bitmap {
 public:
  explicit Bitmap(std::uint64_t n = 0) : words_((n + 63) / 64, 0) {}
  bool get(std::uint64_t i) const { return (words_[i / 64] >> (i % 64)) & 1u; }
  void set(std::uint64_t i, bool v) {
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    words_[i / 64] = v ? (words_[i / 64] | bit) : (words_[i / 64] & ~bit);
  }
  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (std::uint64_t w : words_) n += static_cast<std::uint64_t>(__builtin_popcountll(w));
    return n;
  }
  std::vector<std::uint64_t>& words() { return words_; }
  const std::vector<std::uint64_t>& words() const { return words_; }

 private:
  std::vector<std::uint64_t> words_;
};

/// The pending samples of one rank, in index order, produced from a bitmap as they are needed:
/// the k-th pending sample belongs to rank k % size.
class PendingCursor {
 public:
  PendingCursor(const Bitmap& pending, std::uint64_t total, int rank, int size)
      : pending_(pending), total_(total), rank_(static_cast<std::uint64_t>(rank)),
        size_(static_cast<std::uint64_t>(size)) {
    const std::uint64_t all = pending.count();
    left_ = all > rank_ ? (all - rank_ + size_ - 1) / size_ : 0;
  }
  bool empty() const { return left_ == 0; }
  std::uint64_t left() const { return left_; }
  std::uint64_t next() {
    while (true) {
      const std::uint64_t i = pos_++;
      if (!pending_.get(i)) continue;
      if (ordinal_++ % size_ == rank_) {
        --left_;
        return i;
      }
    }
  }

 private:
  const Bitmap& pending_;
  std::uint64_t total_, rank_, size_;
  std::uint64_t pos_ = 0, ordinal_ = 0, left_ = 0;
};

/// What rank 0 knows of the samples: two bits each (finished, failed), the counts of the file,
/// and the finished records not yet written into "<output>.partial".
class SampleBook {
 public:
  explicit SampleBook(std::uint64_t total) : total_(total), done_(total), failed_(total) {}

  /// A finished record (from the journal, or just run): replaces what the sample had.
  void add(SampleRecord&& r) {
    if (r.index >= total_)
      throw FileError(fmt::format("record for sample {}, but the campaign has {} samples", r.index, total_));
    if (done_.get(r.index)) (failed_.get(r.index) ? failed_count_ : ok_count_) -= 1;
    const bool f = failed(r.status);
    done_.set(r.index, r.status != SampleStatus::not_run);
    failed_.set(r.index, f);
    if (r.status != SampleStatus::not_run) (f ? failed_count_ : ok_count_) += 1;
    unwritten_.push_back(std::move(r));
    peak_ = std::max<std::uint64_t>(peak_, unwritten_.size());
  }
  std::uint64_t unwritten() const { return unwritten_.size(); }
  std::vector<SampleRecord> take_unwritten() { return std::exchange(unwritten_, {}); }
  SampleCounts counts() const { return {ok_count_, failed_count_, total_ - ok_count_ - failed_count_}; }
  std::uint64_t peak_held() const { return peak_; }
  /// Samples to run: not finished, or failed when `retry_failed`.
  Bitmap pending(bool retry_failed) const {
    Bitmap p(total_);
    for (std::uint64_t i = 0; i < total_; ++i) p.set(i, !done_.get(i) || (retry_failed && failed_.get(i)));
    return p;
  }

 private:
  std::uint64_t total_;
  Bitmap done_, failed_;
  std::uint64_t ok_count_ = 0, failed_count_ = 0, peak_ = 0;
  std::vector<SampleRecord> unwritten_;
};

/// Rank 0's file side: the journal (written first, the source of truth), the sample book and
/// "<output>.partial", with every write of waiting records counted.
struct CampaignStore {
  SampleBook book;
  std::optional<CampaignFileBuilder> file;
  std::optional<detail::Journal> journal;
  std::uint64_t records_per_write = 4096;
  std::uint64_t checkpoints = 0;
  std::vector<double> seconds;

  explicit CampaignStore(std::uint64_t total, std::uint64_t per_write)
      : book(total), records_per_write(std::max<std::uint64_t>(1, per_write)) {}

  /// Writes the waiting records into .partial (nothing to do when none wait: the counts change
  /// only with records).
  void checkpoint() {
    if (book.unwritten() == 0) return;
    const auto t0 = std::chrono::steady_clock::now();
    file->write(book.take_unwritten(), book.counts());
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    ++checkpoints;
  }
  /// Keeps a record that is already in the journal; writes when records_per_write wait.
  void keep(SampleRecord&& r) {
    book.add(std::move(r));
    if (book.unwritten() >= records_per_write) checkpoint();
  }
  /// A record just run: journaled first (one write(), kept even if we are killed now), then kept.
  void accept(SampleRecord&& r) {
    journal->append(r);
    keep(std::move(r));
  }
};

struct CampaignPaths {
  std::string output, partial, journal;
  explicit CampaignPaths(const std::string& out)
      : output(out), partial(out + ".partial"), journal(out + ".journal") {}
};

/// Creates run.output's folder if it is missing (as `xbar characterize -o` does); a folder that
/// cannot be created is an error naming the spec's field and line.
void make_output_folder(const CampaignSpec& spec) {
  const auto parent = std::filesystem::path(spec.run.output).parent_path();
  std::error_code ec;
  if (parent.empty() || std::filesystem::is_directory(parent, ec)) return;
  std::filesystem::create_directories(parent, ec);
  if (ec || !std::filesystem::is_directory(parent)) {
    throw SpecError(fmt::format("{}:{}: run.output = '{}': the folder '{}' does not exist and cannot be created ({}); "
                                "create it or change run.output",
                                spec.source_path.empty() ? "spec" : spec.source_path, spec.run.output_line,
                                spec.run.output, parent.string(), ec ? ec.message() : "not a folder"));
  }
}

CampaignProvenance make_provenance(const CampaignSpec& spec, const RunOptions& options) {
  CampaignProvenance prov;
  prov.xbar_version = options.xbar_version;
  prov.git_hash = options.git_hash;
  // The parent's instance gives the version; workers inherit it.
  prov.ngspice_version = SpiceSession::instance().version();
  prov.spec_text = spec.source_text;
  prov.seed = spec.seed;
  prov.extra = {{"spec_path", spec.source_path}};
  return prov;
}

/// Checks that a finished (or, from an older xbar, checkpointed) `<output>` was written from a
/// spec with the same results, when there is no journal: a rerun adopts its records. Returns
/// its start time.
std::string check_finished_file(const std::string& out, const std::string& spec_results) {
  const CampaignProvenance p = read_campaign_provenance(out);
  std::string stored_results;
  try {
    stored_results = results_text(p.spec_text, out);
  } catch (const SpecError&) {
    stored_results = "?";
  }
  if (stored_results != spec_results) {
    throw FileError(fmt::format("{} exists and was written from a different spec (one with other results); set "
                                "run.output to another file, or restore the spec it was written from to resume it",
                                out));
  }
  return p.start_time;
}

/// Opens the journal (creating it, seeded from a finished `<output>`, if there is none) and
/// builds "<output>.partial" from it: the journal is read as a stream and written in blocks, so
/// a rerun after a crash rebuilds the file whatever state the kill left it in.
void open_store(CampaignStore& store, const CampaignSpec& spec, const CampaignPaths& paths,
                CampaignProvenance& prov, const CampaignSchema& schema, bool quiet, std::uint64_t* dropped) {
  const std::uint64_t total = spec.total_samples();
  // The journal and an existing file are matched on the part of the spec that decides results
  // (results_text): comments, run.workers and the like may change between runs.
  const std::string spec_results = results_text(spec.source_text, spec.source_path.empty() ? "spec" : spec.source_path);
  const std::uint64_t spec_hash = detail::fnv1a64(spec.kind + "\n" + spec_results);
  const std::uint64_t legacy_hash = detail::fnv1a64(spec.kind + "\n" + spec.source_text);
  const bool have_journal = std::filesystem::exists(paths.journal);
  std::string start_time = core::utc_now();
  const bool adopt = !have_journal && std::filesystem::exists(paths.output);
  if (have_journal) {
    start_time = detail::Journal::stored_start_time(paths.journal, start_time);
  } else if (adopt) {
    start_time = check_finished_file(paths.output, spec_results);
  }
  prov.start_time = start_time;
  prov.end_time.clear();
  store.file.emplace(paths.partial, schema, prov, total);
  store.journal.emplace(paths.journal, spec_hash, total, start_time,
                        [&store](SampleRecord&& r) { store.keep(std::move(r)); }, legacy_hash);
  *dropped = store.journal->dropped_records();
  if (*dropped > 0 && !quiet) {
    fmt::print(stderr,
               "characterize: {}: skipped {} damaged journal record(s) and kept every other one; those samples run "
               "again\n",
               paths.journal, *dropped);
  }
  if (adopt) {
    // Seed the new journal from the finished file, read in blocks.
    read_campaign_records(paths.output, store.records_per_write, [&](SampleRecord&& r) {
      if (r.index >= total) {
        throw FileError(fmt::format("{}: record for sample {}, but the campaign has {} samples", paths.output,
                                    r.index, total));
      }
      if (r.status != SampleStatus::not_run) store.accept(std::move(r));
    });
  }
  store.checkpoint();
}

/// Runs this rank's pending samples in `workers` processes and hands each record to `sink`;
/// rank 0 also hears from the other ranks. Checkpoints (`on_tick`) are the caller's.
template <class Sink, class Tick>
void run_samples(const CircuitKind& kind, PendingCursor& mine, int workers, double sample_timeout_s, int remote_ranks,
                 Sink&& sink, Tick&& on_tick) {
  std::optional<detail::WorkerPool> pool;
  if (!mine.empty()) {
    pool.emplace(kind, static_cast<int>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(workers, mine.left()))),
                 sample_timeout_s);
  }
  int remote_done = 0;
  while (!mine.empty() || (pool && pool->busy() > 0) || remote_done < remote_ranks) {
    while (pool && !mine.empty() && pool->has_idle()) pool->submit(mine.next());
    if (pool && pool->busy() > 0) {
      for (auto& r : pool->collect(remote_ranks > 0 ? 20 : 200)) sink(std::move(r));
    } else {
      ::usleep(5000);  // only remote ranks are working
    }
    if (remote_ranks > 0)
      for (auto& r : detail::mpi_receive(&remote_done)) sink(std::move(r));
    if (!on_tick()) break;
  }
  if (pool) pool->shutdown();
}

// Ranks other than 0 run their share of the pending samples in their own worker processes
// and send every record to rank 0.
CampaignSummary run_remote_rank(const CampaignSpec& spec, const RunOptions& options, const CircuitKind& kind,
                                const detail::MpiWorld& world) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t total = spec.total_samples();
  Bitmap pending(total);
  detail::mpi_broadcast(pending.words());
  PendingCursor mine(pending, total, world.rank, world.size);
  CampaignSummary summary;
  summary.output = spec.run.output;
  summary.total = total;
  const int workers = options.workers > 0 ? options.workers : 1;
  run_samples(
      kind, mine, workers, spec.run.sample_timeout_s, 0,
      [&](SampleRecord&& r) {
        detail::mpi_send_record(r);
        ++summary.ran;
      },
      [] {
        detail::mpi_progress();
        return true;
      });
  detail::mpi_send_done();
  summary.rank = world.rank;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

/// Rank 0's share of the pending samples (and the other ranks' records): each record journaled,
/// then kept, with a checkpoint every run.checkpoint_interval_s. Ctrl-C writes a checkpoint and
/// throws Interrupted.
void run_pending(const CampaignSpec& spec, const RunOptions& options, const CircuitKind& kind,
                 const CampaignPaths& paths, PendingCursor& mine, int workers, int ranks, CampaignStore& store,
                 CampaignSummary& summary) {
  const std::uint64_t total = summary.total;
  if (!options.quiet && summary.resumed > 0) {
    fmt::print(stderr, "characterize: resuming {}: {} of {} samples already done\n", paths.output, summary.resumed,
               total);
  }
  SignalGuard signals;
  Progress progress(total, summary.resumed, options.quiet);
  std::uint64_t finished = summary.resumed;
  auto last_checkpoint = std::chrono::steady_clock::now();
  run_samples(
      kind, mine, workers, spec.run.sample_timeout_s, ranks - 1,
      [&](SampleRecord&& r) {
        store.accept(std::move(r));
        ++finished;
        ++summary.ran;
      },
      [&] {
        progress.update(finished, store.book.counts().failed);
        if (g_stop_signal != 0) return false;
        const auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last_checkpoint).count() >= spec.run.checkpoint_interval_s) {
          store.checkpoint();
          last_checkpoint = now;
        }
        return true;
      });
  if (g_stop_signal != 0) {
    store.checkpoint();
    progress.update(finished, store.book.counts().failed, true);
    throw Interrupted(fmt::format("stopped by signal {} after {} of {} samples; {} holds them (and {} the "
                                  "journal): rerun the same command to resume",
                                  static_cast<int>(g_stop_signal), finished, total, paths.partial, paths.journal));
  }
  progress.update(finished, store.book.counts().failed, true);
}

/// The end: the last records, end_time and counts, the checksum, the rename to `<output>`, and
/// only then the journal goes.
void finish_campaign(CampaignStore& store, const CampaignPaths& paths, CampaignSummary& summary) {
  store.checkpoint();
  const SampleCounts counts = store.book.counts();
  store.file->finish(paths.output, core::utc_now(), counts);
  store.journal->remove();
  summary.ok = counts.ok;
  summary.failed = counts.failed;
  summary.peak_records_held = store.book.peak_held();
  summary.rows_written = store.file->rows_written();
  summary.checkpoints = store.checkpoints;
  summary.checkpoint_seconds = std::move(store.seconds);
}

}  // namespace

CampaignSummary run_campaign(const CampaignSpec& spec, const RunOptions& options) {
  const auto kind = make_circuit_kind(spec);
  return run_campaign(spec, options, *kind);
}

CampaignSummary run_campaign(const CampaignSpec& spec, const RunOptions& options, const CircuitKind& kind) {
  const auto world = detail::mpi_world();
  if (world.rank != 0) return run_remote_rank(spec, options, kind, world);
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t total = spec.total_samples();
  const CampaignPaths paths(spec.run.output);
  // Under MPI each rank runs --workers processes (default 1: one rank per core).
  const int workers = options.workers > 0 ? options.workers : (world.size > 1 ? 1 : spec.run.workers);
  CampaignProvenance prov = make_provenance(spec, options);
  make_output_folder(spec);
  // One run per campaign: a second run of the same output stops here and names the first.
  detail::CampaignLock lock(paths.output);

  CampaignStore store(total, options.records_per_write);
  CampaignSummary summary;
  summary.output = paths.output;
  summary.total = total;
  open_store(store, spec, paths, prov, kind.schema(), options.quiet, &summary.journal_dropped);

  Bitmap pending = store.book.pending(options.retry_failed);
  const std::uint64_t pending_count = pending.count();
  summary.resumed = total - pending_count;
  // Under MPI, rank 0 runs every size-th pending sample and hears from the others.
  if (world.size > 1) detail::mpi_broadcast(pending.words());
  PendingCursor mine(pending, total, 0, world.size);
  if (pending_count > 0 || world.size > 1) {
    run_pending(spec, options, kind, paths, mine, workers, world.size, store, summary);
  }
  finish_campaign(store, paths, summary);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace xbar::characterize
