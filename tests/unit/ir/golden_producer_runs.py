"""Shared steps of the producer golden tests: read a golden with or without ``producer=``, run it in
the reference and in the simulator, and list the other producers' goldens (for detection tests)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from neurokit import ir
from neurokit.dynamics.reference import run_reference
from neurokit.sim import simulate

GOLDEN_ROOT = Path(__file__).resolve().parents[2] / "golden"


def read_golden(path: Path, producer: str | None) -> tuple[ir.Graph, set[type[Warning]]]:
    """``ir.read(path, producer=producer)`` and the categories of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = ir.read(path, producer=producer)
    return graph, {w.category for w in caught}


def read_plain(path: Path) -> ir.Graph:
    """The file's graph with a stated profile: no producer applied, nothing detected."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ir.NIRCompatWarning)
        return ir.read(path, profile=ir.Profile())


def run_both(graph: ir.Graph, inputs: np.ndarray, neurons: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Outputs of the reference (``ref``) and the simulator (``sim``) and the reference membranes
    (``v:<node>``) of ``neurons``."""
    ref = run_reference(graph, inputs, record=neurons)
    rec = simulate(graph, inputs)
    out = {"ref": next(iter(ref.outputs.values())), "sim": next(iter(rec.outputs.values()))}
    for name in neurons:
        out[f"v:{name}"] = ref.states[name]["v"]
    return out


def other_goldens(own: str) -> list[Path]:
    """Every ``.nir`` golden of the other producers (and the NIR paper's files not written by ``own``)."""
    paths = [p for p in sorted((GOLDEN_ROOT / "producers").glob("*/**/*.nir"))
             if p.relative_to(GOLDEN_ROOT).parts[1] != own]
    paths += [p for p in sorted((GOLDEN_ROOT / "nir-paper-lif").glob("*.nir")) if own not in p.name]
    return paths
