#!/usr/bin/env bash
# heldout_crossbar.sh: the README's held-out accuracy table of the crossbar model.
#
#   bench/heldout_crossbar.sh [-s "32 64 128"] [-c "linear sinh"] [-r "1 100"] [-i INSTANCES] [-x XBAR]
#
# For every size N, cell ("linear", "sinh") and wire resistance r (ohm per segment), it writes
# a crossbar campaign spec (N x N, targets uniform in [1 uS, 100 uS] so R_on = 10 kohm and
# r_wire/R_on = r / 1e4, 5 % programming error, random inputs in [0, 0.2] V, sinh V0 = 0.25 V,
# INSTANCES instances x 1 pattern x 8 inputs), runs `xbar characterize`, `xbar fit` (seeded
# held-out split by instance, 8-bit LSB = 2 full scale / 256) and prints one markdown row of
# the held-out error: relative L2, RMS and max in LSB and in % of full scale, and the
# Levenberg-Marquardt estimates' largest relative deviation from the spec.
set -euo pipefail

sizes="32 64 128" cells="linear sinh" wires="1 100" instances=10
xbar="$(cd "$(dirname "$0")/.." && pwd)/build/tools/xbar"
while getopts "s:c:r:i:x:h" opt; do
  case $opt in
    s) sizes=$OPTARG ;;
    c) cells=$OPTARG ;;
    r) wires=$OPTARG ;;
    i) instances=$OPTARG ;;
    x) xbar=$OPTARG ;;
    h) sed -n '2,13p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
[[ -x $xbar ]] || { echo "heldout_crossbar.sh: $xbar is not an executable (use -x)" >&2; exit 2; }

dir=$(mktemp -d /tmp/heldout_crossbar.XXXXXX)
trap 'rm -rf "$dir"' EXIT

echo "# Held-out error of the crossbar model against ngspice"
echo
echo "$(date -u +%F), $("$xbar" version | head -1), $(nproc) cores. Command: bench/heldout_crossbar.sh -s \"$sizes\" -c \"$cells\" -r \"$wires\" -i $instances"
echo
echo "| array | cell | r_wire/R_on | held-out samples | values | rel. L2 | RMS [LSB] | max [LSB] | RMS [%FS] | max [%FS] | LM max dev. from spec | fit time [s] |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  for cell in $cells; do
    for r in $wires; do
      tag="${n}_${cell}_${r}"
      cat >"$dir/$tag.toml" <<SPEC
kind = "crossbar"
seed = 11
[crossbar]
rows = $n
cols = $n
cell = "$cell"
v0_v = 0.25
r_row_wire_ohm = $r
r_col_wire_ohm = $r
[variation]
g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }
[workload]
instances = $instances
patterns_per_instance = 1
inputs_per_pattern = 8
g_min_s = 1e-6
g_max_s = 1e-4
v_read_min_v = 0.0
v_read_max_v = 0.2
[run]
output = "$tag.h5"
workers = 2
sample_timeout_s = 600
SPEC
      "$xbar" characterize "$dir/$tag.toml" -q >/dev/null
      t0=$(date +%s.%N)
      "$xbar" fit "$dir/$tag.h5" -o "$dir/$tag.model.h5" >"$dir/$tag.fit.txt"
      t1=$(date +%s.%N)
      awk -v n="$n" -v cell="$cell" -v ratio="$(awk -v r="$r" 'BEGIN{printf "%.0e", r/1e4}')" \
          -v secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" '
        /value\/spec-1/ {
          s = $0; sub(/.*value\/spec-1 /, "", s); sub(/ .*/, "", s);
          d = s + 0; if (d < 0) d = -d; if (d > dev) dev = d }
        /^  held-out  / { row = sprintf("| %dx%d | %s | %s | %s | %s | %s | %s | %s | %s | %s", n, n, cell, ratio, $2, $4, $11, $9, $10, $7, $8) }
        END { printf "%s | %.1e | %s |\n", row, dev, secs }' "$dir/$tag.fit.txt"
    done
  done
done
