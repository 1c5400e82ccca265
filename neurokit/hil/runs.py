"""Run results as plain arrays on disk (HDF5), so a board in another process can hand them over.

A run is ``spikes[node] -> bool (T, B, *shape)`` for the spiking nodes,
``outputs[node] -> float (T, B, *shape)`` for the Output nodes and ``counters`` — whole-number
diagnostics the board reports (e.g. SpiNNaker's ``ring_buffer_saturations/<population>``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

from neurokit.errors import BoardError, FileFormatError
from neurokit.util.atomic import atomic_path


@dataclass
class RunArrays:
    """Spike trains and output values of one run."""

    spikes: dict[str, np.ndarray] = field(default_factory=dict)
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)


def from_recording(rec: Any, counters: dict[str, int] | None = None) -> RunArrays:
    """Dense spike trains, outputs and ``counters`` (default: the integer entries of ``rec.meta``,
    :func:`neurokit.backends.base.meta_counters`) from a :class:`neurokit.sim.recording.Recording`."""
    from neurokit.backends.base import meta_counters

    spikes = {node: np.asarray(rec.spike_train(node), dtype=bool) for node in rec.spiking_nodes}
    outputs = {node: np.asarray(v) for node, v in rec.outputs.items()}
    return RunArrays(spikes=spikes, outputs=outputs, counters=dict(meta_counters(rec) if counters is None else counters))


def write_run(path: str | os.PathLike[str], run: RunArrays) -> None:
    """Write a run atomically. Datasets are numbered, each with its node name in the ``node``
    attribute (a node name may hold ``/``, which HDF5 would read as a path)."""
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        for group, data in (("spikes", run.spikes), ("outputs", run.outputs)):
            g = f.create_group(group)
            for i, (k, v) in enumerate(data.items()):
                g.create_dataset(str(i), data=v, compression="gzip").attrs["node"] = k
        counters = f.create_group("counters")
        for k, v in run.counters.items():
            counters.attrs[k] = int(v)


def read_run(path: str | os.PathLike[str]) -> RunArrays:
    """Read a run written by :func:`write_run`."""
    try:
        with h5py.File(path, "r") as f:
            return RunArrays(spikes={str(d.attrs["node"]): d[()].astype(bool) for d in f["spikes"].values()},
                             outputs={str(d.attrs["node"]): d[()] for d in f["outputs"].values()},
                             counters={k: int(v) for k, v in f["counters"].attrs.items()} if "counters" in f else {})
    except (OSError, KeyError) as exc:
        raise FileFormatError(f"cannot read run results ({exc})", where=str(path),
                              fix="the board process died while writing; see its error") from None


def write_inputs(path: str | os.PathLike[str], inputs: np.ndarray) -> None:
    """Inputs ``(T, B, *shape)`` for a board worker."""
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("inputs", data=inputs, compression="gzip")


def read_inputs(path: str | os.PathLike[str]) -> np.ndarray:
    with h5py.File(path, "r") as f:
        if "inputs" not in f:
            raise BoardError("input file has no 'inputs' dataset", where=str(path), fix="write it with write_inputs")
        return f["inputs"][()]
