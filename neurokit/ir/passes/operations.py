r"""The one operations counter: accumulates (AC), multiply-accumulates (MAC), dense equivalent.

An event (a spike, an input count, or any non-zero value) at output element :math:`i` of a
*source* node costs one operation per connection it reaches, its fan-out
:math:`\mathrm{fan}_s(i)`; over a run

.. math::  \mathrm{ops} = \frac{1}{B} \sum_{\text{sources } s} \sum_i n_{s,i}\, \mathrm{fan}_s(i),
           \qquad \mathrm{dense} = T \sum_{\text{counted nodes } \ell} \mathrm{nnz}(W_\ell)

with :math:`n_{s,i}` the events of element :math:`i` over :math:`T` steps and :math:`B` samples,
and :math:`\mathrm{nnz}(W_\ell)` the connections of node :math:`\ell` (its CSR rows,
:func:`~neurokit.ir.passes.csr.node_to_csr`; zero weights and padded taps are no connection).
The callers differ only in :class:`CountRules`:

* ``fold`` — ``True`` (:data:`FOLDED`, the training report): chains of stateless linear nodes
  between neurons (average pool then convolution) act as their composed map, as an event-driven
  chip folds them, so :math:`\mathrm{fan}_s(i)` is the number of non-zeros in row :math:`i` of
  the product of the chain's connection matrices (summed over branches); sources are the input
  and the neurons; ``Flatten``/``Delay`` pass events on and cost nothing (a ``Delay`` straight
  into a neuron is no synapse). ``False`` (:data:`PER_LAYER`, the conversion report,
  NeuroBench): every counted node costs its own fan-out for each non-zero value of each of its
  inputs, whatever that input is (a neuron, a pool, a ``Flatten``).
* ``node_types`` — which nodes cost operations: :data:`OPERATION_TYPES` (every linear node and
  ``Scale``) or :data:`~neurokit.ir.nodes.SYNAPSE_TYPES` (weights only: Linear, Affine,
  SparseLinear, Conv1d, Conv2d — NeuroBench's connection layers, and ``Graph.stats()``'s synapses).
* ``events`` — what :math:`n_{s,i}` sums: ``"count"`` the values themselves (an input of 2
  spikes in a step is two events; the training report) or ``"nonzero"`` one per non-zero value
  (NeuroBench's binarised input; the conversion report, whose inputs are analog).
* ``graded_every_step`` — a neuron whose spikes were not recorded (an LI membrane feeding a
  linear node) counts every element every step (``True``) or is refused (``False``).

Whether an operation is an AC or a MAC is the caller's split of the sources: the conversion
report counts sources on the analog input path as MACs, everything fed by spikes as ACs.

**Relation to NeuroBench** (``neurobench`` 2.3.0, ``SynapticOperations``): NeuroBench hooks the
connection layers of a torch model (``nn.Linear``/``Conv1d``/``Conv2d``…), replaces weights and
inputs by their non-zero patterns and sums the layer's output, i.e. per call
:math:`\sum_i [x_i \ne 0]\,\#\{j: W_{ji} \ne 0\}` — exactly :data:`PER_LAYER` with
``node_types=SYNAPSE_TYPES``; its ``Dense`` (all weights and inputs set to one, bias excluded)
equals :func:`dense_operations` when no weight is exactly zero (we drop zero weights). Equal counts
are checked in ``tests/unit/ir/test_operations.py`` against a golden NeuroBench produced. The
differences: NeuroBench does not count pooling (not a connection layer), never folds, and calls a
layer's operations ACs when its input holds only 0/±1 and MACs otherwise (per call), where the
conversion report splits by the analog input path; :data:`FOLDED` counts a pool→conv chain as
the composed map (fewer or more operations than pool + conv, depending on overlap).

Energy (:data:`E_AC_PJ`, :data:`E_MAC_PJ`): Horowitz, ISSCC 2014, 45 nm, 32-bit float: an add
0.9 pJ, a multiply-add (3.7 pJ multiply + 0.9 pJ add) 4.6 pJ — the project's only copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from neurokit.errors import InvalidInputError

from .. import nodes as N
from .csr import LINEAR_TYPES, node_to_csr

if TYPE_CHECKING:
    from ..graph import Graph

E_AC_PJ = 0.9  #: pJ per accumulate (32-bit float add, 45 nm; Horowitz, ISSCC 2014)
E_MAC_PJ = 4.6  #: pJ per multiply-accumulate (3.7 pJ multiply + 0.9 pJ add)
ENERGY_PJ = {"accumulate": E_AC_PJ, "multiply_accumulate": E_MAC_PJ}
ENERGY_SOURCE = ("M. Horowitz, 'Computing's energy problem', ISSCC 2014 (45 nm, 32-bit float): "
                 "0.9 pJ per add (AC), 4.6 pJ per multiply-add (MAC)")

#: Nodes that cost operations by default: every linear node and the element-wise ``Scale``.
OPERATION_TYPES: tuple[type[N.Node], ...] = (*LINEAR_TYPES, N.Scale)


@dataclass(frozen=True)
class CountRules:
    """What counts (see the module docstring): ``fold`` linear chains, the ``node_types`` that
    cost operations, what an ``events`` value counts, and whether unrecorded neurons count as
    ``graded_every_step``."""

    fold: bool = True
    node_types: tuple[type[N.Node], ...] = OPERATION_TYPES
    events: Literal["count", "nonzero"] = "count"
    graded_every_step: bool = True

    def __post_init__(self) -> None:
        if self.fold and set(self.node_types) != set(OPERATION_TYPES):
            raise InvalidInputError("fold=True composes every linear node, so node_types cannot leave some out",
                                    fix="choose node_types only with fold=False")
        if self.events not in ("count", "nonzero"):
            raise InvalidInputError(f"events must be 'count' or 'nonzero', got {self.events!r}", fix="use 'count'")


FOLDED = CountRules(fold=True)
PER_LAYER = CountRules(fold=False, events="nonzero")


@dataclass(frozen=True)
class _Pattern:
    """Boolean connection matrix ``(rows, cols)`` in CSR form: ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: np.ndarray
    indices: np.ndarray
    n_cols: int

    @classmethod
    def from_pairs(cls, rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> _Pattern:
        key = np.unique(rows.astype(np.int64) * n_cols + cols.astype(np.int64))
        counts = np.bincount(key // max(n_cols, 1), minlength=n_rows)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), key % max(n_cols, 1), n_cols)

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row_counts(self) -> np.ndarray:
        return np.diff(self.indptr).astype(np.float64)

    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))

    def compose(self, other: _Pattern) -> _Pattern:
        """Pattern of the product ``self @ other``: ``i -> j`` when some ``k`` has ``i -> k -> j``."""
        lens = np.diff(other.indptr)[self.indices]
        starts = other.indptr[self.indices]
        first = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        pos = np.repeat(starts - first, lens) + np.arange(int(lens.sum()))
        return _Pattern.from_pairs(np.repeat(self.rows(), lens), other.indices[pos], self.n_rows, other.n_cols)


