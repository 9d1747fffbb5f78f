"""xbar.model/2 read with numpy + h5py only (data/MODEL_SCHEMA.md): runs a small campaign with
`xbar characterize`, fits it with `xbar fit`, then rebuilds the nodal network of every held-out
sample from the model file and the campaign, solves it densely and compares with ngspice's
i_spice_a and with the C++ model's predictions (`xbar validate --dump-predictions`).

usage: test_model_python.py XBAR_BINARY"""
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xbar_check import (attr_str, check, check_no_variable_length, finish, held_out_instances,  # noqa: E402
                        variable_length_copy)

SPEC = """kind = "crossbar"
seed = 7
[crossbar]
rows = 8
cols = 4
differential = true
r_row_wire_ohm = 1.0
r_col_wire_ohm = 2.0
r_source_ohm = 5.0
[variation]
g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }
stuck_on_fraction = 0.02
stuck_off_fraction = 0.02
r_wire_sigma_rel_d2d = 0.1
[workload]
instances = 6
patterns_per_instance = 2
inputs_per_pattern = 3
[run]
output = "campaign.h5"
"""

def solve_crossbar(nom, r_src, g, v, r_row, r_col):
    """Output currents [N, C] of the linear crossbar of MODEL_SCHEMA.md (T = tnom)."""
    rows, cp = g.shape
    idx = {}

    def node(name):
        return idx.setdefault(name, len(idx))

    branches = []  # (a, b, conductance); None = ground/sense (0 V); ("in", i) = source
    for i in range(rows):
        d = ("d", i) if r_src[i] > 0 else ("in", i)
        if r_src[i] > 0:
            branches.append((("in", i), d, 1.0 / r_src[i]))
        prev = d
        for k in range(cp):
            rk = ("r", i, k)
            branches.append((prev, rk, 1.0 / r_row))
            prev = rk
    for k in range(cp):
        for i in range(rows):
            nxt = ("c", i + 1, k) if i + 1 < rows else ("o", k)
            branches.append((("c", i, k), nxt, 1.0 / r_col))
            if g[i, k] > 0:
                branches.append((("r", i, k), ("c", i, k), g[i, k]))
    for a, b, _ in branches:
        for n in (a, b):
            if n[0] not in ("in", "o"):
                node(n)
    n_free = len(idx)
    y = np.zeros((n_free, n_free))
    rhs_src = np.zeros((n_free, rows))  # injection per unit source voltage
    for a, b, gg in branches:
        for p, q in ((a, b), (b, a)):
            if p[0] in ("in", "o"):
                continue
            ip = idx[p]
            y[ip, ip] += gg
            if q[0] == "in":
                rhs_src[ip, q[1]] += gg
            elif q[0] != "o":
                y[ip, idx[q]] -= gg
    volts = np.linalg.solve(y, rhs_src @ v.T)  # [n_free, N]
    out = np.zeros((v.shape[0], cp))
    for k in range(cp):
        out[:, k] = volts[idx[("c", rows - 1, k)], :] / r_col
    if nom["differential"]:
        return out[:, 0::2] - out[:, 1::2]
    return out


