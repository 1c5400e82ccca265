"""Backends for testing the harness itself: the float model (:mod:`neurokit.sim`) run on a board, and deliberately
broken or hanging variants. They are addressed explicitly as ``neurokit.hil.testing:NAME``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, Problem, unsupported_nodes
from neurokit.errors import BoardError
from neurokit.util.atomic import atomic_write_text

from .runs import RunArrays


@dataclass
class _ArraysRecording:
    """The minimal recording interface the harness reads (``spiking_nodes``, ``spike_train``, ``outputs``)."""

    run: RunArrays

    @property
    def spiking_nodes(self) -> list[str]:
        return list(self.run.spikes)

    def spike_train(self, node: str) -> np.ndarray:
        return self.run.spikes[node]

    @property
    def outputs(self) -> dict[str, np.ndarray]:
        return self.run.outputs


@dataclass
class SimulatorBoard:
    """Runs the artifact's graph with :mod:`neurokit.sim` (optionally sabotaged)."""

    graph: ir.Graph
    mode: str = "exact"
    faults: Mapping[str, Any] = field(default_factory=dict)

    def load(self, artifact: Artifact) -> None:
        return None

    def run(self, inputs: np.ndarray, steps: int) -> _ArraysRecording:
        from .harness import simulate_arrays

        if self.mode == "hang":
            threading.Event().wait()  # never set: a board that hangs
        if self.mode == "crash":
            raise BoardError("simulated firmware crash", fix="this board is broken on purpose")
        if self.mode == "orphan":  # a runtime that starts a helper process and a temp folder, then hangs
            import os
            import subprocess
            import sys
            import tempfile

            helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            folder = tempfile.mkdtemp(prefix="orphan-board-")
            Path(os.environ["NEUROKIT_TEST_PIDFILE"]).write_text(f"{helper.pid}\n{folder}\n")
            threading.Event().wait()
        run = simulate_arrays(self.graph, inputs, steps)
        if self.mode == "wrong_shape":  # a board that drops the last neuron of every layer
            run = RunArrays(spikes={k: v[..., :-1] for k, v in run.spikes.items()}, outputs=run.outputs,
                            counters=run.counters)
        return _ArraysRecording(run)

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None


def _requantize(graph: ir.Graph, quantum: float, op: Callable[[np.ndarray], np.ndarray]) -> ir.Graph:
    g = graph
    for name, node in graph.nodes.items():
        if isinstance(node, (ir.Linear, ir.Affine)):
            g = g.replace_node(name, node.replace(weight=op(node.weight / quantum) * quantum))
    return g


def floor_weights(graph: ir.Graph, quantum: float) -> ir.Graph:
    """Weights floored (instead of rounded) to multiples of ``quantum``: a classic rounding bug."""
    return _requantize(graph, quantum, np.floor)


def round_weights(graph: ir.Graph, quantum: float) -> ir.Graph:
    """Weights rounded to the nearest multiple of ``quantum`` (the correct quantization)."""
    return _requantize(graph, quantum, np.round)


@dataclass
class SimulatorBackend:
    """A target whose board runs the lowered graph in :mod:`neurokit.sim`: ``mode`` is exact, wrong_rounding,
    hang or crash."""

    mode: str = "exact"
    quantum: float = 1 / 16
    name: str = "simulator"
    lowering: Mapping[type, Any] = field(default_factory=lambda: {t: None for t in (
        ir.Input, ir.Output, ir.Linear, ir.Affine, ir.LIF, ir.IF, ir.LI, ir.CubaLIF)})

    @property
    def supported_nodes(self) -> tuple[type, ...]:
        return tuple(self.lowering)

    def check(self, graph: ir.Graph) -> list[Problem]:
        if self.mode == "check_raises":
            raise RuntimeError("a bug in this backend's check()")
        return unsupported_nodes(graph, self.lowering, self.name)

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        if self.mode == "hang_in_lower":
            threading.Event().wait()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        ir.write(graph, out / "source.nir")
        ir.write(round_weights(graph, self.quantum), out / "model.nir")
        manifest = {"target": self.name, "format": "neurokit-simulator", "version": 1, "mode": self.mode}
        atomic_write_text(out / "manifest.json", json.dumps(manifest))
        return Artifact(path=out, target=self.name, manifest=manifest)

    def numeric_mode_graph(self, artifact: Artifact) -> ir.Graph:
        return ir.read(artifact.path / "model.nir")

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> SimulatorBoard:
        graph = self.numeric_mode_graph(artifact)
        if self.mode == "wrong_rounding":
            # the board floors the float weights where the lowering rounded them
            graph = floor_weights(ir.read(artifact.path / "source.nir"), self.quantum)
        return SimulatorBoard(graph=graph, mode=self.mode, faults=dict(faults or {}))


EXACT = SimulatorBackend(mode="exact", name="exact")
WRONG_ROUNDING = SimulatorBackend(mode="wrong_rounding", name="wrong_rounding")
HANGING = SimulatorBackend(mode="hang", name="hanging")
CRASHING = SimulatorBackend(mode="crash", name="crashing")
WRONG_SHAPE = SimulatorBackend(mode="wrong_shape", name="wrong_shape")
CHECK_RAISES = SimulatorBackend(mode="check_raises", name="check_raises")
HANG_IN_LOWER = SimulatorBackend(mode="hang_in_lower", name="hang_in_lower")
ORPHAN = SimulatorBackend(mode="orphan", name="orphan")

