#!/usr/bin/python3
"""End-to-end: `xbar train` writes a TorchScript file that Python's torch.jit.load runs with the
accuracy xbar printed, the same seed gives the same weights, and `xbar infer` on a shipped preset
writes an xbar.inference/1 file that h5py reads as data/INFERENCE_SCHEMA.md says; bad input
gets a message naming the file.

Usage: /usr/bin/python3 test_networks_cli.py XBAR PRESETS_DIR TEST_NETS_DIR
"""
import gzip
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from xbar_check import variable_length_objects  # noqa: E402  (tests/cli/xbar_check.py)

XBAR, PRESETS, NETS = sys.argv[1], sys.argv[2], sys.argv[3]
DATA = os.environ.get("XBAR_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def run(*args, ok=True):
    p = subprocess.run([XBAR, *args], capture_output=True, text=True, timeout=600)
    if ok and p.returncode != 0:
        sys.exit(f"FAIL: xbar {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    net = os.path.join(tmp, "mlp.pt")
    out = run("train", "--net", "mlp", "--epochs", "1", "--train-images", "6000", "--seed", "3", "--threads", "1",
              "-o", net, "-q").stdout
    printed = float(re.search(r"digital test accuracy: ([0-9.]+) %", out).group(1))
    m = torch.jit.load(net).eval()
    images = torch.from_numpy(idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")).copy()).float().div(255).unsqueeze(1)
    labels = torch.from_numpy(idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    with torch.no_grad():
        acc = (m(images).argmax(1) == labels).float().mean().item() * 100
    check(abs(acc - printed) < 0.006, f"torch.jit.load runs xbar's MLP: {acc:.2f} % in Python, {printed:.2f} % printed")
    check(acc > 70, f"one short epoch already learns ({acc:.2f} %)")
    again = os.path.join(tmp, "mlp_again.pt")
    run("train", "--net", "mlp", "--epochs", "1", "--train-images", "6000", "--seed", "3", "--threads", "1", "-o", again, "-q")
    a, b = torch.jit.load(net), torch.jit.load(again)
    same = all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    check(same, "same seed and threads, same trained weights")

    res = os.path.join(tmp, "inf.h5")
    out = run("infer", os.path.join(NETS, "cnn.pt"), "--tile", os.path.join(PRESETS, "tile64_xbar180.h5"), "--chips", "3",
              "--images", "200", "-o", res, "-q").stdout
    check("analog,   3 chips" in out and "digital (libtorch)" in out, "xbar infer prints digital, nominal and chips")
    found, seen = variable_length_objects(res)
    check(seen > 0 and not found, f"inference file: no variable-length data in {seen} objects: {found[:5]}")
    with h5py.File(res, "r") as f:
        check(f.attrs["schema"] == b"xbar.inference/2", "schema attribute (a fixed-length string: bytes)")
        acc = f["results/chip_accuracy"][()]
        check(acc.shape == (3,) and np.all((acc >= 0) & (acc <= 1)), f"chip_accuracy {acc}")
        conf = f["results/chip_confusion"][()]
        check(conf.shape == (3, 10, 10) and np.all(conf.sum(axis=(1, 2)) == 200), "chip_confusion [3, 10, 10], 200 images each")
        check(np.allclose(np.trace(conf, axis1=1, axis2=2) / 200, acc), "accuracy = trace of the confusion matrix")
        check(f["settings"].attrs["images"] == 200 and f["settings"].attrs["chips"] == 3, "settings")
        check(len(f["settings"].attrs["network_sha256"]) == 64, "network SHA-256")
        check(len(f["layers"]) == 4, "one group per analog layer")
        mean = float(f["results"].attrs["mean_accuracy"])
        check(abs(mean - acc.mean()) < 1e-12, "mean_accuracy is the mean of chip_accuracy")
        check(abs(f["nominal"].attrs["accuracy"] - np.trace(f["nominal/confusion"][()]) / 200) < 1e-12, "nominal group")

    # Hardware-aware fine-tuning of the MLP above through the 64 x 64 preset, exact gradient: the
    # result is the user's own module with new weights, Python runs it with the accuracy printed.
    hwa = os.path.join(tmp, "mlp_hwa.pt")
    out = run("train", "--hwa", "--network", net, "--tile", os.path.join(PRESETS, "tile64_xbar180.h5"), "--gradient",
              "exact", "--train-images", "256", "--batch-size", "128", "--eval-chips", "2", "--eval-images", "300",
              "--threads", "1", "-o", hwa, "-q").stdout
    check("2 steps (one fresh chip each)" in out and "exact gradient" in out, "train --hwa prints the steps and the gradient")
    m2 = re.search(r"accuracy over 2 chips: ([0-9.]+) % \(95 % CI ([0-9.]+) \.\. ([0-9.]+) %\)", out)
    check(m2 is not None and float(m2.group(2)) <= float(m2.group(1)) <= float(m2.group(3)), "chips' mean and interval")
    printed = float(re.search(r"digital accuracy ([0-9.]+) %", out).group(1))
    tuned = torch.jit.load(hwa).eval()
    with torch.no_grad():
        acc = (tuned(images[:300]).argmax(1) == labels[:300]).float().mean().item() * 100
    check(abs(acc - printed) < 0.01, f"torch.jit.load runs the fine-tuned MLP: {acc:.2f} % in Python, {printed:.2f} % printed")
    moved = any(not torch.equal(p, q) for p, q in zip(a.parameters(), tuned.parameters()))
    check(moved, "fine-tuning changed the weights")
    p = run("train", "--hwa", "--network", net, "-q", ok=False)
    check(p.returncode == 2 and "--tile" in p.stderr, f"--hwa without a tile: {p.stderr.strip()}")
    p = run("train", "--hwa", "--network", os.path.join(NETS, "resnet.pt"), "--tile",
            os.path.join(PRESETS, "tile64_xbar180.h5"), "-o", os.path.join(tmp, "r.pt"), "-q", ok=False)
    check(p.returncode == 2 and "resnet.pt" in p.stderr and "BatchNorm" in p.stderr, f"folded BatchNorm: {p.stderr.strip()}")

    # Bad input: each message names the file or the field.
    p = run("infer", os.path.join(NETS, "grouped.pt"), "--tile", os.path.join(PRESETS, "tile64_xbar180.h5"), "-q", ok=False)
    check(p.returncode == 2 and "grouped.pt" in p.stderr and "groups = 2" in p.stderr, f"grouped conv: {p.stderr.strip()}")
    p = run("infer", os.path.join(NETS, "cnn.pt"), "--tile", os.path.join(NETS, "cnn.pt"), "-q", ok=False)
    check(p.returncode == 2 and "cnn.pt" in p.stderr, f"tile that is not a model file: {p.stderr.strip()}")
    p = run("infer", os.path.join(NETS, "rgb_input.pt"), "--tile", os.path.join(PRESETS, "tile64_xbar180.h5"), "-q", ok=False)
    check(p.returncode == 2 and "[1, 1, 28, 28]" in p.stderr, f"input shape: {p.stderr.strip()}")
    p = run("infer", os.path.join(NETS, "cnn.pt"), "--tile", os.path.join(PRESETS, "tile64_xbar180.h5"), "--data-dir", tmp,
            "-q", ok=False)
    check(p.returncode == 2 and "dataset-fashion-mnist" in p.stderr, f"missing data set: {p.stderr.strip()}")

print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
