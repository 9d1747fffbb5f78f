"""The doctest runner shared by every tests_<library> executable (tests/doctest_main.cpp) and the
file filters that tests/CMakeLists.txt gives each ctest entry, checked on tests_fit:
  - a filter that matches no test case fails (exit 3) and says so, for a file and a test-case name;
  - --list-test-cases and --no-run still answer with exit 0;
  - `--source-file=*/fit/test_fit.cpp` selects test_fit.cpp's cases only, not those of
    test_periphery_fit.cpp, whose name ends the same way;
  - the executable holds every test file of its folder (here at least test_fit.cpp and test_lm.cpp);
  - one real test case, selected by name, runs and passes.

usage: test_doctest_main.py TESTS_FIT_EXECUTABLE"""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def run(exe, *args):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def listed(exe, *filters):
    """(name, filename) of the test cases that the filters select, from doctest's XML listing."""
    r = run(exe, "--list-test-cases", "--reporters=xml", *filters)
    check(r.returncode == 0, f"--list-test-cases {' '.join(filters)} exits 0 (got {r.returncode}: {r.stderr.strip()})")
    root = ET.fromstring(r.stdout)
    return [(tc.get("name"), tc.get("filename")) for tc in root.iter("TestCase")]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    exe = sys.argv[1]

    for filt in ("--source-file=*/fit/no_such_test.cpp", "--test-case=no such test case anywhere"):
        r = run(exe, filt)
        check(r.returncode == 3, f"{filt} matches nothing and exits 3 (got {r.returncode})")
        check("no test case matched the filters" in r.stderr, f"{filt}: the message says nothing was tested")

    r = run(exe, "--no-run")
    check(r.returncode == 0, f"--no-run exits 0 (got {r.returncode})")

    fit_cases = listed(exe, "--source-file=*/fit/test_fit.cpp")
    check(len(fit_cases) > 0, f"*/fit/test_fit.cpp selects test cases ({len(fit_cases)})")
    others = [f for _, f in fit_cases if not f.replace("\\", "/").endswith("/fit/test_fit.cpp")]
    check(not others, f"*/fit/test_fit.cpp selects test_fit.cpp only (others: {sorted(set(others))})")

    files = {f.replace("\\", "/").rsplit("/", 1)[-1] for _, f in listed(exe)}
    check({"test_fit.cpp", "test_lm.cpp", "test_periphery_fit.cpp"} <= files,
          f"tests_fit holds every file of tests/fit/ (files: {sorted(files)})")

    names = [n for n, _ in listed(exe, "--source-file=*/fit/test_lm.cpp") if not any(c in n for c in "*?,\\[]")]
    check(len(names) > 0, "test_lm.cpp has a test case to run by name")
    if names:
        r = run(exe, "--source-file=*/fit/test_lm.cpp", f"--test-case={names[0]}")
        check(r.returncode == 0, f"the test case '{names[0]}' runs and passes (exit {r.returncode})")
        check(re.search(r"test cases:\s*1\s*\|\s*1 passed", r.stdout) is not None,
              f"exactly that test case ran: {r.stdout.strip().splitlines()[-2:]}")

    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all checks passed")


if __name__ == "__main__":
    main()
