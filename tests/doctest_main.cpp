// The runner of every doctest executable (tests_<library>, tests_system). It is doctest's own main
// with one change: a run whose filters leave no test case fails. Each ctest entry runs one file's
// test cases (`tests_fit --source-file=*/fit/test_lm.cpp`); doctest alone exits 0 when a filter
// matches nothing, so a misspelled or stale filter would pass without testing anything.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

bool g_run_ended = false;       // a run went through (not --no-run, --help, --list-test-cases...)
unsigned g_test_cases_run = 0;  // test cases that passed the filters in that run

// Sees the run's statistics; it reports nothing itself.
struct RunCounter : doctest::IReporter {
  explicit RunCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_run_ended = true;
    g_test_cases_run = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("xbar_run_counter", 1, RunCounter);

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  // --help, --version, --list-test-cases, --count, --no-run...: doctest's own answer.
  if (context.shouldExit() || !g_run_ended) return result;
  if (g_test_cases_run == 0) {
    std::fprintf(stderr,
                 "%s: no test case matched the filters, so nothing was tested. Check the "
                 "--source-file/--test-case filters (a ctest entry's filter is made from its file name "
                 "in tests/CMakeLists.txt); list this executable's test cases with --list-test-cases.\n",
                 argc > 0 ? argv[0] : "doctest");
    return 3;
  }
  return result;
}
