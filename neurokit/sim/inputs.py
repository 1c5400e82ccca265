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
    if path.suffix == ".npy":
        return {"inputs": np.load(path, allow_pickle=False)}
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    if path.suffix in (".h5", ".hdf5"):
        import h5py

        with h5py.File(path, "r") as f:
            return {k: f[k][()] for k in f if not isinstance(f[k], h5py.Group)}
    raise InvalidInputError(f"unsupported input file type {path.suffix!r}", fix="use .npy, .npz or .h5")


def load_input_file(path: str | os.PathLike[str], graph: ir.Graph, steps: int | None = None) -> np.ndarray:
    """Dense time-first inputs ``(T, B, *shape)`` for ``graph``'s single Input."""
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"input file {str(p)!r} not found", fix="check the path")
    try:
        data = _fields(p)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read inputs ({exc})", where=str(p), fix="write a .npy/.npz/.h5 file") from None
    inputs = list(graph.inputs.values())
    if len(inputs) != 1:
        raise InvalidInputError("input files feed graphs with one Input", fix="use the Python API for several")
    shape = inputs[0].shape
    if "inputs" in data:
        x = np.asarray(data["inputs"], dtype=np.float64)
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

    t = np.asarray(data["t"], dtype=np.int64)
    T = steps or int(t.max() // int(round(dt * 1e6))) + 1 if len(t) else (steps or 1)
    samples = np.asarray(data.get("sample", np.zeros(len(t), np.int64)), dtype=np.int64)
    B = int(samples.max()) + 1 if len(samples) else 1
    if len(shape) == 3:
        sensor = (shape[2], shape[1], shape[0])
    elif len(shape) == 2:
        sensor = (shape[1], 1, shape[0])
    else:
        raise InvalidInputError(f"events need an Input of shape (P, H, W) or (P, W), the model has {shape}",
                                where=where, fix="bin the events yourself and save them as 'inputs'")
    names = [("x", np.int16), ("t", np.int64), ("p", np.int8)] + ([("y", np.int16)] if "y" in data else [])
    out = np.zeros((T, B, *shape), dtype=np.float64)
    for b in range(B):
        sel = samples == b
        ev = np.zeros(int(sel.sum()), dtype=names)
        for name, _ in names:
            ev[name] = np.asarray(data[name])[sel]
        out[:, b] = bin_events(ev, sensor, dt=dt, steps=T).reshape(T, *shape)
    return out
