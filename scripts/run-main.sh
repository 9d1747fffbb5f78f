#!/usr/bin/env bash
# README command 1: install, build, and run the main job on its embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec ./build/tools/xbar demo "$@"
