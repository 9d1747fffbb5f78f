#!/usr/bin/env bash
# bench_campaign.sh: times one MPI campaign from outside, the way bench_campaign's "MPI np=K"
# configuration does, for running it by hand (e.g. on a cluster, with more ranks or hosts).
#
#   bench/bench_campaign.sh [-n N] [-s SAMPLES] [-k INPUTS] [-p NP] [-r REPEATS] [-x XBAR] [-- MPIRUN_ARGS...]
#
# Writes the same spec as bench_campaign (N x N linear crossbar, 1 ohm wires, 5 % normal
# programming error, one pattern per instance) into a temporary folder, then runs
#   mpirun --oversubscribe -np NP [MPIRUN_ARGS...] XBAR characterize spec.toml -q
# REPEATS times and prints the wall time (mpirun start-up included), samples/s, and the
# engine's own time from xbar's summary line. As root, OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) are set.
set -euo pipefail

n=32 samples=400 inputs=4 np=2 repeats=3
xbar="$(cd "$(dirname "$0")/.." && pwd)/build/tools/xbar"
while getopts "n:s:k:p:r:x:h" opt; do
  case $opt in
    n) n=$OPTARG ;;
    s) samples=$OPTARG ;;
    k) inputs=$OPTARG ;;
    p) np=$OPTARG ;;
    r) repeats=$OPTARG ;;
    x) xbar=$OPTARG ;;
    h) sed -n '2,12p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ ${1:-} == "--" ]] && shift

[[ -x $xbar ]] || { echo "bench_campaign.sh: $xbar is not an executable (use -x)" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "bench_campaign.sh: mpirun is not in PATH" >&2; exit 2; }
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

dir=$(mktemp -d /tmp/bench_campaign_sh.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/spec.toml" <<EOF
kind = "crossbar"
seed = 1
[crossbar]
rows = $n
cols = $n
cell = "linear"
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[variation]
g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }
[workload]
instances = $samples
patterns_per_instance = 1
inputs_per_pattern = $inputs
[run]
output = "campaign.h5"
workers = 1
sample_timeout_s = 600
EOF

echo "# mpirun -np $np, ${n}x${n}, $samples samples x $inputs inputs, $(date -u '+%F %H:%M UTC'), nproc $(nproc)"
echo "# $(mpirun --version 2>&1 | head -1); $("$xbar" --version)"
echo "| repeat | wall s (incl. start-up) | samples/s | engine's own s |"
echo "|---:|---:|---:|---:|"
for r in $(seq 1 "$repeats"); do
  rm -f "$dir/campaign.h5" "$dir/campaign.h5.journal" "$dir/campaign.h5.tmp"
  t0=$(date +%s.%N)
  out=$(mpirun --oversubscribe -np "$np" "$@" "$xbar" characterize "$dir/spec.toml" -q)
  t1=$(date +%s.%N)
  own=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' <<<"$out")
  awk -v r="$r" -v a="$t0" -v b="$t1" -v s="$samples" -v own="${own:--}" \
    'BEGIN { printf "| %d | %.2f | %.2f | %s |\n", r, b - a, s / (b - a), own }'
done
