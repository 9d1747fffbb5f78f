"""Issue 13: every `xbar netlist sample` deck kind (crossbar, opamp, tia, adc, tile) runs unchanged
in `ngspice -b deck.cir` (no -r, no extra options), prints its results, and those printed results
are the embedded run's: each kind's probes from ngspice's own printout are compared with
`xbar simulate --engine embedded` on the same deck. `xbar simulate --engine subprocess` must give
the embedded run's numbers too, for the deck's own analyses and for one picked with --analysis.

usage: test_standalone_decks.py <xbar> <data folder>   (ngspice from $XBAR_NGSPICE or PATH)
"""
import csv
import io
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xbar_check import check, finish  # noqa: E402

XBAR, DATA = sys.argv[1], sys.argv[2]
NGSPICE = os.environ.get("XBAR_NGSPICE") or "ngspice"
NUM = r"[-+]?[0-9.]+(?:e[-+]?[0-9]+)?"


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)


def simulate(deck, *extra):
    r = run([XBAR, "simulate", deck, "--format", "csv", *extra])
    if r.returncode != 0:
        check(False, f"xbar simulate {deck} {extra}: {r.stderr.strip()}")
        return {}
    rows = [l for l in r.stdout.splitlines() if l and not l.startswith("#")]
    table = list(csv.reader(io.StringIO("\n".join(rows))))
    cols = {}
    for k, head in enumerate(table[0]):
        cols[head.split(" [")[0]] = [float(row[k]) for row in table[1:]]
    return cols


def probes_of(deck_text):
    out = []
    for line in deck_text.splitlines():
        if line.startswith("*@probe"):
            f = line.split()
            out.append((f[1], [(t.rsplit(":", 1)[0], float(t.rsplit(":", 1)[1])) for t in f[3:]]))
    return out


