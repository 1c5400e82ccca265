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


def dataset_labels(dataset: Any) -> np.ndarray:
    """The labels of a tonic-style dataset without reading its events where the files allow:
    the Heidelberg HDF5 files' ``labels``, a ``targets`` list of the right length, else sample by sample."""
    location, name = getattr(dataset, "location_on_system", None), getattr(dataset, "data_filename", None)
    if location is not None and name is not None:
        import os

        import h5py

        with h5py.File(os.path.join(location, name), "r") as f:
            return np.asarray(f["labels"][()], dtype=np.int64)
    targets = getattr(dataset, "targets", None)
    if targets is not None and len(targets) == len(dataset):
        return np.asarray(targets, dtype=np.int64)
    return np.asarray([int(dataset[i][1]) for i in range(len(dataset))], dtype=np.int64)


def class_count(dataset: Any, labels: np.ndarray) -> int:
    """Number of classes: the dataset's ``classes`` list (SHD's ``extra/keys``) or the largest label + 1."""
    named = getattr(dataset, "classes", None)
    n_named = len(named) if named is not None and not callable(named) else 0
    return max(n_named, int(labels.max()) + 1 if len(labels) else 0)


class BinnedSplit:
    """A split of an event dataset binned on demand, batch by batch (no dense copy of the split).

    ``split.batch(indices) -> (x, y)`` with ``x`` time-first ``(steps, B, *shape)`` float32, binned
    at ``dt`` by :func:`bin_events`; ``shape`` and ``classes`` come from the data.
    """

    def __init__(self, dataset: Any, *, dt: float, steps: int) -> None:
        self.dataset = dataset
        self.dt, self.steps = dt, steps
        self.labels = dataset_labels(dataset)
        self.classes = class_count(dataset, self.labels)
        self.shape = tuple(int(s) for s in self._binned(0).shape[1:]) if len(self.labels) else ()

    def __len__(self) -> int:
        return len(self.labels)

    def _binned(self, i: int) -> np.ndarray:
        events, _ = self.dataset[int(i)]
        return bin_events(events, self.dataset.sensor_size, dt=self.dt, steps=self.steps)

    def _heidelberg_file(self) -> str | None:
        """The HDF5 file of a tonic SHD/SSC dataset without transforms (read directly, one open per batch)."""
        ds = self.dataset
        name = getattr(ds, "data_filename", None)
        if name is None or getattr(ds, "transform", None) is not None or getattr(ds, "dtype", None) is None:
            return None
        import os

        return os.path.join(ds.location_on_system, name)

    def batch(self, indices: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, B, *shape)`` float32 inputs and ``(B,)`` int64 labels of these samples."""
        idx = np.asarray(indices, dtype=np.int64)
        x = np.empty((self.steps, len(idx), *self.shape), dtype=np.float32)
        path = self._heidelberg_file()
        if path is not None:  # the events tonic's HSD.__getitem__ makes (t in whole µs, x = unit, p = 1)
            import h5py

            with h5py.File(path, "r") as f:
                times, units = f["spikes/times"], f["spikes/units"]
                for b, i in enumerate(idx):
                    t = times[int(i)]
                    ev = np.empty(len(t), dtype=self.dataset.dtype)
                    ev["t"], ev["x"], ev["p"] = t.astype(np.float64) * 1e6, units[int(i)], 1
                    x[:, b] = bin_events(ev, self.dataset.sensor_size, dt=self.dt, steps=self.steps)
        else:
            for b, i in enumerate(idx):
                x[:, b] = self._binned(int(i))
        return x, self.labels[idx]

    def batches(self, batch_size: int, order: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The split in batches of ``batch_size``, in ``order`` (default: as stored)."""
        order = np.arange(len(self)) if order is None else order
        for i in range(0, len(order), batch_size):
            yield self.batch(order[i:i + batch_size])
