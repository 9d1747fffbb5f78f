#!/usr/bin/python3
"""End-to-end `xbar sweep` on the shipped MLP and the 64x64 preset (few images, few chips):
each point equals `xbar infer` with that setting; the file is xbar.sweep/1 as data/SWEEP_SCHEMA.md
says, readable by h5py, with fixed-length strings only; a killed sweep resumes only its
unfinished points and keeps the finished ones bit-identical; a rerun with other arguments is
refused naming what differs (and the file is left as it was); bad --vary values are named.

Usage: /usr/bin/python3 test_sweep_cli.py XBAR REPO_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

XBAR, REPO = sys.argv[1], sys.argv[2]
NET = os.path.join(REPO, "data/networks/mlp.pt")
TILE = os.path.join(REPO, "data/presets/tile64_xbar180.h5")
COMMON = ["--network", NET, "--tile", TILE, "--seed", "5", "--images", "100", "--threads", "1", "-q"]

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


def no_variable_length(f):
    bad = []

    def visit(name, obj):
        for k, v in obj.attrs.items():
            dt = obj.attrs.get_id(k).dtype
            info = h5py.check_string_dtype(dt)
            if h5py.check_vlen_dtype(dt) is not None or (info is not None and info.length is None):
                bad.append(f"{name}@{k}")
        if isinstance(obj, h5py.Dataset):
            info = h5py.check_string_dtype(obj.dtype)
            if h5py.check_vlen_dtype(obj.dtype) is not None or (info is not None and info.length is None):
                bad.append(name)

    visit("/", f)
    f.visititems(visit)
    return bad


with tempfile.TemporaryDirectory() as tmp:
    # 1. A sweep over the ADC resolution; every point equals `xbar infer --adc-bits`.
    out = os.path.join(tmp, "adc.h5")
    plots = os.path.join(tmp, "plots")
    p = run("sweep", *COMMON, "--chips", "2", "--vary", "adc_bits=4,6", "-o", out, "--plots", plots)
    check("fitted variation" in p.stdout and "kept as fitted" in p.stdout, "the screen says the fitted variation is kept")
    with h5py.File(out, "r") as f:
        check(f.attrs["schema"] == b"xbar.sweep/1", "schema xbar.sweep/1")
        check(no_variable_length(f) == [], f"no variable-length data: {no_variable_length(f)}")
        check(b"kept as fitted" in f["settings"].attrs["variation_note"], "the file says the fitted variation is kept")
        check(list(f["points/done"][()]) == [1, 1], "both points done")
        check(f["points/value"].shape == (2, 1) and list(f["points/value"][:, 0]) == [4.0, 6.0], "point values")
        check(list(f["points/adc_bits"][()]) == [4, 6], "ADC bits as used")
        check(f["axes/0"].attrs["name"] == b"adc_bits" and f["axes/0"].attrs["unit"] == b"bits", "axis name and unit")
        check(f["points/chip_accuracy"].shape == (2, 2), "chip_accuracy [points, chips]")
        check(f["points/chip_confusion"].shape == (2, 2, 10, 10), "chip_confusion [points, chips, 10, 10]")
        acc = f["points/chip_accuracy"][()]
        conf = f["points/chip_confusion"][()]
        check(np.allclose(np.trace(conf, axis1=2, axis2=3) / 100.0, acc, rtol=0, atol=1e-12),
              "the confusion matrices give the accuracies")
        check(np.allclose(f["points/mean_accuracy"][()], acc.mean(axis=1), rtol=0, atol=1e-12), "mean over chips")
        lo, hi = f["points/mean_accuracy_ci95_low"][()], f["points/mean_accuracy_ci95_high"][()]
        check(np.all(lo <= acc.mean(axis=1)) and np.all(acc.mean(axis=1) <= hi), "the 95 % interval holds the mean")
        sweep_digital = f["digital"].attrs["accuracy"]
        sweep_nominal = f["points/nominal_accuracy"][()]
        sweep_points = acc.copy()
    for i, bits in enumerate((4, 6)):
        inf = os.path.join(tmp, f"infer{bits}.h5")
        run("infer", NET, "--tile", TILE, "--chips", "2", "--seed", "5", "--images", "100", "--threads", "1",
            "--adc-bits", str(bits), "-o", inf, "-q")
        with h5py.File(inf, "r") as g:
            check(np.array_equal(g["results/chip_accuracy"][()], sweep_points[i]),
                  f"adc_bits={bits}: the sweep's chips equal `xbar infer --adc-bits {bits}` ({sweep_points[i]})")
            check(g["results"].attrs["nominal_accuracy"] == sweep_nominal[i], f"adc_bits={bits}: nominal chip equal")
            check(g["results"].attrs["digital_accuracy"] == sweep_digital, "digital reference equal")
    if shutil.which("gnuplot"):
        png = os.path.join(plots, "sweep_adc_bits.png")
        check(os.path.exists(png) and os.path.getsize(png) > 1000, "the plot is written")

    # 2. Wire resistance: a nominal value on a copy of the tile model, the variation kept.
    out = os.path.join(tmp, "wire.h5")
    run("sweep", *COMMON, "--chips", "1", "--vary", "r_wire_ohm=0.5,20", "-o", out)
    with h5py.File(out, "r") as f, h5py.File(TILE, "r") as t:
        check(list(f["points/r_row_wire_ohm"][()]) == [0.5, 20.0] and list(f["points/r_col_wire_ohm"][()]) == [0.5, 20.0],
              "wire resistance as used")
        sigma = t["variation/programming_error"].attrs["sigma_rel_d2d"]
        check(np.all(f["points/prog_sigma_rel"][()] == sigma), "programming sigma as fitted")
        a = f["points/nominal_accuracy"][()]
        check(a[1] < a[0], f"20 ohm wires lose accuracy on the nominal chip ({a[0]:.3f} -> {a[1]:.3f})")

    # 3. Resume: kill a sweep after its first point, rerun: only the rest is run.
    out = os.path.join(tmp, "resume.h5")
    args = ["sweep", *COMMON, "--chips", "2", "--vary", "prog_sigma_rel=0.02,0.05,0.1,0.2", "-o", out]
    full = os.path.join(tmp, "full.h5")
    run("sweep", *COMMON, "--chips", "2", "--vary", "prog_sigma_rel=0.02,0.05,0.1,0.2", "-o", full)
    proc = subprocess.Popen([XBAR, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = None
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        try:
            with h5py.File(out, "r") as f:
                if f["points/done"][()].sum() >= 1:
                    proc.send_signal(signal.SIGKILL)
                    first = {k: f["points"][k][()] for k in f["points"]}
                    break
        except (OSError, KeyError):
            pass
        time.sleep(0.02)
    proc.wait()
    check(first is not None, "the sweep was killed after a finished point")
    if first is not None:
        killed_done = int(first["done"].sum())
        check(killed_done < 4, f"killed before the end ({killed_done} of 4 points done)")
        with h5py.File(out, "r") as f:  # what is on disk now (maybe one more point than we saw)
            on_disk = {k: f["points"][k][()] for k in f["points"]}
        p = run(*args)
        check(f"resuming {out}: {int(on_disk['done'].sum())} of 4 points done" in p.stdout,
              "the rerun says it resumes: " + p.stdout.splitlines()[0])
        with h5py.File(out, "r") as f, h5py.File(full, "r") as g:
            check(list(f["points/done"][()]) == [1, 1, 1, 1], "every point done after the rerun")
            d = on_disk["done"].astype(bool)
            for k in ("chip_accuracy", "chip_program_s", "chip_run_s", "calibration_s", "nominal_run_s"):
                check(f["points"][k][()][d].tobytes() == on_disk[k][d].tobytes(),
                      f"finished points kept bit-identical: {k} (times too: not run again)")
            for k in ("chip_accuracy", "chip_confusion", "nominal_accuracy", "mean_accuracy"):
                check(f["points"][k][()].tobytes() == g["points"][k][()].tobytes(),
                      f"resumed sweep equals an uninterrupted one: {k}")

        # 4. Other arguments: refused, naming what differs; the file is left as it was.
        before = open(out, "rb").read()
        p = run("sweep", *COMMON, "--vary", "prog_sigma_rel=0.02,0.05,0.1", "--chips", "3", "-o", out, ok=False)
        msg = p.stderr
        check(p.returncode != 0, "a rerun with other arguments fails")
        check("vary0: file prog_sigma_rel=0.02,0.05,0.1,0.2; this run prog_sigma_rel=0.02,0.05,0.1" in msg,
              "the message names the differing --vary: " + msg.strip().replace("\n", " | "))
        check("chips: file 2; this run 3" in msg, "the message names the differing --chips")
        check("delete" not in msg.lower() and "remove" not in msg.lower(), "the message never advises deleting the file")
        check(open(out, "rb").read() == before, "the file is unchanged")

    # 5. Bad --vary values are named.
    bad = {
        "adc_bits=3,x": "value 'x'",
        "adc_bits=4,20": "value '20'",
        "dac_bits=2.5": "value '2.5'",
        "r_wire_ohm=1,-1": "value '-1'",
        "prog_sigma_rel=0.1,,0.2": "value ''",
        "adc_bits=4,4": "value '4'",
        "wires=1,2": "unknown setting 'wires'",
        "adc_bits": "expected SETTING=V1,V2",
        "tile=/nonexistent/tile.h5": "value '/nonexistent/tile.h5'",
    }
    for spec, words in bad.items():
        p = run("sweep", *COMMON, "--chips", "2", "--vary", spec, "-o", os.path.join(tmp, "bad.h5"), ok=False)
        check(p.returncode == 2 and words in p.stderr and "--vary" in p.stderr,
              f"--vary {spec}: exit 2 naming it ({p.stderr.strip()})")
    p = run("sweep", *COMMON, "--vary", "adc_bits=4", "--vary", "adc_bits=5", "-o", os.path.join(tmp, "bad.h5"), ok=False)
    check(p.returncode == 2 and "adc_bits given twice" in p.stderr, f"the same setting twice: {p.stderr.strip()}")
    p = run("sweep", *COMMON, "--chips", "0", "--no-nominal", "--vary", "adc_bits=4", "-o", os.path.join(tmp, "bad.h5"),
            ok=False)
    check(p.returncode == 2 and "nothing to run" in p.stderr, f"--chips 0 --no-nominal: {p.stderr.strip()}")
    p = run("sweep", *COMMON, "--vary", f"tile={TILE}", "-o", os.path.join(tmp, "bad.h5"), ok=False)
    check(p.returncode == 2 and "--vary tile" in p.stderr, f"--tile with --vary tile: {p.stderr.strip()}")
    check(not os.path.exists(os.path.join(tmp, "bad.h5")), "no file for bad arguments")
    notsweep = os.path.join(tmp, "infer4.h5")
    p = run("sweep", *COMMON, "--vary", "adc_bits=4", "-o", notsweep, ok=False)
    check(p.returncode == 2 and notsweep in p.stderr and "not a sweep file" in p.stderr,
          f"an inference file as --output is named, not overwritten: {p.stderr.strip()}")

    # 6. A grid of two settings, one of them the tile file.
    out = os.path.join(tmp, "grid.h5")
    tile128 = os.path.join(REPO, "data/presets/tile128_xbar180.h5")
    run("sweep", "--network", NET, "--chips", "1", "--images", "50", "--threads", "1", "-q",
        "--vary", f"tile={TILE},{tile128}", "--vary", "adc_bits=4,6", "-o", out, "--plots", plots)
    with h5py.File(out, "r") as f:
        check(f["points/value_index"][()].tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]], "grid order: the second fastest")
        check(f["points/tile_rows"][()].tolist() == [64, 64, 128, 128], "tile sizes as used")
        check(f["points/adc_bits"][()].tolist() == [4, 6, 4, 6], "ADC bits as used")
        check(f["axes/0/value"][()].tolist() == [64.0, 128.0], "the tile axis' values are the rows")
    if shutil.which("gnuplot"):
        check(os.path.exists(os.path.join(plots, "sweep_tile_by_adc_bits.png")), "the grid's plot is written")

if failures:
    sys.exit(f"{len(failures)} checks failed")
print("all checks passed")
