"""``Recording``: what a run produced — output values, spike trains, optional state traces.

In memory, arrays are dense and time-first: ``outputs[node]`` and ``traces[node]["v"|"i"]`` are
``(T, B, *shape)``, ``spikes[node]`` is bool ``(T, B, *shape)`` — or int64 spike counts per step
when the profile has ``multi_spike``. On disk (HDF5, the NIR data layout where it fits) spikes are
stored as events ``(step, sample, neuron)`` per node, with a ``count`` per event for counts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

from neurokit.errors import FileFormatError, InvalidInputError
from neurokit.util.atomic import atomic_path


@dataclass
class Recording:
    """One run's results; ``dt`` is the profile's time step in seconds."""

    dt: float
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    spikes: dict[str, np.ndarray] = field(default_factory=dict)
    traces: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    values: dict[str, np.ndarray] = field(default_factory=dict)  # outputs of other recorded nodes
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def spiking_nodes(self) -> list[str]:
        """Nodes whose spikes were recorded."""
        return list(self.spikes)

    def spike_train(self, node: str) -> np.ndarray:
        """Spike train ``(T, B, *shape)`` of ``node``: bool, or int64 counts (``multi_spike``)."""
        if node not in self.spikes:
            raise InvalidInputError(f"no spikes recorded for {node!r}", fix=f"recorded: {self.spiking_nodes}")
        return self.spikes[node]

    def spike_events(self, node: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps with spikes of ``node`` as events: (step, sample, flat neuron index), sorted by step
        (one event per step and neuron; :meth:`spike_train` has the counts under ``multi_spike``)."""
        z = self.spike_train(node)
        t, b, n = np.nonzero(z.reshape(z.shape[0], z.shape[1], -1))
        return t, b, n

    def spike_counts(self, node: str) -> np.ndarray:
        """Spikes per sample and neuron ``(B, *shape)``."""
        return self.spike_train(node).sum(axis=0)

    def to_hdf5(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: ``outputs/<node>``, ``spikes/<node>/{step,sample,neuron,shape}``, ``traces/<node>/<var>``."""
        with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
            f.attrs["dt"] = self.dt
            f.attrs["format"] = "neurokit-recording"
            f.attrs["version"] = 1
            for k, v in self.outputs.items():
                f.create_dataset(f"outputs/{k}", data=v, compression="gzip")
            for k in self.spikes:
                t, b, n = self.spike_events(k)
                g = f.create_group(f"spikes/{k}")
                g.create_dataset("step", data=t.astype(np.int64))
                g.create_dataset("sample", data=b.astype(np.int64))
                g.create_dataset("neuron", data=n.astype(np.int64))
                if self.spikes[k].dtype != np.bool_:
                    z = self.spikes[k]
                    g.create_dataset("count", data=z.reshape(z.shape[0], z.shape[1], -1)[t, b, n].astype(np.int64))
                g.create_dataset("shape", data=np.array(self.spikes[k].shape, dtype=np.int64))
            for k, d in self.traces.items():
                for var, arr in d.items():
                    f.create_dataset(f"traces/{k}/{var}", data=arr, compression="gzip")

    @classmethod
    def from_hdf5(cls, path: str | os.PathLike[str]) -> Recording:
        """Read a recording written by :meth:`to_hdf5`."""
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("format") != "neurokit-recording":
                    raise FileFormatError("not a neurokit recording", where=str(path),
                                          fix="write it with Recording.to_hdf5 / neurokit simulate --out")
                rec = cls(dt=float(f.attrs["dt"]))
                for k in f.get("outputs", {}):
                    rec.outputs[k] = f["outputs"][k][()]
                for k in f.get("spikes", {}):
                    g = f["spikes"][k]
                    shape = tuple(int(s) for s in g["shape"][()])
                    counted = "count" in g
                    z = np.zeros((shape[0], shape[1], int(np.prod(shape[2:]))), dtype=np.int64 if counted else bool)
                    z[g["step"][()], g["sample"][()], g["neuron"][()]] = g["count"][()] if counted else True
                    rec.spikes[k] = z.reshape(shape)
                for k in f.get("traces", {}):
                    rec.traces[k] = {var: f["traces"][k][var][()] for var in f["traces"][k]}
                return rec
        except OSError as exc:
            raise FileFormatError(f"cannot read recording ({exc})", where=str(path), fix="re-run the simulation") from None
