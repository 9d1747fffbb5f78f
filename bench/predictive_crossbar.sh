#!/usr/bin/env bash
# predictive_crossbar.sh: the README's predictive check of the crossbar model.
#
#   bench/predictive_crossbar.sh [-p PLOT_DIR] [-x XBAR]
#
# Runs the example campaign data/crossbar_small.toml as shipped (4 chips x 2 patterns, 32x32,
# 5 % programming error, stuck cells, 1 ohm wires) and with 20 chips (--set
# workload.instances=20), fits each (`xbar fit`: 1 and 4 chips held out by rank), and validates
# it (`xbar validate --chips 20`): the held-out replay (solver agreement) and the predictive
# check (20 fresh chips per held-out chip drawn from the fitted variation against the held-out
# SPICE chips, error against the ideal MVM). Prints every validate output; with -p, also writes
# the plots (named after each campaign) into PLOT_DIR.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
xbar="$root/build/tools/xbar" plots=""
while getopts "p:x:h" opt; do
  case $opt in
    p) plots=$(realpath -m "$OPTARG") ;;
    x) xbar=$OPTARG ;;
    h) sed -n '2,13p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
[[ -x $xbar ]] || { echo "predictive_crossbar.sh: $xbar is not an executable (use -x)" >&2; exit 2; }

dir=$(mktemp -d /tmp/predictive_crossbar.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$root/data/crossbar_small.toml" "$dir/"
cd "$dir"
"$xbar" characterize crossbar_small.toml -q >/dev/null
"$xbar" characterize crossbar_small.toml --set workload.instances=20 -o crossbar_small_20chips.h5 -q >/dev/null
echo "# Predictive check of the crossbar model ($(date -u +%Y-%m-%d), xbar $("$xbar" version | head -1 | cut -d' ' -f2-))"
for c in crossbar_small crossbar_small_20chips; do
  "$xbar" fit "$c.h5" -o "${c}_model.h5" --predictive-chips 0 >/dev/null
  echo
  echo "## $c"
  echo
  echo '```'
  if [[ -n $plots ]]; then
    "$xbar" validate "${c}_model.h5" "$c.h5" --chips 20 --plots "$plots" | sed "s|$plots/||"
    rm -f "$plots/${c}_"*.dat  # the plots' data (large); validate --plots keeps them
  else
    "$xbar" validate "${c}_model.h5" "$c.h5" --chips 20
  fi
  echo '```'
done
