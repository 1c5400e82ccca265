"""Input files for ``neurokit simulate``/``deploy --run``: dense arrays or tonic-style events.

* ``.npy`` — a dense array ``(T, B, *shape)`` (or ``(T, *shape)`` for one sample);
* ``.npz`` / ``.h5`` — dataset ``inputs`` (dense, as above), or event fields ``t`` (µs), ``x``,
  optional ``y``, ``p`` (one sample; optional ``sample`` index for several), binned to the
  profile's ``dt`` onto the graph's single Input of shape ``(P, H, W)`` or ``(P, W)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.errors import DataNotFoundError, FileFormatError, InvalidInputError


def _fields(path: Path) -> dict[str, np.ndarray]:
    from neurokit.util.budget import check_elements

    if path.suffix == ".npy":
        arr = np.load(path, allow_pickle=False, mmap_mode="r")
        check_elements(arr.shape, arr.dtype.itemsize, "array 'inputs'", where=str(path))
        return {"inputs": np.asarray(arr)}
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    if path.suffix in (".h5", ".hdf5"):
        import h5py

        with h5py.File(path, "r") as f:
            out = {}
            for k in f:
                link = f.get(k, getlink=True)
                if not isinstance(link, h5py.HardLink):
                    raise FileFormatError(f"{k!r} is a link; neurokit reads plain datasets only", where=str(path),
                                          fix="store the arrays in the file itself")
                if isinstance(f[k], h5py.Dataset):
                    check_elements(f[k].shape, max(f[k].dtype.itemsize, 8), f"dataset {k!r}", where=str(path))
                    out[k] = f[k][()]
            return out
    raise InvalidInputError(f"unsupported input file type {path.suffix!r}", fix="use .npy, .npz or .h5")


def load_input_file(path: str | os.PathLike[str], graph: ir.Graph, steps: int | None = None) -> np.ndarray:
    """Dense time-first inputs ``(T, B, *shape)`` for ``graph``'s single Input."""
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"input file {str(p)!r} not found", fix="check the path")
    try:
        data = _fields(p)
    except InvalidInputError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, EOFError) as exc:
        raise FileFormatError(f"cannot read inputs ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
                              where=str(p), fix="write a .npy/.npz/.h5 file") from None
    if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 1):
        raise InvalidInputError(f"steps must be a whole number >= 1, got {steps!r}",
                                fix="give --steps N with N >= 1, or leave it out to run the whole input")
    for name, value in data.items():
        if np.asarray(value).dtype.kind not in "biuf":
            raise FileFormatError(f"{name!r} has type {np.asarray(value).dtype}, not real numbers", where=str(p),
                                  fix="save real-valued numeric arrays (no complex, text or objects)")
    inputs = list(graph.inputs.values())
    if len(inputs) != 1:
        raise InvalidInputError("input files feed graphs with one Input", fix="use the Python API for several")
    shape = inputs[0].shape
    if "inputs" in data:
        x = np.asarray(data["inputs"], dtype=np.float64)
        if x.ndim < 1 or x.shape[0] == 0:
            raise InvalidInputError(f"inputs have shape {x.shape}: no time steps", where=str(p),
                                    fix="save a (T, B, *shape) array with T >= 1")
        if tuple(x.shape[1:]) == tuple(shape):
            x = x[:, None]
        if tuple(x.shape[2:]) != tuple(shape):
            raise InvalidInputError(f"inputs have shape {x.shape}, the model takes (T, B, *{tuple(shape)})",
                                    where=str(p), fix="reshape the array (time first, then batch)")
        return x[:steps] if steps else x
    if {"t", "x", "p"} <= set(data):
        return _bin_events(data, shape, graph.profile.dt, steps, str(p))
    raise FileFormatError(f"found {sorted(data)}; expected 'inputs' or event fields t, x, [y], p", where=str(p),
                          fix="save a dense array as 'inputs' or events as t/x/y/p")


def _bin_events(data: dict[str, Any], shape: tuple[int, ...], dt: float, steps: int | None, where: str) -> np.ndarray:
    from neurokit.data.binning import bin_events

    from neurokit.util.budget import check_elements

    if len(shape) == 3:
        sensor = (shape[2], shape[1], shape[0])
    elif len(shape) == 2:
        sensor = (shape[1], 1, shape[0])
    else:
        raise InvalidInputError(f"events need an Input of shape (P, H, W) or (P, W), the model has {shape}",
                                where=where, fix="bin the events yourself and save them as 'inputs'")
    n = len(np.atleast_1d(data["t"]))
    limits = {"x": sensor[0], "y": sensor[1], "p": sensor[2], "t": None, "sample": None}
    for name, upper in limits.items():
        if name not in data:
            continue
        v = np.atleast_1d(np.asarray(data[name]))
        if v.ndim != 1 or len(v) != n:
            raise InvalidInputError(f"event field {name!r} has shape {v.shape}, field 't' has ({n},)", where=where,
                                    fix="give every event field one value per event")
        if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            raise InvalidInputError(f"event field {name!r} holds NaN/inf", where=where, fix="clean the events")
        if n and v.min() < 0:
            raise InvalidInputError(f"event field {name!r} holds negative values (min {v.min()})", where=where,
                                    fix=f"{name} counts from 0; negative values would wrap around")
        if upper is not None and n and v.max() >= upper:
            raise InvalidInputError(f"event field {name!r} reaches {v.max()}, outside the model's input "
                                    f"(0 <= {name} < {upper} for Input shape {shape})", where=where,
                                    fix="crop or rescale the events to the model's input size")
    t = np.asarray(data["t"], dtype=np.int64)
    T = steps or int(t.max() // int(round(dt * 1e6))) + 1 if len(t) else (steps or 1)
    samples = np.asarray(data.get("sample", np.zeros(len(t), np.int64)), dtype=np.int64)
    B = int(samples.max()) + 1 if len(samples) else 1
    check_elements((T, B, *shape), 8, f"the binned events ({T} steps of dt = {dt:g} s up to t = "
                                      f"{int(t.max()) if len(t) else 0} µs, {B} samples)", where=where)
    names = [("x", np.int16), ("t", np.int64), ("p", np.int8)] + ([("y", np.int16)] if "y" in data else [])
    out = np.zeros((T, B, *shape), dtype=np.float64)
    for b in range(B):
        sel = samples == b
        ev = np.zeros(int(sel.sum()), dtype=names)
        for name, _ in names:
            ev[name] = np.asarray(data[name])[sel]
        out[:, b] = bin_events(ev, sensor, dt=dt, steps=T).reshape(T, *shape)
    return out
