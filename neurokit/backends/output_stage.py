r"""The output stage: ``Delay`` and ``Threshold`` nodes between a graph's last neuron layer and its
``Output`` (spyx exports end ``LIF -> Delay -> Output``, its ``PSU_LIF`` readout
``LI -> Threshold -> Output``). Neither touches the network: a Delay on the output shifts what is
read out, :math:`y_t = x_{t-d}` (0 before step :math:`d`), a Threshold compares the recorded value,
:math:`y = H(x - \theta)` by the profile's spike rule. So the chips run the network up to the last
layer and the stage is applied to the recorded output on the host, exactly as the float model
computes it (:func:`apply_output_stage`); the artifact's manifest records it (:func:`describe`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurokit import ir
from neurokit.ir.passes import delay_steps

STAGE_NODES = (ir.Delay, ir.Threshold)


def output_stage(g: ir.Graph, out: str) -> tuple[str, ...]:
    """The stage nodes before Output ``out`` (first to last): a chain of Delay/Threshold nodes, each
    with one input and feeding only the next (``()`` when the Output reads a layer directly)."""
    chain: list[str] = []
    node = out
    while len(g.predecessors(node)) == 1:
        pred = g.predecessors(node)[0]
        if not isinstance(g.nodes[pred], STAGE_NODES) or g.successors(pred) != [node]:
            break
        chain.insert(0, pred)
        node = pred
    return tuple(chain)


def strip_output_stage(g: ir.Graph) -> ir.Graph:
    """``g`` with every Output's stage removed (the Output reads the stage's source): the network a
    chip runs."""
    stages = {out: output_stage(g, out) for out in g.outputs}
    if not any(stages.values()):
        return g
    drop = {n for chain in stages.values() for n in chain}
    edges = [e for e in g.edges if e[0] not in drop and e[1] not in drop]
    for out, chain in stages.items():
        if chain:
            edges.append((g.predecessors(chain[0])[0], out))
    return ir.Graph(nodes={k: v for k, v in g.nodes.items() if k not in drop}, edges=tuple(edges), profile=g.profile)


def describe(g: ir.Graph, out: str) -> list[dict[str, Any]]:
    """The stage of ``out`` as manifest entries: ``{"node", "kind": "Delay", "steps": [...]}`` or
    ``{"node", "kind": "Threshold", "threshold": [...], "rule": ">"|">="}`` (flat, per output element)."""
    entries = []
    for name in output_stage(g, out):
        node = g.nodes[name]
        if isinstance(node, ir.Delay):
            entries.append({"node": name, "kind": "Delay",
                            "steps": [int(s) for s in np.ravel(delay_steps(np.asarray(node.delay), g.profile.dt))]})
        else:
            entries.append({"node": name, "kind": "Threshold", "rule": g.profile.spike_rule,
                            "threshold": [float(t) for t in np.ravel(node.threshold)]})
    return entries


def apply_output_stage(stage: list[dict[str, Any]], y: np.ndarray) -> np.ndarray:
    r"""The recorded output ``y`` ``(T, B, ...)`` through the stage: a Delay of :math:`d` steps per
    element gives :math:`y_t = x_{t-d}` (0 before), a Threshold :math:`H(x - \theta)` (``>`` or ``>=``)."""
    y = np.asarray(y, np.float64)
    for entry in stage:
        flat = y.reshape(y.shape[0], y.shape[1], -1)
        if entry["kind"] == "Delay":
            steps = np.broadcast_to(np.asarray(entry["steps"], np.int64), (flat.shape[2],))
            shifted = np.zeros_like(flat)
            for d in np.unique(steps):
                cols = steps == d
                if d < flat.shape[0]:
                    shifted[d:, :, cols] = flat[: flat.shape[0] - d, :, cols]
            flat = shifted
        else:
            theta = np.broadcast_to(np.asarray(entry["threshold"], np.float64), (flat.shape[2],))
            flat = (flat >= theta if entry["rule"] == ">=" else flat > theta).astype(np.float64)
        y = flat.reshape(y.shape)
    return y
