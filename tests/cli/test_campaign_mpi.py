#!/usr/bin/python3
"""MPI campaigns: `mpirun -np 2 xbar characterize` gives datasets identical to a
single-process run, and only rank 0 writes.

Usage: test_campaign_mpi.py /path/to/mpiexec /path/to/xbar   (run by ctest when XBAR_WITH_MPI)
"""
import os
import subprocess
import sys
import tempfile

import h5py

from xbar_check import check, finish  # tests/cli/ (xbar_check.py) is on sys.path: the script's folder

MPIEXEC, XBAR = sys.argv[1], sys.argv[2]


SPEC = """kind = "crossbar"
seed = 31
[crossbar]
rows = 16
cols = 12
r_row_wire_ohm = 0.5
r_col_wire_ohm = 0.5
[variation]
g_prog_error = {{ distribution = "normal", sigma_rel_d2d = 0.04 }}
stuck_off_fraction = 0.01
[workload]
instances = 9
patterns_per_instance = 3
inputs_per_pattern = 2
[run]
output = "{out}"
"""

env = dict(os.environ)
if os.geteuid() == 0:  # OpenMPI refuses root unless told twice
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")

with tempfile.TemporaryDirectory() as tmp:
    for name in ("single", "mpi"):
        with open(os.path.join(tmp, name + ".toml"), "w") as f:
            f.write(SPEC.format(out=name + ".h5"))
    r = subprocess.run([XBAR, "characterize", os.path.join(tmp, "single.toml"), "-q"], capture_output=True, text=True)
    check(r.returncode == 0, f"single-process run: {r.stderr}")
    r = subprocess.run([MPIEXEC, "--oversubscribe", "-np", "2", XBAR, "characterize", os.path.join(tmp, "mpi.toml"), "-q"],
                       capture_output=True, text=True, env=env, timeout=240)
    check(r.returncode == 0, f"mpirun -np 2: {r.stdout[-1500:]} {r.stderr[-1500:]}")
    check(r.stdout.count("wrote ") == 1, f"only rank 0 reports: {r.stdout}")
    with h5py.File(os.path.join(tmp, "single.h5"), "r") as a, h5py.File(os.path.join(tmp, "mpi.h5"), "r") as b:
        check(sorted(a["samples"]) == sorted(b["samples"]), "same datasets")
        for k in a["samples"]:
            check(a["samples"][k][()].tobytes() == b["samples"][k][()].tobytes(), f"/samples/{k} identical")
        check(int(b.attrs["ok_samples"]) == 27, f"27 ok samples: {b.attrs['ok_samples']}")

finish()
