#!/usr/bin/env bash
# networks_accuracy.sh: the README's network accuracy table. The built-in MLP and CNN
# (data/networks/, from scripts/make-networks.sh) on both tile presets, all 10,000 test images,
# digital, on the nominal chip and on K chips drawn from the fitted variation (seed 1).
#
#   bash bench/networks_accuracy.sh [-k CHIPS] | tee bench/results/networks_accuracy_$(date -u +%F).md
set -euo pipefail
cd "$(dirname "$0")/.."
chips=10
while getopts "k:" opt; do
  case $opt in
    k) chips=$OPTARG ;;
    *) echo "usage: $0 [-k CHIPS]" >&2; exit 2 ;;
  esac
done
xbar=./build/tools/xbar
work=build/networks_accuracy
mkdir -p "$work"
echo "# Networks on the tile presets, $(date -u +%F)"
echo
echo "\`bash bench/networks_accuracy.sh -k $chips\` at git $(git rev-parse --short HEAD); $chips chips, seed 1, all 10,000 Fashion-MNIST test images."
echo
for net in mlp cnn; do
  for n in 64 128; do
    echo "## $net on tile${n}_xbar180"
    echo
    echo '```'
    "$xbar" infer "data/networks/$net.pt" --tile "data/presets/tile${n}_xbar180.h5" --chips "$chips" \
      -o "$work/${net}_${n}.h5" -q
    echo '```'
    echo
    echo "Without per-chip offset calibration (--no-offset-calibration):"
    echo
    echo '```'
    "$xbar" infer "data/networks/$net.pt" --tile "data/presets/tile${n}_xbar180.h5" --chips "$chips" \
      --no-offset-calibration --no-nominal -o "$work/${net}_${n}_nocal.h5" -q | grep -E "chips|per chip"
    echo '```'
    echo
  done
done
/usr/bin/python3 - "$work" <<'PY'
import sys, h5py
work = sys.argv[1]
print("| network | tile | digital | analog nominal | analog, K chips: mean ± 95 % CI | chip min … max | K chips without offset calibration | K |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for net in ("mlp", "cnn"):
    for n in (64, 128):
        with h5py.File(f"{work}/{net}_{n}.h5", "r") as f:
            r = dict(f["results"].attrs)
            acc = f["results/chip_accuracy"][()]
        with h5py.File(f"{work}/{net}_{n}_nocal.h5", "r") as g:
            q = dict(g["results"].attrs)
            nocal = f"{100*q['mean_accuracy']:.2f} ± {100*(q['mean_accuracy_ci95_high']-q['mean_accuracy']):.2f} %"
        print(f"| {net} | {n}×{n} | {100*r['digital_accuracy']:.2f} % | {100*r['nominal_accuracy']:.2f} % | "
              f"{100*r['mean_accuracy']:.2f} ± {100*(r['mean_accuracy_ci95_high']-r['mean_accuracy']):.2f} % | "
              f"{100*acc.min():.2f} … {100*acc.max():.2f} % | {nocal} | {len(acc)} |")
PY
