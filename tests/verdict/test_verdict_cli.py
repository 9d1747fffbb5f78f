#!/usr/bin/python3
"""End-to-end: `xbar cost` on a tiny network (tests/networks/make_test_networks.py's cnn.pt) and the
64x64 preset given a small, known /energy (written here with h5py), and `xbar report` on that tile
and on an inference file. Checks that the printed E_run's analog part is tile MVMs x the energy per
MVM, that the markdown and the PNG are written, that a tile without /energy is refused naming the
fix, and that a file `xbar report` does not cover is refused.

Usage: /usr/bin/python3 test_verdict_cli.py XBAR PRESETS_DIR TEST_NETS_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py

XBAR, PRESETS, NETS = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, ok=True):
    p = subprocess.run([XBAR, *args], capture_output=True, text=True, timeout=280)
    if ok and p.returncode != 0:
        sys.exit(f"FAIL: xbar {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def set_energy(path, energy):
    with h5py.File(path, "a") as f:
        if "energy" in f:
            del f["energy"]
        if energy is None:
            return
        g = f.create_group("energy")
        for k, v in energy.items():
            g.attrs[k] = v


with tempfile.TemporaryDirectory() as tmp:
    tile = os.path.join(tmp, "tile64.h5")
    shutil.copy(os.path.join(PRESETS, "tile64_xbar180.h5"), tile)
    e = dict(array_j=1e-12, drivers_j=0.0, tia_j=100e-12, adc_j=200e-12, total_j=301e-12, t_cycle_s=500e-9,
             spice_s_per_mvm=10.0, rows=64, cols=64, n_mvms=1, opamp_model="transistor",
             campaign_path="test.h5", campaign_sha256="", note="written by test_verdict_cli.py")
    for k in ("rows", "cols"):
        e[k] = int(e[k])
    set_energy(tile, e)
    with h5py.File(tile, "a") as f:  # integers as the schema stores them
        f["energy"].attrs.create("rows", 64, dtype="int64")
        f["energy"].attrs.create("cols", 64, dtype="int64")
        f["energy"].attrs.create("n_mvms", 1, dtype="uint64")
    out = os.path.join(tmp, "cost")
    p = run("cost", "--tile", tile, "--network", os.path.join(NETS, "cnn.pt"), "--images", "40", "--threads", "1",
            "--host-power-w", "10", "-o", out, "-q")
    text = p.stdout
    check(os.path.exists(os.path.join(out, "verdict.md")), "verdict.md written")
    png = os.path.join(out, "verdict_energy.png")
    check(os.path.exists(png) and os.path.getsize(png) > 1000, "verdict_energy.png written")
    m = re.search(r"(\d+) tile MVMs per image \(the nominal chip counted ([0-9.]+) per image\)", text)
    check(m is not None, "tile MVMs per image printed")
    if m:
        n = int(m.group(1))
        check(abs(float(m.group(2)) - n) < 1e-9, f"the nominal chip's count ({m.group(2)}) equals the shapes' ({n})")
        adc = re.search(r"\| ADCs \| ([0-9.]+) (nJ|µJ|pJ) \|", text)
        scale = {"pJ": 1e-12, "nJ": 1e-9, "µJ": 1e-6}
        if adc:
            got = float(adc.group(1)) * scale[adc.group(2)]
            check(abs(got - n * 200e-12) <= 0.002 * n * 200e-12, f"E_run's ADC part {got:.4g} J = {n} x 200 pJ")
        else:
            check(False, "ADC row of the breakdown printed")
        spice = re.search(r"\| E_sim, SPICE \| ([0-9.]+) (J|mJ|kJ|MJ) \|", text)
        if spice:
            got = float(spice.group(1)) * {"J": 1.0, "mJ": 1e-3, "kJ": 1e3, "MJ": 1e6}[spice.group(2)]
            check(abs(got - n * 10.0 * 10.0) <= 0.002 * n * 100.0, f"E_sim(SPICE) {got:.4g} J = {n} x 10 s x 10 W")
        else:
            check(False, "E_sim SPICE row printed")
    check("--host-power-w 10 W per busy core" in text, "the host power and its origin are stated")
    check(re.search(r"(the circuit is (not )?worth building|it is not worth building)", text) is not None, "one sentence with the verdict")
    check("Horowitz, ISSCC 2014" in text, "the constants are cited")

    # xbar report on the tile (with /energy) and on an inference file.
    rep = os.path.join(tmp, "rep_tile")
    run("report", tile, "-o", rep)
    check(all(os.path.exists(os.path.join(rep, f)) for f in ("index.md", "tile64_adc_inl.png", "tile64_adc_dnl.png", "tile64_energy_per_mvm.png")),
          "xbar report on a tile model: index.md, INL/DNL and energy plots")
    inf = os.path.join(tmp, "inf.h5")
    run("infer", os.path.join(NETS, "cnn.pt"), "--tile", tile, "--chips", "2", "--images", "40", "--threads", "1",
        "-o", inf, "-q")
    rep2 = os.path.join(tmp, "rep_inf")
    run("report", inf, "-o", rep2)
    check(all(os.path.exists(os.path.join(rep2, f)) for f in ("index.md", "inf_chip_accuracy.png", "inf_nominal_confusion.png")),
          "xbar report on an inference file: index.md, accuracy and confusion plots")
    idx = open(os.path.join(rep2, "index.md")).read()
    check("| nominal chip |" in idx and "](inf_chip_accuracy.png)" in idx,
          "report index gives the nominal accuracy and links the accuracy plot")

    # Refusals.
    set_energy(tile, None)
    p = run("cost", "--tile", tile, "--network", os.path.join(NETS, "cnn.pt"), "--images", "10", "-q", "-o",
            os.path.join(tmp, "c2"), ok=False)
    check(p.returncode != 0 and "--energy-campaign" in p.stderr and tile in p.stderr,
          "a tile without /energy is refused, naming the file and the fix")
    net_only = os.path.join(NETS, "cnn.pt")
    p = run("report", net_only, ok=False)
    check(p.returncode != 0 and "not" in p.stderr, "xbar report refuses a file it does not cover")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
