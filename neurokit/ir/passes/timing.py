"""A chip's synaptic latency written into the graph: spikes delayed, biases not."""

from __future__ import annotations

import numpy as np

from ..graph import Graph
from ..nodes import Delay


def delay_spikes_into_synapses(graph: Graph, steps: int = 1, *, into: frozenset[str] | None = None) -> Graph:
    r"""``graph`` with a ``Delay`` of ``steps`` time steps before the synapse nodes named in ``into``
    (default: every weighted connection); e.g. a chip's first synapse of each layer, not recurrent
    ones a loop already delays, nor a pool composed into the next layer's weights.

    This is how a chip's synaptic latency acts: the *events* reach the synapse :math:`L` steps later,
    :math:`I_t = W x_{t-L} + b`, while a bias stored in the neuron acts from step 0. (The profile's
    ``synapse_latency`` delays the whole output of the synapse node, bias included.) The number of
    steps is noted in the metadata as ``synapse_latency_as_delays``.
    """
    if steps <= 0:
        return graph
    shapes = graph.infer_shapes()
    nodes, edges = dict(graph.nodes), []
    for a, b in graph.edges:
        if (b in into) if into is not None else graph.nodes[b].linear:
            d = f"{b}_synapse_latency"
            nodes[d] = Delay(delay=np.full(shapes[b][0], steps * graph.profile.dt))
            edges += [(a, d), (d, b)]
        else:
            edges.append((a, b))
    metadata = {**dict(graph.metadata), "synapse_latency_as_delays": int(steps)}
    return Graph(nodes=nodes, edges=tuple(edges), profile=graph.profile, metadata=metadata)
