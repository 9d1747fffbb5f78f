#!/usr/bin/python3
"""Split SPICE's TIA outputs against the behavioral ones, per column, for a spot check.

Reads a spot check's decks (<out>.spotcheck/spotcheck_decks.h5) and its campaign
(spotcheck_campaign.h5 or .partial) and, for every checked column, solves the deck's DC
circuit in numpy (array with its wire segments, the macro op-amp TIA with its r_out and tanh
output limiter, netlists/src/opamp.cpp) in three variants:
  behavioral  the behavioral TIA (behavioral/src/periphery.cpp tia_evaluate, since 2026-11-30):
              v = [a0 vos (1 + Rf g) - (Rf a0 - r_out) i_in] / (1 + a0 + (Rf + r_out) g), hard clamp,
              g = M 1, the column current per volt with every row at 1 V (the conductance a column
              sees when all column nodes move together; TileModel's g_in)
  first-order the behavioral TIA before 2026-11-30:
              v = vos (1 + Rf g_in) + G_T i_in,  G_T = -Rf (a0 - r_out/Rf) / (1 + a0), g_in = sum G
  loop-gain   the first-order formula with the loaded loop gain only (closed form, g_in = sum G):
              v = [a0 vos (1 + Rf g_in) - (Rf a0 - r_out) i_in] / (1 + a0 + (Rf + r_out) g_in)
  loaded      the same op-amp (linear, a0, r_out) closed around the loaded column: the array's
              conductance g_in sits at the inverting input, so the loop gain is a0 / (1 + (Rf + r_out) g_in)
  macro       loaded plus the macro's tanh output limiter (what the SPICE deck holds at DC)
and prints SPICE - each variant in mV and LSB, and how many behavioral codes the script's
behavioral variant reproduces (a check of the script itself).
Usage: tia_split.py <out>.spotcheck [more folders]
"""
import glob
import os
import sys

import h5py
import numpy as np


def solve_array(G, v_row, v_n, r_row, r_col, iters=200):
    """Cell currents of one read: rows driven at v_row (left ends), columns end at v_n (bottom)."""
    R, C = G.shape
    r = np.repeat(v_row[:, None], C, axis=1)
    c = np.repeat(v_n[None, :], R, axis=0)
    for _ in range(iters):
        I = G * (r - c)
        seg_row = np.cumsum(I[:, ::-1], axis=1)[:, ::-1]          # current in row segment k (into node k)
        r_new = v_row[:, None] - r_row * np.cumsum(seg_row, axis=1)
        seg_col = np.cumsum(I, axis=0)                            # current in column segment below node i
        c_new = v_n[None, :] + r_col * np.cumsum(seg_col[::-1, :], axis=0)[::-1, :]
        if max(np.abs(r_new - r).max(), np.abs(c_new - c).max()) < 1e-13:
            r, c = r_new, c_new
            break
        r, c = r_new, c_new
    return (G * (r - c)).sum(axis=0)


def tia_solve(I_of, vos, rf, a0, r_out, lim):
    """DC of the macro TIA: v_out = v_n - rf I(v_n); L(a0 (vos - v_n)) - v_out = r_out (v_out - v_n) / rf."""
    def f(vn):
        vo = vn - rf * I_of(vn)
        return lim(a0 * (vos - vn)) - vo - r_out * (vo - vn) / rf, vo
    lo, hi = vos - 0.05, vos + 0.05
    flo = f(lo)[0]
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)[0]
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return f(0.5 * (lo + hi))[1]


