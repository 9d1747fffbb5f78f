"""Every tile preset in data/presets/ read with h5py alone, by data/MODEL_SCHEMA.md ("Kind tile"):
schema and kind, every documented attribute and dataset with its type, the ranges the presets
promise (TIA swing covers the ADC range, ADC below 0 V, DAC 4 bits over 0 .. 0.1 V, g 1-100 uS),
and one source per component with its SHA-256.

usage: test_presets_python.py PRESETS_DIR"""
import glob
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xbar_check import check, finish  # noqa: E402

FLOAT, INT, UINT, STR = "f", "i", "u", "s"
CI = ["_ci95_low", "_ci95_high"]
GROUPS = {
    "nominal": {"g_min_s": FLOAT, "g_max_s": FLOAT, "sinh_solve": STR},
    "nominal/crossbar": {"rows": INT, "cols": INT, "differential": INT, "cell": STR, "v0_v": FLOAT,
                         "r_row_wire_ohm": FLOAT, "r_col_wire_ohm": FLOAT, "temperature_c": FLOAT, "tnom_c": FLOAT,
                         "cell_tc1_per_k": FLOAT, "wire_tc1_per_k": FLOAT, "newton_abs_tol_v": FLOAT,
                         "newton_rel_tol": FLOAT, "newton_max_iterations": INT, "fast_rel_tol": FLOAT,
                         "fast_max_iterations": INT, "leaf_cells": INT},
    "nominal/dac": {"bits": INT, "v_min_v": FLOAT, "v_max_v": FLOAT},
    "nominal/tia": {k: FLOAT for k in ("rf_ohm", "a0_vv", "r_out_ohm", "v_offset_v", "v_out_min_v", "v_out_max_v",
                                       "tau_s", "t_sample_s")},
    "nominal/adc": {"bits": INT, "v_min_v": FLOAT, "v_max_v": FLOAT, "noise_sigma_v": FLOAT, "surrogate": STR,
                    "smooth_width_lsb": FLOAT},
    "variation": {"g_stuck_on_s": FLOAT, "g_stuck_off_s": FLOAT},
    "variation/programming_error": {"distribution": STR, "sigma_rel_d2d": FLOAT, "mean_rel": FLOAT, "mean_log": FLOAT,
                                    "sigma_log": FLOAT, "gof_test": STR, "gof_statistic": FLOAT,
                                    "gof_p_value": FLOAT, "n": UINT,
                                    **{"sigma_rel_d2d" + c: FLOAT for c in CI}},
    "variation/stuck_on": {"fraction": FLOAT, "n_stuck": UINT, "n_cells": UINT, **{"fraction" + c: FLOAT for c in CI}},
    "variation/stuck_off": {"fraction": FLOAT, "n_stuck": UINT, "n_cells": UINT, **{"fraction" + c: FLOAT for c in CI}},
    "variation/wire": {"r_wire_sigma_rel_d2d": FLOAT, "mean_rel": FLOAT, "n": UINT,
                       **{"r_wire_sigma_rel_d2d" + c: FLOAT for c in CI}},
    "held_out/crossbar": {"n_samples": UINT, "n_values": UINT, "rms_abs_a": FLOAT, "max_abs_a": FLOAT,
                          "rms_pct_fs": FLOAT, "max_pct_fs": FLOAT, "rel_l2": FLOAT, "rms_lsb": FLOAT,
                          "max_lsb": FLOAT, "full_scale_a": FLOAT, "adc_bits": INT},
    "sources": {"n_sources": UINT},
    "provenance": {k: STR for k in ("campaign_path", "campaign_sha256", "ngspice_version", "xbar_version", "git_hash",
                                    "fit_time")} | {"held_out_seed": UINT},
    "energy": {**{k: FLOAT for k in ("array_j", "drivers_j", "tia_j", "adc_j", "total_j", "t_cycle_s",
                                     "spice_s_per_mvm")},
               "rows": INT, "cols": INT, "n_mvms": UINT,
               **{k: STR for k in ("opamp_model", "campaign_path", "campaign_sha256", "note")}},
}
NORMAL = {"distribution": STR, "mean_v": FLOAT, "sigma_v": FLOAT, "gof_test": STR, "gof_statistic": FLOAT,
          "gof_p_value": FLOAT, "n": UINT, **{"sigma_v" + c: FLOAT for c in CI}}
PERIPHERY = {"n_instances": UINT, "n_values": UINT, **{k: FLOAT for k in (
    "rms_abs_v", "max_abs_v", "rms_lsb", "max_lsb", "rms_pct_fs", "max_pct_fs", "lsb_v", "full_scale_v")}}