def _hstack(blocks: list[_Pattern]) -> _Pattern:
    offsets = np.cumsum([0] + [b.n_cols for b in blocks])
    rows = np.concatenate([b.rows() for b in blocks])
    cols = np.concatenate([b.indices + off for b, off in zip(blocks, offsets)])
    return _Pattern.from_pairs(rows, cols, blocks[0].n_rows, int(offsets[-1]))


def _identity(n: int) -> _Pattern:
    return _Pattern(np.arange(n + 1, dtype=np.int64), np.arange(n, dtype=np.int64), n)


def connections(graph: Graph, name: str, shapes: Mapping[str, tuple]) -> _Pattern:
    """Connection pattern ``(inputs, outputs)`` of the linear (or ``Scale``) node ``name``."""
    node = graph.nodes[name]
    n_out = int(np.prod(shapes[name][1]))
    if isinstance(node, N.Scale):  # element-wise
        return _identity(n_out)
    c = node_to_csr(node, shapes[name][0], shapes[name][1], graph.profile.dt)
    return _Pattern(np.asarray(c.indptr, dtype=np.int64), np.asarray(c.indices, dtype=np.int64), n_out)


def fan_out(graph: Graph, source: str, shapes: Mapping[str, tuple] | None = None, *,
            rules: CountRules = FOLDED) -> np.ndarray:
    """Operations triggered by one event at each output element of ``source`` (``shapes``: the
    flattened graph's inferred shapes, when the caller has them)."""
    g = graph.flatten()
    shapes = shapes if shapes is not None else g.infer_shapes()
    size = int(np.prod(shapes[source][1]))
    if not rules.fold:
        fan = np.zeros(size)
        for s in g.successors(source):
            if isinstance(g.nodes[s], rules.node_types):
                fan += connections(g, s, shapes).row_counts()
        return fan

    def reach(name: str, after_linear: bool) -> _Pattern | None:
        """Composed map from ``name``'s output to the inputs of the nodes that end the chain
        (neurons, outputs); a source's direct (or pass-through) edge to a neuron is no synapse."""
        blocks = []
        for s in g.successors(name):
            node = g.nodes[s]
            if node.index_map or isinstance(node, N.Delay):  # passes events on unchanged
                sub = reach(s, after_linear)
            elif isinstance(node, rules.node_types):
                m = connections(g, s, shapes)
                follow = reach(s, True)
                sub = m if follow is None else m.compose(follow)
            else:
                sub = _identity(int(np.prod(shapes[name][1]))) if after_linear else None
            if sub is not None:
                blocks.append(sub)
        return _hstack(blocks) if blocks else None

    m = reach(source, False)
    return np.zeros(size) if m is None else m.row_counts()


