#!/usr/bin/env bash
# README command 2: install, build, and pass the tests (all labels, slow ones included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec ctest --test-dir build --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" "$@"
