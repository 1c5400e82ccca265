"""SpiNNaker backend: lower an IR graph to a placed, routed machine graph with per-core synaptic data
(artifact ``neurokit-spinnaker`` v1, :mod:`.lower`), and emulate it packet by packet with S16.15
neurons (:mod:`.emulator`). What can be mapped is decided in :mod:`.check`; the report is
:mod:`.report`. This module holds the :class:`SpiNNakerBackend` that ties the jobs together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, Problem
from neurokit.sim.recording import Recording

from .check import NEURONS, SYNAPSES, _structure, profile_problems, structure
from .emulator import Emulator, SpiNNakerBoard
from .lower import FMT, NEURON_FIELDS, lower_graph
from .report import deploy_report


@dataclass
class SpiNNakerBackend:
    """SpiNNaker (SpiNN-5 by default) via our own mapping, and an emulator of the exported machine."""

    name: str = "spinnaker"
    lowering: Mapping[type, Any] = field(default_factory=lambda: {
        **{t: "projection" for t in SYNAPSES}, **{t: "population" for t in NEURONS}, ir.Input: "spike source",
        ir.Output: "recording", ir.Flatten: "index map", ir.Delay: "synaptic delay"})

    @property
    def supported_nodes(self) -> tuple[type, ...]:
        return tuple(self.lowering)

    def check(self, graph: ir.Graph) -> list[Problem]:
        return structure(graph).problems

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        """Partition, place, route, compress and quantise (:func:`neurokit.backends.spinnaker.lower.lower_graph`)."""
        return lower_graph(graph, out_dir, options, target=self.name)

    def reference_graph(self, artifact: Artifact) -> ir.Graph:
        """The model as the machine computes it: per-core quantized weights baked in, profile
        ``numeric = "s16.15"``, one step of synaptic latency — for :mod:`neurokit.sim`'s fixed-point mode."""
        return ir.read(Path(artifact.path) / "reference.nir")

    def reference_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        """``neurokit.sim`` in the matching S16.15 mode on :meth:`reference_graph` (no machine, no routing)."""
        from neurokit import sim

        rec = sim.simulate(self.reference_graph(artifact), inputs, steps)
        shape = artifact.manifest.get("output_shape")  # the reference graph's populations are flat
        if shape is not None:
            rec.outputs = {k: v.reshape(*v.shape[:2], *shape) for k, v in rec.outputs.items()}
        return rec

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> SpiNNakerBoard:
        return SpiNNakerBoard(artifact=artifact, faults=dict(faults or {}))


__all__ = ["FMT", "NEURONS", "NEURON_FIELDS", "SYNAPSES", "Emulator", "SpiNNakerBackend", "SpiNNakerBoard",
           "_structure", "deploy_report", "profile_problems", "structure"]
