#!/usr/bin/python3
"""Seeded fuzz test of xbar's readers (issue 15): damaged and crafted campaign and model files
and mutated specs, each through the verbs that read them, each in a child process with a
timeout. Passes when nothing crashes (no signal), nothing hangs, and every rejection (a non-zero
exit) names the file it rejects.

Usage: fuzz_files.py /path/to/xbar [--cases N] [--seed S]   (run by ctest; `slow` runs thousands)

Case kinds, drawn in turn from one random.Random(seed):
  flip      one byte XOR a random non-zero value, anywhere in the file
  truncate  the file cut at a random length
  zero      a random range of 1..4096 bytes set to zero
  crafted   h5py rewrites the file with one inconsistency: a field with another shape, rank or type,
            a root attribute changed (total_samples, kind, fields, spec_text), values out of
            range (NaN, 1e30, -1, 0.5) in whole-number fields, a bad status, a dataset removed
  spec      a campaign spec with one mutation (a digit, a value, a line removed or doubled,
            random bytes), through `netlist sample` and `characterize`
Campaign files go through inspect, fit and validate; model files through validate.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

from xbar_check import check, finish  # tests/cli/ (xbar_check.py) is on sys.path: the script's folder

PY = "/usr/bin/python3"
ap = argparse.ArgumentParser()
ap.add_argument("xbar")
ap.add_argument("--cases", type=int, default=300)
ap.add_argument("--seed", type=int, default=15)
ap.add_argument("--timeout", type=float, default=20.0)
ap.add_argument("--from-case", type=int, default=0, help="replay: draw the earlier cases but run only from this one")
args = ap.parse_args()
XBAR = os.path.abspath(args.xbar)
rng = random.Random(args.seed)

SPECS = {
    "crossbar": 'kind = "crossbar"\nseed = 5\n[crossbar]\nrows = 4\ncols = 3\nr_row_wire_ohm = 1.0\n'
                'r_col_wire_ohm = 1.0\n[variation]\ng_prog_error = { distribution = "normal", sigma_rel_d2d = 0.05 }\n'
                'stuck_on_fraction = 0.05\n[workload]\ninstances = 4\npatterns_per_instance = 2\ninputs_per_pattern = 3\n'
                '[run]\noutput = "crossbar.h5"\nsample_timeout_s = 10.0\n',
    "tia": 'kind = "tia"\nseed = 2\n[opamp]\nmodel = "macro"\n[workload]\ninstances = 3\n'
           '[run]\noutput = "tia.h5"\nsample_timeout_s = 10.0\n',
    "adc": 'kind = "adc"\nseed = 3\n[adc]\nbits = 4\n[variation]\ncomparator_offset_sigma_v = 0.001\n'
           '[workload]\ninstances = 4\n[run]\noutput = "adc.h5"\nsample_timeout_s = 20.0\n',
}

stats = {"cases": 0, "runs": 0, "rejected": 0, "accepted": 0, "long": 0}
problems = []


def run(argv, cwd, timeout=None):
    stats["runs"] += 1
    try:
        r = subprocess.run([XBAR, *argv], capture_output=True, text=True, errors="replace", cwd=cwd,
                           timeout=timeout or args.timeout)
        return r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        return None, "timeout"


def judge(what, argv, rc, err, name, allow_long=False):
    if rc is None:
        if allow_long:
            stats["long"] += 1
            return
        problems.append(f"{what}: xbar {' '.join(argv)}: hang (> {args.timeout} s)")
        return
    if rc < 0:
        problems.append(f"{what}: xbar {' '.join(argv)}: killed by signal {-rc}: {err[-300:]}")
        return
    bad_words = [w for w in ("double free", "Segmentation", "corrupted", "AddressSanitizer") if w in err]
    if bad_words:
        problems.append(f"{what}: xbar {' '.join(argv)}: {bad_words}: {err[-300:]}")
    if rc == 0:
        stats["accepted"] += 1
        return
    stats["rejected"] += 1
    if name not in err:
        problems.append(f"{what}: xbar {' '.join(argv)}: exit {rc} without naming {name}: {err[-300:]}")


CRAFT = r'''
import h5py, numpy as np, random, sys
src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
s = h5py.File(src, "r")
d = h5py.File(dst, "w")
for k, v in s.attrs.items():
    d.attrs[k] = v
for g in s:
    s.copy(s[g], d, name=g)
s.close()
datasets = []
d.visititems(lambda n, o: datasets.append(n) if isinstance(o, h5py.Dataset) else None)
choice = rng.randrange(9)
name = rng.choice(datasets)
obj = d[name]
def replace(data):
    attrs = dict(obj.attrs)
    del d[name]
    n = d.create_dataset(name, data=data)
    for k, v in attrs.items():
        n.attrs[k] = v
if choice == 0:      # another shape, same rank
    shape = [max(1, x + rng.choice([-1, 1, 7, 1000])) if rng.random() < 0.5 else x for x in obj.shape]
    if list(shape) == list(obj.shape):
        shape[-1] += 1
    replace(np.zeros(shape, dtype=obj.dtype if obj.dtype.kind != "O" else "f8"))
elif choice == 1:    # another rank
    shape = list(obj.shape) + [rng.choice([1, 2, 8])] if rng.random() < 0.5 else list(obj.shape[:1])
    replace(np.ones(shape))
elif choice == 2:    # another type
    replace(np.array(["x"] * (obj.shape[0] if obj.shape else 1), dtype="S3") if rng.random() < 0.5
            else np.zeros(obj.shape, dtype="i8"))
elif choice == 3:    # values out of range
    if obj.dtype.kind == "f" and obj.size > 0:
        a = obj[()]
        flat = a.reshape(-1)
        for _ in range(rng.randint(1, 3)):
            flat[rng.randrange(flat.size)] = rng.choice([np.nan, 1e30, -1.0, 0.5, np.inf, -1e308, 2.0**64])
        obj[...] = a
    else:
        del d[name]
elif choice == 4:    # a dataset removed
    del d[name]
else:                # a root attribute changed
    attrs = list(d.attrs.keys())
    key = rng.choice(attrs)
    v = d.attrs[key]
    if isinstance(v, (bytes, str)) or (hasattr(v, "dtype") and v.dtype.kind in "SUO"):
        text = v.decode() if isinstance(v, bytes) else str(v)
        if key == "spec_text":
            lines = text.splitlines()
            i = rng.randrange(len(lines))
            lines[i] = rng.choice(["rows = 1000", "cols = 200", "instances = 100000", "inputs_per_pattern = 99",
                                   "bits = 8", "kind = \"adc\"", "kind = \"tile\"", "sweep_points = 3", "",
                                   "patterns_per_instance = 7", "[[["])
            text = "\n".join(lines)
        elif key == "fields":
            parts = text.split(",")
            rng.shuffle(parts)
            text = ",".join(parts[: rng.randint(0, len(parts))] + (["bogus"] if rng.random() < 0.3 else []))
        elif key == "kind":
            text = rng.choice(["crossbar", "tia", "adc", "tile", "opamp", "zzz", ""])
        else:
            text = rng.choice(["", "x" * 1000, "xbar.campaign/3", "xbar.model/2", text[::-1]])
        d.attrs[key] = text
    else:
        d.attrs[key] = np.uint64(rng.choice([0, 1, 2**63, 2**64 - 1, 1000000000]))
d.close()
'''


def mutate_bytes(src, dst, kind):
    with open(src, "rb") as f:
        data = bytearray(f.read())
    if kind == "flip":
        i = rng.randrange(len(data))
        data[i] ^= rng.randrange(1, 256)
    elif kind == "truncate":
        data = data[: rng.randrange(len(data))]
    else:
        start = rng.randrange(len(data))
        data[start: start + rng.randint(1, 4096)] = bytes(min(len(data) - start, 4096))
        data = data[: len(data)]
    with open(dst, "wb") as f:
        f.write(data)


def mutate_spec(text):
    lines = text.splitlines()
    op = rng.randrange(7)
    i = rng.randrange(len(lines))
    if op == 0:
        digits = [k for k, c in enumerate(text) if c.isdigit()]
        k = rng.choice(digits)
        return text[:k] + rng.choice("0123456789") + text[k + 1:]
    if op == 1 and "=" in lines[i]:
        key = lines[i].split("=")[0]
        lines[i] = key + "= " + rng.choice(["-1", "0", "nan", "inf", "1e308", "1e-320", "\"x\"", "[]", "true",
                                            "99999999999999999999", "0.5", "{}", "\"\"", "-0.0"])
    elif op == 2:
        del lines[i]
    elif op == 3:
        lines.insert(i, lines[i])
    elif op == 4:
        lines.insert(i, rng.choice(["[run]", "[workload]", "kind = \"tile\"", "output = \"../x/y.h5\"",
                                    "weights = \"file\"", "output = \"/proc/x.h5\"", "a.b.c = 1", "rows = 0x10"]))
    elif op == 5:
        k = rng.randrange(len(text))
        return text[:k] + "".join(chr(rng.randrange(1, 256)) for _ in range(rng.randint(1, 4))) + text[k:]
    else:
        return text.replace("=", "= =", 1) if rng.random() < 0.5 else text[: rng.randrange(len(text))]
    return "\n".join(lines) + "\n"


with tempfile.TemporaryDirectory() as tmp:
    base = os.path.join(tmp, "base")
    os.mkdir(base)
    campaigns, models = {}, {}
    for kind, text in SPECS.items():
        with open(os.path.join(base, kind + ".toml"), "w") as f:
            f.write(text)
        rc, err = run(["characterize", kind + ".toml", "--quiet"], base, timeout=120)
        check(rc == 0, f"fuzz setup: characterize {kind}: {err}")
        rc, err = run(["fit", kind + ".h5", "-o", kind + "_model.h5"], base, timeout=120)
        check(rc == 0, f"fuzz setup: fit {kind}: {err}")
        campaigns[kind] = os.path.join(base, kind + ".h5")
        models[kind] = os.path.join(base, kind + "_model.h5")

    kinds = ["flip", "truncate", "zero", "crafted", "spec"]
    for case in range(args.cases):
        stats["cases"] += 1
        how = kinds[case % len(kinds)]
        kind = rng.choice(list(SPECS))
        work = os.path.join(tmp, f"case{case}")
        os.mkdir(work)
        if how == "spec":
            spec = os.path.join(work, "mutant.toml")
            with open(spec, "w", errors="replace") as f:
                f.write(mutate_spec(SPECS[kind]))
            if case < args.from_case:
                shutil.rmtree(work, ignore_errors=True)
                continue
            what = f"case {case} (spec, {kind})"
            rc, err = run(["netlist", "sample", "mutant.toml", "-o", "deck.cir"], work)
            judge(what, ["netlist", "sample", "mutant.toml"], rc, err, "mutant.toml")
            accepted = rc == 0
            rc, err = run(["characterize", "mutant.toml", "--quiet"], work, timeout=args.timeout)
            judge(what, ["characterize", "mutant.toml"], rc, err, "mutant.toml", allow_long=accepted)
            shutil.rmtree(work, ignore_errors=True)
            continue
        target_is_model = rng.random() < 0.3
        src = models[kind] if target_is_model else campaigns[kind]
        dst = os.path.join(work, "mutant.h5")
        if case < args.from_case:
            if how == "crafted":
                rng.randrange(2**31)
            else:
                mutate_bytes(src, dst, how)
            shutil.rmtree(work, ignore_errors=True)
            continue
        if how == "crafted":
            r = subprocess.run([PY, "-c", CRAFT, src, dst, str(rng.randrange(2**31))], capture_output=True, text=True,
                               timeout=60)
            if r.returncode != 0:
                shutil.copy(src, dst)  # the craft did not apply (e.g. an unsupported type): the copy is still read
        else:
            mutate_bytes(src, dst, how)
        what = f"case {case} ({how}, {kind} {'model' if target_is_model else 'campaign'})"
        if target_is_model:
            runs = [["validate", dst, campaigns[kind]]]
        else:
            runs = [["inspect", dst], ["fit", dst, "-o", os.path.join(work, "out_model.h5")],
                    ["validate", models[kind], dst]]
        for argv in runs:
            rc, err = run(argv, work)
            judge(what, argv, rc, err, "mutant.h5")
        shutil.rmtree(work, ignore_errors=True)

for p in problems[:40]:
    print("FAIL:", p, file=sys.stderr)
check(not problems, f"{len(problems)} problem(s) in {stats['cases']} cases")
print(f"fuzz: seed {args.seed}, {stats['cases']} cases, {stats['runs']} runs: {stats['rejected']} rejected with the "
      f"file named, {stats['accepted']} accepted, {stats['long']} valid mutated specs still running at the timeout")
finish()
