"""Steps of the Rockpool, spyx and lava-dl golden tests that :mod:`.producer_goldens` does not cover
(their goldens keep every recorded layer's membrane under its own name): read a golden with the
warnings it gives, run it in the reference and the simulator with named neurons recorded."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from neurokit import ir
from neurokit.dynamics.reference import run_reference
from neurokit.sim import simulate

from .producer_goldens import GOLDEN as GOLDEN_ROOT

__all__ = ["GOLDEN_ROOT", "read_golden", "run_reference_and_sim"]


def read_golden(path: Path, producer: str | None) -> tuple[ir.Graph, set[type[Warning]]]:
    """``ir.read(path, producer=producer)`` and the categories of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = ir.read(path, producer=producer)
    return graph, {w.category for w in caught}


def run_reference_and_sim(graph: ir.Graph, inputs: np.ndarray, neurons: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Outputs of the reference (``ref``) and the simulator (``sim``) and the reference membranes
    (``v:<node>``) of ``neurons``."""
    ref = run_reference(graph, inputs, record=neurons)
    rec = simulate(graph, inputs)
    out = {"ref": next(iter(ref.outputs.values())), "sim": next(iter(rec.outputs.values()))}
    for name in neurons:
        out[f"v:{name}"] = ref.states[name]["v"]
    return out
