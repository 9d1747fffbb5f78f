// The resume journal and the campaign lock (issue 15): a damaged record is skipped and every
// later one kept; a damaged header is an error, never a silent restart; a second lock names the
// first holder.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "journal.hpp"
#include "temp_dir.hpp"
#include "xbar/characterize/error.hpp"

using namespace xbar::characterize;

namespace {

SampleRecord record(std::uint64_t i) {
  SampleRecord r;
  r.index = i;
  r.status = SampleStatus::ok;
  r.seconds = 0.5;
  r.values = {double(i), 2.0 * double(i), -1.0, 1e-6 * double(i)};
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void spit(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::vector<std::size_t> record_starts(const std::string& bytes) {
  std::vector<std::size_t> at;
  for (std::size_t p = bytes.find("XREC"); p != std::string::npos; p = bytes.find("XREC", p + 1)) at.push_back(p);
  return at;
}

std::string make_journal(const xbar::test::TempDir& dir, int n) {
  const std::string path = (dir.path / "c.h5.journal").string();
  std::vector<SampleRecord> none;
  detail::Journal j(path, 42, 100, "2026-01-01T00:00:00Z", none);
  for (int i = 0; i < n; ++i) j.append(record(static_cast<std::uint64_t>(i)));
  return path;
}

}  // namespace

TEST_CASE("journal: a flipped byte drops one record and keeps every later one") {
  xbar::test::TempDir dir;
  const std::string path = make_journal(dir, 34);
  std::string bytes = slurp(path);
  const auto starts = record_starts(bytes);
  REQUIRE(starts.size() == 34);
  for (std::size_t offset : {std::size_t{0}, std::size_t{5}, std::size_t{9}, std::size_t{20}}) {
    CAPTURE(offset);
    std::string damaged = bytes;
    damaged[starts[4] + offset] ^= 0x10;  // the marker, the length, the CRC or the body of record 4
    spit(path, damaged);
    std::vector<SampleRecord> got;
    detail::Journal j(path, 42, 100, "", got);
    CHECK(j.dropped_records() == 1);
    REQUIRE(got.size() == 33);
    CHECK(got[3].index == 3);
    CHECK(got[4].index == 5);
    CHECK(got.back().index == 33);
    CHECK(got.back().values == record(33).values);
    CHECK(j.start_time() == "2026-01-01T00:00:00Z");
  }
  // The journal was rewritten without the damage: the next open drops nothing.
  std::vector<SampleRecord> again;
  detail::Journal j(path, 42, 100, "", again);
  CHECK(j.dropped_records() == 0);
  CHECK(again.size() == 33);
}

TEST_CASE("journal: a zero-filled range drops only the records it covers; a torn tail is not counted") {
  xbar::test::TempDir dir;
  const std::string path = make_journal(dir, 20);
  std::string bytes = slurp(path);
  const auto starts = record_starts(bytes);
  for (std::size_t k = starts[6] + 3; k < starts[8]; ++k) bytes[k] = 0;  // records 6 and 7
  bytes.resize(bytes.size() - 7);                                              // torn last record
  spit(path, bytes);
  std::vector<SampleRecord> got;
  detail::Journal j(path, 42, 100, "", got);
  CHECK(got.size() == 17);  // 0..5, 8..18
  CHECK(j.dropped_records() == 1);
  j.append(record(19));
  std::vector<SampleRecord> after;
  detail::Journal j2(path, 42, 100, "", after);
  CHECK(after.size() == 18);
  CHECK(after.back().index == 19);
}

TEST_CASE("journal: a damaged header or another spec is an error and the file is kept") {
  xbar::test::TempDir dir;
  const std::string path = make_journal(dir, 10);
  const std::string good = slurp(path);
  std::string bad = good;
  bad[2] ^= 0x01;  // the magic
  spit(path, bad);
  std::vector<SampleRecord> got;
  CHECK_THROWS_WITH_AS(detail::Journal(path, 42, 100, "", got), doctest::Contains("header is damaged"), Error);
  CHECK(slurp(path) == bad);
  spit(path, good);
  try {
    detail::Journal(path, 43, 100, "", got);
    FAIL("another results hash was accepted");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find("other results") != std::string::npos);
    CHECK(m.find("elete") == std::string::npos);
  }
  CHECK(slurp(path) == good);
}

TEST_CASE("campaign lock: a second holder is refused with the first one's pid") {
  xbar::test::TempDir dir;
  const std::string out = (dir.path / "c.h5").string();
  int to_child[2], from_child[2];
  REQUIRE(::pipe(to_child) == 0);
  REQUIRE(::pipe(from_child) == 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // POSIX locks are per process: the holder must be another process.
    {
      detail::CampaignLock lock(out);
      char c = 'r';
      [[maybe_unused]] auto w = ::write(from_child[1], &c, 1);
      [[maybe_unused]] auto r = ::read(to_child[0], &c, 1);
    }
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(from_child[0], &c, 1) == 1);
  CHECK_THROWS_WITH_AS(detail::CampaignLock{out}, doctest::Contains(fmt::format("process {}", child).c_str()), Error);
  [[maybe_unused]] auto w = ::write(to_child[1], &c, 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK_NOTHROW(detail::CampaignLock{out});  // released when the holder ended
}
