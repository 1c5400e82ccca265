"""The data a training run reads: the configured dataset's splits, dense or streamed (binned on
demand), and the seeded training subset of ``TrainConfig.train_samples``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .config import TrainConfig


def load_split(cfg: TrainConfig, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """Dense ``(N, T, *shape)`` float32 inputs and labels for the configured dataset (the training
    split restricted to ``cfg.train_samples`` samples when set)."""
    from neurokit.data import dense_dataset, load_dataset

    if train and cfg.train_samples:  # only the subset is binned
        split = stream_split(cfg, True)
        x, y = split.batch(np.arange(len(split)))
        return np.ascontiguousarray(np.moveaxis(x, 0, 1)), y
    ds = load_dataset(cfg.dataset, train=train, data_dir=cfg.data_dir)
    x, y = dense_dataset(ds, dt=cfg.dt, steps=cfg.steps)
    return x.astype(np.float32), y


def train_subset(total: int, cfg: TrainConfig) -> np.ndarray:
    """The sorted indices of the ``cfg.train_samples`` training samples a run uses (all when 0 or
    at least ``total``): a random draw seeded by ``cfg.seed``, the same for every method and stage."""
    if not cfg.train_samples or cfg.train_samples >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(1000 + cfg.seed).permutation(total)[:cfg.train_samples])


class SubsetSplit:
    """The samples ``index`` of a :class:`~neurokit.data.BinnedSplit` (same interface: ``batch``,
    ``batches``, ``shape``, ``classes`` of the whole split, ``labels``, ``dt``, ``steps``)."""

    def __init__(self, split: Any, index: np.ndarray) -> None:
        self.split, self.index = split, np.asarray(index, dtype=np.int64)
        self.shape, self.classes, self.dt, self.steps = split.shape, split.classes, split.dt, split.steps
        self.labels = split.labels[self.index]

    def __len__(self) -> int:
        return len(self.index)

    def batch(self, indices: Any) -> tuple[np.ndarray, np.ndarray]:
        return self.split.batch(self.index[np.asarray(indices, dtype=np.int64)])

    def batches(self, batch_size: int, order: np.ndarray | None = None) -> Any:
        from neurokit.data import BinnedSplit

        return BinnedSplit.batches(self, batch_size, order)  # type: ignore[arg-type]  # the same loop over self.batch


def stream_split(cfg: TrainConfig, train: bool) -> Any:
    """The configured split as a :class:`~neurokit.data.BinnedSplit`: batches binned at ``cfg.dt``
    for ``cfg.steps`` steps on demand (no dense copy of the split); shape and classes from the data;
    the training split restricted to ``cfg.train_samples`` samples when set (:func:`train_subset`)."""
    from neurokit.data import BinnedSplit, load_dataset

    split = BinnedSplit(load_dataset(cfg.dataset, train=train, data_dir=cfg.data_dir), dt=cfg.dt, steps=cfg.steps)
    return SubsetSplit(split, train_subset(len(split), cfg)) if train and cfg.train_samples else split
