"""Events to dense time-first tensors at the execution profile's ``dt``, and batching."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np


def bin_events(events: np.ndarray, sensor_size: tuple[int, ...], *, dt: float, steps: int) -> np.ndarray:
    """Count events per ``dt`` bin (``t`` in µs, bin ``k`` holds ``k dt <= t < (k+1) dt``); crop at ``steps``.

    Returns ``(steps, P, H, W)`` for 2-D sensors (tonic's ``sensor_size = (W, H, P)``) or
    ``(steps, P, W)`` for 1-D ones (``(W, 1, P)``), float32 — the layout of tonic's ``ToFrame``.
    Tonic's other transforms (``Denoise``, ``Downsample`` …) apply before binning via ``transform=``.
    """
    w, h, p = (tuple(sensor_size) + (1, 1))[:3]
    one_d = h == 1 and "y" not in (events.dtype.names or ())
    out = np.zeros((steps, p, h, w), dtype=np.float32)
    if len(events):
        k = (events["t"] // int(round(dt * 1e6))).astype(np.int64)
        keep = (k >= 0) & (k < steps)
        pol = events["p"][keep].astype(np.int64) if p > 1 else np.zeros(int(keep.sum()), dtype=np.int64)
        y = events["y"][keep].astype(np.int64) if not one_d else np.zeros(int(keep.sum()), dtype=np.int64)
        np.add.at(out, (k[keep], pol, y, events["x"][keep].astype(np.int64)), 1.0)
    return out[:, :, 0, :] if one_d else out


def collate_time_first(batch: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Stack ``(T, ...)`` samples into ``(T, B, ...)`` float32 and the labels into int64."""
    xs = np.stack([np.asarray(x, dtype=np.float32) for x, _ in batch], axis=1)
    ys = np.asarray([int(y) for _, y in batch], dtype=np.int64)
    return xs, ys


def dense_dataset(dataset: Any, *, dt: float, steps: int, flatten: bool = False,
                  limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The samples of a tonic-style event dataset binned: ``(N, steps, ...)`` and labels ``(N,)``
    (the first ``limit`` samples when given)."""
    xs, ys = [], []
    for i in range(len(dataset) if limit is None else min(limit, len(dataset))):
        ev, y = dataset[i]
        x = bin_events(ev, dataset.sensor_size, dt=dt, steps=steps)
        xs.append(x.reshape(steps, -1) if flatten else x)
        ys.append(int(y))
    return np.stack(xs), np.asarray(ys, dtype=np.int64)


def batches(x: np.ndarray, y: np.ndarray, batch_size: int, *, seed: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches of a dense dataset ``(N, T, ...)`` as time-first ``(T, B, ...)``; shuffled if ``seed`` given."""
    order = np.arange(len(y)) if seed is None else np.random.default_rng(seed).permutation(len(y))
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        yield np.moveaxis(x[idx], 0, 1), y[idx]
