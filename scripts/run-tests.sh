#!/usr/bin/env bash
# README command 2: install, build, and pass the tests: every label, slow ones included, except
# `soak` (the 4,000-case fuzz run, over an hour; run it with: ctest --test-dir build -L soak).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec ctest --test-dir build --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" -LE soak "$@"
