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
//  - HDF5: the parent is the only writer. It rewrites the whole file atomically (temporary
//    file, then rename) every run.checkpoint_interval_s and at the end, so the file is never
//    left unreadable. Datasets under /samples are identical for any worker count and any
//    number of resumes (sample i depends only on (seed, i)).
//  - MPI: when started by mpirun (and built with XBAR_WITH_MPI), rank 0 broadcasts the pending
//    samples, every rank runs its share in its own worker processes, and rank 0 journals and
//    writes everything; the file is identical to a single-process run.
//  - Progress: a bar on a terminal (done/total, samples/s, ETA, failures), plain lines every
//    few seconds otherwise.
#include <cstdint>
#include <functional>
#include <string>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::characterize {

struct RunOptions {
  int workers = 0;                 ///< worker processes; 0 = the spec's run.workers
  bool retry_failed = false;       ///< on resume, run crashed/timeout/spice_error samples again
  bool quiet = false;              ///< no progress output
  std::string xbar_version;        ///< provenance
  std::string git_hash;            ///< provenance
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
};

/// Thrown when SIGINT/SIGTERM stopped the run after a checkpoint; rerun to resume.
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Runs (or resumes) the campaign. Throws SpecError/FileError/Error on bad input, Interrupted
/// on Ctrl-C; sample failures are recorded in the file, not thrown.
CampaignSummary run_campaign(const CampaignSpec& spec, const RunOptions& options);

}  // namespace xbar::characterize
