#!/usr/bin/python3
"""End-to-end tests of the xbar command: netlist -> simulate, CSV input, output formats, errors.

Usage: test_cli.py /path/to/xbar   (run by ctest)
"""
import json
import os
import subprocess
import sys
import tempfile

from xbar_check import check, finish  # tests/cli/ (xbar_check.py) is on sys.path: the script's folder

XBAR = sys.argv[1]
NGSPICE = os.environ.get("XBAR_NGSPICE", "ngspice")


def run(*args, **kw):
    return subprocess.run([XBAR, *args], capture_output=True, text=True, **kw)


with tempfile.TemporaryDirectory() as tmp:
    deck = os.path.join(tmp, "deck.cir")

    # netlist -> file, runs unchanged in standalone ngspice -b
    r = run("netlist", "crossbar", "--rows", "4", "--cols", "7", "--r-row-wire", "1", "--r-col-wire", "1",
            "--seed", "3")
    check(r.returncode == 0, f"netlist crossbar exits 0: {r.stderr}")
    with open(deck, "w") as f:
        f.write(r.stdout)
    b = subprocess.run([NGSPICE, "-b", deck], capture_output=True, text=True)
    check(b.returncode == 0 and "rror" not in b.stdout + b.stderr, f"ngspice -b runs the deck: {b.stdout[-500:]}")

    # same seed, same deck; another seed, another deck
    check(run("netlist", "crossbar", "--rows", "4", "--cols", "7", "--r-row-wire", "1", "--r-col-wire", "1",
              "--seed", "3").stdout == r.stdout, "the same seed gives the same deck")
    check(run("netlist", "crossbar", "--rows", "4", "--cols", "7", "--seed", "4").stdout != r.stdout,
          "another seed gives another deck")

    # simulate: JSON from both engines agree, CSV and table carry the same numbers
    j = run("simulate", deck, "--format", "json")
    check(j.returncode == 0, f"simulate --format json exits 0: {j.stderr}")
    out = json.loads(j.stdout)["outputs"]
    check(sorted(out) == sorted(f"i_out{k}" for k in range(7)), f"json has the 7 probes: {sorted(out)}")
    js = json.loads(run("simulate", deck, "--format", "json", "--engine", "subprocess").stdout)["outputs"]
    for k in range(7):
        a, e = out[f"i_out{k}"]["values"][0], js[f"i_out{k}"]["values"][0]
        check(abs(a - e) <= 1e-12 * abs(e), f"i_out{k}: embedded {a} vs ngspice -b {e}")
    c = run("simulate", deck, "--format", "csv")
    lines = c.stdout.strip().splitlines()
    check(lines[0].split(",")[0] == "i_out0 [A]" and len(lines) == 2, f"csv header and one row: {lines[:2]}")
    check(abs(float(lines[1].split(",")[3]) - out["i_out3"]["values"][0]) <= 1e-15 * abs(out["i_out3"]["values"][0]),
          "csv value equals json value")
    t = run("simulate", deck)
    check("i_out6" in t.stdout and "ngspice-46" in t.stdout, "table lists probes and the engine")
    a = run("simulate", deck, "--all", "--format", "json")
    check("r0_3" in json.loads(a.stdout)["outputs"], "--all lists node voltages")

    # CSV inputs: with ideal wires the outputs are G^T v exactly
    g = [[1e-5, 2e-5, 3e-5], [4e-5, 5e-5, 6e-5]]
    v = [0.1, -0.2]
    gcsv, vcsv = os.path.join(tmp, "g.csv"), os.path.join(tmp, "v.csv")
    with open(gcsv, "w") as f:
        f.write("\n".join(",".join(repr(x) for x in row) for row in g) + "\n")
    with open(vcsv, "w") as f:
        f.write("\n".join(repr(x) for x in v) + "\n")
    r = run("netlist", "crossbar", "--g-csv", gcsv, "--v-csv", vcsv, "-o", deck)
    check(r.returncode == 0, f"netlist from CSV: {r.stderr}")
    out = json.loads(run("simulate", deck, "--format", "json").stdout)["outputs"]
    for k in range(3):
        exact = sum(g[i][k] * v[i] for i in range(2))
        got = out[f"i_out{k}"]["values"][0]
        check(abs(got - exact) <= 1e-12 * abs(exact), f"CSV crossbar column {k}: {got} vs {exact}")

    # bad input: a clear message naming the field, file or line, and a non-zero exit
    r = run("netlist", "crossbar", "--rows", "0")
    check(r.returncode == 2 and "crossbar.rows = 0: must be between 1 and 1024" in r.stderr, f"rows=0: {r.stderr}")
    r = run("netlist", "crossbar", "--r-row-wire", "-3")
    check(r.returncode == 2 and "crossbar.r_row_wire_ohm = -3" in r.stderr, f"negative wire: {r.stderr}")
    r = run("netlist", "crossbar", "--g-csv", gcsv, "--rows", "5")
    check(r.returncode == 2 and "crossbar.g_s has shape 2x3: must be rows x cols = 5x3" in r.stderr,
          f"G shape: {r.stderr}")
    with open(vcsv, "w") as f:
        f.write("0.1\nnope\n")
    r = run("netlist", "crossbar", "--g-csv", gcsv, "--v-csv", vcsv)
    check(r.returncode == 2 and f"{vcsv} line 2 column 1: 'nope' is not a number" in r.stderr, f"bad CSV: {r.stderr}")
    bad = os.path.join(tmp, "bad.cir")
    with open(bad, "w") as f:
        f.write("bad\nV1 a 0 1\nR1 a b abc\nVs b 0 0\n.op\n.end\n")
    r = run("simulate", bad)
    check(r.returncode == 3 and "unknown parameter (abc)" in r.stderr and "deck line 3: 'R1 a b abc'" in r.stderr
          and bad in r.stderr, f"bad deck: {r.stderr}")

    # netlist sample: the deck of one Monte Carlo sample of any kind runs in ngspice -b; the same
    # index gives the same deck, another index other draws
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
    for spec in ("opamp_mc.toml", "tia.toml", "adc_flash6.toml", "crossbar_small.toml", "tile_small.toml"):
        path = os.path.join(data, spec)
        out = os.path.join(tmp, spec + ".cir")
        r = run("netlist", "sample", path, "--index", "1", "-o", out)
        check(r.returncode == 0, f"netlist sample {spec}: {r.stderr}")
        if spec != "tile_small.toml":  # the tile transient takes tens of seconds: generated, not run here
            b = subprocess.run([NGSPICE, "-b", "-r", out + ".raw", out], capture_output=True, text=True, timeout=120)
            check(b.returncode == 0 and "rror" not in b.stdout + b.stderr, f"ngspice -b runs {spec}'s sample deck: "
                  f"{(b.stdout + b.stderr)[-400:]}")
        again = run("netlist", "sample", path, "--index", "1").stdout
        other = run("netlist", "sample", path, "--index", "0").stdout
        check(again == open(out).read() and other != again, f"{spec}: sample decks are reproducible and per sample")
    r = run("netlist", "sample", os.path.join(data, "opamp_mc.toml"), "--index", "16")
    check(r.returncode == 2 and "--index 16" in r.stderr and "16 samples" in r.stderr, f"index out of range: {r.stderr}")

    # inspect summarizes the outputs of a periphery campaign (median, mean, std, min, max)
    spec = os.path.join(tmp, "opamp.toml")
    with open(spec, "w") as f:
        f.write('kind = "opamp"\nseed = 2\n[workload]\ninstances = 3\n[run]\noutput = "opamp.h5"\n')
    r = run("characterize", spec, "--quiet")
    check(r.returncode == 0, f"characterize opamp: {r.stderr}")
    r = run("inspect", os.path.join(tmp, "opamp.h5"))
    line = next((l for l in r.stdout.splitlines() if l.strip().startswith("a0_db")), "")
    check(r.returncode == 0 and "outputs over all ok samples" in r.stdout and line.split()[1:2] == ["3"]
          and 60 < float(line.split()[2]) < 80, f"inspect opamp summary: {r.stdout[-800:]}")

    # a campaign run from CSV files is fitted from another folder, without those files
    camp_dir = os.path.join(tmp, "from_files")
    os.mkdir(camp_dir)
    with open(os.path.join(camp_dir, "w.csv"), "w") as f:
        f.write("\n".join(",".join(f"{(1 + i + 3 * j) * 1e-6:g}" for j in range(3)) for i in range(4)) + "\n")
    with open(os.path.join(camp_dir, "x.csv"), "w") as f:
        f.write("0.1,0.2,0.0,0.1\n0.2,0.1,0.1,0.0\n")
    with open(os.path.join(camp_dir, "spec.toml"), "w") as f:
        f.write('kind = "crossbar"\nseed = 3\n[crossbar]\nrows = 4\ncols = 3\nr_row_wire_ohm = 2.0\nr_col_wire_ohm = 2.0\n'
                '[variation]\ng_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }\n[workload]\ninstances = 6\ninputs_per_pattern = 2\n'
                'weights = "file"\nweights_file = "w.csv"\ninputs = "file"\ninputs_file = "x.csv"\n'
                '[run]\noutput = "files.h5"\n')
    r = run("characterize", os.path.join(camp_dir, "spec.toml"), "--quiet")
    check(r.returncode == 0, f"characterize from CSV files: {r.stderr}")
    os.remove(os.path.join(camp_dir, "w.csv"))
    r = run("fit", os.path.join(camp_dir, "files.h5"), "-o", "files_model.h5", cwd=tmp)
    check(r.returncode == 0 and os.path.isfile(os.path.join(tmp, "files_model.h5")),
          f"fit of a file-based campaign from another folder, its CSVs gone: {r.stderr}")

    # every verb has --help
    for verb in (["netlist", "crossbar"], ["netlist", "sample"], ["simulate"], ["characterize"], ["inspect"], ["fit"], ["validate"],
                 ["demo"], ["version"]):
        h = run(*verb, "--help")
        check(h.returncode == 0 and "Usage" in h.stdout, f"xbar {' '.join(verb)} --help")

