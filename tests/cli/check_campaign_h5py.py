#!/usr/bin/python3
"""Checks a campaign file against data/SCHEMA.md ("xbar.campaign/2"), using only h5py and numpy.

Usage: /usr/bin/python3 check_campaign_h5py.py campaign.h5

Everything checked here comes from the documented schema, not from xbar's code: the root
attributes and their types (every string fixed-length: no variable-length type anywhere in the
file), /samples/status and /samples/error, the fields of the crossbar kind
with shapes derived from the spec stored in spec_text, the ideal output formula for ok samples,
and chunking plus compression. The last line is "N passed, M failed"; the exit code is non-zero
when anything failed.
"""
import datetime
import sys
import tomllib

import h5py
import numpy as np

from xbar_check import variable_length_objects  # tests/cli/ (xbar_check.py) is on sys.path: the script's folder

SCHEMA = "xbar.campaign/2"
STRING_ATTRS = ["schema", "kind", "xbar_version", "git_hash", "ngspice_version", "spec_text",
                "start_time", "end_time", "fields"]
UINT64_ATTRS = ["seed", "total_samples", "ok_samples", "failed_samples", "not_run_samples"]
STATUS = {"ok": 0, "spice_error": 1, "crashed": 2, "timeout": 3, "not_run": -1}
IDEAL_RTOL = 1e-12


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        return bool(ok)

    def section(self, name, fn, *args):
        """Runs one group of checks; an exception (a missing dataset, say) counts as one failure."""
        try:
            return fn(self, *args)
        except Exception as e:  # noqa: BLE001 - report anything as a failed check
            self.check(name, False, f"{type(e).__name__}: {e}")
            return None


def crossbar_fields(rows, cols, cols_physical, inputs):
    """The documented fields of the crossbar kind: name -> (per-sample shape, unit, role, reference)."""
    scalar = ()
    return {
        "instance": (scalar, "1", "param", ""),
        "pattern": (scalar, "1", "param", ""),
        "temperature_c": (scalar, "C", "param", ""),
        "r_row_wire_ohm": (scalar, "ohm", "param", ""),
        "r_col_wire_ohm": (scalar, "ohm", "param", ""),
        "n_stuck_on": (scalar, "1", "param", ""),
        "n_stuck_off": (scalar, "1", "param", ""),
        "g_target_s": ((rows, cols_physical), "S", "input", ""),
        "g_programmed_s": ((rows, cols_physical), "S", "param", ""),
        "v_in_v": ((inputs, rows), "V", "input", ""),
        "i_spice_a": ((inputs, cols), "A", "output", "i_ideal_a"),
        "i_ideal_a": ((inputs, cols), "A", "ideal", ""),
    }


# ---- root attributes ------------------------------------------------------------------------

def text(value):
    """A fixed-length string attribute, which h5py returns as bytes, as str."""
    return value.decode() if isinstance(value, bytes) else value


def fixed_string(dtype):
    info = h5py.check_string_dtype(dtype)
    return info is not None and info.encoding == "utf-8" and info.length is not None


def check_root(c, f):
    attrs = f.attrs
    c.check("attr schema", text(attrs.get("schema")) == SCHEMA, f"schema = {attrs.get('schema')!r}")
    for name in STRING_ATTRS:
        if c.check(f"attr {name} exists", name in attrs, "missing"):
            c.check(f"attr {name} is a fixed-length UTF-8 string", fixed_string(attrs.get_id(name).dtype),
                    f"dtype {attrs.get_id(name).dtype}")
    for name in UINT64_ATTRS:
        if c.check(f"attr {name} exists", name in attrs, "missing"):
            value = np.asarray(attrs[name])
            c.check(f"attr {name} is a uint64 scalar", value.dtype == np.uint64 and value.shape == (),
                    f"dtype {value.dtype}, shape {value.shape}")
    start, end = text(attrs.get("start_time", "")), text(attrs.get("end_time", ""))
    c.check("attr start_time is ISO 8601 UTC", is_iso_utc(start), f"{start!r}")
    c.check("attr end_time is ISO 8601 UTC, or empty in a checkpoint", end == "" or is_iso_utc(end), f"{end!r}")


def is_iso_utc(text):
    if not isinstance(text, str) or not text:
        return False
    try:
        stamp = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return stamp.utcoffset() == datetime.timedelta(0)


