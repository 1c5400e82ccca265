r"""Shared helpers for producers whose simulators run per-step decay factors, not time constants.

Rockpool, spyx and lava-dl step their neurons as :math:`v_t = \alpha v_{t-1} + g\,x_t` with a decay
:math:`\alpha` and an input gain :math:`g` per step. neurokit's Euler step of
:math:`\tau \dot v = (v_{leak} - v) + R x` is :math:`v_t = (1 - dt/\tau) v_{t-1} + (dt/\tau)(v_{leak} + R x_t)`,
so the producer's step is reproduced exactly by

.. math:: \tau = \frac{dt}{1 - \alpha}, \qquad R = \frac{g}{1 - \alpha}, \qquad
          v_{leak} = \frac{b}{1 - \alpha}

(:math:`b` a constant added per step). The same holds for the synaptic current of ``CubaLIF``
(:math:`\tau_{syn} = dt/(1-\beta)`, :math:`w_{in} = g/(1-\beta)`). :func:`euler_step_params` is that
mapping, written once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from neurokit.errors import GraphError
from neurokit.ir.graph import Graph
from neurokit.ir.nodes import Node


def euler_step_params(decay: np.ndarray, gain: np.ndarray | float, dt: float) -> tuple[np.ndarray, np.ndarray]:
    r"""``(tau, gain_euler)`` so that neurokit's Euler step is :math:`v' = \text{decay}\,v + \text{gain}\,x`.

    :math:`\tau = dt / (1 - \text{decay})`, :math:`\text{gain}_{euler} = \text{gain} / (1 - \text{decay})`.
    A decay of 1 (no leak) or outside ``[0, 1)`` has no such time constant and is refused.
    """
    decay = np.asarray(decay, dtype=np.float64)
    if np.any(decay < 0) or np.any(decay >= 1):
        raise GraphError(f"a per-step decay factor lies outside [0, 1): {decay[(decay < 0) | (decay >= 1)][:3]}",
                         fix="a leak-free neuron is an IF node, not a LIF with decay 1; check the exporter's file")
    keep = 1.0 - decay
    return dt / keep, np.asarray(gain, dtype=np.float64) / keep


def map_nodes(graph: Graph, change: Callable[[str, Node], Node]) -> Graph:
    """``graph`` with ``change(name, node)`` applied to every node, nested graphs included."""
    nodes = {}
    for name, node in graph.nodes.items():
        if isinstance(node, Graph):
            nodes[name] = map_nodes(node, change)
        else:
            nodes[name] = change(name, node)
    return dataclasses.replace(graph, nodes=nodes)


def all_nodes(graph: Graph) -> list[tuple[str, Node]]:
    """Every non-graph node with its dotted name, nested graphs included."""
    out: list[tuple[str, Node]] = []
    for name, node in graph.nodes.items():
        if isinstance(node, Graph):
            out.extend((f"{name}.{inner}", n) for inner, n in all_nodes(node))
        else:
            out.append((name, node))
    return out



def round_dt(dt: float) -> float:
    """``dt`` to 4 significant digits when that is within float32 round-off of it (1e-3, 5e-4 …)."""
    nice = float(f"{dt:.4g}")
    return nice if abs(nice - dt) <= 1e-5 * abs(dt) else dt


def file_dt(graph: Graph, node_dt: Callable[[Node], np.ndarray | None]) -> float | None:
    """The time step an exporter wrote into the parameters, read from the first node for which
    ``node_dt`` recovers it (the median over its neurons, rounded by :func:`round_dt`), or ``None``."""
    for _, node in all_nodes(graph):
        steps = node_dt(node)
        if steps is not None and steps.size:
            return round_dt(float(np.median(steps)))
    return None
