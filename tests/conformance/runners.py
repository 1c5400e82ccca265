"""Every simulator and backend as one callable, so the conformance suite runs over all of them.

A runner takes ``(graph, inputs)`` with time-first inputs ``(T, B, *shape)`` and the name of a
neuron node, and returns ``(outputs, v)``: the first Output node's values ``(T, B, *shape)`` and
that neuron's membrane trace ``(T, B, *shape)``. Float runners must agree with the reference
within dtype-scaled tolerances, fixed-point runners bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurokit import ir
from neurokit.dynamics.reference import run_reference

Runner = Callable[[ir.Graph, np.ndarray, str], tuple[np.ndarray, np.ndarray]]


def reference(graph: ir.Graph, inputs: np.ndarray, node: str) -> tuple[np.ndarray, np.ndarray]:
    """The NumPy oracle (neurokit.dynamics.reference)."""
    res = run_reference(graph, inputs, record=(node,))
    return next(iter(res.outputs.values())), res.states[node]["v"]


def numba_sim(graph: ir.Graph, inputs: np.ndarray, node: str) -> tuple[np.ndarray, np.ndarray]:
    """The event-driven Numba simulator (neurokit.sim)."""
    from neurokit import sim

    rec = sim.simulate(graph, inputs, record=("spikes", node))
    return next(iter(rec.outputs.values())), rec.traces[node]["v"]


#: name -> runner. Each simulator/backend adds itself here when it lands.
FLOAT_RUNNERS: dict[str, Runner] = {"reference": reference, "sim": numba_sim}
