#pragma once
// The MPI side of a campaign (private to characterize). Without XBAR_WITH_MPI, or when the
// process was not started by mpirun, the world has one rank and nothing here talks to MPI.
//
// Protocol: rank 0 broadcasts a bitmap of the pending samples (bit i of word i / 64); rank r
// runs the k-th pending sample (in index order) for k % size == r (with its own worker processes) and sends each record to rank 0, then a
// "done" message. Rank 0 is the only journal and HDF5 writer.
#include <cstdint>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"

namespace xbar::characterize::detail {

struct MpiWorld {
  int rank = 0;
  int size = 1;
};

/// The MPI world of this process (size 1 when MPI is not in use).
MpiWorld mpi_world();
/// Rank 0's `words` are copied to every rank.
void mpi_broadcast(std::vector<std::uint64_t>& words);
/// Sends a record to rank 0.
void mpi_send_record(const SampleRecord& record);
/// Lets MPI move queued sends along; call it while waiting for workers.
void mpi_progress();
/// Tells rank 0 that this rank has sent all its records (waits for every queued send).
void mpi_send_done();
/// Rank 0: takes every record that has arrived, without waiting; counts "done" messages.
std::vector<SampleRecord> mpi_receive(int* ranks_done);

}  // namespace xbar::characterize::detail