def main(folders):
    rows = []
    for folder in folders:
        d = h5py.File(os.path.join(folder, "spotcheck_decks.h5"), "r")
        camp = [p for p in glob.glob(os.path.join(folder, "spotcheck_campaign.h5*")) if p.endswith((".h5", ".partial"))]
        s = h5py.File(camp[0], "r")["samples"]
        a = d.attrs
        a0, r_out = a["opamp.a0_vv"], a["opamp.r_out_ohm"]
        vdd, vss, head = a["opamp.vdd_v"], a["opamp.vss_v"], a["opamp.headroom_v"]
        mid, half = 0.5 * (vdd + vss), 0.5 * (vdd - vss) - head
        v_min, v_max = vss + head, vdd - head  # the behavioral clamp (the deck's rails are these + headroom)
        lim_tanh = lambda x: mid + half * np.tanh((x - mid) / half)
        lim_lin = lambda x: x
        bits, amin, amax = int(a["adc.bits"]), a["adc.v_min_v"], a["adc.v_max_v"]
        M = 2 ** bits - 1
        lsb = (amax - amin) / M
        ideal_tr = amin + (np.arange(1, M + 1) - 0.5) * lsb
        dbits, dmin, dmax = int(a["dac.bits"]), a["dac.v_min_v"], a["dac.v_max_v"]
        status = s["status"][:]
        for j in range(int(a["decks"])):
            if j >= len(status) or s["v_tia_v"][j].size == 0 or np.isnan(s["v_tia_v"][j]).all():
                continue
            G = d["g_s"][j]
            rf, rr, rc = d["rf_ohm"][j], d["r_row_wire_ohm"][j], d["r_col_wire_ohm"][j]
            vos = d["vos_v"][j]
            C = G.shape[1]
            g_in = G.sum(axis=0)
            g_m1 = solve_array(G, np.ones(G.shape[0]), np.zeros(C), rr, rc)  # M 1
            gt = -rf * (a0 - r_out / rf) / (1 + a0)
            for n in range(int(d["cycles"][j])):
                codes_in = d["input_codes"][j][n]
                v_row = dmin + codes_in * (dmax - dmin) / (2 ** dbits - 1)
                i0 = solve_array(G, v_row, np.zeros(C), rr, rc)
                # the column current as a function of its own v_n (the others at their vos)
                i_vos = solve_array(G, v_row, vos, rr, rc)
                g_eff = (i0 - i_vos) / np.where(vos != 0, vos, 1e-30)
                v_first = np.clip(vos * (1 + rf * g_in) + gt * i0, v_min, v_max)
                v_beh = np.clip((a0 * vos * (1 + rf * g_m1) - (rf * a0 - r_out) * i0) / (1 + a0 + (rf + r_out) * g_m1),
                                v_min, v_max)
                # the loop gain's loading alone: the closed form with g_in = sum of the column's G
                v_gain = (a0 * vos * (1 + rf * g_in) - (rf * a0 - r_out) * i0) / (1 + a0 + (rf + r_out) * g_in)
                v_lin = np.array([tia_solve(lambda vn: i0[k] - g_eff[k] * vn, vos[k], rf, a0, r_out, lim_lin) for k in range(C)])
                v_mac = np.array([tia_solve(lambda vn: i0[k] - g_eff[k] * vn, vos[k], rf, a0, r_out, lim_tanh) for k in range(C)])
                tr = ideal_tr[None, :] + d["comparator_offset_v"][j]
                code_beh = (v_beh[:, None] > tr).sum(axis=1)
                v_sp = s["v_tia_v"][j][n][:C]
                for k in range(C):
                    if d["reference_codes"][j][n][k] < 0:
                        continue  # not compared (a column the layer does not use)
                    rows.append((j, n, k, rf, g_in[k], v_sp[k], v_beh[k], v_lin[k], v_mac[k], code_beh[k],
                                 d["reference_codes"][j][n][k], s["codes"][j][n][k], v_gain[k], v_first[k]))
    r = np.array(rows, dtype=float)
    if len(r) == 0:
        print("no finished decks")
        return
    v_sp, v_beh, v_lin, v_mac = r[:, 5], r[:, 6], r[:, 7], r[:, 8]
    print(f"{len(r)} columns from {len(folders)} spot check(s); LSB = {lsb*1e3:.3f} mV")
    print(f"script's behavioral codes equal to the file's reference codes: {np.mean(r[:, 9] == r[:, 10])*100:.2f} %")
    print(f"SPICE codes - reference codes: mean {np.mean(r[:, 11] - r[:, 10]):+.3f} LSB, equal {np.mean(r[:, 11] == r[:, 10])*100:.2f} %")
    v_gain, v_first = r[:, 12], r[:, 13]
    for name, v in (("behavioral", v_beh), ("first-order (old) TIA", v_first), ("loop-gain loading only", v_gain),
                    ("loaded linear op-amp", v_lin),
                    ("loaded macro (tanh)", v_mac)):
        e = v_sp - v
        print(f"SPICE - {name:22s}: mean {e.mean()*1e3:+8.4f} mV ({e.mean()/lsb:+.3f} LSB), RMS {np.sqrt((e**2).mean())*1e3:7.4f} mV, "
              f"largest |.| {np.abs(e).max()*1e3:7.4f} mV")
    e = v_sp - v_beh
    print("SPICE - behavioral by behavioral output (mV):")
    for lo, hi in ((-0.9, -0.3), (-0.3, -0.15), (-0.15, -0.05), (-0.05, 0.9)):
        m = (v_beh >= lo) & (v_beh < hi)
        if m.any():
            print(f"  v_beh in [{lo:+.2f}, {hi:+.2f}) V: n = {m.sum():4d}, SPICE - behavioral {e[m].mean()*1e3:+.3f} mV, "
                  f"first-order {(v_first - v_beh)[m].mean()*1e3:+.3f}, loaded linear {(v_lin - v_beh)[m].mean()*1e3:+.3f}, "
                  f"macro {(v_mac - v_beh)[m].mean()*1e3:+.3f} mV (each - behavioral)")
    print(f"(Rf + r_out) g_in: median {np.median((r[:,3]+r_out)*r[:,4]):.2f}, max {((r[:,3]+r_out)*r[:,4]).max():.2f}; a0 = {a0:.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
