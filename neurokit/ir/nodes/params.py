"""Parameter arrays for IR nodes: copied, read-only, finite, named in every error."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurokit.errors import GraphError

#: Largest magnitude a parameter may have: float32's (every numeric mode must be able to hold it).
LARGEST = float(np.finfo(np.float32).max)


def param_array(value: Any, *, node: str, field: str, dtype: Any = None,
                allow_negative: bool = True, positive: bool = False) -> np.ndarray:
    """Return ``value`` as a read-only NumPy array, refusing NaN/inf and (optionally) signs.

    Floating arrays keep their dtype (float32 stays float32, so files round-trip losslessly);
    anything else becomes float64 unless ``dtype`` is given.
    """
    try:
        arr = np.array(value, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise GraphError(f"parameter {field!r} is not numeric ({exc})", where=node,
                         fix=f"pass a number or a numeric array for {field}") from None
    if arr.dtype.kind == "c":
        raise GraphError(f"parameter {field!r} is complex ({arr.dtype}); its imaginary part would be lost", where=node,
                         fix=f"write real values for {field}")
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise GraphError(f"parameter {field!r} has non-numeric type {arr.dtype}", where=node,
                         fix=f"pass a numeric array for {field}")
    if dtype is None and arr.dtype.kind not in "f":
        arr = arr.astype(np.float64)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise GraphError(f"parameter {field!r} has {bad} NaN/inf value(s)", where=node,
                         fix="check the training run or the exporter that wrote these values")
    if arr.dtype.kind == "f" and arr.size and np.abs(arr).max() > LARGEST:
        raise GraphError(f"parameter {field!r} reaches {np.abs(arr).max():.3g}, beyond the float32 range "
                         f"(|x| <= {LARGEST:.3g}): the simulation would overflow to inf/NaN", where=node,
                         fix="check the training run or the exporter; such values are corrupted, not a model")
    if positive and np.any(arr <= 0):
        raise GraphError(f"parameter {field!r} must be > 0 (min is {arr.min()!r})", where=node,
                         fix=f"a {field} is a time constant or scale; give it in seconds, > 0")
    if not allow_negative and np.any(arr < 0):
        raise GraphError(f"parameter {field!r} must be >= 0 (min is {arr.min()!r})", where=node,
                         fix=f"use non-negative values for {field}")
    arr.setflags(write=False)
    return arr


def same_shapes(node: str, **arrays: np.ndarray) -> tuple[int, ...]:
    """Check that all named arrays share one shape and return it."""
    shapes = {name: a.shape for name, a in arrays.items()}
    distinct = set(shapes.values())
    if len(distinct) > 1:
        listing = ", ".join(f"{k}{v}" for k, v in shapes.items())
        raise GraphError(f"parameter shapes differ: {listing}", where=node,
                         fix="give every per-neuron parameter the same shape (one value per neuron)")
    return next(iter(distinct)) if distinct else ()


def int_tuple(value: Any, n: int, *, node: str, field: str, minimum: int = 0) -> tuple[int, ...]:
    """Normalise an int or a sequence of ints to an ``n``-tuple of ints ``>= minimum``."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.size == 1:
        arr = np.repeat(arr, n)
    if arr.size != n or arr.dtype.kind not in "iuf" or np.any(arr != np.round(arr)):
        got = f"an array of shape {np.shape(value)}" if np.ndim(value) > 1 or np.size(value) > 8 else repr(value)
        raise GraphError(f"{field} must be an int or {n} ints, got {got}", where=node,
                         fix=f"give {field} as {n} whole numbers")
    out = tuple(int(v) for v in arr)
    if min(out) < minimum:
        raise GraphError(f"{field} must be >= {minimum}, got {out}", where=node,
                         fix=f"use values >= {minimum} for {field}")
    return out