# ---- status, errors, timing -----------------------------------------------------------------

def check_status(c, f):
    samples = int(f.attrs["total_samples"])
    status = f["samples/status"]
    c.check("/samples/status dtype int8", status.dtype == np.int8, f"{status.dtype}")
    c.check("/samples/status shape [S]", status.shape == (samples,), f"{status.shape}, S = {samples}")
    codes = status[()]
    c.check("/samples/status codes known", np.isin(codes, list(STATUS.values())).all(),
            f"unknown codes {sorted(set(codes.tolist()) - set(STATUS.values()))}")
    ok, not_run = int((codes == 0).sum()), int((codes == -1).sum())
    counts = {"ok_samples": ok, "not_run_samples": not_run, "failed_samples": samples - ok - not_run}
    for name, expected in counts.items():
        c.check(f"attr {name} matches /samples/status", int(f.attrs[name]) == expected,
                f"{int(f.attrs[name])} != {expected}")

    error = f["samples/error"]
    info = h5py.check_string_dtype(error.dtype)
    c.check("/samples/error is fixed-length UTF-8 strings",
            info is not None and info.encoding == "utf-8" and info.length is not None, f"dtype {error.dtype}")
    c.check("/samples/error shape [S]", error.shape == (samples,), f"{error.shape}")
    texts = error.asstr()[()] if samples else np.array([], dtype=object)
    c.check("/samples/error empty for ok samples", all(t == "" for t in texts[codes == 0]))
    failed = (codes > 0)
    c.check("/samples/error gives a reason for failed samples", all(t != "" for t in texts[failed]),
            f"{int(sum(t == '' for t in texts[failed]))} failed samples without a reason")

    seconds = f["timing/sample_seconds"]
    c.check("/timing/sample_seconds float64 [S]", seconds.dtype == np.float64 and seconds.shape == (samples,),
            f"{seconds.dtype} {seconds.shape}")
    ok_seconds = seconds[()][codes == 0]
    c.check("/timing/sample_seconds >= 0 for ok samples", np.all(np.isfinite(ok_seconds) & (ok_seconds >= 0)))
    return codes


# ---- storage --------------------------------------------------------------------------------

def check_storage(c, f):
    samples = int(f.attrs["total_samples"])
    datasets = []
    for group in ("samples", "timing"):
        f[group].visititems(lambda name, obj, g=group: datasets.append((f"/{g}/{name}", obj))
                            if isinstance(obj, h5py.Dataset) else None)
    for name, d in datasets:
        ok_chunks = (d.chunks is not None and 1 <= d.chunks[0] <= max(samples, 1)
                     and tuple(d.chunks[1:]) == tuple(d.shape[1:]))
        c.check(f"{name} chunked along samples", ok_chunks, f"chunks {d.chunks}, shape {d.shape}")
        c.check(f"{name} compressed (shuffle + gzip 4)",
                d.compression == "gzip" and d.compression_opts == 4 and d.shuffle,
                f"compression {d.compression} {d.compression_opts}, shuffle {d.shuffle}")
    fields = [n for n in text(f.attrs["fields"]).split(",") if n]
    listed = {f"/samples/{n}" for n in fields} | {"/samples/status", "/samples/error"}
    present = {name for name, _ in datasets if name.startswith("/samples/")}
    c.check("attr fields lists every /samples dataset", listed == present,
            f"listed only: {sorted(listed - present)}, present only: {sorted(present - listed)}")


# ---- crossbar kind --------------------------------------------------------------------------

def crossbar_dims(c, f):
    spec = tomllib.loads(text(f.attrs["spec_text"]))
    xbar, work = spec.get("crossbar", {}), spec.get("workload", {})
    rows, cols = int(xbar.get("rows", 16)), int(xbar.get("cols", 16))
    differential = bool(xbar.get("differential", False))
    inputs = int(work.get("inputs_per_pattern", 1))
    instances, patterns = int(work.get("instances", 1)), int(work.get("patterns_per_instance", 1))
    samples = int(f.attrs["total_samples"])
    c.check("instances * patterns_per_instance = S", instances * patterns == samples,
            f"{instances} * {patterns} != {samples}")
    return rows, cols, (2 * cols if differential else cols), inputs, differential, patterns


