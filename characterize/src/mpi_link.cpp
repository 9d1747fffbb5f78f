#include "mpi_link.hpp"

#ifdef XBAR_WITH_MPI
#include <mpi.h>
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
  const std::string bytes = encode_record(record);
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kTagRecord, MPI_COMM_WORLD);
}

void mpi_send_done() {
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
void mpi_send_done() {}
std::vector<SampleRecord> mpi_receive(int*) { return {}; }
#endif

}  // namespace xbar::characterize::detail
