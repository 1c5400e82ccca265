"""Datasets and encoders.

* ``event-digits`` (:class:`EventDigits`) — the embedded default: scikit-learn's digits seen by an
  emulated DVS (16x16, 300 ms), built offline and cached; ``digits`` (:class:`Digits`) — the images.
* ``spoken-digits`` — digits 0–9 spoken in English and German (20 classes), synthesised offline with
  eSpeak NG, 700 cochlear channels, written in the SHD files' layout and read by tonic's ``SHD`` class
  (:mod:`neurokit.data.spoken_digits`).
* tonic datasets by name (``nmnist``, ``shd``, ``ssc``, ``dvsgesture``, or any tonic class) from
  local files, with a clear error naming the files when they are missing.
* encoders for non-event data and binning of events to the profile's ``dt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neurokit.errors import InvalidInputError

from .binning import BinnedSplit, batches, bin_events, class_count, collate_time_first, dataset_labels, dense_dataset
from .embedded import Digits, EventDigits, build_event_digits, event_digits_file, split_indices
from .encoders import CurrentEncoder, LatencyEncoder, RateEncoder, current, delta, latency, poisson, rate
from .tonic_datasets import LAYOUTS, load_tonic

EMBEDDED = ("event-digits", "digits", "spoken-digits")

#: Training defaults per dataset, used where a run does not set them (``TrainConfig.from_dict``):
#: the time base that covers a sample (spoken-digits and SHD last up to 1 s, SSC 1 s).
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "spoken-digits": {"dt": 0.02, "steps": 50, "epochs": 20},
    "shd": {"dt": 0.01, "steps": 100},
    "ssc": {"dt": 0.01, "steps": 100},
}


def load_dataset(name: str, *, train: bool = True, data_dir: str | Path | None = None, transform: Any = None,
                 target_transform: Any = None, **kwargs: Any) -> Any:
    """A dataset by name: ``event-digits`` (default), ``digits``, ``spoken-digits`` (built into the cache,
    or into ``data_dir`` when given), or a tonic dataset from ``data_dir``."""
    if name == "event-digits":
        return EventDigits(train=train, transform=transform, target_transform=target_transform, **kwargs)
    if name == "digits":
        return Digits(train=train)
    if name == "spoken-digits":  # built once into the cache (or data_dir), then read by tonic's SHD class
        from .spoken_digits import spoken_digits_dir

        folder = spoken_digits_dir(seed=int(kwargs.pop("seed", 0)), root=data_dir)
        return load_tonic("shd", folder, train=train, transform=transform, target_transform=target_transform, **kwargs)
    if data_dir is None:
        raise InvalidInputError(f"dataset {name!r} needs --data-dir", fix="point --data-dir at the extracted files")
    return load_tonic(name, data_dir, train=train, transform=transform, target_transform=target_transform, **kwargs)


__all__ = ["DATASET_DEFAULTS", "EMBEDDED", "LAYOUTS", "BinnedSplit", "CurrentEncoder", "Digits", "EventDigits", "LatencyEncoder", "RateEncoder",
           "batches", "bin_events", "build_event_digits", "class_count", "collate_time_first", "dataset_labels", "current", "delta", "dense_dataset",
           "event_digits_file", "latency", "load_dataset", "load_tonic", "poisson", "rate", "split_indices"]
