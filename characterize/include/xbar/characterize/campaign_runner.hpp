#pragma once
// The campaign engine: runs every sample of a spec in worker processes and writes the HDF5
// campaign file.
//
//  - Workers: `workers` child processes, each with its own embedded ngspice, fed one sample
//    index at a time over a pipe. A worker that crashes, or runs a sample past
//    run.sample_timeout_s, is killed and replaced; its sample is recorded as crashed or
//    timeout with the reason, and the campaign continues.
//  - Journal: every finished record is appended to "<output>.journal" (length + CRC-32 +
//    bytes) before anything else, so a SIGKILL at any moment loses no finished sample. A
//    rerun of the same command reads the journal (dropping a torn last record) and runs only
//    what is missing. The journal is deleted once the final HDF5 file is in place.
//  - HDF5: the parent is the only writer. It builds the file in place at "<output>.partial"
//    (CampaignFileBuilder: every dataset at its final size, created once), and every
//    run.checkpoint_interval_s, or whenever RunOptions::records_per_write records are waiting,
//    writes only the records that arrived since the last write. At the end it adds the
//    checksum trailer and renames "<output>.partial" to "<output>", then deletes the journal, so
//    "<output>" only ever names a complete file. Datasets under /samples are identical for any
//    worker count and any number of resumes (sample i depends only on (seed, i)).
//  - Memory: the parent keeps no record per sample, only two bits (finished, failed) and the
//    records not yet written (at most records_per_write). A rerun rebuilds ".partial" from the
//    journal, read as a stream, in blocks of records_per_write.
//  - MPI: when started by mpirun (and built with XBAR_WITH_MPI), rank 0 broadcasts a bitmap of
//    the pending samples, every rank runs its share in its own worker processes, and rank 0
//    journals and writes everything; the file is identical to a single-process run.
//  - Progress: a bar on a terminal (done/total, samples/s, ETA, failures), plain lines every
//    few seconds otherwise.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::characterize {

struct RunOptions {
  int workers = 0;                 ///< worker processes; 0 = the spec's run.workers
  bool retry_failed = false;       ///< on resume, run crashed/timeout/spice_error samples again
  bool quiet = false;              ///< no progress output
  std::string xbar_version;        ///< provenance
  std::string git_hash;            ///< provenance
  /// The most finished records the parent holds before it writes them to "<output>.partial"
  /// (also the block size when a rerun rebuilds it from the journal). At least 1.
  std::uint64_t records_per_write = 4096;
};

struct CampaignSummary {
  std::string output;              ///< the HDF5 file written
  std::uint64_t total = 0;         ///< samples in the campaign
  std::uint64_t resumed = 0;       ///< samples already done before this run
  std::uint64_t ran = 0;           ///< samples run now
  std::uint64_t ok = 0;            ///< samples with status ok, in the whole file
  std::uint64_t failed = 0;        ///< samples with a failure status, in the whole file
  double seconds = 0.0;            ///< wall time of this run
  int rank = 0;                    ///< MPI rank that returns this summary (only rank 0 writes the file)
  std::uint64_t journal_dropped = 0;  ///< damaged journal records skipped on resume (their samples ran again)
  std::uint64_t peak_records_held = 0;  ///< most records the parent held at once (<= records_per_write)
  std::uint64_t rows_written = 0;       ///< records written into the HDF5 file by this run (rebuild included)
  std::uint64_t checkpoints = 0;        ///< writes of new records into "<output>.partial"
  /// Wall time of each checkpoint of this run (one entry per write into .partial; benchmarks).
  std::vector<double> checkpoint_seconds;
};

/// Thrown when SIGINT/SIGTERM stopped the run after a checkpoint; rerun to resume.
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Runs (or resumes) the campaign. Throws SpecError/FileError/Error on bad input, Interrupted
/// on Ctrl-C; sample failures are recorded in the file, not thrown.
CampaignSummary run_campaign(const CampaignSpec& spec, const RunOptions& options);

class CircuitKind;
/// The same with the samples of `kind` instead of make_circuit_kind(spec) (benchmarks and tests:
/// a synthetic kind without ngspice). `kind` must hold spec.total_samples() samples.
CampaignSummary run_campaign(const CampaignSpec& spec, const RunOptions& options, const CircuitKind& kind);

}  // namespace xbar::characterize
