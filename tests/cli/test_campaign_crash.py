#!/usr/bin/python3
"""Crash safety of `xbar characterize`: kill -9 at random moments five times, rerun the same
command each time, and finish; the datasets under /samples must be identical to an
uninterrupted run, the HDF5 file must be readable after every kill, and no completed sample
may be lost. Then the h5py interoperability check runs on the result.

Usage: test_campaign_crash.py /path/to/xbar /path/to/check_campaign_h5py.py   (run by ctest)
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

from xbar_check import check, finish  # tests/cli/ (xbar_check.py) is on sys.path: the script's folder

XBAR, H5CHECK = sys.argv[1], sys.argv[2]


SPEC = """kind = "crossbar"
seed = 77
[crossbar]
rows = 24
cols = 24
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[variation]
g_prog_error = {{ distribution = "lognormal", sigma_rel_d2d = 0.05 }}
stuck_on_fraction = 0.01
stuck_off_fraction = 0.01
[workload]
instances = 60
patterns_per_instance = 2
inputs_per_pattern = 4
[run]
output = "{out}"
workers = 2
checkpoint_interval_s = 0.05
"""


def samples(path):
    """Every dataset under /samples as raw bytes, keyed by name."""
    with h5py.File(path, "r") as f:
        return {k: (f["samples"][k].dtype.str, f["samples"][k].shape, f["samples"][k][()].tobytes())
                for k in f["samples"]}


def done_count(path):
    with h5py.File(path, "r") as f:
        return int(np.count_nonzero(f["samples/status"][()] != -1))


with tempfile.TemporaryDirectory() as tmp:
    ref_spec, crash_spec = os.path.join(tmp, "ref.toml"), os.path.join(tmp, "crash.toml")
    with open(ref_spec, "w") as f:
        f.write(SPEC.format(out="ref.h5"))
    with open(crash_spec, "w") as f:
        f.write(SPEC.format(out="crash.h5"))

    t0 = time.monotonic()
    r = subprocess.run([XBAR, "characterize", ref_spec, "--quiet"], capture_output=True, text=True)
    ref_seconds = time.monotonic() - t0
    check(r.returncode == 0, f"reference run: {r.stderr}")
    ref = samples(os.path.join(tmp, "ref.h5"))
    print(f"reference run: {ref_seconds:.2f} s")

    rng = random.Random(20261123)
    crash_h5 = os.path.join(tmp, "crash.h5")
    journal = crash_h5 + ".journal"

    def journal_size():
        return os.path.getsize(journal) if os.path.exists(journal) else 0

    mid_run_kills = 0
    for k in range(5):
        # Kill at a random moment after this run has finished at least one new sample, so the
        # kill lands mid-run whatever the machine's load (the run takes seconds; each segment
        # lasts a fraction of a second). Kills also land inside the 0.05 s HDF5 checkpoints.
        size_before = journal_size()
        p = subprocess.Popen([XBAR, "characterize", crash_spec, "--quiet"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while p.poll() is None and journal_size() <= size_before and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.1) * ref_seconds)
        running = p.poll() is None
        try:
            if k % 2 == 0:
                os.killpg(p.pid, signal.SIGKILL)  # the parent and its workers
            else:
                os.kill(p.pid, signal.SIGKILL)  # the parent only: orphaned workers must go away by themselves
        except ProcessLookupError:  # it finished (and was reaped) just before the kill
            running = False
        p.wait()
        mid_run_kills += running
        # The file is built at crash.h5.partial; crash.h5 appears only complete (with its checksum).
        if running:
            check(not os.path.exists(crash_h5), f"after kill {k + 1} mid-run there is no crash.h5, only the .partial")
        elif os.path.exists(crash_h5):
            r = subprocess.run([XBAR, "inspect", crash_h5], capture_output=True, text=True)
            check(r.returncode == 0, f"after kill {k + 1} the finished file reads: {r.stderr}")
        check(journal_size() > size_before or not running, f"kill {k + 1}: the journal grew with the finished samples")
        print(f"kill {k + 1}: {'mid-run' if running else 'after the end'}, journal {journal_size()} bytes")
    check(mid_run_kills >= 3, f"at least 3 of 5 kills landed mid-run ({mid_run_kills})")

    # Ctrl-C (SIGINT to the parent) writes a checkpoint and stops: the .partial then holds the
    # state so far, readable by `xbar inspect` and h5py (no checksum trailer, end_time empty).
    partial = crash_h5 + ".partial"
    if not os.path.exists(crash_h5):
        size_before = journal_size()
        p = subprocess.Popen([XBAR, "characterize", crash_spec, "--quiet"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while p.poll() is None and journal_size() <= size_before and time.monotonic() < deadline:
            time.sleep(0.005)
        p.send_signal(signal.SIGINT)
        err = p.communicate(timeout=60)[1]
        if p.returncode != 0:
            check("crash.h5.partial holds them" in err, f"Ctrl-C names the partial file: {err}")
            r = subprocess.run([XBAR, "inspect", partial], capture_output=True, text=True)
            check(r.returncode == 0 and "crossbar campaign" in r.stdout, f"xbar inspect reads the .partial: {r.stderr}")
            n = done_count(partial)
            with h5py.File(partial, "r") as f:
                check(f.attrs["end_time"] in (b"", "") and int(f.attrs["not_run_samples"]) == int(f.attrs["total_samples"]) - n,
                      f"the .partial's counts match its statuses ({n} done)")
            print(f"Ctrl-C: the .partial holds {n} samples")
            # A .partial damaged the way a kill in the middle of a write can leave it: the rerun
            # rebuilds it from the journal, which is the source of truth.
            with open(partial, "r+b") as f:
                f.seek(os.path.getsize(partial) // 3)
                f.write(b"\xff" * 4096)


    r = subprocess.run([XBAR, "characterize", crash_spec], capture_output=True, text=True)
    check(r.returncode == 0, f"final resume: {r.stderr}")
    check("from before" in r.stdout, f"summary line: {r.stdout}")
    got = samples(crash_h5)
    check(sorted(got) == sorted(ref), f"same datasets: {sorted(got)} vs {sorted(ref)}")
    for name in ref:
        check(got.get(name) == ref[name], f"/samples/{name} identical to the uninterrupted run")
    check(not os.path.exists(crash_h5 + ".journal"), "the journal is removed at the end")
    with h5py.File(crash_h5, "r") as f:
        check(int(f.attrs["not_run_samples"]) == 0, "every sample done")

    # Orphaned workers of the parent-only kills must have exited.
    time.sleep(0.5)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    check(crash_spec not in ps, "no worker of a killed campaign is left running")

    h = subprocess.run([sys.executable, H5CHECK, crash_h5], capture_output=True, text=True)
    print(h.stdout.strip().splitlines()[-1] if h.stdout.strip() else h.stderr)
    check(h.returncode == 0, f"h5py reads the file under the documented names and shapes: {h.stdout[-2000:]}{h.stderr[-2000:]}")

finish()