# Issue 16: the held-out split by rank, the predictive check in `fit`, `validate` and the model
# file, the plots named after the campaign, exit code 2 for a bad flag.
with tempfile.TemporaryDirectory() as tmp:
    import h5py
    with open(os.path.join(tmp, "four.toml"), "w") as f:
        f.write('kind = "crossbar"\nseed = 2\n[crossbar]\nrows = 8\ncols = 6\nr_row_wire_ohm = 2.0\nr_col_wire_ohm = 2.0\n'
                '[variation]\ng_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }\n'
                '[workload]\ninstances = 4\npatterns_per_instance = 2\ninputs_per_pattern = 4\n[run]\noutput = "four.h5"\n')
    r = run("characterize", os.path.join(tmp, "four.toml"), "--quiet")
    check(r.returncode == 0, f"characterize a 4-chip campaign: {r.stderr}")
    camp, model = os.path.join(tmp, "four.h5"), os.path.join(tmp, "four_model.h5")
    r = run("fit", camp, "-o", model, "--predictive-chips", "5")
    check(r.returncode == 0 and "predictive check: 5 fresh chips per held-out chip" in r.stdout,
          f"fit prints the predictive check: {r.stdout[-1500:]} {r.stderr}")
    with h5py.File(model, "r") as f:
        p = dict(f["predictive"].attrs)
    check(p["n_spice_chips"] == 1 and p["n_model_chips"] == 5 and p["n_spice_values"] == 2 * 4 * 6
          and p["n_model_values"] == 5 * 2 * 4 * 6, f"a 4-chip campaign holds out 1 chip; /predictive counts: {p}")
    check(0 <= p["ks_statistic"] <= 1 and 0 <= p["ks_p_value"] <= 1 and p["model_rms_pct_fs"] > 0
          and p["model_rms_pct_fs_ci95_low"] <= p["model_rms_pct_fs"] <= p["model_rms_pct_fs_ci95_high"],
          f"/predictive holds a KS test and a bootstrap interval around the RMS: {p}")
    r = run("fit", camp, "-o", model)
    check(r.returncode == 2 and "--force" in r.stderr, f"fit refuses to overwrite a model without --force: {r.stderr}")
    plots = os.path.join(tmp, "plots")
    r = run("validate", model, camp, "--plots", plots, "--chips", "5", "--dump-predictions", os.path.join(tmp, "d.csv"))
    check(r.returncode == 0 and "the 1 of 4 chips the fit never saw" in r.stdout
          and "held-out SPICE chips" in r.stdout and "fresh chips (model)" in r.stdout,
          f"validate spells out held-out and prints the predictive check: {r.stdout[-2000:]} {r.stderr}")
    # validate with the fit's seed and chip count reproduces the recorded predictive numbers
    line = [l for l in r.stdout.splitlines() if l.strip().startswith("fresh chips (model)")][0]
    check(abs(float(line.split()[6]) - p["model_rms_pct_fs"]) < 1e-4 * max(1.0, p["model_rms_pct_fs"]),
          f"validate's fresh-chip RMS equals the recorded one: {line} vs {p['model_rms_pct_fs']}")
    for name in ("spice_vs_ideal", "error_by_column", "predictive_error_histogram"):
        png = os.path.join(plots, f"four_{name}.png")
        check(os.path.isfile(png) and os.path.getsize(png) > 1000, f"plot {png} written, named after the campaign")
    with open(os.path.join(tmp, "d.csv")) as f:
        head = f.readline().strip()
    check(head == "sample,input,output,model_a,spice_a,ideal_a", f"dump header: {head}")
    r = run("validate", model, camp, "--chips", "0")
    check(r.returncode == 2 and "predictive.chips = 0" in r.stderr, f"--chips 0 is refused, naming it: {r.stderr}")
    r = run("fit", camp, "-o", model, "--force", "--adc-bits", "0")
    check(r.returncode == 2, f"an out-of-range flag exits 2 (tools/README.md), not CLI11's 105: {r.returncode}")

