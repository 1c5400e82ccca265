"""Small predicates shared by the producers' ``detect`` functions (what a file's nodes hold)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from neurokit.ir import nodes as N
from neurokit.ir.graph import Graph

from .base import SCALAR_PARAMETERS_KEY


def neurons(graph: Graph) -> list[N.Node]:
    """Every neuron node of ``graph``, subgraphs included."""
    return [n for n in graph.flatten().nodes.values() if n.neuron]


def node_types(graph: Graph) -> set[type[N.Node]]:
    """The node classes ``graph`` uses, subgraphs included."""
    return {type(n) for n in graph.flatten().nodes.values()}


def equals(value: np.ndarray, target: float | np.ndarray, rtol: float = 0.0) -> bool:
    """``value == target`` element-wise (within ``rtol`` when given), for float32 files."""
    return bool(np.allclose(np.asarray(value, dtype=np.float64), np.asarray(target, dtype=np.float64),
                            rtol=rtol, atol=0.0))


def scalar_parameters(graph: Graph) -> bool:
    """True when the file gave its neurons one scalar per population (see ``SCALAR_PARAMETERS_KEY``)."""
    return bool(graph.metadata.get(SCALAR_PARAMETERS_KEY, False))


def replace_neurons(graph: Graph, kind: type[N.Node], change: Callable[[N.Node], dict[str, np.ndarray]]) -> Graph:
    """``graph`` with every ``kind`` node (subgraphs included) given the fields ``change(node)`` returns."""
    nodes = {}
    for name, node in graph.nodes.items():
        if isinstance(node, Graph):
            node = replace_neurons(node, kind, change)
        elif isinstance(node, kind):
            node = node.replace(**change(node))
        nodes[name] = node
    return dataclasses.replace(graph, nodes=nodes)
