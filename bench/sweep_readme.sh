#!/usr/bin/env bash
# sweep_readme.sh: the README's two sweep plots and bench/results/sweep_<date>.md. The built-in
# MLP (data/networks/mlp.pt) on the 128x128 preset, all 10,000 test images, K chips (seed 1),
# accuracy against the ADC resolution and against the nominal wire resistance.
#
#   bash bench/sweep_readme.sh [-k CHIPS] | tee bench/results/sweep_$(date -u +%F).md
# Plots go to bench/results/plots/sweep_mlp128_{adc_bits,r_wire_ohm}.png. The result files stay
# in build/sweep_readme/ (a rerun resumes them; delete them to start over).
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
work=build/sweep_readme
mkdir -p "$work" bench/results/plots
echo "# Accuracy sweeps: the MLP on tile128_xbar180, $(date -u +%F)"
echo
echo "\`bash bench/sweep_readme.sh -k $chips\` at git $(git rev-parse --short HEAD); $chips chips (seed 1) at every"
echo "point, all 10,000 Fashion-MNIST test images, one libtorch thread."
echo
for axis in "adc_bits=3,4,5,6,8" "r_wire_ohm=0.5,1,2,5,10"; do
  name=${axis%%=*}
  echo "## --vary $axis"
  echo
  echo '```'
  echo "xbar sweep --network data/networks/mlp.pt --tile data/presets/tile128_xbar180.h5 --vary $axis --chips $chips --seed 1 --threads 1 -o $work/mlp128_$name.h5 --plots $work/plots_$name -q"
  "$xbar" sweep --network data/networks/mlp.pt --tile data/presets/tile128_xbar180.h5 --vary "$axis" \
    --chips "$chips" --seed 1 --threads 1 -o "$work/mlp128_$name.h5" --plots "$work/plots_$name" -q
  echo '```'
  echo
  cp "$work/plots_$name/sweep_$name.png" "bench/results/plots/sweep_mlp128_$name.png"
done
echo "## Table"
echo
echo "Read from the two sweep files with h5py (accuracy over the $chips chips: mean, Student-t 95 % interval)."
echo
/usr/bin/python3 - "$work/mlp128_adc_bits.h5" "$work/mlp128_r_wire_ohm.h5" <<'PY'
import sys
import h5py
print("| setting | value | digital | nominal chip | chips: mean [95 % CI] | chip min … max |")
print("|---|---:|---:|---:|---:|---:|")
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        name = f["axes/0"].attrs["name"].decode()
        unit = f["axes/0"].attrs["unit"].decode()
        p = f["points"]
        dig = 100 * f["digital"].attrs["accuracy"]
        for i in range(p["done"].shape[0]):
            if not p["done"][i]:
                continue
            acc = 100 * p["chip_accuracy"][i]
            print(f"| {name} | {p['value'][i, 0]:g} {unit} | {dig:.2f} % | {100 * p['nominal_accuracy'][i]:.2f} % | "
                  f"{100 * p['mean_accuracy'][i]:.2f} % [{100 * p['mean_accuracy_ci95_low'][i]:.2f}, "
                  f"{100 * p['mean_accuracy_ci95_high'][i]:.2f}] | {acc.min():.2f} … {acc.max():.2f} % |")
print()
with h5py.File(sys.argv[1], "r") as f:
    print("Variation:", f["settings"].attrs["variation_note"].decode() + ".")
PY
