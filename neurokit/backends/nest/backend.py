"""The NEST target's :class:`NestBackend`: check (:mod:`.check`), lower (:mod:`.lower`), run in NEST
out of process (:mod:`.board`, :mod:`.runner`), report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from neurokit import ir
from neurokit.backends.base import Artifact, BackendBase, LoweringFunction, Option, Problem
from neurokit.backends.spinnaker.check import NEURONS, SYNAPSES, node_csr, structure
from neurokit.errors import ConfigError

from .board import NestBoard, nest_python
from .check import check_graph
from .lower import lower_graph, nest_float_graph, neuron_params, spike_sources

#: Lowering options (``neurokit deploy --target nest --option KEY=VALUE``); anything else is an error.
OPTIONS: Mapping[str, Option] = MappingProxyType({
    "threads": Option(int, 1, "NEST's local_num_threads per process (>= 1)"),
    "mpi_ranks": Option(int, 1, "MPI processes: > 1 runs the runner under `MPIRUN -n N` (needs an MPI-built NEST; "
                                "the PyPI wheel has threads only)"),
    "mpirun": Option(str, "mpirun", "the MPI launcher command used when mpi_ranks > 1"),
    "timeout_s": Option(float, 1800.0, "seconds a board run may take before it is stopped"),
})
#: Node type -> the function the lowering calls for it: chain nodes become synapse lists
#: (:func:`~neurokit.backends.spinnaker.check.node_csr`, multiplied along a chain, then NEST
#: connection arrays), neurons NEST models and parameter arrays (:func:`~.lower.neuron_params`),
#: the Input ``spike_generator`` nodes (:func:`~.lower.spike_sources`); Flatten and Output are
#: resolved by :func:`~neurokit.backends.spinnaker.check.structure`.
LOWERING: Mapping[type, LoweringFunction] = MappingProxyType({
    **dict.fromkeys((*SYNAPSES, ir.Delay), node_csr), **dict.fromkeys(NEURONS, neuron_params),
    ir.Input: spike_sources, ir.Flatten: structure, ir.Output: structure})


@dataclass
class NestBackend(BackendBase):
    """NEST 3 (PyNEST) as a target: exact float64 neurons, one step of minimum delay."""

    name: str = "nest"
    options: Mapping[str, Option] = field(default_factory=lambda: OPTIONS)
    lowering: Mapping[type, LoweringFunction] = field(default_factory=lambda: LOWERING)

    def check(self, graph: ir.Graph) -> list[Problem]:
        """Every node type without a lowering, every chain that is not a projection, every profile
        option NEST's neurons cannot express (:mod:`.check`)."""
        return check_graph(graph)

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        values = super().validate_options(options)
        for key in ("threads", "mpi_ranks"):
            if values[key] < 1:
                raise ConfigError(f"nest option {key!r} must be >= 1, got {values[key]}", fix=f"e.g. {key}=1")
        if not values["timeout_s"] > 0:
            raise ConfigError(f"nest option 'timeout_s' must be > 0, got {values['timeout_s']}", fix="e.g. timeout_s=600")
        return values

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        """Write the NEST network (:func:`~.lower.lower_graph`); the options travel in the manifest."""
        return lower_graph(graph, out_dir, self.validate_options(options), target=self.name)

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> NestBoard:
        self.validate_faults(faults)
        return NestBoard(artifact=artifact)

    def numeric_mode_graph(self, artifact: Artifact) -> ir.Graph:
        """The model NEST computes: the deployed graph in float64 with one step of synaptic latency
        (:func:`~.lower.nest_float_graph`)."""
        return nest_float_graph(ir.read(Path(artifact.path) / "model.nir"))

    def timed_float_model(self, graph: ir.Graph) -> ir.Graph:
        """``graph`` with NEST's timing: one step of synaptic latency (its minimum delay)."""
        return graph if graph.profile.synapse_latency == 1 else graph.with_profile(graph.profile.replace(synapse_latency=1))

    def report(self, artifact: Artifact) -> str:
        m = artifact.manifest
        pops = ", ".join(f"{p['label']} ({p['model']}, {p['size']}{', lag ' + str(p['lag']) if p['lag'] else ''})"
                         for p in m["populations"])
        return (f"NEST artifact {artifact.path}\n  realises: {m['realises']}\n  populations: {pops}\n"
                f"  neurons: {m['neurons']}, synapses: {m['synapses']} in {m['projections']} connection arrays\n"
                f"  options: {json.dumps(m['options'])}")

    def status(self) -> dict[str, Any]:
        py = nest_python()
        if py is None:
            return {"ready": False, "detail": "no Python with NEST 3: run `make pynn-nest` (.venv-nest) or set "
                                              "NEUROKIT_NEST_PYTHON"}
        return {"ready": True, "detail": f"NEST at {py} (threads; MPI needs an MPI-built NEST and mpi_ranks > 1)"}
