// xbar::report: gnuplot quoting and the no-shell runner, markdown and CSV tables.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "temp_dir.hpp"
#include "xbar/report/gnuplot.hpp"
#include "xbar/report/report_error.hpp"
#include "xbar/report/report_folder.hpp"
#include "xbar/report/table.hpp"

using namespace xbar::report;

TEST_CASE("gnuplot_quote doubles single quotes and refuses control characters") {
  CHECK(gnuplot_quote("plots/a.png") == "'plots/a.png'");
  CHECK(gnuplot_quote("it's") == "'it''s'");
  CHECK(gnuplot_quote("x'; system('touch y'); print '") == "'x''; system(''touch y''); print '''");
  CHECK_THROWS_AS(gnuplot_quote("a\nb"), ReportError);
  CHECK_THROWS_AS(gnuplot_quote(std::string("a\tb")), ReportError);
  try {
    gnuplot_quote("dir\nname");
    FAIL("no exception");
  } catch (const ReportError& e) {
    CHECK(std::string(e.what()).find("control characters") != std::string::npos);
  }
}

TEST_CASE("run_gnuplot: a quoted path with a system() call inside plots to that file and runs nothing") {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) return;  // gnuplot-nox is a test dependency
  xbar::test::TempDir tmp;
  // A relative marker: the file name may not hold a '/', and system() would run in the cwd.
  const std::string marker = "xbar-report-test-marker-" + std::to_string(::getpid());
  const std::string evil = (tmp.path / ("x'; system('touch " + marker + "'); print '.png")).string();
  run_gnuplot("set terminal " + gnuplot_terminal() + "\nset output " + gnuplot_quote(evil) + "\nplot x\nset output\n");
  CHECK(std::filesystem::exists(evil));
  CHECK_FALSE(std::filesystem::exists(marker));
  // gnuplot's own error comes back in the exception, with its exit status.
  try {
    run_gnuplot("plot no_such_function(x)\n");
    FAIL("no exception");
  } catch (const ReportError& e) {
    CHECK(std::string(e.what()).find("gnuplot failed") != std::string::npos);
  }
}

TEST_CASE("markdown_table escapes pipes and newlines and pads short rows") {
  const std::string md = markdown_table({"set", "RMS [LSB]"}, {{"a|b", "0.5"}, {"x\ny"}});
  CHECK(md == "| set | RMS [LSB] |\n|---|---|\n| a\\|b | 0.5 |\n| x y |  |\n");
}

TEST_CASE("csv_field quotes only what needs it") {
  CHECK(csv_field("i_out0 [A]") == "i_out0 [A]");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
}

TEST_CASE("print_columns: CSV and JSON of two points; parse_format names a bad value") {
  xbar::test::TempDir tmp;
  const std::string path = (tmp.path / "t.txt").string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  print_columns(f, {{"i", "A", {1.5, 2.0}}, {"v", "", {0.0, NAN}}}, Format::csv);
  print_columns(f, {{"i", "A", {1.5, 2.0}}, {"v", "", {0.0, NAN}}}, Format::json, {{"deck", "a.cir"}});
  std::fclose(f);
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("i [A],v\n1.5,0\n2,nan\n") == 0);
  CHECK(text.find("\"deck\": \"a.cir\"") != std::string::npos);
  CHECK(text.find("\"values\": [0, null]") != std::string::npos);
  CHECK(parse_format("csv") == Format::csv);
  try {
    parse_format("xml");
    FAIL("no exception");
  } catch (const ReportError& e) {
    CHECK(std::string(e.what()) == "--format 'xml': must be table, csv or json");
  }
}

TEST_CASE("histogram_bins: every finite value in exactly one bin, the maximum in the last") {
  const Histogram h = histogram_bins({0.0, 1.0, 2.0, 3.0, 4.0, NAN, 10.0}, 5);
  REQUIRE(h.center.size() == 5);
  CHECK(h.n == 6);
  CHECK(h.width == doctest::Approx(2.0));
  CHECK(h.center[0] == doctest::Approx(1.0));
  CHECK(h.count == std::vector<double>{2, 2, 1, 0, 1});  // [0,2) [2,4) [4,6) [6,8) [8,10]
  // Automatic bin count: sqrt(n) clamped to 5 .. 40; one value repeated gives one bin.
  CHECK(histogram_bins(std::vector<double>(100, 0.5)).center.size() == 1);
  CHECK(histogram_bins(std::vector<double>(100, 0.5)).count[0] == 100);
  std::vector<double> many;
  for (int i = 0; i < 10000; ++i) many.push_back(i);
  CHECK(histogram_bins(many).center.size() == 40);
  CHECK(histogram_bins({1.0, 2.0}).center.size() == 5);
  CHECK(histogram_bins({NAN}).n == 0);
}

TEST_CASE("ReportFolder: prefixed PNGs and data files, an index that links each plot and holds the key numbers") {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) return;  // gnuplot-nox is a test dependency
  xbar::test::TempDir tmp;
  const std::string dir = (tmp.path / "sub" / "rep").string();  // created
  ReportFolder r(dir, "run1", "run1.h5");
  r.number("offset sigma", "1.5", "mV");
  r.section("Monte Carlo");
  r.histogram("offset", "offset [mV]", "offset [mV]", {1, 2, 2, 3});
  r.scatter("xy", "y against x", "x [µA]", "y [µA]", {1, 2}, {1.1, 1.9}, true);
  r.lines("inl", "INL", "k", "INL [LSB]", {{"mean", {1, 2, 3}, {0.1, -0.2, 0.0}, "lines"}},
          {{"envelope", {1, 2, 3}, {-0.3, -0.4, -0.1}, {0.3, 0.2, 0.1}}}, {-0.5, 0.5});
  r.error_lines("acc", "accuracy", "bits", "accuracy [%]", {{"mean", {3, 4}, {80, 85}, "linespoints"}}, {{78, NAN}},
                {{82, NAN}}, {90});
  r.bars("energy", "energy", "pJ", {"array", "ADCs"}, {1.0, 20.0}, {}, {}, true);
  Eigen::MatrixXd m(2, 3);
  m << 1, -2, 3, NAN, 0, -1;
  r.heatmap("map", "map", "column", "row", "error [% FS]", m);
  const std::string index = r.write_index("Report: run1.h5");
  std::ifstream in(index);
  const std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(md.find("# Report: run1.h5\n") == 0);
  CHECK(md.find("| offset sigma | 1.5 | mV |") != std::string::npos);
  CHECK(md.find("## Monte Carlo") != std::string::npos);
  REQUIRE(r.plots().size() == 6);
  for (const auto& p : r.plots()) {
    CHECK(p.rfind("run1_", 0) == 0);
    CHECK(md.find("](" + p + ")") != std::string::npos);
    CHECK(std::filesystem::file_size(std::filesystem::path(dir) / p) > 1000);
  }
  CHECK(md.find("![offset (mV)](run1_offset.png)") != std::string::npos);  // brackets kept out of the link text
  // The map's data file is the matrix as given, row by row (NaN where there is no value).
  std::ifstream dat(r.path("map", "dat"));
  std::string l1, l2;
  std::getline(dat, l1);
  std::getline(dat, l2);
  CHECK(l1 == "1 -2 3");
  CHECK(l2 == "NaN 0 -1");
  // The histogram's data file holds its bins.
  std::ifstream hd(r.path("offset", "dat"));
  const std::string htext((std::istreambuf_iterator<char>(hd)), std::istreambuf_iterator<char>());
  CHECK(htext.find("# bin_centre count") == 0);
}
