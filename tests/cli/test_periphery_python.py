"""xbar.model/1 kinds "tia" and "adc" read with numpy + h5py only (data/MODEL_SCHEMA.md): runs tiny
tia and adc campaigns with `xbar characterize`, fits them with `xbar fit`, dumps the C++ model's
predictions with `xbar validate --dump-predictions`, then reimplements the TIA forward pass and
the ADC code from the schema's formulas alone and requires the same predictions (TIA to 1e-9 V,
ADC codes exactly), the documented held-out split and the recorded held-out errors. Then
`xbar fit tile` assembles both with a tiny crossbar model (kind tile, read with h5py: defaults
from the crossbar campaign, each component's SHA-256), and `xbar fit` refuses to overwrite.

usage: test_periphery_python.py XBAR_BINARY"""
import csv
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xbar_check import attr_str, check, check_no_variable_length, finish, held_out_instances  # noqa: E402

TIA_SPEC = """kind = "tia"
seed = 1
[opamp]
model = "transistor"
[tia]
rf_ohm = 10e3
i_full_scale_a = 40e-6
sweep_points = 11
lsb_bits = 8
c_in_f = 0.5e-12
t_stop_s = 1e-6
[variation]
mismatch_devices = "all"
[workload]
instances = 4
[run]
output = "tia.h5"
"""

ADC_SPEC = """kind = "adc"
seed = 1
[adc]
bits = 4
v_min_v = -0.5
v_max_v = 0.0
[variation]
comparator_offset_sigma_v = 2e-3
ladder_r_sigma_rel = 0.005
[workload]
instances = 4
[run]
output = "adc.h5"
"""

XBAR_SPEC = """kind = "crossbar"
seed = 1
[crossbar]
rows = 6
cols = 5
r_row_wire_ohm = 1.0
r_col_wire_ohm = 1.0
[variation]
g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }
[workload]
instances = 3
patterns_per_instance = 1
inputs_per_pattern = 2
g_min_s = 1e-6
g_max_s = 1e-5
v_read_max_v = 0.1
[run]
output = "xbar.h5"
"""

def tia_forward(p, i_in, g_in=0.0):
    """The TIA forward pass of MODEL_SCHEMA.md (copied from periphery.hpp)."""
    rf, a0, r_out, vos = p["rf_ohm"], p["a0_vv"], p["r_out_ohm"], p["v_offset_v"]
    if math.isinf(a0):
        g_t, v_rest = -rf, vos * (1.0 + rf * g_in)
    else:
        d = 1.0 + a0 + (rf + r_out) * g_in
        g_t, v_rest = (r_out - rf * a0) / d, a0 * vos * (1.0 + rf * g_in) / d
    tau, t_s = p["tau_s"], p["t_sample_s"]
    s = 1.0 if (tau == 0.0 or math.isinf(t_s)) else -math.expm1(-t_s / tau)
    v_lin = v_rest + s * g_t * i_in
    return min(max(v_lin, p["v_out_min_v"]), p["v_out_max_v"])


def adc_code(transitions, v):
    """code(v) = #{k : T_k <= v} (no noise)."""
    return int(np.count_nonzero(np.asarray(transitions) <= v))


def run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, f"{what} exits 0: {r.stderr}")
    return r


