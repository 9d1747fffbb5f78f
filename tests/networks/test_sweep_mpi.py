#!/usr/bin/python3
"""MPI sweeps: `mpirun -np 2 xbar sweep` (the chips of each point, or with one chip per point the
points, shared across the ranks; rank 0 writing) gives the same results as one process, bit for bit. Skipped (exit 0 with a note) when no
mpirun/mpiexec is given or found.

Usage: /usr/bin/python3 test_sweep_mpi.py MPIEXEC XBAR REPO_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from xbar_check import check, finish  # noqa: E402 (tests/cli/xbar_check.py)

MPIEXEC, XBAR, REPO = sys.argv[1], sys.argv[2], sys.argv[3]
if not (os.path.exists(MPIEXEC) or shutil.which(MPIEXEC)):
    print(f"skipped: no {MPIEXEC}")
    sys.exit(0)

env = dict(os.environ)
if os.geteuid() == 0:  # OpenMPI refuses root unless told twice
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
ARGS = ["sweep", "--network", os.path.join(REPO, "data/networks/mlp.pt"),
        "--tile", os.path.join(REPO, "data/presets/tile64_xbar180.h5"), "--vary", "adc_bits=4,6",
        "--vary", "r_wire_ohm=1,5", "--seed", "9", "--images", "60", "--threads", "1", "-q"]

# Three chips and the nominal chip (4 units per point): the units of each point shared. One chip and
# no nominal chip (1 unit per point): the points shared, two at a time.
CASES = {"chips": ["--chips", "3"], "points": ["--chips", "1", "--no-nominal"]}

with tempfile.TemporaryDirectory() as tmp:
    for case, extra in CASES.items():
        single, mpi = os.path.join(tmp, case + "_single.h5"), os.path.join(tmp, case + "_mpi.h5")
        r = subprocess.run([XBAR, *ARGS, *extra, "-o", single], capture_output=True, text=True, timeout=600)
        check(r.returncode == 0, f"{case}: single-process run: {r.stderr}")
        r = subprocess.run([MPIEXEC, "--oversubscribe", "-np", "2", XBAR, *ARGS, *extra, "-o", mpi], capture_output=True,
                           text=True, env=env, timeout=600)
        check(r.returncode == 0, f"{case}: mpirun -np 2: {r.stdout[-1500:]} {r.stderr[-1500:]}")
        check(r.stdout.count("wrote ") == 1, f"{case}: only rank 0 reports: {r.stdout}")
        check("2 ranks" in r.stdout, f"{case}: the run says it has 2 ranks")
        with h5py.File(single, "r") as a, h5py.File(mpi, "r") as b:
            for k in ("done", "value", "chip_accuracy", "chip_confusion", "chip_tile_mvms", "nominal_accuracy",
                      "nominal_confusion", "mean_accuracy", "mean_accuracy_ci95_low", "mean_accuracy_ci95_high",
                      "adc_bits", "r_row_wire_ohm", "tiles", "tile_rows", "prog_sigma_rel"):
                check(a["points"][k][()].tobytes() == b["points"][k][()].tobytes(), f"{case}: /points/{k} identical")
            check(a["digital"].attrs["accuracy"] == b["digital"].attrs["accuracy"], f"{case}: digital accuracy identical")
            check(int(b["points"].attrs["done_points"]) == 4, f"{case}: 4 points done")

finish()
