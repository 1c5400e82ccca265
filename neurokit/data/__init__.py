"""Datasets and encoders.

* ``event-digits`` (:class:`EventDigits`) — the embedded default: scikit-learn's digits seen by an
  emulated DVS (16x16, 300 ms), built offline and cached; ``digits`` (:class:`Digits`) — the images.
* tonic datasets by name (``nmnist``, ``shd``, ``ssc``, ``dvsgesture``, or any tonic class) from
  local files, with a clear error naming the files when they are missing.
* encoders for non-event data and binning of events to the profile's ``dt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neurokit.errors import InvalidInputError

from .binning import batches, bin_events, collate_time_first, dense_dataset
from .embedded import Digits, EventDigits, build_event_digits, event_digits_file, split_indices
from .encoders import CurrentEncoder, LatencyEncoder, RateEncoder, current, delta, latency, poisson, rate
from .tonic_datasets import LAYOUTS, load_tonic

EMBEDDED = ("event-digits", "digits")


def load_dataset(name: str, *, train: bool = True, data_dir: str | Path | None = None, transform: Any = None,
                 target_transform: Any = None, **kwargs: Any) -> Any:
    """A dataset by name: ``event-digits`` (default), ``digits``, or a tonic dataset from ``data_dir``."""
    if name == "event-digits":
        return EventDigits(train=train, transform=transform, target_transform=target_transform, **kwargs)
    if name == "digits":
        return Digits(train=train)
    if data_dir is None:
        raise InvalidInputError(f"dataset {name!r} needs --data-dir", fix="point --data-dir at the extracted files")
    return load_tonic(name, data_dir, train=train, transform=transform, target_transform=target_transform, **kwargs)


__all__ = ["EMBEDDED", "LAYOUTS", "CurrentEncoder", "Digits", "EventDigits", "LatencyEncoder", "RateEncoder",
           "batches", "bin_events", "build_event_digits", "collate_time_first", "current", "delta", "dense_dataset",
           "event_digits_file", "latency", "load_dataset", "load_tonic", "poisson", "rate", "split_indices"]
