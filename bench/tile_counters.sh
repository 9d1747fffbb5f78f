#!/usr/bin/env bash
# tile_counters.sh: ngspice's own counters (rusage) for one bench_tile deck, in `ngspice -b`.
#
#   bench/tile_counters.sh [-x XBAR] [-o "OPTIONS"] [-k] N FIDELITY CYCLES
#
# Writes the spec of bench_tile (bench_common.hpp tile_spec: 1 ohm wires, 4-bit DACs, Rf =
# 0.32 V / (N 10 uS 0.1 V), 6-bit flash ADCs, 500 ns cycles with 2 ns edges, 100 ns maximum step,
# comparator offsets 1 mV, ladder 0.5 %, op-amp mismatch off) for an N x N tile at FIDELITY
# (transistor or macro) with CYCLES read cycles, makes its deck with `XBAR netlist sample`
# (default build/tools/xbar; -x takes another build, e.g. one of an older commit), drops the
# .meas cards, saves two vectors only (so that the counters are the transient's, not the
# saving of 10^4..10^5 vectors), adds ".options OPTIONS" if -o is given, runs `ngspice -b` with
# `rusage all`, and prints one line: timepoints, rejected, Newton iterations, equations, L+U
# nonzeros, load and factor seconds (ngspice's own, wall clock), and the process's user CPU s.
# -k keeps the work folder (deck and log) and prints its name.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
xbar="$root/build/tools/xbar" options="" keep=0
while getopts "x:o:kh" opt; do
  case $opt in
    x) xbar=$OPTARG ;;
    o) options=$OPTARG ;;
    k) keep=1 ;;
    h) sed -n '2,16p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 3 ]] || { echo "tile_counters.sh: need N FIDELITY CYCLES (e.g. 16 transistor 4); -h for help" >&2; exit 2; }
n=$1 fidelity=$2 cycles=$3
[[ $fidelity == transistor || $fidelity == macro ]] || { echo "tile_counters.sh: FIDELITY = '$fidelity': must be transistor or macro" >&2; exit 2; }
[[ -x $xbar ]] || { echo "tile_counters.sh: $xbar is not an executable (use -x)" >&2; exit 2; }
command -v ngspice >/dev/null || { echo "tile_counters.sh: ngspice is not on PATH (scripts/install-deps.sh)" >&2; exit 2; }

dir=$(mktemp -d /tmp/tile_counters.XXXXXX)
[[ $keep == 1 ]] && echo "work folder: $dir" >&2 || trap 'rm -rf "$dir"' EXIT
rf=$(awk -v n="$n" 'BEGIN { printf "%g", 0.32 / (n * 1e-5 * 0.1) }')
if [[ $fidelity == macro ]]; then fid_line='fidelity = "macro"' mismatch=""; else fid_line="" mismatch='mismatch_devices = "none"'; fi
cat > "$dir/spec.toml" <<EOF
kind = "tile"
seed = 1
[crossbar]
rows = $n
cols = $n
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[dac]
architecture = "ideal"
bits = 4
v_min_v = 0.0
v_max_v = 0.1
[opamp]
model = "$fidelity"
[tia]
rf_ohm = $rf
cf_f = 0.1e-12
[adc]
bits = 6
v_min_v = -0.5
v_max_v = 0.0
[tile]
$fid_line
t_cycle_s = 500e-9
t_edge_s = 2e-9
t_step_max_s = 1e-7
[variation]
$mismatch
comparator_offset_sigma_v = 1e-3
ladder_r_sigma_rel = 0.005
[workload]
instances = 1000
inputs_per_pattern = $cycles
g_min_s = 1e-6
g_max_s = 1e-5
EOF
"$xbar" netlist sample "$dir/spec.toml" -o "$dir/deck.cir"
{
  grep -v '^\.end$\|^\.meas' "$dir/deck.cir"
  [[ -n $options ]] && echo ".options $options"
  printf '.save v(t0) v(adc0q1)\n.control\nset noaskquit\nrun\nrusage all\nquit\n.endc\n.end\n'
} > "$dir/run.cir"
# bash's own `time` (the Debian package `time`, /usr/bin/time, is not among the install script's).
TIMEFORMAT='%U'
{ time ngspice -b "$dir/run.cir" > "$dir/log" 2>&1; } 2> "$dir/user_cpu_s" || { cat "$dir/log" >&2; exit 1; }
grep -q "Using KLU" "$dir/log" || { echo "tile_counters.sh: ngspice did not use KLU" >&2; exit 1; }
get() { grep -m1 "^$1" "$dir/log" | sed 's/.*= *//; s/ *$//'; }
echo "N=$n $fidelity cycles=$cycles${options:+ options='$options'}: timepoints $(get 'Transient timepoints') (rejected $(get 'Rejected timepoints')), iterations $(get 'Transient iterations ='), equations $(get 'Circuit Equations'), L+U nonzeros $(get 'Circuit total non-zeroes'), load s $(get 'Transient load time'), factor s $(get 'Transient factor time'), user CPU s $(cat "$dir/user_cpu_s")"