def close(a, b, rel=2e-5, abs_=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


def printed_tables(log):
    """The `.print` tables of an ngspice -b log, one per sweep variable ("i-sweep", "time", ...),
    in order of appearance: {printed name: [values]}. ngspice prints long tables in pages and
    wide ones in groups of columns, each under an "Index <scale> <names>" header; rows are keyed
    by their index."""
    tables, cols = {}, None
    for line in log.splitlines():
        if line.startswith("Index "):
            cols = line.split()[1:]
            tables.setdefault(cols[0], {})
            continue
        if cols and re.match(r"^\d+\t", line):
            vals = line.split()
            row = tables[cols[0]].setdefault(int(vals[0]), {})
            for name, v in zip(cols, vals[1:]):
                row[name] = float(v)
    out = []
    for rows in tables.values():
        idx = sorted(rows)
        out.append({n: [rows[i].get(n) for i in idx] for n in rows[idx[0]]})
    return out


def printed_name(vec):
    return f"{vec.split('#')[0]}#branch" if "#branch" in vec else f"v({vec})"


with tempfile.TemporaryDirectory() as tmp:
    # Small specs: the shipped ones, and the tile at 4 x 4 (the shipped 16 x 16 takes ~7 s per engine).
    specs = {k: os.path.join(DATA, f"{k}.toml") for k in ["crossbar_small", "opamp_mc", "tia", "adc_flash6"]}
    tile = open(os.path.join(DATA, "tile_small.toml")).read().replace("rows = 16", "rows = 4").replace("cols = 16", "cols = 4")
    specs["tile"] = os.path.join(tmp, "tile4.toml")
    with open(specs["tile"], "w") as f:
        f.write(tile)

    for kind, spec in specs.items():
        deck = os.path.join(tmp, f"{kind}.cir")
        r = run([XBAR, "netlist", "sample", spec, "--index", "1", "-o", deck])
        check(r.returncode == 0, f"{kind}: xbar netlist sample: {r.stderr.strip()}")
        text = open(deck).read()
        # Unchanged, in the deck's folder, as a user would: ngspice -b deck.cir
        ng = run([NGSPICE, "-b", os.path.basename(deck)], cwd=tmp)
        log = ng.stdout + ng.stderr
        check(ng.returncode == 0, f"{kind}: ngspice -b exit status {ng.returncode}")
        check("no simulations run" not in log and "analysis not run" not in log and "aborted" not in log,
              f"{kind}: ngspice -b skipped or aborted an analysis:\n{log[-800:]}")
        probes = probes_of(text)
        check(len(probes) > 0, f"{kind}: the deck names its probes")

        if kind.startswith("crossbar") or kind.startswith("opamp"):
            # .op: ngspice -b prints every node voltage and source current as "name value".
            printed = {}
            for line in log.splitlines():
                m = re.match(rf"^\s+(\S+)\s+({NUM})\s*$", line, re.I)
                if m:
                    printed[m.group(1).lower()] = float(m.group(2))
            emb = simulate(deck)
            n_ok = 0
            for name, terms in probes:
                if not all(t in printed for t, _ in terms):
                    check(False, f"{kind}: probe {name}: ngspice -b printed no {[t for t, _ in terms]}")
                    continue
                value = sum(w * printed[t] for t, w in terms)
                n_ok += close(value, emb[name][0], 2e-5, 1e-12)
                check(close(value, emb[name][0], 2e-5, 1e-12),
                      f"{kind}: probe {name}: ngspice -b {value} vs embedded {emb[name][0]}")
            print(f"{kind}: {n_ok}/{len(probes)} probes of ngspice -b's .op printout equal the embedded run's")
        elif kind == "tia" or kind.startswith("adc"):
            dc_card = next(l for l in text.splitlines() if l.startswith(".dc "))[1:]
            emb = simulate(deck, "--analysis", dc_card)
            table = printed_tables(log)[0]
            n = 0
            for name, terms in probes:
                col = [sum(w * table[printed_name(t)][i] for t, w in terms) for i in range(len(table[printed_name(terms[0][0])]))]
                check(len(col) == len(emb[name]), f"{kind}: {name}: {len(col)} printed points vs {len(emb[name])} embedded")
                bad = [i for i, (a, b) in enumerate(zip(col, emb[name])) if not close(a, b, 2e-5, 1e-8)]
                check(not bad, f"{kind}: {name}: printed dc differs from embedded at points {bad[:5]}")
                n += len(col)
            print(f"{kind}: {n} printed dc values equal the embedded run's")
            if kind == "tia":
                tran = printed_tables(log)[1]
                check("time" in tran and len(tran["time"]) > 10, f"tia: ngspice -b printed the .tran ({list(tran)})")
        else:  # tile: .meas lines "v_tia<k>_c<n> = value" against the embedded transient
            meas = {m.group(1): float(m.group(2)) for m in re.finditer(rf"^(v_tia\d+_c\d+)\s+=\s+({NUM})", log, re.M | re.I)}
            check(len(meas) == 4 * 2, f"tile: ngspice -b printed {len(meas)} TIA read values, expected 8")
            emb = simulate(deck)
            times = emb["time"]
            t_reads = [float(m.group(2)) for m in re.finditer(r"^\.meas tran v_tia0_c(\d+) find v\(t0\) at=(\S+)", text, re.M)]
            for name, value in meas.items():
                k, n = map(int, re.match(r"v_tia(\d+)_c(\d+)", name).groups())
                ts = t_reads[n]
                j = next(i for i, t in enumerate(times) if t >= ts)
                y0, y1 = emb[f"v_tia{k}"][j - 1], emb[f"v_tia{k}"][j]
                v = y0 + (y1 - y0) * (ts - times[j - 1]) / (times[j] - times[j - 1])
                check(close(value, v, 2e-5, 1e-7), f"tile: {name}: ngspice -b {value} vs embedded {v}")
            print(f"tile: {len(meas)} TIA read values of ngspice -b equal the embedded run's")

        # The subprocess engine gives the embedded run's numbers, for the deck's analyses ...
        sub, emb = simulate(deck, "--engine", "subprocess"), simulate(deck)
        check(set(sub) == set(emb), f"{kind}: subprocess columns {sorted(sub)[:5]} vs embedded {sorted(emb)[:5]}")
        for name in emb:
            if name in sub:
                check(len(sub[name]) == len(emb[name]) and all(close(a, b, 1e-9, 1e-15) for a, b in zip(sub[name], emb[name])),
                      f"{kind}: {name}: subprocess differs from embedded")

    # ... and for one picked with --analysis, with its sweep variable shown first.
    opamp = os.path.join(tmp, "opamp_mc.cir")
    for engine in ("embedded", "subprocess"):
        r = run([XBAR, "simulate", opamp, "--engine", engine, "--analysis", "ac dec 5 1 1e9", "--format", "csv"])
        check(r.returncode == 0, f"opamp ac, {engine}: {r.stderr.strip()}")
        head = [l for l in r.stdout.splitlines() if not l.startswith("#")][0]
        check(head.startswith("frequency [Hz]"), f"opamp ac, {engine}: first column is the sweep: {head[:60]}")
    a = simulate(opamp, "--engine", "subprocess", "--analysis", "ac dec 5 1 1e9")
    b = simulate(opamp, "--analysis", "ac dec 5 1 1e9")
    check(len(a.get("frequency", [])) == 46 and len(b.get("frequency", [])) == 46
          and all(close(x, y, 1e-12, 0) for x, y in zip(a["frequency"], b["frequency"])), "opamp ac: the same 46 frequencies")
    # --analysis takes one analysis command only, on both engines.
    for engine in ("embedded", "subprocess"):
        r = run([XBAR, "simulate", opamp, "--engine", engine, "--analysis", "op; shell echo hi"])
        check(r.returncode != 0 and "--analysis" in r.stderr, f"{engine}: a second command in --analysis is refused")

finish()