def is_png(path):
    return os.path.isfile(path) and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def check_tia(xbar, tmp):
    spec = os.path.join(tmp, "tia.toml")
    with open(spec, "w") as f:
        f.write(TIA_SPEC)
    camp, model, pred = (os.path.join(tmp, n) for n in ("tia.h5", "tia_model.h5", "tia_pred.csv"))
    run([xbar, "characterize", spec, "-q", "-j", "2"], "xbar characterize tia")
    fit = run([xbar, "fit", camp, "-o", model], "xbar fit tia")
    check("instance-informed" in fit.stdout and "op-amp offset" in fit.stdout, "xbar fit prints the TIA fit")
    val = run([xbar, "validate", model, camp, "--dump-predictions", pred, "--plots", os.path.join(tmp, "tplots")],
              "xbar validate tia")
    check("nominal, held-out" in val.stdout, "xbar validate prints the TIA table")
    for png in ("tia_tia_model_vs_spice.png", "tia_tia_residual_histogram.png"):  # <campaign>_...
        check(is_png(os.path.join(tmp, "tplots", png)), f"{png} is a PNG")

    check_no_variable_length(camp, "tia campaign file")
    check_no_variable_length(model, "tia model file")
    with h5py.File(model, "r") as m, h5py.File(camp, "r") as c:
        check(attr_str(m.attrs["schema"]) == "xbar.model/2" and attr_str(m.attrs["kind"]) == "tia", "root attributes")
        nom = {k: float(m["nominal"].attrs[k]) for k in
               ("rf_ohm", "a0_vv", "r_out_ohm", "v_offset_v", "v_out_min_v", "v_out_max_v", "tau_s", "t_sample_s")}
        for k in nom:
            check(m["nominal"].attrs[k].dtype == np.float64, f"/nominal@{k} is float64")
        check(math.isinf(nom["t_sample_s"]), "t_sample_s = inf")
        seed = int(m["provenance"].attrs["held_out_seed"])
        inst = m["instances/instance"][()]
        check(inst.dtype == np.int64, "/instances/instance is int64")
        held = held_out_instances(inst, seed)
        check(list(m["instances/held_out"][()]) == [1 if int(k) in held else 0 for k in inst], "held-out flags")
        table = {name: m["instances/" + name][()] for name in
                 ("opamp_v_offset_v", "gain_ohm", "v_out_offset_v", "a0_vv", "r_out_ohm", "v_out_high_v",
                  "v_out_low_v")}
        status = c["samples/status"][()]
        ok = np.flatnonzero(status == 0)
        check(len(ok) == 4 and len(inst) == 4, "4 ok instances")
        i_in = c["samples/i_in_a"][()]
        v_out = c["samples/v_out_v"][()]
        # The per-instance least-squares line, and the nominal from the fit set.
        for r, s in enumerate(ok):
            slope, icpt = np.polyfit(i_in[s], v_out[s], 1)
            check(abs(slope - table["gain_ohm"][r]) <= 1e-8 * abs(slope), f"gain_ohm of sample {s}")
            check(abs(icpt - table["v_out_offset_v"][r]) <= 1e-9, f"v_out_offset_v of sample {s}")
        fit_rows = [r for r, k in enumerate(inst) if int(k) not in held]
        check(abs(nom["a0_vv"] - np.median(table["a0_vv"][fit_rows])) <= 1e-12 * nom["a0_vv"], "a0_vv = median")
        check(abs(nom["v_offset_v"] - np.mean(table["opamp_v_offset_v"][fit_rows])) <= 1e-15, "v_offset_v = mean")

        # Predictions from the schema's formulas, against the C++ model's.
        worst_nom = worst_inf = 0.0
        model_err = {"nominal": [], "instance_informed": []}
        row_of = {int(k): r for r, k in enumerate(inst)}
        with open(pred) as f:
            rows = list(csv.DictReader(f))
        check(len(rows) == 4 * 11, f"{len(rows)} TIA prediction rows")
        for row in rows:
            k, i = int(row["instance"]), float(row["i_in_a"])
            r = row_of[k]
            ip = dict(nom)
            ip.update(a0_vv=table["a0_vv"][r], r_out_ohm=table["r_out_ohm"][r],
                      v_offset_v=table["opamp_v_offset_v"][r], v_out_min_v=table["v_out_low_v"][r],
                      v_out_max_v=table["v_out_high_v"][r])
            vn, vi = tia_forward(nom, i), tia_forward(ip, i)
            worst_nom = max(worst_nom, abs(vn - float(row["nominal_v"])))
            worst_inf = max(worst_inf, abs(vi - float(row["informed_v"])))
            if k in held:
                spice = float(row["spice_v"])
                model_err["nominal"].append(vn - spice)
                model_err["instance_informed"].append(vi - spice)
        print(f"TIA: numpy vs C++ nominal {worst_nom:.2e} V, instance-informed {worst_inf:.2e} V")
        check(worst_nom < 1e-9, f"nominal TIA forward matches C++: {worst_nom:.3e}")
        check(worst_inf < 1e-9, f"instance-informed TIA forward matches C++: {worst_inf:.3e}")
        lsb = float(c["samples/lsb_v"][ok[0]])
        for name, e in model_err.items():
            h = m["held_out/" + name].attrs
            rms = math.sqrt(np.mean(np.square(e)))
            check(abs(h["rms_abs_v"] - rms) <= 1e-12 + 1e-9 * rms, f"/held_out/{name}@rms_abs_v recomputed")
            check(abs(h["rms_lsb"] - rms / lsb) <= 1e-9 * max(rms / lsb, 1e-12), f"/held_out/{name}@rms_lsb")
            check(abs(h["full_scale_v"] - 2 * 40e-6 * 10e3) < 1e-12, f"/held_out/{name}@full_scale_v")
            print(f"TIA held-out {name}: {h['rms_lsb']:.4f} LSB RMS, {h['max_lsb']:.4f} LSB max")


