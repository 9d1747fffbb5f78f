"""The tiny harness the Python tests share: check(cond, what) counts, and finish() prints
"N passed, M failed" (the closing line CI reads) and exits non-zero on any failure."""
import sys

_failures = []
_passed = 0


def check(cond, what):
    global _passed
    if cond:
        _passed += 1
    else:
        _failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def finish():
    print(f"{_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)


def attr_str(a):
    """An HDF5 string attribute as str, whether h5py gives bytes (fixed-length) or str."""
    return a.decode() if isinstance(a, bytes) else str(a)


MASK = (1 << 64) - 1


def splitmix64(x):
    """core::splitmix64 (core/rng.hpp), bit for bit."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def held_out_instances(instances, seed):
    """The held-out chips of a fit (data/MODEL_SCHEMA.md): the round(n/5) instances with the
    smallest splitmix64(seed ^ k), at least 1 and at most n - 1."""
    chips = sorted({int(k) for k in instances})
    n_held = len(chips) if len(chips) <= 1 else min(len(chips) - 1, max(1, int(len(chips) / 5 + 0.5)))
    return set(sorted(chips, key=lambda k: (splitmix64(seed ^ k), k))[:n_held])


def variable_length_objects(path):
    """Every object of the HDF5 file at `path` (the root, groups, datasets and their attributes)
    whose type is or holds a variable-length type (string or sequence), as "name: dtype" lines.
    xbar writes none (issue 15, point 2): such data lives in HDF5's unchecked global heap."""
    import h5py

    def is_variable(dtype):
        if h5py.check_string_dtype(dtype) is not None and h5py.check_string_dtype(dtype).length is None:
            return True
        if h5py.check_vlen_dtype(dtype) is not None or dtype.kind == "O":
            return True
        if dtype.fields:
            return any(is_variable(f[0]) for f in dtype.fields.values())
        if dtype.subdtype is not None:
            return is_variable(dtype.subdtype[0])
        return False

    found = []
    seen = 0

    def visit_attrs(name, obj):
        nonlocal seen
        for key in obj.attrs:
            seen += 1
            dtype = obj.attrs.get_id(key).dtype
            if is_variable(dtype):
                found.append(f"{name}@{key}: {dtype}")

    with h5py.File(path, "r") as f:
        visit_attrs("/", f)

        def visit(name, obj):
            nonlocal seen
            seen += 1
            visit_attrs("/" + name, obj)
            if isinstance(obj, h5py.Dataset) and is_variable(obj.dtype):
                found.append(f"/{name}: {obj.dtype}")

        f.visititems(visit)
    return found, seen


def check_no_variable_length(path, what):
    """check() that the file holds no variable-length type anywhere (and that the walk saw objects)."""
    found, seen = variable_length_objects(path)
    check(seen > 0 and not found, f"{what}: no variable-length data in {seen} objects: {found[:5]}")


def text(value):
    """A string attribute as str: xbar writes fixed-length strings, which h5py returns as bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)


def variable_length_copy(src, dst, schema):
    """Copies the HDF5 file `src` to `dst` the way xbar wrote it before fixed-length strings: every
    string attribute and string dataset variable-length, root `schema` set to `schema` (e.g.
    "xbar.campaign/1"). Numeric data, chunking and compression are kept. Returns dst."""
    import h5py
    import numpy as np

    vlen = h5py.string_dtype("utf-8")

    def copy_attrs(a, b):
        for key in a.attrs:
            value = a.attrs[key]
            if isinstance(value, bytes):
                b.attrs.create(key, value.decode(), dtype=vlen)
            else:
                b.attrs[key] = value

    with h5py.File(src, "r") as f, h5py.File(dst, "w", track_order=True) as g:
        copy_attrs(f, g)
        g.attrs.create("schema", schema, dtype=vlen)

        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                copy_attrs(obj, g.require_group(name))
                return
            kw = dict(chunks=obj.chunks, maxshape=obj.maxshape, compression=obj.compression,
                      compression_opts=obj.compression_opts, shuffle=obj.shuffle)
            if obj.chunks is None:
                kw = {}
            if h5py.check_string_dtype(obj.dtype) is not None:
                data = np.array([s.decode() for s in obj[()].ravel()], dtype=object).reshape(obj.shape)
                d = g.create_dataset(name, data=data, dtype=vlen, **kw)
            else:
                d = g.create_dataset(name, data=obj[()], dtype=obj.dtype, **kw)
            copy_attrs(obj, d)

        f.visititems(visit)
    return dst
