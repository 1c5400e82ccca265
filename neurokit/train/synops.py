r"""Synaptic operations of a run, counted from the IR graph and the recorded events.

An event (an input count or a spike) at element :math:`i` of a source costs one accumulate per
synapse it reaches. Chains of stateless linear nodes between neurons (e.g. average pool then
convolution) act as their composed map, as an event-driven chip folds them, so the fan-out of
:math:`i` is the number of non-zeros in row :math:`i` of the product of the chain's connection
matrices (summed over branches):

.. math::  \mathrm{synops} = \frac{1}{B} \sum_{\text{sources } s} \sum_i n_{s,i}\, \mathrm{fan}_s(i)

with :math:`n_{s,i}` the events of element :math:`i` over the run. Sources whose output is graded
every step (an LI membrane feeding a linear node) count every step. The dense equivalent is the
same network evaluated densely: every connection once per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from neurokit import ir

PASS_THROUGH = (ir.Flatten, ir.Delay)


def _matrix(graph: ir.Graph, name: str, shapes: dict[str, Any]) -> sparse.csr_matrix:
    """Connection structure of a linear node: boolean ``(inputs, outputs)``."""
    from neurokit.ir.passes import node_to_csr

    node = graph.nodes[name]
    if isinstance(node, ir.Scale):  # element-wise
        n = int(np.prod(shapes[name][1]))
        return sparse.identity(n, format="csr")
    c = node_to_csr(node, shapes[name][0], shapes[name][1], graph.profile.dt)
    data = np.ones(len(c.indices), dtype=np.float64)
    return sparse.csr_matrix((data, c.indices, c.indptr), shape=(c.n_pre, int(np.prod(shapes[name][1]))))


def fan_out(graph: ir.Graph, source: str, shapes: dict[str, Any] | None = None) -> np.ndarray:
    """Accumulates triggered by one event at each output element of ``source`` (``shapes``: the
    flattened graph's inferred shapes, when the caller has them)."""
    g = graph.flatten()
    shapes = shapes if shapes is not None else g.infer_shapes()
    size = int(np.prod(shapes[source][1]))

    def feeds_neuron(name: str) -> bool:
        return any(isinstance(g.nodes[s], (*ir.NEURON_TYPES, ir.Output)) for s in g.successors(name))

    def reach(name: str) -> sparse.csr_matrix | None:
        """Composed map from ``name``'s output to the inputs of the neurons it reaches through
        linear and pass-through nodes (None: it feeds neurons directly or nothing)."""
        blocks = []
        for s in g.successors(name):
            node = g.nodes[s]
            if isinstance(node, (*ir.NEURON_TYPES, ir.Output)):
                continue
            if isinstance(node, PASS_THROUGH):
                sub = reach(s)
                if sub is None and feeds_neuron(s):  # e.g. a Delay straight into a neuron: no synapse
                    continue
            else:  # a linear node, folded with the linear nodes after it
                m = _matrix(g, s, shapes)
                follow = reach(s)
                sub = m if follow is None else (sparse.hstack([m, m @ follow]) if feeds_neuron(s) else m @ follow)
            if sub is not None:
                blocks.append(sub)
        return sparse.hstack(blocks).tocsr() if blocks else None

    m = reach(source)
    if m is None:
        return np.zeros(size)
    return np.diff(m.tocsr().indptr).astype(np.float64)


def synaptic_operations(graph: ir.Graph, recording: Any, inputs: np.ndarray, steps: int) -> tuple[float, float]:
    """``(synaptic operations per sample, dense multiply-accumulates per sample)`` of a run of
    ``graph`` on ``inputs`` ``(T, B, *shape)`` whose spikes ``recording`` holds."""
    g = graph.flatten()
    shapes = g.infer_shapes()
    batch = inputs.shape[1]
    synops = 0.0
    for name, node in g.nodes.items():
        if isinstance(node, ir.Input):
            events = np.asarray(inputs, dtype=np.float64).reshape(inputs.shape[0], batch, -1).sum(axis=(0, 1))
        elif name in recording.spikes:
            events = recording.spikes[name].reshape(recording.spikes[name].shape[0], batch, -1).sum(axis=(0, 1))
        elif isinstance(node, ir.NEURON_TYPES):  # graded every step
            events = np.full(int(np.prod(shapes[name][1])), float(steps * batch))
        else:
            continue
        synops += float(events @ fan_out(g, name, shapes)) / batch
    dense = sum(_matrix(g, n, shapes).nnz for n, node in g.nodes.items()
                if not isinstance(node, (ir.Input, ir.Output, *PASS_THROUGH, *ir.NEURON_TYPES)))
    return synops, float(dense * steps)
