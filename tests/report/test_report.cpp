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
