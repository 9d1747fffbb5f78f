// verdict's RAPL reading on a fake powercap folder (this machine has none): top-level zones only
// (subzones, intel-rapl-mmio and unreadable zones ignored), several packages summed, a counter that
// wrapped around gains max_energy_range_uj + 1, and readings that disagree give NaN.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "xbar/verdict/verdict.hpp"

using namespace xbar::verdict;
namespace fs = std::filesystem;

namespace {

void zone(const fs::path& root, const std::string& name, const std::string& energy_uj, const std::string& range_uj) {
  fs::create_directories(root / name);
  if (!energy_uj.empty()) std::ofstream(root / name / "energy_uj") << energy_uj << "\n";
  if (!range_uj.empty()) std::ofstream(root / name / "max_energy_range_uj") << range_uj << "\n";
}

}  // namespace

TEST_CASE("read_rapl: top-level zones only, sorted, with their ranges") {
  xbar::test::TempDir tmp;
  const fs::path root = tmp.path;
  zone(root, "intel-rapl:1", "2000000", "262143328850");
  zone(root, "intel-rapl:0", "5000000", "262143328850");
  zone(root, "intel-rapl:0:0", "4000000", "262143328850");  // core: inside package 0's count
  zone(root, "intel-rapl:0:1", "999", "262143328850");      // uncore
  zone(root, "intel-rapl-mmio:0", "7000000", "262143328850");
  zone(root, "intel-rapl:2", "", "");  // energy_uj not readable (root-only): skipped
  const RaplReading r = read_rapl(root.string());
  REQUIRE(r.zones.size() == 2);
  CHECK(r.zones[0] == "intel-rapl:0");
  CHECK(r.zones[1] == "intel-rapl:1");
  CHECK(r.energy_uj[0] == 5000000.0);
  CHECK(r.max_range_uj[1] == 262143328850.0);
  CHECK(read_rapl_j(root.string()) == doctest::Approx(7.0));  // 5 J + 2 J, no subzone counted twice
}

TEST_CASE("rapl_energy_between_j: plain difference, wraparound, disagreeing readings") {
  xbar::test::TempDir tmp;
  const fs::path root = tmp.path;
  zone(root, "intel-rapl:0", "1000", "1000000");
  zone(root, "intel-rapl:1", "999900", "1000000");
  zone(root, "intel-rapl:1:0", "5", "1000000");
  const RaplReading before = read_rapl(root.string());
  zone(root, "intel-rapl:0", "3500", "1000000");  // +2500 µJ
  zone(root, "intel-rapl:1", "50", "1000000");    // wrapped: 999900 -> 1000000 (100 + 1) -> 50: +151 µJ
  zone(root, "intel-rapl:1:0", "0", "1000000");   // a subzone's wrap changes nothing
  const RaplReading after = read_rapl(root.string());
  CHECK(rapl_energy_between_j(before, after) == doctest::Approx((2500.0 + 151.0) * 1e-6));
  CHECK(rapl_energy_between_j(before, before) == 0.0);

  // A zone that vanished (or appeared) between the readings: no figure rather than a wrong one.
  RaplReading fewer = after;
  fewer.zones.pop_back();
  fewer.energy_uj.pop_back();
  fewer.max_range_uj.pop_back();
  CHECK(std::isnan(rapl_energy_between_j(before, fewer)));
  // A wrapped counter whose range cannot be read.
  RaplReading no_range = after;
  no_range.max_range_uj.assign(2, NAN);
  RaplReading before_no_range = before;
  before_no_range.max_range_uj.assign(2, NAN);
  CHECK(std::isnan(rapl_energy_between_j(before_no_range, no_range)));
}

TEST_CASE("read_rapl: a missing or empty powercap folder gives no zones and NaN") {
  xbar::test::TempDir tmp;
  CHECK(read_rapl(tmp.path.string()).zones.empty());
  CHECK(std::isnan(read_rapl_j(tmp.path.string())));
  CHECK(std::isnan(read_rapl_j((tmp.path / "no_such_folder").string())));
  CHECK(std::isnan(rapl_energy_between_j(read_rapl(tmp.path.string()), read_rapl(tmp.path.string()))));
}
