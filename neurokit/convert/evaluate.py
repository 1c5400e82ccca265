r"""Measure a converted SNN: simulate the IR graph and read accuracy, operations and latency.

The classification after :math:`t` steps is :math:`\arg\max_k v_k(t)` of the ``readout``
integrator (:math:`v(t)/t` approximates the ANN's logits). Everything is measured from one
simulation of :math:`\max T` steps (:func:`neurokit.sim.run`, or the NumPy oracle
:func:`neurokit.dynamics.reference.run_reference`), inputs analog: the image at every step.

Operations per inference (what an event-driven chip does), counted by
:mod:`neurokit.ir.passes.operations` with :data:`~neurokit.ir.passes.operations.PER_LAYER` (no
folding; every linear node, ``SparseLinear``, ``Conv1d``, pools and ``Scale`` included): each
non-zero input of a step costs its fan-out in accumulates (**AC**) when it comes from spikes, in
multiply-accumulates (**MAC**) when it derives from the analog input, every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from neurokit import ir
from neurokit.errors import InvalidInputError

from .dynamic import confidence_stop

Simulator = Literal["sim", "reference"]


@dataclass(frozen=True)
class SimResult:
    """``readout``: membrane ``(T, B, classes)``; ``ac``/``mac``: operations ``(T, B)`` per step and sample."""

    readout: np.ndarray
    ac: np.ndarray
    mac: np.ndarray


def _analog(graph: ir.Graph) -> set[str]:
    """Stateless nodes whose value derives from the analog input without a neuron in between."""
    out: set[str] = set()
    for name in graph.topological_order():
        node = graph.nodes[name]
        if isinstance(node, ir.Input) or (not isinstance(node, ir.NEURON_TYPES) and not isinstance(node, ir.Output)
                                          and any(p in out for p in graph.predecessors(name))):
            out.add(name)
    return out


def run_on_images(graph: ir.Graph, images: np.ndarray, steps: int, *, simulator: Simulator = "sim") -> SimResult:
    """Run ``graph`` on ``images`` ``(B, *shape)`` presented as a constant current for ``steps`` steps."""
    from neurokit.ir.passes.operations import PER_LAYER, operation_sources, step_operations

    g = graph.flatten()
    if "readout" not in g.nodes:
        raise InvalidInputError("the graph has no 'readout' node", fix="evaluate a graph made by neurokit.convert")
    images = np.asarray(images, dtype=np.float64)
    B = len(images)
    x = np.broadcast_to(images[None], (steps, *images.shape))
    shapes = g.infer_shapes()
    feeders = operation_sources(g, PER_LAYER)
    if simulator == "sim":
        from neurokit import sim

        rec = sim.run(sim.compile(g), np.ascontiguousarray(x), record=("readout", *[f for f in feeders if f != "input"]),
                      progress=True)  # a bar on long runs only (see neurokit.sim.run)
        readout = rec.traces["readout"]["v"]
        values = {**rec.values, **{k: v.astype(np.float64) for k, v in rec.spikes.items()}}
    elif simulator == "reference":
        from neurokit.dynamics.reference import run_reference

        res = run_reference(g, x, record=("readout", *[f for f in feeders if f != "input"]))
        readout = res.states["readout"]["v"]
        values = dict(res.node_outputs)
    else:
        raise InvalidInputError(f"simulator must be 'sim' or 'reference', got {simulator!r}", fix="use 'sim'")
    values["input"] = x
    analog = _analog(g)
    ac = np.zeros((steps, B))
    mac = np.zeros((steps, B))
    for source, ops in step_operations(g, {f: values[f] for f in feeders}, rules=PER_LAYER, shapes=shapes).items():
        (mac if source in analog else ac)[:] += ops
    return SimResult(readout=np.asarray(readout, dtype=np.float64), ac=ac, mac=mac)


def accuracy_by_steps(result: SimResult, labels: np.ndarray, timesteps: list[int]) -> dict[str, float]:
    """Accuracy of ``argmax readout(t)`` at each ``t`` in ``timesteps``."""
    labels = np.asarray(labels)
    return {str(t): float(np.mean(result.readout[t - 1].reshape(len(labels), -1).argmax(1) == labels))
            for t in timesteps}


def evaluate(graph: ir.Graph, images: np.ndarray, labels: np.ndarray, timesteps: list[int], *,
             confidence: float | None = None, min_steps: int = 1, simulator: Simulator = "sim"
             ) -> dict[str, object]:
    """Accuracy per ``T``, operations per inference per ``T`` (AC from spikes, MAC from the analog
    input), and — with a ``confidence`` threshold — Dynamic Confidence: accuracy and mean steps
    when each sample stops once its softmax confidence reaches the threshold (at most ``max T``)."""
    if not timesteps or min(timesteps) < 1:
        raise InvalidInputError(f"timesteps must be whole numbers >= 1, got {timesteps}", fix="e.g. 4,8,16,32")
    T = max(timesteps)
    res = run_on_images(graph, images, T, simulator=simulator)
    out: dict[str, object] = {
        "accuracy": accuracy_by_steps(res, labels, timesteps),
        "synops": {str(t): float(res.ac[:t].sum(0).mean()) for t in timesteps},
        "input_macs": {str(t): float(res.mac[:t].sum(0).mean()) for t in timesteps},
    }
    if confidence is not None:
        pred, stop = confidence_stop(res.readout, confidence, min_steps=min_steps)
        idx = np.arange(len(labels))
        out["dynamic"] = {
            "threshold": float(confidence), "max_steps": T, "min_steps": min_steps,
            "accuracy": float(np.mean(pred == np.asarray(labels))), "mean_steps": float(stop.mean()),
            "synops": float(np.cumsum(res.ac, 0)[stop - 1, idx].mean()),
            "input_macs": float(np.cumsum(res.mac, 0)[stop - 1, idx].mean()),
        }
    return out

