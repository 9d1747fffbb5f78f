#!/bin/bash
# validate_examples.sh: `xbar fit` and `xbar validate` on the shipped example campaigns
# (data/crossbar_small.toml, tia.toml, adc_flash6.toml, tile_small.toml), printing their error
# tables (fit::ErrorSummary rows: recorded, held-out, all ok). Used for
# bench/results/validate_examples_2026-11-30.md; about 1 minute on 2 cores.
# Usage: bench/validate_examples.sh [path/to/xbar]   (run from the repo root; default build/tools/xbar)
set -euo pipefail
xbar=$(realpath "${1:-build/tools/xbar}")
data=$(realpath data)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
echo "# xbar fit and xbar validate on the example campaigns"
echo
echo "$(date -u +%F), $("$xbar" version | head -1), $(nproc) cores. Command: bench/validate_examples.sh"
for k in crossbar_small tia adc_flash6 tile_small; do
  "$xbar" characterize "$data/$k.toml" -o "$k.h5" -q > /dev/null
done
for k in crossbar_small tia adc_flash6; do
  "$xbar" fit "$k.h5" -o "${k}_model.h5" > "fit_$k.txt"
  echo; echo "## xbar validate ${k}_model.h5 $k.h5"; echo; echo '```'
  "$xbar" validate "${k}_model.h5" "$k.h5" --chips 20 | grep -v "^$" | sed '1s/ fitted .* to / fitted to /'
  echo '```'
done
echo; echo "## xbar validate tia_model.h5 tile_small.h5 (the TIA model inside the behavioral tile)"; echo; echo '```'
"$xbar" validate tia_model.h5 tile_small.h5 | grep -v "^$" | sed '1s/ fitted .* to / fitted to /'
echo '```'
