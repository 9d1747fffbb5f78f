#!/usr/bin/env bash
# make-presets.sh: regenerate the shipped tile presets data/presets/tile64_xbar180.h5 and
# tile128_xbar180.h5 (data/presets/README.md) from their campaign specs in data/presets/specs/.
#
#   bash scripts/make-presets.sh          # from the repository root, after a build (scripts/build.sh)
#
# Runs four Monte Carlo campaigns in ngspice (crossbar 64x64, crossbar 128x128, TIA, 6-bit flash
# ADC), fits each with `xbar fit`, and assembles two tile models with `xbar fit tile`. The
# campaigns and component models go to the work folder (default build/presets; override with
# XBAR_PRESETS_WORK), which is emptied first, so every run starts from the specs. Only the two
# tile files are written into data/presets/. About 1.5 minutes on 2 cores (most of it the 128x128 campaign),
# plus the two SPICE tile energy campaigns (one transistor-level tile MVM at 64x64 and at 128x128,
# specs/tile{64,128}_energy.toml), whose mean energy per MVM by block and ngspice wall time go into
# each tile's /energy (`xbar fit tile --energy-campaign`): minutes each (data/presets/README.md).
# XBAR_PRESETS_ENERGY_DIR=folder reuses tile64_energy.h5 and tile128_energy.h5 from that folder
# instead of running them again.
set -euo pipefail
cd "$(dirname "$0")/.."
xbar=${XBAR:-build/tools/xbar}
work=${XBAR_PRESETS_WORK:-build/presets}
[ -x "$xbar" ] || { echo "make-presets.sh: $xbar not found; build first (bash scripts/build.sh)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cp data/presets/specs/*.toml "$work"/

start=$(date +%s)
step() { echo "== $* ($(($(date +%s) - start)) s)"; }

for spec in adc_flash6 tia_1k crossbar64 crossbar128; do
  step "characterize $spec"
  "$xbar" characterize "$work/$spec.toml" --quiet
  step "fit $spec"
  "$xbar" fit "$work/$spec.h5" -o "$work/${spec}_model.h5" --adc-bits 6 >"$work/${spec}_fit.txt"
done

for n in 64 128; do
  if [ -n "${XBAR_PRESETS_ENERGY_DIR:-}" ]; then
    step "reuse $XBAR_PRESETS_ENERGY_DIR/tile${n}_energy.h5"
    cp "$XBAR_PRESETS_ENERGY_DIR/tile${n}_energy.h5" "$work/"
  else
    step "characterize tile${n}_energy (SPICE tile MVM)"
    "$xbar" characterize "$work/tile${n}_energy.toml" --quiet
  fi
done

for n in 64 128; do
  step "assemble tile${n}_xbar180.h5"
  # DAC: 4 bits over 0 .. 0.1 V (the crossbar campaigns' read range); g range 1-100 uS (their
  # workload); both default to the crossbar campaign's values, given here to be explicit.
  "$xbar" fit tile --crossbar "$work/crossbar${n}_model.h5" --tia "$work/tia_1k_model.h5" \
    --adc "$work/adc_flash6_model.h5" --dac-bits 4 --v-read-min 0 --v-read-max 0.1 \
    --g-min 1e-6 --g-max 1e-4 --energy-campaign "$work/tile${n}_energy.h5" -o "data/presets/tile${n}_xbar180.h5" --force | tee "$work/tile${n}_fit.txt"
done
step "done"
ls -l data/presets/*.h5