def dense_operations(graph: Graph, rules: CountRules = FOLDED,
                     shapes: Mapping[str, tuple] | None = None) -> int:
    """Connections of the counted nodes: the operations of one dense step (every input non-zero)."""
    g = graph.flatten()
    shapes = shapes if shapes is not None else g.infer_shapes()
    return int(sum(len(connections(g, n, shapes).indices) for n, node in g.nodes.items()
                   if isinstance(node, rules.node_types)))


def operation_sources(graph: Graph, rules: CountRules = FOLDED, recorded: Mapping[str, object] = {}) -> list[str]:
    """Nodes whose events cost operations: with ``fold`` the input, the neurons and any other
    ``recorded`` node, else every input of a counted node."""
    g = graph.flatten()
    if rules.fold:
        return [n for n, node in g.nodes.items() if isinstance(node, N.Input) or node.neuron or n in recorded]
    return sorted({p for n, node in g.nodes.items() if isinstance(node, rules.node_types) for p in g.predecessors(n)})


def step_operations(graph: Graph, values: Mapping[str, np.ndarray], *, rules: CountRules = FOLDED,
                    shapes: Mapping[str, tuple] | None = None) -> dict[str, np.ndarray]:
    """Operations ``(T, B)`` per step and sample caused by each source's output ``values[source]``
    ``(T, B, *shape)``. A neuron missing from ``values`` is graded: all its elements are events
    every step (``rules.graded_every_step``; otherwise refused, as is any other missing source)."""
    g = graph.flatten()
    shapes = shapes if shapes is not None else g.infer_shapes()
    first = np.asarray(next(iter(values.values())))
    steps, batch = first.shape[:2]
    out: dict[str, np.ndarray] = {}
    for name in operation_sources(g, rules, values):
        size = int(np.prod(shapes[name][1]))
        if name in values:
            a = np.asarray(values[name], dtype=np.float64).reshape(steps, batch, size)
            ev = a if rules.events == "count" else (a != 0).astype(np.float64)
        elif g.nodes[name].neuron and rules.graded_every_step:
            ev = np.ones((steps, batch, size))
        else:
            raise InvalidInputError(f"no recorded values for {name!r}, whose outputs cost operations",
                                    fix=f"record {name!r}" + (" or count graded neurons every step"
                                                              if g.nodes[name].neuron else ""))
        out[name] = ev @ fan_out(g, name, shapes, rules=rules)
    return out


def run_operations(graph: Graph, inputs: np.ndarray, spikes: Mapping[str, np.ndarray], *,
                   rules: CountRules = FOLDED) -> tuple[float, float]:
    """``(operations per sample, dense operations per sample)`` of a run of ``graph`` on ``inputs``
    ``(T, B, *shape)`` (fed to every ``Input`` node) whose recorded outputs ``(T, B, *shape)`` by
    node are ``spikes``."""
    g = graph.flatten()
    shapes = g.infer_shapes()
    inputs = np.asarray(inputs, dtype=np.float64)
    values = {**spikes, **{n: inputs for n, node in g.nodes.items() if isinstance(node, N.Input)}}
    per_source = step_operations(g, values, rules=rules, shapes=shapes)
    total = float(sum(ops.sum() for ops in per_source.values())) / inputs.shape[1]
    return total, float(dense_operations(g, rules, shapes) * inputs.shape[0])
