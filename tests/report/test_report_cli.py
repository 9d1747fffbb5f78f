#!/usr/bin/python3
"""End-to-end `xbar report` on every kind of file xbar writes: tiny campaigns of each kind (crossbar
single-ended with one-hot inputs and differential with random inputs, opamp, tia, adc, tile), the
crossbar, TIA and ADC models fitted to them, the 64x64 tile preset, a one- and a two-setting sweep
and an inference file (tiny network from make_test_networks.py). For each: exit 0, an index.md that
links every PNG written, every PNG a non-empty PNG named <stem>_*.png, titles naming the file.
The IR-drop map's values are recomputed here from the campaign with h5py/numpy (definition in
tools/src/report_crossbar.cpp) and must equal the report's data file; the error split must add up
to the total. A damaged file (one flipped byte) and a foreign HDF5 file are refused, naming the file.

Usage: /usr/bin/python3 test_report_cli.py XBAR REPO_DIR TEST_NETS_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

XBAR, REPO, NETS = sys.argv[1], sys.argv[2], sys.argv[3]
TILE = os.path.join(REPO, "data/presets/tile64_xbar180.h5")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(*args, ok=True):
    p = subprocess.run([XBAR, *args], capture_output=True, text=True, timeout=600)
    if ok and p.returncode != 0:
        sys.exit(f"FAIL: xbar {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def report(path, out, expect):
    """Runs xbar report and checks the index, the PNGs and the expected plot names."""
    stem = os.path.splitext(os.path.basename(path))[0]
    p = run("report", path, "-o", out)
    index = os.path.join(out, "index.md")
    text = open(index).read() if os.path.exists(index) else ""
    linked = set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text))
    pngs = {f for f in os.listdir(out) if f.startswith(stem + "_") and f.endswith(".png")}
    check(bool(pngs) and linked >= pngs, f"{stem}: index.md links every PNG ({len(pngs)} PNGs)")
    good = all(open(os.path.join(out, f), "rb").read(8) == b"\x89PNG\r\n\x1a\n" and
               os.path.getsize(os.path.join(out, f)) > 2000 for f in pngs)
    check(good, f"{stem}: every PNG is a non-empty PNG file")
    missing = [e for e in expect if f"{stem}_{e}.png" not in pngs]
    check(not missing, f"{stem}: expected plots written (missing: {missing})")
    check(text.startswith(f"# Report: {os.path.basename(path)}") and "| key number | value | unit |" in text,
          f"{stem}: index titled with the file, with a key-number table")
    check(f"wrote {index}" in p.stdout, f"{stem}: prints where it wrote")
    return text


def ir_map(path):
    """The IR-drop map and the error split, computed from the campaign file alone."""
    with h5py.File(path) as f:
        ok = f["samples/status"][()] == 0
        gp = f["samples/g_programmed_s"][ok]
        v = f["samples/v_in_v"][ok]
        sp = f["samples/i_spice_a"][ok]
        ideal = f["samples/i_ideal_a"][ok]
        spec = f.attrs["spec_text"].decode()
    rows = gp.shape[1]
    c = sp.shape[2]
    g_eff = gp[:, :, 0::2] - gp[:, :, 1::2] if gp.shape[2] == 2 * c else gp
    g_max = float(re.search(r"g_max_s\s*=\s*([0-9.eE+-]+)", spec).group(1))
    v_max = float(re.search(r"v_read_max_v\s*=\s*([0-9.eE+-]+)", spec).group(1))
    fs = rows * g_max * v_max
    programmed = np.einsum("snr,src->snc", v, g_eff)
    e_ir = 100 * (sp - programmed) / fs
    w = np.abs(v) / np.abs(v).sum(axis=2, keepdims=True)  # [S, N, R]
    num = np.einsum("snr,snc->rc", w, e_ir)
    den = np.einsum("snr->r", w)[:, None] * np.ones((1, c))
    return num / den, 100 * (programmed - ideal) / fs, e_ir, 100 * (sp - ideal) / fs


def characterize(spec, out, *sets):
    args = ["characterize", os.path.join(REPO, "data", spec), "-o", out, "-j", "1", "-q"]
    for s in sets:
        args += ["--set", s]
    run(*args)


with tempfile.TemporaryDirectory() as tmp:
    rep = os.path.join(tmp, "reports")  # every report into one folder: the stems keep them apart
    c1 = os.path.join(tmp, "xb_onehot.h5")
    characterize("crossbar_small.toml", c1, "crossbar.rows=6", "crossbar.cols=5", "workload.instances=5",
                 "workload.inputs=one_hot", "workload.inputs_per_pattern=6", "crossbar.r_row_wire_ohm=5",
                 "crossbar.r_col_wire_ohm=5")
    c2 = os.path.join(tmp, "xb_diff.h5")
    characterize("crossbar_small.toml", c2, "crossbar.rows=4", "crossbar.cols=3", "crossbar.differential=true",
                 "workload.instances=5", "workload.inputs_per_pattern=3")
    crossbar_plots = ["spice_vs_ideal", "ir_drop_map", "error_split", "hist_error_total", "hist_error_programming",
                      "hist_error_ir_drop", "hist_sample_rms"]
    for c in (c1, c2):
        text = report(c, rep, crossbar_plots)
        stem = os.path.splitext(os.path.basename(c))[0]
        want, e_prog, e_ir, e_tot = ir_map(c)
        got = np.loadtxt(os.path.join(rep, f"{stem}_ir_drop_map.dat"), ndmin=2)
        check(got.shape == want.shape and np.allclose(got, want, rtol=1e-6, atol=1e-12 * np.abs(want).max()),
              f"{stem}: IR-drop map {got.shape} equals the hand computation (max |diff| "
              f"{np.abs(got - want).max() if got.shape == want.shape else 'shape'})")
        check(np.allclose(e_prog + e_ir, e_tot, atol=1e-9), f"{stem}: programming + IR-drop parts add up to the total")
        m = re.search(r"error RMS, IR drop \| ([0-9.e+-]+) % FS", text)
        check(m is not None and abs(float(m.group(1)) - np.sqrt(np.mean(e_ir ** 2))) <= 1e-3 * np.sqrt(np.mean(e_ir ** 2)),
              f"{stem}: the IR-drop RMS in the index equals numpy's")
    # One-hot: the map is exactly the mean error of each cell (each vector drives one row).
    with h5py.File(c1) as f:
        v = f["samples/v_in_v"][()]
        check(np.all((v > 0).sum(axis=2) == 1), "one-hot campaign drives one row per vector")

    # The periphery and tile kinds.
    op = os.path.join(tmp, "op.h5")
    characterize("opamp_mc.toml", op, "workload.instances=6")
    report(op, rep, ["hist_v_offset_v", "hist_a0_vv", "hist_ugb_hz", "hist_phase_margin_deg"])
    tia = os.path.join(tmp, "tia.h5")
    characterize("tia.toml", tia, "workload.instances=6")
    report(tia, rep, ["transfer_error", "hist_gain_ohm", "hist_opamp_v_offset_v"])
    adc = os.path.join(tmp, "adc.h5")
    characterize("adc_flash6.toml", adc, "adc.bits=4", "workload.instances=5")
    text = report(adc, rep, ["inl", "dnl", "hist_offset_lsb", "hist_max_abs_inl_lsb"])
    with h5py.File(adc) as f:
        inl = f["samples/inl_lsb"][f["samples/status"][()] == 0]
    dat = open(os.path.join(rep, "adc_inl.dat")).read().split("\n\n\n")
    band = np.loadtxt(dat[0].splitlines()[1:], ndmin=2)
    check(np.allclose(band[:, 1], inl.min(axis=0)) and np.allclose(band[:, 2], inl.max(axis=0)),
          "adc: the INL envelope is the min .. max of the file's inl_lsb over instances")
    tile = os.path.join(tmp, "tile.h5")
    characterize("tile_small.toml", tile, "crossbar.rows=4", "crossbar.cols=3")
    report(tile, rep, ["codes", "code_error", "v_tia", "energy"])

    # Models.
    models = {}
    for name, campaign in (("xb_model", c1), ("tia_model", tia), ("adc_model", adc)):
        models[name] = os.path.join(tmp, name + ".h5")
        run("fit", campaign, "-o", models[name])
    text = report(models["xb_model"], rep, ["programming_error_pdf", "stuck_fractions", "predictive"])
    check("Predictive check" in text and "held-out SPICE chips" in text, "crossbar model: the predictive check is reported")
    report(models["tia_model"], rep, ["opamp_offset", "gain", "held_out"])
    report(models["adc_model"], rep, ["transition_offset", "adc_inl", "adc_dnl", "held_out_transitions"])
    tile64 = os.path.join(tmp, "tile64.h5")
    shutil.copy(TILE, tile64)
    report(tile64, rep, ["adc_inl", "adc_dnl"])

    # Sweeps and inference (a tiny untrained network: the accuracies do not matter here).
    net = os.path.join(NETS, "cnn.pt")
    common = ["--network", net, "--tile", TILE, "--chips", "2", "--images", "20", "--threads", "1",
              "--calibration-images", "16", "-q"]
    s1 = os.path.join(tmp, "sweep1.h5")
    run("sweep", *common, "--vary", "adc_bits=3,5", "-o", s1)
    text = report(s1, rep, ["accuracy_vs_adc_bits"])
    check(text.count("\n| 3 |") + text.count("\n| 5 |") == 2, "sweep1: one table row per point")
    s2 = os.path.join(tmp, "sweep2.h5")
    run("sweep", *common, "--vary", "adc_bits=3,5", "--vary", "dac_bits=2,4", "-o", s2)
    report(s2, rep, ["accuracy_vs_adc_bits", "accuracy_vs_dac_bits"])
    inf = os.path.join(tmp, "inf.h5")
    run("infer", net, "--tile", TILE, "--chips", "2", "--images", "20", "--threads", "1", "-o", inf, "-q")
    report(inf, rep, ["chip_accuracy", "nominal_confusion"])

    # Refusals: a damaged file, a foreign HDF5 file, a non-HDF5 file; nothing is written for them.
    bad = os.path.join(tmp, "damaged.h5")
    data = bytearray(open(c2, "rb").read())
    data[len(data) // 2] ^= 0x40
    open(bad, "wb").write(bytes(data))
    p = run("report", bad, "-o", os.path.join(tmp, "bad_rep"), ok=False)
    check(p.returncode == 2 and bad in p.stderr and "damaged" in p.stderr,
          f"a damaged campaign is refused naming the file: {p.stderr.strip()}")
    check(not os.path.exists(os.path.join(tmp, "bad_rep")), "no folder is made for a damaged file")
    foreign = os.path.join(tmp, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    p = run("report", foreign, "-o", os.path.join(tmp, "foreign_rep"), ok=False)
    check(p.returncode == 2 and foreign in p.stderr and "not an xbar file" in p.stderr,
          f"a foreign HDF5 file is refused naming the file: {p.stderr.strip()}")
    p = run("report", net, "-o", os.path.join(tmp, "net_rep"), ok=False)
    check(p.returncode == 2 and net in p.stderr, f"a TorchScript file is refused naming the file: {p.stderr.strip()}")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