# characterize --set field=value and --output (its folder created); bad overrides are named.
with tempfile.TemporaryDirectory() as tmp:
    import h5py
    with open(os.path.join(tmp, "s.toml"), "w") as f:
        f.write('kind = "crossbar"\nseed = 2\n[crossbar]\nrows = 4\ncols = 3\n[workload]\ninstances = 2\n'
                'inputs_per_pattern = 2\n[run]\noutput = "s.h5"\n')
    out = os.path.join(tmp, "runs", "deep", "s5.h5")
    r = run("characterize", os.path.join(tmp, "s.toml"), "--set", "workload.instances=5", "--set", "crossbar.cell=sinh",
            "-o", out, "--quiet")
    check(r.returncode == 0 and os.path.isfile(out) and not os.path.exists(os.path.join(tmp, "s.h5")),
          f"characterize --set ... -o runs/deep/s5.h5 creates the folder and writes there: {r.stderr}")
    with h5py.File(out, "r") as f:
        n = int(f.attrs["total_samples"])
        text = f.attrs["spec_text"]
    text = text.decode() if isinstance(text, bytes) else str(text)
    check(n == 5 and "--set workload.instances=5" in text and "cell = 'sinh'" in text,
          f"the overrides reach the campaign and its stored spec: {n} samples; {text[:300]}")
    for bad, msg in (("nonsense", "must be field=value"), ("workload.instances=0", "workload.instances = 0"),
                     ("workload.nosuch=1", "unknown field 'workload.nosuch'")):
        r = run("characterize", os.path.join(tmp, "s.toml"), "--set", bad, "-o", os.path.join(tmp, "bad.h5"), "--quiet")
        check(r.returncode == 2 and msg in r.stderr, f"--set {bad}: exit 2 naming it: {r.stderr}")

