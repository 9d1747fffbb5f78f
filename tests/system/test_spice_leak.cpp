// Memory stays flat: RSS grows less than 5 MB over 2,000 load-and-run cycles of a 16x16
// crossbar in one embedded session.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/crossbar.hpp"

namespace {
double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}
}  // namespace

TEST_CASE("RSS grows less than 5 MB over 2000 load-and-run cycles of a 16x16 crossbar") {
  auto& spice = xbar::characterize::SpiceSession::instance();
  xbar::netlists::CrossbarParams p;
  p.rows = p.cols = 16;
  p.g_s = Eigen::MatrixXd::Constant(16, 16, 5e-5);
  p.r_row_wire_ohm = p.r_col_wire_ohm = 1.0;
  auto cycle = [&](int k) {
    p.v_in_v = Eigen::VectorXd::Constant(16, 0.1 + 1e-4 * (k % 100));  // a different deck each time
    const auto deck = xbar::netlists::make_crossbar_deck(p);
    const auto r = spice.simulate(deck.text, "op");
    REQUIRE(r.real("vsj0#branch").size() == 1);
  };
  for (int k = 0; k < 20; ++k) cycle(k);  // warm-up: allocator pools, ngspice's first-use tables
  const double before = rss_mb();
  for (int k = 0; k < 2000; ++k) cycle(k);
  const double after = rss_mb();
  MESSAGE(fmt::format("RSS {:.1f} MB -> {:.1f} MB over 2000 cycles ({:+.2f} MB)", before, after, after - before));
  CHECK(after - before < 5.0);
}
