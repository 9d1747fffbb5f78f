#!/usr/bin/env bash
# heldout_periphery.sh: the README's held-out accuracy table of the periphery models.
#
#   bench/heldout_periphery.sh [-p PLOT_DIR] [-x XBAR]
#
# Runs the example campaigns data/tia.toml (8 transistor-level TIAs), data/adc_flash6.toml
# (8 6-bit flash ADCs) and data/tile_small.toml (a 16x16 transistor-level tile, 2 chips x 2
# MVMs), fits the TIA and ADC models (`xbar fit`, seeded held-out split by instance), validates
# them (`xbar validate`), and validates the behavioral tile built with the fitted TIA model
# against the SPICE tile (`xbar validate tia_model.h5 tile_small.h5`). Prints the held-out rows
# as a markdown table; with -p, also writes every validate plot into PLOT_DIR.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
xbar="$root/build/tools/xbar" plots=""
while getopts "p:x:h" opt; do
  case $opt in
    p) plots=$(realpath -m "$OPTARG") ;;
    x) xbar=$OPTARG ;;
    h) sed -n '2,12p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
[[ -x $xbar ]] || { echo "heldout_periphery.sh: $xbar is not an executable (use -x)" >&2; exit 2; }

dir=$(mktemp -d /tmp/heldout_periphery.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$root/data/tia.toml" "$root/data/adc_flash6.toml" "$root/data/tile_small.toml" "$dir/"
cd "$dir"
for spec in tia adc_flash6 tile_small; do "$xbar" characterize "$spec.toml" -q >/dev/null; done
"$xbar" fit tia.h5 -o tia_model.h5 >/dev/null
"$xbar" fit adc_flash6.h5 -o adc_model.h5 >/dev/null
plot_args() { [[ -n $plots ]] && echo "--plots $plots" || true; }
# shellcheck disable=SC2046
{
  "$xbar" validate tia_model.h5 tia.h5 $(plot_args)
  "$xbar" validate adc_model.h5 adc_flash6.h5 $(plot_args)
  "$xbar" validate tia_model.h5 tile_small.h5 $(plot_args)
} >validate.txt

echo "# Held-out error of the periphery models against ngspice"
echo
echo "$(date -u +%F), $("$xbar" version | head -1), $(nproc) cores. Command: bench/heldout_periphery.sh"
echo
echo "| model | compared | held-out instances | values | RMS [LSB] | max [LSB] | RMS [%FS] | max [%FS] |"
echo "|---|---|---|---|---|---|---|---|"
awk '
  /TIA model fitted .* inside the behavioral tile/ { model = "tile (16x16, transistor TIAs, 6-bit flash)"; next }
  /TIA model fitted/ { model = "TIA (transistor op-amp, Rf 10 kohm)"; next }
  /ADC model fitted/ { model = "ADC (6-bit flash)"; next }
  / held-out  / {
    label = substr($0, 3, 33); sub(/, held-out *$/, "", label); sub(/ +$/, "", label)
    rest = substr($0, 36); n = split(rest, f, " ")
    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", model, label, f[2], f[3], f[8], f[9], f[6], f[7]
  }' validate.txt
grep -h "codes equal to ngspice" validate.txt | sed 's/^ */\n/'