# inspect: model files (text and --json), campaign --json, a file that is not HDF5.
with tempfile.TemporaryDirectory() as tmp:
    with open(os.path.join(tmp, "s.toml"), "w") as f:
        f.write('kind = "crossbar"\nseed = 4\n[crossbar]\nrows = 4\ncols = 3\n[variation]\n'
                'g_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }\n[workload]\ninstances = 3\n'
                'inputs_per_pattern = 2\n[run]\noutput = "s.h5"\n')
    camp, model = os.path.join(tmp, "s.h5"), os.path.join(tmp, "m.h5")
    r = run("characterize", os.path.join(tmp, "s.toml"), "--quiet")
    check(r.returncode == 0, f"characterize for inspect: {r.stderr}")
    r = run("fit", camp, "-o", model, "--predictive-chips", "3")
    check(r.returncode == 0, f"fit for inspect: {r.stderr}")
    r = run("inspect", model)
    check(r.returncode == 0 and "@schema = xbar.model/2" in r.stdout and "/predictive" in r.stdout
          and "@ks_p_value" in r.stdout, f"inspect lists a model file: {r.stdout[:600]} {r.stderr}")
    r = run("inspect", model, "--json")
    d = json.loads(r.stdout) if r.returncode == 0 else {}
    check(d.get("attrs", {}).get("kind") == "crossbar"
          and d["groups"]["nominal"]["attrs"]["rows"] == 4
          and d["groups"]["predictive"]["attrs"]["n_model_chips"] == 3
          and d["groups"]["nominal"]["datasets"]["r_source_ohm"]["shape"] in ([0], [4]),
          f"inspect --json of a model file: {r.stdout[:600]} {r.stderr}")
    r = run("inspect", camp, "--json")
    d = json.loads(r.stdout) if r.returncode == 0 else {}
    check(d.get("kind") == "crossbar" and d["samples"]["total"] == 3 and d["samples"]["ok"] == 3
          and d["comparisons"]["i_spice_a"]["n"] == 3 * 2 * 3
          and any(f["name"] == "g_target_s" and f["shape"] == [4, 3] for f in d["fields"]),
          f"inspect --json of a campaign: {r.stdout[:600]} {r.stderr}")
    junk = os.path.join(tmp, "junk.h5")
    with open(junk, "w") as f:
        f.write("not hdf5\n")
    r = run("inspect", junk)
    check(r.returncode == 2 and "junk.h5" in r.stderr, f"inspect of a non-HDF5 file: exit 2 naming it: {r.stderr}")

finish()
