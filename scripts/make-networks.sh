#!/usr/bin/env bash
# make-networks.sh: regenerates the built-in benchmark networks shipped in data/networks/ (after a
# build): the MLP (784-256-128-10) and the small CNN, trained with `xbar train` on Fashion-MNIST,
# seed 1, two libtorch threads (the same seed and thread count give the same weights).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/networks
./build/tools/xbar train --net mlp --epochs 20 --seed 1 --threads 2 -o data/networks/mlp.pt
./build/tools/xbar train --net cnn --epochs 12 --seed 1 --threads 2 -o data/networks/cnn.pt
