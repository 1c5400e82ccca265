"""Shared by the producer golden tests: load a golden case, run neurokit on it, compare.

A case is ``tests/golden/producers/<producer>/<case>.nir`` (the producer's own export) with
``<case>.npz`` (input and output spikes ``(T, B, ...)`` and the output layer's membrane as the
producer ran them; see ``tools/producers/_common.py``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurokit import ir, sim
from neurokit.dynamics.reference import run_reference

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
PRODUCER_GOLDENS = GOLDEN / "producers"


@dataclass(frozen=True)
class Golden:
    """One producer run: its NIR file and what the producer computed."""

    path: Path
    inputs: np.ndarray
    outputs: np.ndarray
    mem: np.ndarray | None


@dataclass(frozen=True)
class Run:
    """neurokit's outputs and output-layer membrane, shaped like the golden's."""

    outputs: np.ndarray
    mem: np.ndarray


def cases(producer: str) -> list[str]:
    """The case names of ``producer``'s goldens."""
    return sorted(p.stem for p in (PRODUCER_GOLDENS / producer).glob("*.nir"))


def load(producer: str, case: str) -> Golden:
    """The golden ``case`` of ``producer`` (NumPy arrays only, no pickles)."""
    path = PRODUCER_GOLDENS / producer / f"{case}.nir"
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as d:
        return Golden(path=path, inputs=d["input"], outputs=d["output"], mem=d["mem"] if "mem" in d.files else None)


def _last_neuron(graph: ir.Graph) -> tuple[str, str]:
    flat = graph.flatten()
    out = next(iter(flat.outputs))
    return out, flat.predecessors(out)[0]


def run_both(graph: ir.Graph, golden: Golden) -> tuple[Run, Run]:
    """``graph`` on the golden's input in the NumPy reference and in the Numba simulator."""
    x = golden.inputs.astype(np.float64)
    out, last = _last_neuron(graph)
    ref = run_reference(graph, x, record=(last,))
    rec = sim.simulate(graph, x, record=(last,))
    shape = golden.outputs.shape
    return (Run(np.asarray(ref.outputs[out]).reshape(shape), np.asarray(ref.states[last]["v"]).reshape(shape)),
            Run(np.asarray(rec.outputs[out]).reshape(shape), np.asarray(rec.traces[last]["v"]).reshape(shape)))


def assert_reproduces(graph: ir.Graph, golden: Golden, *, graded: bool = False) -> None:
    """Spike for spike (or, for a leaky-integrator readout, ``graded``, within float32) and the
    output layer's membrane within float32 rounding, in both the reference and the simulator."""
    for run in run_both(graph, golden):
        if graded:
            np.testing.assert_allclose(run.outputs, golden.outputs, rtol=1e-5, atol=1e-5)
        else:
            np.testing.assert_array_equal(run.outputs, golden.outputs)
        if golden.mem is not None:
            np.testing.assert_allclose(run.mem, golden.mem, rtol=1e-5, atol=1e-5)


def read_plain(path: Path) -> ir.Graph:
    """A file's graph as written (plain-NIR profile given, so nothing is detected or warned;
    known exporter quirks such as a batch dimension in the Input shape are repaired silently)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ir.NIRCompatWarning)
        return ir.read(path, profile=ir.PLAIN_NIR_DEFAULTS)


#: Files written on purpose in other producers' conventions (lava-dl writes no NIR: its goldens are
#: graphs lava-dl ran, with snnTorch's r = tau/1e-4 and plain IF nodes), so no detector is held to them.
NOT_A_PRODUCERS_FILE = GOLDEN / "lava-dl-runs"


#: Files a producer wrote that live outside its golden folder (the NIR paper's exports).
WRITTEN_ELSEWHERE = {"sinabs": (GOLDEN / "nir-paper-cnn" / "cnn_sinabs.nir",)}


def every_other_file(producer: str) -> list[Path]:
    """Every ``.nir`` under ``tests/golden`` that ``producer`` did not write (other producers'
    goldens, the NIR paper's files)."""
    return sorted(p for p in GOLDEN.rglob("*.nir")
                  if p.parent != PRODUCER_GOLDENS / producer and p.parent != NOT_A_PRODUCERS_FILE
                  and p not in WRITTEN_ELSEWHERE.get(producer, ()))