GROUPS["variation/tia_opamp_v_offset"] = NORMAL
GROUPS["variation/adc_comparator_offset"] = NORMAL
GROUPS["held_out/tia"] = PERIPHERY
GROUPS["held_out/adc_codes"] = PERIPHERY


def kind_of(value):
    if isinstance(value, (bytes, str)):
        return STR
    dt = np.asarray(value).dtype
    return {"f": FLOAT, "i": INT, "u": UINT}.get(dt.kind, "?")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def check_preset(path):
    name = os.path.basename(path)
    with h5py.File(path, "r") as f:
        check(text(f.attrs["schema"]) == "xbar.model/1" and text(f.attrs["kind"]) == "tile", f"{name}: schema and kind")
        for group, attrs in GROUPS.items():
            check(group in f, f"{name}: group /{group}")
            if group not in f:
                continue
            for attr, want in attrs.items():
                got = kind_of(f[group].attrs[attr]) if attr in f[group].attrs else "missing"
                check(got == want, f"{name}: /{group}@{attr} is {want} (got {got})")
        rows, cols = int(f["nominal/crossbar"].attrs["rows"]), int(f["nominal/crossbar"].attrs["cols"])
        check(f["nominal/crossbar/r_source_ohm"].shape in ((0,), (rows,)), f"{name}: r_source_ohm [rows] or [0]")
        dac, tia, adc = (f[g].attrs for g in ("nominal/dac", "nominal/tia", "nominal/adc"))
        table = f["nominal/dac/level_table_v"]
        check(table.shape in ((0, 0), (rows, 2 ** int(dac["bits"]))), f"{name}: level_table_v shape")
        m = 2 ** int(adc["bits"]) - 1
        t = f["nominal/adc/transition_v"][()]
        check(t.shape in ((0,), (m,)), f"{name}: transition_v [2^bits - 1] or [0]")
        check(int(f["nominal/crossbar"].attrs["differential"]) == 0, f"{name}: single-ended")
        check(rows == cols and rows in (64, 128), f"{name}: N x N with N = 64 or 128")
        check(int(dac["bits"]) == 4 and float(dac["v_min_v"]) == 0.0 and float(dac["v_max_v"]) == 0.1,
              f"{name}: DAC 4 bits over 0 .. 0.1 V")
        nom = f["nominal"].attrs
        check(float(nom["g_min_s"]) == 1e-6 and float(nom["g_max_s"]) == 1e-4, f"{name}: g range 1-100 uS")
        check(float(tia["v_out_min_v"]) <= float(adc["v_min_v"]) < 0 and float(tia["v_out_max_v"]) >= float(adc["v_max_v"]),
              f"{name}: TIA swing covers the ADC range, which is below 0 V")
        en = f["energy"].attrs
        parts = sum(float(en[k]) for k in ("array_j", "drivers_j", "tia_j", "adc_j"))
        check(int(en["rows"]) == rows and int(en["cols"]) == cols and float(en["total_j"]) > 0
              and abs(parts - float(en["total_j"])) <= 1e-9 * float(en["total_j"]),
              f"{name}: /energy measured at the tile's size, total = sum of the blocks")
        pe = f["variation/programming_error"].attrs
        check(abs(float(pe["sigma_rel_d2d"]) - 0.05) < 0.002, f"{name}: programming error ~5 %")
        n = int(f["sources"].attrs["n_sources"])
        comps = [text(f[f"sources/{k}"].attrs["component"]) for k in range(n)]
        check(comps == ["crossbar", "tia", "adc"], f"{name}: sources crossbar, tia, adc (got {comps})")
        for k in range(n):
            s = f[f"sources/{k}"].attrs
            sha = text(s["model_sha256"])
            check(len(sha) == 64 and all(c in "0123456789abcdef" for c in sha), f"{name}: /sources/{k}@model_sha256")
            check(len(text(s["campaign_sha256"])) == 64, f"{name}: /sources/{k}@campaign_sha256")
        check(os.path.getsize(path) < 300_000, f"{name}: small ({os.path.getsize(path)} bytes)")
        print(f"{name}: {rows}x{cols}, rf {float(tia['rf_ohm']):g} ohm, ADC {float(adc['v_min_v'])}..{float(adc['v_max_v'])} V")


def main():
    presets = sorted(glob.glob(os.path.join(sys.argv[1], "*.h5")))
    check(len(presets) >= 2, f"at least two presets in {sys.argv[1]}")
    for p in presets:
        check_preset(p)
    finish()


if __name__ == "__main__":
    main()
