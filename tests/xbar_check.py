"""The tiny harness the Python tests share: check(cond, what) counts, and finish() prints
"N passed, M failed" (the closing line CI reads) and exits non-zero on any failure."""
import sys

_failures = []
_passed = 0


def check(cond, what):
    global _passed
    if cond:
        _passed += 1
    else:
        _failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def finish():
    print(f"{_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)
