#!/usr/bin/env bash
# hwa_comparison.sh: the README's three-way table of issue #12. For each network and setting, on
# the same K evaluation chips (seed 1, chips 0..K-1, which training never draws):
#   digital   the shipped network (data/networks/, trained digitally), evaluated as is;
#   ste       fine-tuned through the tiles with the straight-through (ideal-layer) gradient;
#   exact     fine-tuned through the tiles with the circuit's exact gradient (TileModel::backward);
# the two fine-tunes start from the shipped network with the same seed, images, steps and
# learning rate, and each step draws a fresh chip. A setting is "preset" (the tile model as
# fitted) or a harsher one (--r-wire-ohm R, --adc-bits B), with the fitted variation kept.
#
#   bash bench/hwa_comparison.sh [-k CHIPS] [-n TRAIN_IMAGES] [-e EPOCHS] [-l LR] [-t TILE_SIZES] [-N NETWORKS] \
#        [-s "SETTING;SETTING"] | tee bench/results/hwa_comparison_$(date -u +%F).md
# A SETTING is "name:extra xbar arguments", e.g. "preset:" or "wires 10 ohm:--r-wire-ohm 10".
set -euo pipefail
cd "$(dirname "$0")/.."
chips=10 images=10000 epochs=1 lr=5e-4 sizes="64" nets="mlp cnn" batch=256
settings="preset:;wires 10 ohm, 5-bit ADC:--r-wire-ohm 10 --adc-bits 5"
while getopts "k:n:e:l:t:N:s:b:" opt; do
  case $opt in
    k) chips=$OPTARG ;; n) images=$OPTARG ;; e) epochs=$OPTARG ;; l) lr=$OPTARG ;;
    t) sizes=$OPTARG ;; N) nets=$OPTARG ;; s) settings=$OPTARG ;; b) batch=$OPTARG ;;
    *) echo "usage: $0 [-k CHIPS] [-n TRAIN_IMAGES] [-e EPOCHS] [-l LR] [-t \"64 128\"] [-N \"mlp cnn\"] [-s SETTINGS] [-b BATCH]" >&2; exit 2 ;;
  esac
done
xbar=./build/tools/xbar
work=build/hwa_comparison
mkdir -p "$work"
echo "# Hardware-aware training: digital, straight-through and exact gradients, $(date -u +%F)"
echo
echo "\`bash bench/hwa_comparison.sh -k $chips -n $images -e $epochs -l $lr -b $batch -t \"$sizes\" -N \"$nets\" -s \"$settings\"\` at git $(git rev-parse --short HEAD)."
echo "Fine-tuning: $epochs epoch(s) over the first $images training images, batches of $batch (one fresh chip per step),"
echo "Adam at $lr (cosine), training seed 1; evaluation: all 10,000 test images on chips 0..$((chips - 1)) of seed 1."
echo
row() {  # the "accuracy over K chips" line of a log -> "mean ± half-width"
  sed -nE 's/^accuracy over [0-9]+ chips: ([0-9.]+) % \(95 % CI ([0-9.]+) \.\. ([0-9.]+) %\)/\1 \2 \3/p' "$1" |
    awk '{printf "%.2f ± %.2f %%", $1, ($3 - $2) / 2}'
}
table="| network | tile | setting | digital-trained | HWA, straight-through | HWA, exact gradient |"$'\n'"|---|---|---|---:|---:|---:|"
IFS=';' read -r -a setting_list <<< "$settings"
for net in $nets; do
  for n in $sizes; do
    tile="data/presets/tile${n}_xbar180.h5"
    for s in "${setting_list[@]}"; do
      name=${s%%:*} extra=${s#*:}
      tag="${net}_${n}_$(echo "$name" | tr -c 'a-zA-Z0-9' '_')"
      echo "## $net on tile${n}_xbar180, $name"
      echo
      # shellcheck disable=SC2086
      "$xbar" train --hwa --network "data/networks/$net.pt" --tile "$tile" $extra --epochs 0 --eval-chips "$chips" \
        -o "" -q > "$work/${tag}_digital.log"
      for g in ste exact; do
        # shellcheck disable=SC2086
        "$xbar" train --hwa --network "data/networks/$net.pt" --tile "$tile" $extra --gradient "$g" --epochs "$epochs" \
          --train-images "$images" --batch-size "$batch" --lr "$lr" --eval-chips "$chips" \
          -o "$work/${tag}_$g.pt" -q > "$work/${tag}_$g.log"
      done
      for k in digital ste exact; do
        echo "$k:"
        echo '```'
        cat "$work/${tag}_$k.log"
        echo '```'
      done
      echo
      table+=$'\n'"| $net | ${n}×${n} | $name | $(row "$work/${tag}_digital.log") | $(row "$work/${tag}_ste.log") | $(row "$work/${tag}_exact.log") |"
    done
  done
done
echo "## Summary (mean over $chips chips ± half-width of the 95 % interval)"
echo
echo "$table"
