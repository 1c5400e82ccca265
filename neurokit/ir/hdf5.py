"""The HDF5 side of ``.nir`` files: nested dicts of arrays written as groups and datasets, and read
back after checking the declared sizes and refusing links (what :mod:`neurokit.ir.serialize` uses)."""

from __future__ import annotations

import math
from typing import Any

import h5py
import numpy as np

from neurokit.errors import FileFormatError


def write_group(group: h5py.Group, d: dict[str, Any]) -> None:
    for k, v in d.items():
        if isinstance(v, dict):
            if k == "metadata" and not v:
                continue
            write_group(group.create_group(str(k), track_order=True), v)
        elif isinstance(v, str):
            group.create_dataset(k, data=v, dtype=h5py.string_dtype())
        elif isinstance(v, np.ndarray) and v.dtype == object:
            group.create_dataset(k, data=v.astype(str).astype(object), dtype=h5py.string_dtype())
        elif isinstance(v, np.ndarray) and v.ndim > 0 and v.size > 0:
            # fletcher32: a checksum per chunk, so a flipped bit in an array is an error when read
            group.create_dataset(k, data=v, dtype=v.dtype, compression="gzip", fletcher32=True)
        else:
            group.create_dataset(k, data=v)


#: Bytes counted per element of a variable-length string dataset (each is read into a Python object).
_STRING_BYTES = 64


def check_declared_sizes(group: h5py.Group, max_bytes: int, where: str) -> dict[str, Any]:
    """Refuse, before reading any array, a file whose datasets declare more than ``max_bytes`` in
    all (a few-kB compressed file can declare terabytes), and any link: an external link reads
    another file on disk (a hostile ``.nir`` could pull in any file), a soft link aliases another
    part of the file. Returns the tree of groups (dicts) and datasets (unread) for
    :func:`read_tree`, so each object is looked up once."""
    sizes: list[tuple[int, str, tuple[int, ...], str]] = []

    def walk(g: h5py.Group, prefix: str) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for key in g:
            name = f"{prefix}{key}"
            link = g.get(key, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise FileFormatError(f"/node/{name} is an external link to {link.filename!r}:{link.path}; neurokit "
                                      f"does not follow links out of a file", where=where,
                                      fix="store the data in the file itself (re-export the model)")
            if isinstance(link, h5py.SoftLink):
                raise FileFormatError(f"/node/{name} is a soft link to {link.path!r}; neurokit reads plain "
                                      f"datasets and groups only", where=where, fix="re-export the model without links")
            item = g[key]
            if isinstance(item, h5py.Group):
                tree[key] = walk(item, f"{name}/")
            elif isinstance(item, h5py.Dataset):
                shape = item.shape or ()
                per = _STRING_BYTES if h5py.check_string_dtype(item.dtype) or item.dtype.kind == "O" else item.dtype.itemsize
                sizes.append((math.prod(shape) * per, name, shape, str(item.dtype)))
                tree[key] = item
        return tree

    try:
        tree = walk(group, "")
    except FileFormatError:
        raise
    except (KeyError, OSError, RuntimeError, ValueError, TypeError) as exc:
        raise FileFormatError(f"cannot list the datasets ({exc})", where=where,
                              fix="the file is truncated or corrupted; re-export it") from None
    total = sum(s[0] for s in sizes)
    if total > max_bytes:
        nbytes, name, shape, dtype = max(sizes)
        raise FileFormatError(f"the datasets declare {total / 2**30:.1f} GiB, above the {max_bytes / 2**30:.1f} GiB "
                              f"limit (largest: /node/{name}, shape {shape} {dtype})", where=where,
                              fix="if the file is genuine, pass a larger max_bytes to neurokit.ir.read or raise "
                                  "NEUROKIT_MAX_BYTES")
    return tree


def read_tree(tree: dict[str, Any], where: str) -> dict[str, Any]:
    """The values of the datasets in ``tree`` (from :func:`check_declared_sizes`), as nested dicts."""
    out: dict[str, Any] = {}
    for key, item in tree.items():
        if isinstance(item, dict):
            out[key] = read_tree(item, f"{where}/{key}")
            continue
        try:
            value = item[()]
        except (OSError, RuntimeError, TypeError, ValueError, KeyError) as exc:
            raise FileFormatError(f"cannot read dataset {key!r} ({exc})", where=f"{where}/{key}",
                                  fix="the file is truncated or corrupted; re-export it") from None
        out[key] = value.decode() if isinstance(value, bytes) else value
    return out
