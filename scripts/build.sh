#!/usr/bin/env bash
# build.sh: install what is missing (scripts/install-deps.sh), then configure and build xbar
# into ./build (Release). Idempotent; reruns only rebuild what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${XBAR_CMAKE_ARGS:-} >build-configure.log 2>&1 || {
  cat build-configure.log >&2
  echo "build.sh: cmake configure failed (full log: build-configure.log)" >&2
  exit 1
}
cmake --build build -j"$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\] (Building|Linking)|^(gmake|make)\[' || true
test "${PIPESTATUS[0]}" -eq 0 && [ -x build/tools/xbar ] || { echo "build.sh: build failed" >&2; exit 1; }
