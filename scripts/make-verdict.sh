#!/usr/bin/env bash
# make-verdict.sh: the verdict of the README ("The verdict: running against simulating"): `xbar cost`
# for the shipped MLP and CNN (data/networks/) on the 64x64 and 128x128 presets (data/presets/),
# each into bench/results/verdict/<net>_<size>/ (verdict.md and verdict_energy.png).
#
#   bash scripts/make-verdict.sh            # after a build; IMAGES=1000 CHIPS=3 THREADS=1 by default
set -euo pipefail
cd "$(dirname "$0")/.."
xbar=${XBAR:-build/tools/xbar}
images=${IMAGES:-1000}
chips=${CHIPS:-3}
threads=${THREADS:-1}  # one libtorch thread: with more, its OpenMP threads spin while waiting and the CPU time
                      # measures the load of a shared machine as much as the work (README, "The verdict")
[ -x "$xbar" ] || { echo "make-verdict.sh: $xbar not found; build first" >&2; exit 1; }
for net in mlp cnn; do
  for n in 64 128; do
    out=bench/results/verdict/${net}_${n}
    echo "== xbar cost --tile data/presets/tile${n}_xbar180.h5 --network data/networks/${net}.pt --images $images --chips $chips --threads $threads"
    "$xbar" cost --tile "data/presets/tile${n}_xbar180.h5" --network "data/networks/${net}.pt" --images "$images" \
      --chips "$chips" --threads "$threads" -o "$out" -q
  done
done