def check_crossbar(c, f, codes):
    rows, cols, cols_physical, inputs, differential, patterns = crossbar_dims(c, f)
    samples = int(f.attrs["total_samples"])
    fields = crossbar_fields(rows, cols, cols_physical, inputs)
    values = {}
    for name, (shape, unit, role, reference) in fields.items():
        path = f"samples/{name}"
        if not c.check(f"/{path} exists", path in f, "missing"):
            continue
        d = f[path]
        c.check(f"/{path} float64 [S, {', '.join(map(str, shape))}]",
                d.dtype == np.float64 and d.shape == (samples, *shape), f"{d.dtype} {d.shape}")
        for attr, expected in (("unit", unit), ("role", role), ("reference", reference)):
            c.check(f"/{path} attr {attr}", text(d.attrs.get(attr)) == expected,
                    f"{d.attrs.get(attr)!r} != {expected!r}")
        c.check(f"/{path} attr doc is a fixed-length string", fixed_string(d.attrs.get_id("doc").dtype))
        if d.shape == (samples, *shape):
            values[name] = d[()]
    check_crossbar_values(c, values, codes, rows * cols_physical, patterns)
    if {"g_target_s", "v_in_v", "i_ideal_a"} <= values.keys():
        check_ideal(c, values, codes, differential)


def check_crossbar_values(c, values, codes, cells, patterns):
    ok, not_run, failed = codes == 0, codes == -1, codes > 0
    for name, v in values.items():
        c.check(f"{name} finite for ok samples", np.isfinite(v[ok]).all())
        c.check(f"{name} NaN for not-run samples", np.isnan(v[not_run]).all())
    if "i_spice_a" in values:
        c.check("i_spice_a NaN for failed samples", np.isnan(values["i_spice_a"][failed]).all())
    index = np.arange(codes.size)
    for name, expected in (("instance", index // patterns), ("pattern", index % patterns)):
        if name in values:
            got = values[name]
            c.check(f"{name} = sample // or % patterns_per_instance",
                    np.all(np.isnan(got) | (got == expected)), f"{got[~np.isnan(got)][:5]}")
    if "n_stuck_on" in values and "n_stuck_off" in values:
        on, off = values["n_stuck_on"][ok], values["n_stuck_off"][ok]
        c.check("stuck counts are whole numbers within the array",
                np.all((on >= 0) & (off >= 0) & (on == np.round(on)) & (off == np.round(off)) & (on + off <= cells)))
    for name in ("g_target_s", "g_programmed_s"):
        if name in values:
            c.check(f"{name} >= 0 for ok samples", np.all(values[name][ok] >= 0))


def check_ideal(c, values, codes, differential):
    """i_ideal_a[s] = v_in_v[s] @ G_eff, G_eff = G+ - G- (columns 2j and 2j+1) or G."""
    g, v, ideal = values["g_target_s"], values["v_in_v"], values["i_ideal_a"]
    worst = 0.0
    for s in np.flatnonzero(codes == 0):
        g_pos, g_neg = (g[s][:, 0::2], g[s][:, 1::2]) if differential else (g[s], np.zeros_like(g[s]))
        expected = v[s] @ (g_pos - g_neg)
        scale = np.abs(v[s]) @ (np.abs(g_pos) + np.abs(g_neg))  # the size of the terms summed
        err = np.abs(ideal[s] - expected) / np.maximum(scale, np.finfo(float).tiny)
        worst = max(worst, float(err.max(initial=0.0)))
    c.check(f"i_ideal_a = (G+ - G-)^T v for ok samples to {IDEAL_RTOL:g} relative", worst <= IDEAL_RTOL,
            f"worst relative error {worst:.3g}")


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    c = Checker()
    with h5py.File(argv[1], "r") as f:
        c.section("root attributes", check_root, f)
        codes = c.section("status and errors", check_status, f)
        c.section("storage", check_storage, f)
        if text(f.attrs.get("kind")) == "crossbar" and codes is not None:
            c.section("crossbar fields", check_crossbar, f, codes)
        else:
            c.check("kind is crossbar (the fields checked here)", False, f"kind = {f.attrs.get('kind')!r}")
    found, seen = variable_length_objects(argv[1])
    c.check("no variable-length type anywhere (data/SCHEMA.md, Storage)", seen > 0 and not found,
            f"{len(found)} of {seen} objects: {found[:5]}")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
