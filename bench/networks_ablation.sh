#!/usr/bin/env bash
# networks_ablation.sh: which part of a tile's variation costs a network its accuracy. Copies a
# tile preset with one variation zeroed at a time (h5py), then runs `xbar infer` on K chips with
# the digital side decoding with the nominal rest (--no-offset-calibration) and with the default
# per-chip offset calibration.
#
#   bash bench/networks_ablation.sh [-n data/networks/mlp.pt] [-t data/presets/tile128_xbar180.h5] [-k 3] [-i 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
net=data/networks/mlp.pt tile=data/presets/tile128_xbar180.h5 chips=3 images=2000
while getopts "n:t:k:i:" opt; do
  case $opt in
    n) net=$OPTARG ;; t) tile=$OPTARG ;; k) chips=$OPTARG ;; i) images=$OPTARG ;;
    *) echo "usage: $0 [-n net.pt] [-t tile.h5] [-k chips] [-i images]" >&2; exit 2 ;;
  esac
done
work=build/networks_ablation
mkdir -p "$work"
/usr/bin/python3 - "$tile" "$work" <<'PY'
import shutil, sys, h5py
tile, work = sys.argv[1], sys.argv[2]
variants = {
    "all": [],
    "no_opamp_offset": [("variation/tia_opamp_v_offset", "sigma_v")],
    "no_programming_error": [("variation/programming_error", "sigma_rel_d2d")],
    "no_stuck_cells": [("variation/stuck_on", "fraction"), ("variation/stuck_off", "fraction")],
    "no_comparator_offset": [("variation/adc_comparator_offset", "sigma_v")],
    "no_wire_spread": [("variation/wire", "r_wire_sigma_rel_d2d")],
}
for name, zero in variants.items():
    path = f"{work}/{name}.h5"
    shutil.copyfile(tile, path)
    with h5py.File(path, "r+") as f:
        for group, attr in zero:
            f[group].attrs[attr] = 0.0
PY
echo "# Variation ablation, $(date -u +%F): $net on $tile, $chips chips, $images images"
echo
echo "| variation kept | chips, nominal rest | chips, offset calibration |"
echo "|---|---:|---:|"
for v in all no_opamp_offset no_programming_error no_stuck_cells no_comparator_offset no_wire_spread; do
  a=$(./build/tools/xbar infer "$net" --tile "$work/$v.h5" --chips "$chips" --images "$images" --no-nominal -q \
        --no-offset-calibration -o "$work/${v}_nocal.h5" | grep -E "chips  " | sed 's/.*chips *//')
  b=$(./build/tools/xbar infer "$net" --tile "$work/$v.h5" --chips "$chips" --images "$images" --no-nominal -q \
        -o "$work/${v}_cal.h5" | grep -E "chips  " | sed 's/.*chips *//')
  echo "| $v | $a | $b |"
done
