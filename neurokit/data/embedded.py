"""``event-digits``: the embedded default dataset, and ``digits``, its static twin.

scikit-learn's 1,797 handwritten digits (8x8, shipped with scikit-learn, no download) seen by an
emulated DVS sensor (:mod:`neurokit.data.dvs`, 16x16, three saccades, 300 ms). Built once per
(seed, configuration) and cached as HDF5 under ``$NEUROKIT_CACHE`` or ``~/.cache/neurokit``
(written atomically); the train/test split is fixed and stratified (1,347 / 450).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit.errors import DataNotFoundError
from neurokit.util.atomic import atomic_path

from .dvs import EVENT_DTYPE, DVSConfig, emulate

N_TEST = 450
SPLIT_SEED = 0
FORMAT_VERSION = 1


def cache_dir() -> Path:
    """``$NEUROKIT_CACHE`` or ``~/.cache/neurokit``."""
    return Path(os.environ.get("NEUROKIT_CACHE", Path.home() / ".cache" / "neurokit"))


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.float64) / 16.0, d.target.astype(np.int64)


def split_indices() -> tuple[np.ndarray, np.ndarray]:
    """The fixed stratified split of the 1,797 digits: (train indices, test indices)."""
    from sklearn.model_selection import train_test_split

    _, y = _digits()
    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=N_TEST, stratify=y, random_state=SPLIT_SEED)
    return np.sort(train), np.sort(test)


def _cache_key(seed: int, cfg: DVSConfig) -> str:
    blob = json.dumps({"seed": seed, "cfg": dataclasses.asdict(cfg), "v": FORMAT_VERSION}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def build_event_digits(path: Path, *, seed: int = 0, cfg: DVSConfig = DVSConfig()) -> Path:
    """Emulate all 1,797 samples and write them to ``path`` (HDF5, atomically)."""
    images, labels = _digits()
    events = emulate(images, seed=seed, cfg=cfg)
    train, test = split_indices()
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in events])])
    allev = np.concatenate(events)
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        g = f.create_group("events")
        for field in EVENT_DTYPE.names:
            g.create_dataset(field, data=allev[field], compression="gzip")
        f.create_dataset("offsets", data=offsets)
        f.create_dataset("labels", data=labels)
        f.create_dataset("train_index", data=train)
        f.create_dataset("test_index", data=test)
        f.attrs["config"] = json.dumps(dataclasses.asdict(cfg))
        f.attrs["seed"] = seed
        f.attrs["format_version"] = FORMAT_VERSION
    return path


def event_digits_file(*, seed: int = 0, cfg: DVSConfig = DVSConfig(), root: Path | None = None) -> Path:
    """Path of the cached build, building it first if needed."""
    path = (root or cache_dir()) / f"event-digits-{_cache_key(seed, cfg)}.h5"
    if not path.is_file():
        build_event_digits(path, seed=seed, cfg=cfg)
    return path


class EventDigits:
    """The embedded DVS digits as a tonic-style dataset: ``ds[i] -> (events, label)``.

    ``events`` is a structured array with tonic's fields ``x, y, t, p`` (``t`` in µs).
    """

    sensor_size = (16, 16, 2)
    ordering = "xytp"
    classes = [str(i) for i in range(10)]
    duration_us = 300_000

    def __init__(self, train: bool = True, *, transform: Callable[[np.ndarray], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None, seed: int = 0,
                 cfg: DVSConfig = DVSConfig(), root: str | os.PathLike[str] | None = None) -> None:
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.path = event_digits_file(seed=seed, cfg=cfg, root=Path(root) if root else None)
        with h5py.File(self.path, "r") as f:
            self._x, self._y = f["events/x"][()], f["events/y"][()]
            self._t, self._p = f["events/t"][()], f["events/p"][()]
            self._offsets = f["offsets"][()]
            self._labels = f["labels"][()]
            self.indices = f["train_index" if train else "test_index"][()]
        self.targets = self._labels[self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def events(self, i: int) -> np.ndarray:
        """Raw events of the ``i``-th sample of this split (no transform)."""
        k = int(self.indices[i])
        sl = slice(int(self._offsets[k]), int(self._offsets[k + 1]))
        ev = np.empty(sl.stop - sl.start, dtype=EVENT_DTYPE)
        ev["x"], ev["y"], ev["t"], ev["p"] = self._x[sl], self._y[sl], self._t[sl], self._p[sl]
        return ev

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        ev: Any = self.events(i)
        target: Any = int(self.targets[i])
        if self.transform is not None:
            ev = self.transform(ev)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return ev, target


class Digits:
    """The static digits (8x8 images in [0, 1], same split) for ANN training and conversion."""

    shape = (1, 8, 8)
    classes = [str(i) for i in range(10)]

    def __init__(self, train: bool = True) -> None:
        images, labels = _digits()
        train_idx, test_idx = split_indices()
        idx = train_idx if train else test_idx
        self.images = images[idx][:, None].astype(np.float32)
        self.targets = labels[idx]

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.images[i], int(self.targets[i])


def require_file(path: Path, what: str, fix: str) -> None:
    if not path.exists():
        raise DataNotFoundError(f"{what} not found at {str(path)!r}", fix=fix)