def main():
    xbar = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="xbar-model-py-") as tmp:
        spec = os.path.join(tmp, "spec.toml")
        with open(spec, "w") as f:
            f.write(SPEC)
        camp = os.path.join(tmp, "campaign.h5")
        model = os.path.join(tmp, "model.h5")
        pred = os.path.join(tmp, "pred.csv")
        subprocess.run([xbar, "characterize", spec, "-q", "-j", "2"], check=True)
        fit = subprocess.run([xbar, "fit", camp, "-o", model, "--seed", "1"], capture_output=True, text=True)
        check(fit.returncode == 0, f"xbar fit exits 0: {fit.stderr}")
        check("held-out" in fit.stdout and "sigma_rel_d2d" in fit.stdout, "xbar fit prints the fit and the held-out table")
        val = subprocess.run([xbar, "validate", model, camp, "--dump-predictions", pred, "--plots",
                              os.path.join(tmp, "plots")], capture_output=True, text=True)
        check(val.returncode == 0, f"xbar validate exits 0: {val.stderr}")
        for png in ("campaign_spice_vs_ideal.png", "campaign_error_by_column.png",
                    "campaign_predictive_error_histogram.png"):  # <campaign>_...
            path = os.path.join(tmp, "plots", png)
            check(os.path.isfile(path) and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{png} is a PNG")
        wrong = subprocess.run([xbar, "validate", camp, camp], capture_output=True, text=True)
        check(wrong.returncode == 2 and "is a campaign file" in wrong.stderr, "a campaign given as model is refused")

        # Issue 15, point 2: no variable-length type anywhere in what xbar writes; files of the
        # older layouts (variable-length strings, schema /1) still read.
        check_no_variable_length(camp, "campaign file")
        check_no_variable_length(model, "crossbar model file")
        old_camp = variable_length_copy(camp, os.path.join(tmp, "campaign_v1.h5"), "xbar.campaign/1")
        old_model = variable_length_copy(model, os.path.join(tmp, "model_v1.h5"), "xbar.model/1")
        r = subprocess.run([xbar, "inspect", old_camp], capture_output=True, text=True)
        check(r.returncode == 0 and "crossbar" in r.stdout, f"xbar inspect reads an xbar.campaign/1 file: {r.stderr}")
        r = subprocess.run([xbar, "fit", old_camp, "-o", os.path.join(tmp, "model_from_v1.h5"), "--seed", "1"],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"xbar fit reads an xbar.campaign/1 file: {r.stderr}")
        r = subprocess.run([xbar, "validate", old_model, camp], capture_output=True, text=True)
        check(r.returncode == 0, f"xbar validate reads an xbar.model/1 file: {r.stderr}")

        with h5py.File(model, "r") as m, h5py.File(camp, "r") as c:
            check(attr_str(m.attrs["schema"]) == "xbar.model/2", "schema attribute")
            check(attr_str(c.attrs["schema"]) == "xbar.campaign/2", "campaign schema attribute")
            check(attr_str(m.attrs["kind"]) == "crossbar", "kind attribute")
            nom = {k: m["nominal"].attrs[k] for k in m["nominal"].attrs}
            for k in ("rows", "cols", "differential", "leaf_cells"):
                check(m["nominal"].attrs[k].dtype == np.int64, f"/nominal@{k} is int64")
            for k in ("r_row_wire_ohm", "r_col_wire_ohm", "v0_v", "temperature_c"):
                check(m["nominal"].attrs[k].dtype == np.float64, f"/nominal@{k} is float64")
            check(nom["rows"] == 8 and nom["cols"] == 4 and nom["differential"] == 1, "nominal shape")
            check(attr_str(nom["cell"]) == "linear", "nominal cell")
            r_src = m["nominal/r_source_ohm"][()]
            check(r_src.shape == (8,) and np.all(r_src == 5.0), "nominal r_source_ohm")
            check(attr_str(m["provenance"].attrs["campaign_sha256"]).__len__() == 64, "campaign sha256")
            check(m["provenance"].attrs["held_out_seed"].dtype == np.uint64, "held_out_seed is uint64")
            seed = int(m["provenance"].attrs["held_out_seed"])

            status = c["samples/status"][()]
            ok = np.flatnonzero(status == 0)
            inst = c["samples/instance"][()].astype(np.int64)
            g_prog = c["samples/g_programmed_s"][()]
            g_tgt = c["samples/g_target_s"][()]

            # Programming error MLE and stuck fractions, recomputed from the campaign.
            var = m["variation"].attrs
            g_on, g_off = var["g_stuck_on_s"], var["g_stuck_off_s"]
            gp, gt = g_prog[ok], g_tgt[ok]
            keep = (gp != g_on) & (gp != g_off) & (gt > 0)
            e = gp[keep] / gt[keep] - 1.0
            pe = m["variation/programming_error"].attrs
            check(attr_str(pe["distribution"]) == "normal", "distribution")
            check(int(pe["n"]) == e.size, f"programming error n {int(pe['n'])} == {e.size}")
            check(abs(pe["sigma_rel_d2d"] - e.std()) <= 1e-12 * e.std(), "sigma_rel_d2d is the MLE")
            check(pe["sigma_rel_d2d_ci95_low"] < pe["sigma_rel_d2d"] < pe["sigma_rel_d2d_ci95_high"], "sigma in its CI")
            check(0.0 <= pe["gof_p_value"] <= 1.0, "p-value in [0, 1]")
            first = {}
            for s in ok:
                first.setdefault(int(inst[s]), s)
            n_on = sum(int(c["samples/n_stuck_on"][s]) for s in first.values())
            cells = len(first) * g_prog.shape[1] * g_prog.shape[2]
            so = m["variation/stuck_on"].attrs
            check(int(so["n_stuck"]) == n_on and int(so["n_cells"]) == cells, "stuck-on counts")
            check(so["fraction_ci95_low"] <= so["fraction"] <= so["fraction_ci95_high"], "stuck-on fraction in its CI")

            # Held-out split, by the documented rule (xbar_check.held_out_instances).
            held_chips = held_out_instances([inst[s] for s in ok], seed)
            held = [s for s in ok if int(inst[s]) in held_chips]
            ho = m["held_out"].attrs
            check(int(ho["n_samples"]) == len(held), f"held-out samples {int(ho['n_samples'])} == {len(held)}")

            preds = {}
            with open(pred) as f:
                for row in csv.DictReader(f):
                    preds[(int(row["sample"]), int(row["input"]), int(row["output"]))] = float(row["model_a"])
            worst_spice = worst_cpp = 0.0
            scale = float(ho["full_scale_a"])
            for s in held:
                v = c["samples/v_in_v"][s]
                i_py = solve_crossbar(nom, r_src, g_prog[s], v, c["samples/r_row_wire_ohm"][s],
                                      c["samples/r_col_wire_ohm"][s])
                i_spice = c["samples/i_spice_a"][s]
                worst_spice = max(worst_spice, np.abs(i_py - i_spice).max() / scale)
                i_cpp = np.array([[preds[(s, n, j)] for j in range(i_py.shape[1])] for n in range(i_py.shape[0])])
                worst_cpp = max(worst_cpp, np.abs(i_py - i_cpp).max() / scale)
            print(f"held-out samples {len(held)}: numpy vs SPICE {worst_spice:.2e}, numpy vs C++ {worst_cpp:.2e} (of full scale)")
            check(len(held) > 0, "some samples are held out")
            check(worst_spice < 1e-9, f"numpy nodal solve matches SPICE: {worst_spice:.3e}")
            check(worst_cpp < 1e-9, f"numpy nodal solve matches the C++ model: {worst_cpp:.3e}")
            check(ho["rms_abs_a"] / scale < 1e-9, "recorded held-out error is tiny")
            lsb = 2 * scale / 2 ** int(ho["adc_bits"])
            check(abs(ho["rms_lsb"] - ho["rms_abs_a"] / lsb) <= 1e-12 * max(ho["rms_lsb"], 1e-300), "rms_lsb definition")
    finish()


if __name__ == "__main__":
    main()
