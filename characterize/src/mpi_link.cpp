#include "mpi_link.hpp"

#ifdef XBAR_WITH_MPI
#include <mpi.h>

#include <deque>
#include <string>
#endif

#include "xbar/characterize/error.hpp"

namespace xbar::characterize::detail {

#ifdef XBAR_WITH_MPI
namespace {
constexpr int kTagRecord = 101, kTagDone = 102;
bool mpi_on() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}

// Records go out with MPI_Isend so a rank's workers keep running while rank 0 is busy: a
// blocking send of a record above the eager limit (4 KiB in Open MPI's shared memory) would
// wait for rank 0's next receive. The buffers live here until their sends complete.
struct PendingSend {
  std::string bytes;
  MPI_Request request = MPI_REQUEST_NULL;
};
std::deque<PendingSend>& pending_sends() {
  static std::deque<PendingSend> sends;
  return sends;
}
void reap_completed_sends() {
  auto& sends = pending_sends();
  while (!sends.empty()) {
    int done = 0;
    MPI_Test(&sends.front().request, &done, MPI_STATUS_IGNORE);
    if (!done) break;
    sends.pop_front();
  }
}
}  // namespace

MpiWorld mpi_world() {
  MpiWorld w;
  if (!mpi_on()) return w;
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  return w;
}

void mpi_broadcast(std::vector<std::uint64_t>& indices) {
  unsigned long long n = indices.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  indices.resize(n);
  if (n) MPI_Bcast(indices.data(), static_cast<int>(n), MPI_UINT64_T, 0, MPI_COMM_WORLD);
}

void mpi_send_record(const SampleRecord& record) {
  reap_completed_sends();
  auto& s = pending_sends().emplace_back();
  s.bytes = encode_record(record);
  MPI_Isend(s.bytes.data(), static_cast<int>(s.bytes.size()), MPI_BYTE, 0, kTagRecord, MPI_COMM_WORLD, &s.request);
}

void mpi_progress() { reap_completed_sends(); }

void mpi_send_done() {
  for (auto& s : pending_sends()) MPI_Wait(&s.request, MPI_STATUS_IGNORE);
  pending_sends().clear();
  char nothing = 0;
  MPI_Send(&nothing, 1, MPI_BYTE, 0, kTagDone, MPI_COMM_WORLD);
}

std::vector<SampleRecord> mpi_receive(int* ranks_done) {
  std::vector<SampleRecord> out;
  while (true) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag) break;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    std::string buf(static_cast<std::size_t>(count), '\0');
    MPI_Recv(buf.data(), count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (st.MPI_TAG == kTagDone) {
      ++*ranks_done;
    } else {
      out.push_back(decode_record(buf.data(), buf.size()));
    }
  }
  return out;
}
#else
MpiWorld mpi_world() { return {}; }
void mpi_broadcast(std::vector<std::uint64_t>&) {}
void mpi_send_record(const SampleRecord&) { throw Error("internal: MPI send without MPI"); }
void mpi_progress() {}
void mpi_send_done() {}
std::vector<SampleRecord> mpi_receive(int*) { return {}; }
#endif

}  // namespace xbar::characterize::detail
