#!/usr/bin/python3
"""End-to-end: `xbar infer ... --spice-check N` on the shipped MLP with an 8 x 8 tile (the 64 x 64
preset's periphery and variation, made in this test) reruns N tile MVMs in SPICE through
`xbar characterize`, prints the agreement and writes /spot_check into the inference file as
data/INFERENCE_SCHEMA.md says; killing the run during the SPICE campaign and running the same
command again does not recompute the finished decks; bad spot-check options are named.

Usage: /usr/bin/python3 test_spotcheck_cli.py XBAR PROJECT_DIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

XBAR, PROJECT = sys.argv[1], sys.argv[2]
MLP = os.path.join(PROJECT, "data", "networks", "mlp.pt")
PRESET = os.path.join(PROJECT, "data", "presets", "tile64_xbar180.h5")


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def run(*args, ok=True):
    p = subprocess.run([XBAR, *args], capture_output=True, text=True, timeout=900)
    if ok and p.returncode != 0:
        fail(f"xbar {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def tile8(path):
    """The 64 x 64 preset with an 8 x 8 array (no checksum trailer in the presets: h5py may edit it)."""
    shutil.copy(PRESET, path)
    with h5py.File(path, "r+") as f:
        f["nominal/crossbar"].attrs["rows"] = 8
        f["nominal/crossbar"].attrs["cols"] = 8


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tile = os.path.join(tmp, "tile8.h5")
        tile8(tile)
        common = [MLP, "--tile", tile, "--chips", "1", "--images", "30", "--no-nominal", "-q"]

        # 1. the whole path: rule, decks, campaign process, comparison, file
        out = os.path.join(tmp, "spot.h5")
        p = run("infer", *common, "--spice-check", "12", "--spice-check-cycles", "3", "--spice-check-workers", "2",
                "-o", out)
        m = re.search(r"codes equal ([\d.]+) %, within \+-1 LSB ([\d.]+) %, RMS ([\d.]+) LSB", p.stdout)
        if not m:
            fail(f"no agreement line in:\n{p.stdout}")
        with h5py.File(out, "r") as f:
            g = f["spot_check"]
            a = g.attrs
            if a["mode"].decode() != "mvms" or a["mvms_checked"] != 12 or a["decks_failed"] != 0:
                fail(f"/spot_check attributes: {dict(a)}")
            if not (a["codes_within_1lsb_fraction"] >= 0.99):
                fail(f"within +-1 LSB {a['codes_within_1lsb_fraction']}: expected >= 0.99 on the 8 x 8 tile")
            if abs(100 * a["codes_within_1lsb_fraction"] - float(m.group(2))) > 0.01:
                fail("screen and file disagree")
            beh, spi = g["codes_behavioral"][()], g["codes_spice"][()]
            used = ~np.isnan(beh)
            if beh.shape[0] != 12 or used.sum() != a["codes_compared"]:
                fail(f"codes datasets {beh.shape}, {used.sum()} used, codes_compared {a['codes_compared']}")
            eq = float(np.mean(beh[used] == spi[used]))
            if abs(eq - a["codes_equal_fraction"]) > 1e-12:
                fail(f"codes_equal_fraction {a['codes_equal_fraction']} but the datasets give {eq}")
            for name in ("mvm_layer", "mvm_tile_row", "mvm_tile_col", "mvm_read", "mvm_input"):
                if g[name].shape != (12,):
                    fail(f"{name}: shape {g[name].shape}")
            if g["mvm_input"][()].max() >= 30:
                fail("an MVM of an image the run did not classify")
            campaign = a["campaign_path"].decode()
        if not os.path.exists(campaign):
            fail(f"campaign file {campaign} missing")
        p = run("inspect", campaign)
        if "tile_replay" not in p.stdout:
            fail(f"xbar inspect does not name the kind:\n{p.stdout}")

        # 2. kill during the SPICE campaign, rerun: the finished decks are not recomputed
        out2 = os.path.join(tmp, "resume.h5")
        args = [XBAR, "infer", *common[:-1], "--spice-check", "40", "--spice-check-cycles", "1",
                "--spice-check-workers", "1", "-o", out2]
        # The campaign journal (<output>.spotcheck/spotcheck_campaign.h5.journal) gains one "XREC"
        # record per finished deck; kill the whole process group once two are there.
        journal = out2 + ".spotcheck/spotcheck_campaign.h5.journal"
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        killed = False
        deadline = time.time() + 600
        while proc.poll() is None and time.time() < deadline:
            try:
                with open(journal, "rb") as f:
                    records = f.read().count(b"XREC")
            except FileNotFoundError:
                records = 0
            if records >= 2:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.1)
        proc.wait(timeout=60)
        if not killed:
            fail("the campaign finished before it could be killed (or never printed progress)")
        p = run("infer", *common, "--spice-check", "40", "--spice-check-cycles", "1", "--spice-check-workers", "1",
                "-o", out2)
        r = re.search(r"40 samples, 40 ok, 0 failed \((\d+) run now, (\d+) from before\)", p.stdout)
        if not r or int(r.group(2)) < 2 or int(r.group(1)) + int(r.group(2)) != 40:
            fail(f"the rerun did not resume the campaign:\n{p.stdout}")
        print(f"resume: {r.group(2)} decks from before, {r.group(1)} run now")

        # 3. bad options are named
        p = run("infer", *common, "--spice-check", "3", "--spice-check-chip", "4", "-o", out, ok=False)
        if p.returncode == 0 or "--spice-check-chip = 4" not in p.stderr + p.stdout:
            fail(f"--spice-check-chip 4 with 1 chip: {p.returncode}\n{p.stdout}\n{p.stderr}")
        p = run("infer", *common, "--spice-check", "3", "--spice-check-images", "1", "-o", out, ok=False)
        if p.returncode == 0 or "excludes" not in (p.stderr + p.stdout):
            fail(f"--spice-check with --spice-check-images: {p.returncode}\n{p.stdout}\n{p.stderr}")
    print("OK")


if __name__ == "__main__":
    main()