def check_adc(xbar, tmp):
    spec = os.path.join(tmp, "adc.toml")
    with open(spec, "w") as f:
        f.write(ADC_SPEC)
    camp, model, pred = (os.path.join(tmp, n) for n in ("adc.h5", "adc_model.h5", "adc_pred.csv"))
    run([xbar, "characterize", spec, "-q", "-j", "2"], "xbar characterize adc")
    run([xbar, "fit", camp, "-o", model], "xbar fit adc")
    run([xbar, "validate", model, camp, "--dump-predictions", pred, "--plots", os.path.join(tmp, "aplots")],
        "xbar validate adc")
    for png in ("adc_adc_inl.png", "adc_adc_dnl.png", "adc_adc_transition_error.png"):  # <campaign>_...
        check(is_png(os.path.join(tmp, "aplots", png)), f"{png} is a PNG")
    wrong = subprocess.run([xbar, "validate", model, os.path.join(tmp, "tia.h5")], capture_output=True, text=True)
    check(wrong.returncode == 2 and "holds a model of kind 'adc'" in wrong.stderr and "tia.h5" in wrong.stderr,
          f"an adc model against a tia campaign is refused: {wrong.stderr}")
    again = subprocess.run([xbar, "fit", camp, "-o", model], capture_output=True, text=True)
    check(again.returncode == 2 and "exists; pass --force" in again.stderr, f"xbar fit refuses to overwrite: {again.stderr}")
    run([xbar, "fit", camp, "-o", model, "--force"], "xbar fit --force overwrites")
    tia_model = os.path.join(tmp, "tia_model.h5")
    tile = subprocess.run([xbar, "fit", "tile", "--crossbar", tia_model, "--tia", tia_model, "--adc", model,
                           "-o", os.path.join(tmp, "tile.h5")], capture_output=True, text=True)
    check(tile.returncode == 2 and tia_model in tile.stderr and "expected kind 'crossbar'" in tile.stderr,
          f"xbar fit tile names a component file of the wrong kind: {tile.stderr}")
    check_tile(xbar, tmp, tia_model, model)

    check_no_variable_length(camp, "adc campaign file")
    check_no_variable_length(model, "adc model file")
    with h5py.File(model, "r") as m, h5py.File(camp, "r") as c:
        check(attr_str(m.attrs["kind"]) == "adc", "kind attribute")
        nom = m["nominal"].attrs
        bits, v_min, v_max = int(nom["bits"]), float(nom["v_min_v"]), float(nom["v_max_v"])
        M = 2 ** bits - 1
        lsb = (v_max - v_min) / M
        t_nom = m["nominal/transition_v"][()]
        check(t_nom.shape == (M,), "nominal transitions [M]")
        check(float(nom["noise_sigma_v"]) == 0.0, "noise_sigma_v = 0")
        inst = m["instances/instance"][()]
        seed = int(m["provenance"].attrs["held_out_seed"])
        held = held_out_instances(inst, seed)
        t_inst = m["instances/transition_v"][()]
        t_camp = c["samples/transition_v"][()]
        check(np.array_equal(t_inst, t_camp[np.flatnonzero(c["samples/status"][()] == 0)]), "instance transitions")
        fit_rows = [r for r, k in enumerate(inst) if int(k) not in held]
        check(np.allclose(t_nom, t_inst[fit_rows].mean(axis=0), rtol=0, atol=1e-15), "nominal = fit-set mean")
        row_of = {int(k): r for r, k in enumerate(inst)}
        n = mismatch = 0
        code_err = []
        with open(pred) as f:
            for row in csv.DictReader(f):
                v, j = float(row["v_in_v"]), int(row["point"])
                k = int(row["instance"])
                check_v = abs(v - (v_min + (j / 16.0 - 1.0) * lsb)) <= 1e-15
                cn, ci = adc_code(t_nom, v), adc_code(t_inst[row_of[k]], v)
                if cn != int(row["code_nominal"]) or ci != int(row["code_instance"]) or not check_v:
                    mismatch += 1
                if k in held:
                    code_err.append(cn - ci)
                n += 1
        check(n == 4 * (16 * (M + 2) + 1), f"{n} ADC prediction rows")
        check(mismatch == 0, f"ADC codes from the schema match C++ exactly ({mismatch} of {n} differ)")
        h = m["held_out/codes_nominal"].attrs
        rms = math.sqrt(np.mean(np.square(code_err)))
        check(abs(h["rms_lsb"] - rms) <= 1e-12, f"/held_out/codes_nominal@rms_lsb {h['rms_lsb']} == {rms}")
        check(abs(h["max_pct_fs"] - 100 * np.max(np.abs(code_err)) / M) <= 1e-12, "codes max_pct_fs")
        ht = m["held_out/transitions_nominal"].attrs
        e = np.concatenate([t_nom - t_inst[row_of[k]] for k in sorted(held)])
        check(abs(ht["max_lsb"] - np.max(np.abs(e)) / lsb) <= 1e-9, "transitions max_lsb recomputed")
        print(f"ADC: {n} codes equal; held-out code error {h['rms_lsb']:.4f} LSB RMS, transitions "
              f"{ht['rms_lsb']:.4f} LSB RMS")


