// Unit tests of characterize pieces that need no ngspice: counter RNG, CSV and rawfile readers.
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <unistd.h>
#include <fstream>
#include <string>

#include "xbar/core/counter_rng.hpp"
#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/ngspice_process.hpp"

using namespace xbar::characterize;

namespace {
const xbar::test::TempDir kTemp;  // this process's scratch files

std::string write_temp(const std::string& name, const std::string& text) { return kTemp.write(name, text); }
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("counter RNG: a draw depends only on (seed, stream, index)") {
  xbar::core::CounterRng a(42, 7), b(42, 7), c(43, 7), d(42, 8);
  for (std::uint64_t i : {0ULL, 1ULL, 1000ULL, 123456789ULL}) {
    CHECK(a.bits(i) == b.bits(i));
    CHECK(a.bits(i) != c.bits(i));
    CHECK(a.bits(i) != d.bits(i));
  }
  // Order does not matter: drawing 5 then 3 equals 3 then 5.
  CHECK(a.uniform(5) == xbar::core::CounterRng(42, 7).uniform(5));
}

TEST_CASE("counter RNG: uniform and normal moments") {
  xbar::core::CounterRng rng(1, 1);
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform(i);
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    su += u;
    su2 += u * u;
    const double z = rng.normal(i);
    sn += z;
    sn2 += z * z;
  }
  // 5-sigma bounds on the sample moments.
  CHECK(std::abs(su / n - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(su2 / n - su * su / n / n - 1.0 / 12) < 0.002);
  CHECK(std::abs(sn / n) < 5 / std::sqrt(n));
  CHECK(std::abs(sn2 / n - 1.0) < 5 * std::sqrt(2.0 / n));
}

TEST_CASE("CSV: matrices and vectors, with comments and mixed separators") {
  const auto m = read_csv_matrix(write_temp("m.csv", "# G in siemens\n1e-5, 2e-5,3e-5\n\n4e-5;5e-5 6e-5\n"));
  REQUIRE(m.rows() == 2);
  REQUIRE(m.cols() == 3);
  CHECK(m(1, 2) == 6e-5);
  CHECK(read_csv_vector(write_temp("v1.csv", "0.1\n0.2\n0.3\n")).size() == 3);
  CHECK(read_csv_vector(write_temp("v2.csv", "0.1,0.2,0.3,0.4\n")).size() == 4);
}

TEST_CASE("CSV errors name the file, line and column") {
  const auto bad = write_temp("bad.csv", "1,2\n3,x4\n");
  CHECK(error_of([&] { read_csv_matrix(bad); }) == bad + " line 2 column 2: 'x4' is not a number");
  const auto ragged = write_temp("ragged.csv", "1,2\n3\n");
  CHECK(error_of([&] { read_csv_matrix(ragged); }).find("line 2: 1 values, but the first data line has 2") !=
        std::string::npos);
  CHECK(error_of([&] { read_csv_matrix("/nonexistent/g.csv"); }).find("/nonexistent/g.csv: cannot open") == 0);
  const auto table = write_temp("table.csv", "1,2\n3,4\n");
  CHECK(error_of([&] { read_csv_vector(table); }).find("must be one column or one row") != std::string::npos);
}

TEST_CASE("ASCII rawfile: real and complex plots, names mapped to the embedded ones") {
  const std::string real_raw =
      "Title: t\nDate: x\nPlotname: Operating Point\nFlags: real\nNo. Variables: 3\nNo. Points: 1\n"
      "Variables:\n\t0\tv(a)\tvoltage\n\t1\tv(b)\tvoltage\n\t2\ti(vs)\tcurrent\n"
      "Values:\n0\t\t1.000000000000000e+00\n\t2.5e-01\n\t-1.0e-03\n";
  const auto r = parse_ascii_rawfile(real_raw);
  CHECK(r.plot == "Operating Point");
  CHECK(r.real("a")[0] == 1.0);
  CHECK(r.real("vs#branch")[0] == -1e-3);
  const std::string complex_raw =
      "Plotname: AC Analysis\nFlags: complex\nNo. Variables: 2\nNo. Points: 2\nVariables:\n"
      "\t0\tfrequency\tfrequency\n\t1\tv(out)\tvoltage\nValues:\n0\t1e3,0\n\t0.5,-0.5\n1\t1e4,0\n\t0.1,-0.2\n";
  const auto c = parse_ascii_rawfile(complex_raw);
  REQUIRE(c.vectors.at("out").complex.size() == 2);
  CHECK(c.vectors.at("out").complex[1] == std::complex<double>(0.1, -0.2));
  CHECK(error_of([&] { parse_ascii_rawfile("Title: t\n", "x.raw"); }).find("x.raw line 1") == 0);
  CHECK(error_of([&] { r.real("nosuch"); }).find("has no real vector 'nosuch'") != std::string::npos);
}
