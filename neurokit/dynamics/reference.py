r"""The reference graph runner: slow, plain NumPy, the oracle for every simulator and backend.

``run_reference(graph, inputs, steps)`` applies the graph's time semantics (see
:mod:`neurokit.ir.graph`) with the float step functions of :mod:`neurokit.dynamics.neurons`:

* per step, nodes are evaluated in topological order; several edges into a node are summed;
* an edge that closes a loop carries its source neuron's output of the previous step; a
  ``Delay`` of ``d >= 1`` steps in a loop is read before its input is written (exactly ``d``);
* weighted connections (Linear, Affine, SparseLinear, Conv) are delayed by the profile's
  ``synapse_latency`` steps; ``SparseLinear.delay`` adds per-synapse delays (whole steps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from neurokit.errors import InvalidInputError
from neurokit.ir import Delay, Graph, Input, Output, SparseLinear
from neurokit.ir import extensions as X

from .discretisation import NeuronCoefficients, neuron_coefficients, synapse_delay_steps
from .neurons import NeuronState, initial_state, neuron_step
from .synapses import stateless


@dataclass
class ReferenceResult:
    """Outputs ``(T, B, *shape)`` per Output node and, for recorded nodes, outputs and states."""

    outputs: dict[str, np.ndarray]
    node_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    states: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


class _Ring:
    """Delay line: ``push(t, value)`` then ``read(t)`` returns what was pushed ``d`` steps ago."""

    def __init__(self, depth: int, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.buf = np.zeros((depth + 1, *shape), dtype=dtype)
        self.depth = depth

    def add(self, t: int, delay_steps: int, value: np.ndarray) -> None:
        self.buf[(t + delay_steps) % (self.depth + 1)] += value

    def take(self, t: int) -> np.ndarray:
        slot = t % (self.depth + 1)
        out = self.buf[slot].copy()
        self.buf[slot] = 0
        return out


def _as_inputs(graph: Graph, inputs: np.ndarray | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    names = list(graph.inputs)
    if not isinstance(inputs, dict):
        if len(names) != 1:
            raise InvalidInputError(f"graph has inputs {names}; pass a dict", fix="inputs={'name': array}")
        inputs = {names[0]: inputs}
    for n in names:
        if n not in inputs:
            raise InvalidInputError(f"missing input {n!r}", fix=f"pass arrays for {names}")
        shape = graph.nodes[n].shape  # type: ignore[attr-defined]
        if tuple(inputs[n].shape[2:]) != tuple(shape):
            raise InvalidInputError(f"input {n!r} has shape {inputs[n].shape}, expected (T, B, *{shape})",
                                    fix="inputs are time-first, then batch")
    return inputs


def run_reference(graph: Graph, inputs: np.ndarray | dict[str, np.ndarray], steps: int | None = None, *,
                  record: tuple[str, ...] = (), initial: dict[str, NeuronState] | None = None,
                  linear_ops: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None) -> ReferenceResult:
    """Run ``graph`` on time-first ``inputs`` ``(T, B, *shape)`` for ``steps`` (default ``T``).

    ``linear_ops`` replaces the computation of named stateless nodes (``x -> y``, batch first):
    emulators of analog hardware reuse the graph semantics and swap in their own arithmetic.
    """
    g = graph.flatten().validate()
    prof = g.profile
    dtype = np.dtype(np.float32) if prof.numeric == "float32" else np.dtype(np.float64)
    ins = _as_inputs(g, inputs)
    T = steps if steps is not None else next(iter(ins.values())).shape[0]
    B = next(iter(ins.values())).shape[1]
    shapes = g.infer_shapes()
    order = g.topological_order()
    loop = g.loop_edges()
    states: dict[str, NeuronState] = {}
    coefs: dict[str, NeuronCoefficients] = {}
    rings: dict[str, _Ring] = {}
    delay_steps: dict[str, np.ndarray] = {}
    for name in order:
        node = g.nodes[name]
        out_shape = shapes[name][1]
        if node.neuron:
            states[name] = (initial or {}).get(name) or initial_state(node, (B,), prof.numeric)
            coefs[name] = neuron_coefficients(node, prof)
        if isinstance(node, SparseLinear) and node.delay is not None:
            delay_steps[name] = synapse_delay_steps(node.delay, len(node.indices), prof)
            rings[name] = _Ring(int(delay_steps[name].max(initial=0)), (B, *out_shape), dtype)
        elif node.weighted and prof.synapse_latency:
            rings[name] = _Ring(prof.synapse_latency, (B, *out_shape), dtype)
        elif isinstance(node, Delay):
            delay_steps[name] = g.delay_steps(node)
            rings[name] = _Ring(int(delay_steps[name].max(initial=0)) + 1, (B, *out_shape), dtype)
    early_delays = [n for n in order if isinstance(g.nodes[n], Delay) and g.nodes[n].delay.size
                    and delay_steps[n].min() >= 1]
    prev = {name: np.zeros((B, *shapes[name][1]), dtype=dtype) for name in order}
    out_rec = {n: np.zeros((T, B, *shapes[n][1]), dtype=dtype) for n in g.outputs}
    node_rec = {n: np.zeros((T, B, *shapes[n][1]), dtype=dtype) for n in record}
    state_rec: dict[str, dict[str, np.ndarray]] = {n: {"v": np.zeros((T, B, *shapes[n][1]), dtype=dtype),
                                                       "i": np.zeros((T, B, *shapes[n][1]), dtype=dtype)}
                                                   for n in record if n in states}
    preds = {n: g.predecessors(n) for n in order}
    for t in range(T):
        cur: dict[str, np.ndarray] = {}
        for name in early_delays:
            cur[name] = _delay_read(rings[name], delay_steps[name], t)
        for name in order:
            node = g.nodes[name]
            if isinstance(node, Input):
                x_in = ins[name]
                cur[name] = (x_in[t] if t < x_in.shape[0] else np.zeros_like(x_in[0])).astype(dtype)
                continue
            if isinstance(node, X.Extension):  # neurokit extensions: their own rule for the inputs
                ins_t = [prev[p] if (p, name) in loop and not isinstance(g.nodes[p], Delay) else cur[p]
                         for p in preds[name]]
                cur[name] = X.apply(node, ins_t).astype(dtype, copy=False)
                continue
            x = np.zeros((B, *shapes[name][0]), dtype=dtype)
            for p in preds[name]:
                x = x + (prev[p] if (p, name) in loop and not isinstance(g.nodes[p], Delay) else cur[p])
            if isinstance(node, Output):
                cur[name] = x
            elif isinstance(node, Delay):
                if name not in cur:
                    _delay_write(rings[name], delay_steps[name], t, x)
                    cur[name] = _delay_read(rings[name], delay_steps[name], t)
                else:
                    _delay_write(rings[name], delay_steps[name], t, x)
            elif name in states:
                cur[name], states[name] = neuron_step(node, x, states[name], prof, coefs[name])
            elif isinstance(node, SparseLinear) and node.delay is not None:
                _scatter_delayed(rings[name], node, delay_steps[name], t, x)
                cur[name] = rings[name].take(t)
            else:
                if linear_ops and name in linear_ops:
                    y = linear_ops[name](x.reshape(x.shape[0], -1)).reshape((B, *shapes[name][1])).astype(dtype)
                else:
                    y = stateless(node, x, prof.spike_rule)
                if name in rings:
                    rings[name].add(t, prof.synapse_latency, y)
                    y = rings[name].take(t)
                cur[name] = y
        prev = cur
        for n in out_rec:
            out_rec[n][t] = cur[n]
        for n in node_rec:
            node_rec[n][t] = cur[n]
        for n in state_rec:
            state_rec[n]["v"][t] = states[n].v
            state_rec[n]["i"][t] = states[n].i
    return ReferenceResult(outputs=out_rec, node_outputs=node_rec, states=state_rec)


def _delay_write(ring: _Ring, steps: np.ndarray, t: int, x: np.ndarray) -> None:
    depth = ring.depth + 1
    flat = x.reshape(x.shape[0], -1)
    st = steps.reshape(-1)
    for d in np.unique(st):
        mask = st == d
        slot = ring.buf[(t + int(d)) % depth].reshape(x.shape[0], -1)
        slot[:, mask] += flat[:, mask]


def _delay_read(ring: _Ring, steps: np.ndarray, t: int) -> np.ndarray:
    return ring.take(t)


def _scatter_delayed(ring: _Ring, node: SparseLinear, steps: np.ndarray, t: int, x: np.ndarray) -> None:
    pre = np.repeat(np.arange(node.n_pre), np.diff(node.indptr))
    contrib = x[:, pre] * np.asarray(node.weight, dtype=x.dtype)
    depth = ring.depth + 1
    for d in np.unique(steps):
        k = steps == d
        slot = ring.buf[(t + int(d)) % depth]
        np.add.at(slot.T, node.indices[k], contrib[:, k].T)