def check_tile(xbar, tmp, tia_model, adc_model):
    """xbar fit tile assembles a crossbar, the TIA and the ADC model; h5py reads it by the schema."""
    import hashlib
    spec = os.path.join(tmp, "xbar.toml")
    with open(spec, "w") as f:
        f.write(XBAR_SPEC)
    camp, xb_model, tile = (os.path.join(tmp, n) for n in ("xbar.h5", "xbar_model.h5", "tile.h5"))
    run([xbar, "characterize", spec, "-q"], "xbar characterize crossbar (tile parts)")
    run([xbar, "fit", camp, "-o", xb_model], "xbar fit crossbar (tile parts)")
    out = run([xbar, "fit", "tile", "--crossbar", xb_model, "--tia", tia_model, "--adc", adc_model, "-o", tile],
              "xbar fit tile")
    check("column full scale" in out.stdout, "xbar fit tile prints the ranges")
    check_no_variable_length(tile, "tile model file")
    with h5py.File(tile, "r") as f:
        check(attr_str(f.attrs["kind"]) == "tile", "tile kind")
        nom = f["nominal"].attrs
        check(float(nom["g_min_s"]) == 1e-6 and float(nom["g_max_s"]) == 1e-5, "g range from the crossbar campaign")
        dac = f["nominal/dac"].attrs
        check(int(dac["bits"]) == 4 and float(dac["v_max_v"]) == 0.1, "DAC: 4 bits, v_read_max from the campaign")
        check(int(f["nominal/crossbar"].attrs["rows"]) == 6, "crossbar rows")
        check(f["nominal/adc/transition_v"].shape == (15,), "ADC nominal transitions")
        for k, (comp, path) in enumerate((("crossbar", xb_model), ("tia", tia_model), ("adc", adc_model))):
            s = f[f"sources/{k}"].attrs
            with open(path, "rb") as g:
                sha = hashlib.sha256(g.read()).hexdigest()
            check(attr_str(s["component"]) == comp and attr_str(s["model_sha256"]) == sha,
                  f"/sources/{k}: {comp} with the SHA-256 of {path}")
    bad = subprocess.run([xbar, "fit", "tile", "--crossbar", xb_model, "--tia", tia_model, "--adc", adc_model, "-o",
                          tile, "--force", "--v-read-max", "-1"], capture_output=True, text=True)
    check(bad.returncode == 2 and "tile.v_read_max_v = -1 (--v-read-max)" in bad.stderr,
          f"a bad DAC option is named: {bad.stderr}")


def main():
    xbar = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="xbar-periphery-py-") as tmp:
        check_tia(xbar, tmp)
        check_adc(xbar, tmp)
    finish()


if __name__ == "__main__":
    main()
