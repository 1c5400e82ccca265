"""SpiNNaker backend: lower an IR graph to a placed, routed machine graph with per-core synaptic data
(artifact ``neurokit-spinnaker`` v1, :mod:`.lower`), and emulate it packet by packet with S16.15
neurons (:mod:`.emulator`). What can be mapped is decided in :mod:`.check`, the neuron models and
their registers are :mod:`.neurons`, the report is :mod:`.report`. This module holds the :class:`SpiNNakerBackend` that ties the jobs together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.output_stage import apply_output_stage
from neurokit.backends.base import Artifact, BackendBase, LoweringFunction, Option, Problem
from neurokit.errors import ConfigError
from neurokit.sim.recording import Recording

from .check import NEURONS, SYNAPSES, node_csr, structure
from .emulator import Emulator, SpiNNakerBoard
from .lower import DEFAULT_RING_BUFFER_SIGMA, DEFAULT_SPIKES_PER_SECOND, FMT, NEURON_FIELDS, lower_graph
from .mapping import partition
from .neurons import chip_neuron
from .report import deploy_report


#: Lowering options (``neurokit deploy --option KEY=VALUE``); anything else is an error.
OPTIONS: Mapping[str, Option] = MappingProxyType({
    "machine": Option(str, "spinn5", "machine description hardware/<name>.toml (spinn3, spinn5, spinnaker2)"),
    "max_atoms_per_core": Option(int, None, "neurons per core, 1..256 (default: the machine description's)"),
    "spikes_per_second": Option(float, DEFAULT_SPIKES_PER_SECOND,
                                "expected rate of every source, for the ring-buffer weight shift (sPyNNaker: 30)"),
    "ring_buffer_sigma": Option(float, DEFAULT_RING_BUFFER_SIGMA,
                                "standard deviations of headroom above the expected input (sPyNNaker: 5)"),
})
#: Fault keys of the emulator's board (``--fault KEY=VALUE``, the HIL harness's ``faults``).
FAULTS: Mapping[str, Option] = MappingProxyType({
    "drop_packets": Option(float, 0.0, "probability that a synaptic packet is lost, 0..1"),
    "delay_packets": Option(float, 0.0, "probability that a packet arrives one step late, 0..1"),
    "seed": Option(int, 0, "seed of the fault draws"),
})
#: Node type -> the function the lowering calls for it: chain nodes become synapse lists
#: (:func:`~.check.node_csr`, multiplied along a chain), neurons S16.15 registers
#: (:func:`~.lower.chip_neuron`), the Input a spike source cut into vertices (:func:`~.mapping.partition`);
#: Flatten (an index map) and Output (the recorded population) are resolved by :func:`~.check.structure`.
LOWERING: Mapping[type, LoweringFunction] = MappingProxyType({
    **dict.fromkeys((*SYNAPSES, ir.Delay), node_csr), **dict.fromkeys(NEURONS, chip_neuron), ir.Input: partition,
    ir.Flatten: structure, ir.Output: structure})


@dataclass
class SpiNNakerBackend(BackendBase):
    """SpiNNaker (SpiNN-5 by default) via our own mapping, and an emulator of the exported machine."""

    name: str = "spinnaker"
    options: Mapping[str, Option] = field(default_factory=lambda: OPTIONS)
    faults: Mapping[str, Option] = field(default_factory=lambda: FAULTS)
    lowering: Mapping[type, LoweringFunction] = field(default_factory=lambda: LOWERING)

    def check(self, graph: ir.Graph) -> list[Problem]:
        """Every node type without a lowering, every chain that is not a projection, every profile
        option the chip's neurons cannot express (:mod:`.check`)."""
        return structure(graph).problems

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        """Partition, place, route, compress and quantise (:func:`neurokit.backends.spinnaker.lower.lower_graph`)."""
        return lower_graph(graph, out_dir, self.validate_options(options), target=self.name)

    def report(self, artifact: Artifact) -> str:
        return deploy_report(artifact)

    def status(self) -> dict[str, Any]:
        from . import status

        return status()

    def numeric_mode_graph(self, artifact: Artifact) -> ir.Graph:
        """The model as the machine computes it: per-core quantized weights baked in, profile
        ``numeric = "s16.15"``, one step of synaptic latency — for :mod:`neurokit.sim`'s fixed-point mode."""
        return ir.read(Path(artifact.path) / "reference.nir")

    def timed_float_model(self, graph: ir.Graph) -> ir.Graph:
        """``graph`` with the machine's timing: one step of synaptic latency (sPyNNaker's minimum
        delay), as in :meth:`numeric_mode_graph`."""
        return graph if graph.profile.synapse_latency == 1 else graph.with_profile(graph.profile.replace(synapse_latency=1))

    def numeric_mode_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        """``neurokit.sim`` in the matching S16.15 mode on :meth:`numeric_mode_graph` (no machine, no routing)."""
        from neurokit import sim

        rec = sim.simulate(self.numeric_mode_graph(artifact), inputs, steps)
        shape = artifact.manifest.get("output_shape")  # the reference graph's populations are flat
        if shape is not None:
            rec.outputs = {k: v.reshape(*v.shape[:2], *shape) for k, v in rec.outputs.items()}
        rec.outputs = {k: apply_output_stage(artifact.manifest.get("output_stage", []), v) for k, v in rec.outputs.items()}
        return rec

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> SpiNNakerBoard:
        given = self.validate_faults(faults)
        for key in ("drop_packets", "delay_packets"):
            if not 0.0 <= given[key] <= 1.0:
                raise ConfigError(f"spinnaker fault {key!r} is a probability, got {given[key]!r}",
                                  fix=f"give {key} between 0 and 1")
        return SpiNNakerBoard(artifact=artifact, faults=given)


__all__ = ["FAULTS", "FMT", "LOWERING", "NEURONS", "OPTIONS", "NEURON_FIELDS", "SYNAPSES", "Emulator", "SpiNNakerBackend", "SpiNNakerBoard",
           "deploy_report", "structure"]
