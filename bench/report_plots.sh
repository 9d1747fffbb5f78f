#!/usr/bin/env bash
# report_plots.sh: `xbar report` on one file of every kind (the README's "xbar report" examples, run
# exactly as written there, from the repository root), a copy of the plots the README shows in
# bench/results/plots/report_*.png, and the key-number tables as bench/results/report_<date>.md.
#
#   bash bench/report_plots.sh | tee bench/results/report_$(date -u +%F).md
# The campaign, model, inference and sweep files and the full reports stay in build/report_plots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/build/tools:$PATH"
work=build/report_plots
rm -rf "$work"
mkdir -p "$work" bench/results/plots
cd "$work"
ln -s ../../data data
echo "# \`xbar report\` on every kind of file, $(date -u +%F)"
echo
echo "\`bash bench/report_plots.sh\` at git $(git rev-parse --short HEAD). Each section is the key-number table of"
echo "the report's index.md (the plots are in bench/results/plots/report_*.png)."
echo
{
  # Campaigns (the README's examples).
  xbar characterize data/crossbar_small.toml -o runs/crossbar_small.h5 -q
  xbar characterize data/crossbar_small.toml --set workload.inputs=one_hot --set workload.inputs_per_pattern=32 \
    -o runs/crossbar_onehot.h5 -q
  xbar characterize data/opamp_mc.toml -o runs/opamp_mc.h5 -q
  xbar characterize data/tia.toml -o runs/tia.h5 -q
  xbar characterize data/adc_flash6.toml -o runs/adc_flash6.h5 -q
  xbar characterize data/tile_small.toml -o runs/tile_small.h5 -q
  xbar fit runs/crossbar_small.h5 -o runs/crossbar_small_model.h5 --force
  xbar fit runs/tia.h5 -o runs/tia_model.h5 --force
  xbar fit runs/adc_flash6.h5 -o runs/adc_flash6_model.h5 --force
  xbar infer data/networks/mlp.pt --tile data/presets/tile64_xbar180.h5 --chips 5 --images 1000 --threads 1 \
    -o runs/mlp64.h5 -q
  xbar sweep --network data/networks/mlp.pt --tile data/presets/tile64_xbar180.h5 --vary adc_bits=3,4,6 \
    --vary prog_sigma_rel=0.02,0.1 --chips 5 --images 1000 --threads 1 -o runs/sweep_mlp64.h5 -q
} > commands.log 2>&1
for f in runs/crossbar_small.h5 runs/crossbar_onehot.h5 runs/opamp_mc.h5 runs/tia.h5 runs/adc_flash6.h5 \
  runs/tile_small.h5 runs/crossbar_small_model.h5 runs/tia_model.h5 runs/adc_flash6_model.h5 \
  data/presets/tile64_xbar180.h5 runs/mlp64.h5 runs/sweep_mlp64.h5; do
  echo "## xbar report $f -o reports"
  echo
  xbar report "$f" -o reports > report.log
  # The title and the key-number table: from the first line to the first section.
  awk '/^## /{exit} {print}' reports/index.md | sed '1s/^# /### /'
done
cd - > /dev/null
for p in crossbar_small_spice_vs_ideal crossbar_onehot_ir_drop_map crossbar_small_ir_drop_map crossbar_small_error_split \
  crossbar_small_hist_error_total opamp_mc_hist_v_offset_v tia_transfer_error adc_flash6_inl adc_flash6_dnl \
  tile_small_codes tile_small_energy crossbar_small_model_predictive adc_flash6_model_transition_offset \
  sweep_mlp64_accuracy_vs_adc_bits sweep_mlp64_accuracy_vs_prog_sigma_rel; do
  cp "$work/reports/$p.png" "bench/results/plots/report_$p.png"
done
