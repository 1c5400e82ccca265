r"""The simulator's integer mode for ``numeric = "sI.F"`` profiles (e.g. SpiNNaker's ``s16.15``).

Weights and biases are quantized to the format (:math:`W = \mathrm{round}(w 2^F)`), synaptic
currents are integer sums of weights times spike counts, and neurons update with
:func:`neurokit.dynamics.fixed.fixed_step` under every rule of the profile (reset, spike rule,
``reset_timing``, ``multi_spike``: spike counts are recorded and sent on, ``v_min``). Edge timing is the graph's: linear nodes deliver after
``synapse_latency`` plus their per-synapse delays; an edge that closes a loop (it must leave a neuron)
carries the neuron's output of the previous step, as in :mod:`neurokit.ir.graph`. Neurons: LIF, IF, LI, I,
CubaLIF and CubaLI (the Cuba types as sPyNNaker's ``IF_curr_exp``, see :mod:`neurokit.dynamics.fixed`).
Runs in NumPy (vectorised over the batch); the float modes run in the Numba kernels. Every
neuron starts from the float model's initial state, quantized (``FixedNeuron.v_init``).

A neuron node whose metadata has ``input_saturation`` (shape ``(2, n)``, real units: the limits
:math:`L_{exc}, L_{inh}`) receives its input as a saturating accumulator does (SpiNNaker's 16-bit
ring buffers): the positive and the negative weighted inputs arriving in one step are summed
separately over all incoming linear nodes and clipped before they meet,

.. math::  I = \min\big(\textstyle\sum w^+ s,\ L_{exc}\big) - \min\big(\sum |w^-| s,\ L_{inh}\big) + b;

biases are not clipped. The number of clipped (step, sample, neuron, sign) entries per node is in
``meta["ring_buffer_saturations"]``. A neuron node whose metadata has ``late_bias`` (real units, one
per neuron) also receives that constant input from step ``synapse_latency + 1`` on, one step after the
biases (the SpiNNaker backend's second synaptic tap of an exact Cuba neuron's bias).
"""

from __future__ import annotations

import numpy as np

from neurokit import ir
from neurokit.dynamics.fixed import fixed_neuron, fixed_step
from neurokit.errors import InvalidInputError
from neurokit.ir.passes import FixedFormat, node_to_csr, synapse_delays

from .recording import Recording


def run_fixed(graph: ir.Graph, inputs: np.ndarray, steps: int | None = None) -> Recording:
    """Run ``graph`` (profile numeric ``sI.F``) on integer-valued time-first ``inputs``."""
    g = graph.flatten().validate()
    prof = g.profile
    fmt = FixedFormat.parse(prof.numeric)
    loop = g.loop_edges()
    if any(not g.nodes[a].neuron for a, _ in loop):
        raise InvalidInputError("the fixed-point mode runs loops that leave a neuron only",
                                fix="close every loop at a neuron's output, or simulate it in a float mode")
    x = np.asarray(inputs)
    counts = np.rint(x).astype(np.int64)
    if np.any(np.abs(counts - x) > 1e-9):
        raise InvalidInputError("fixed-point inputs are spike counts (whole numbers)", fix="bin events to counts")
    T, B = int(steps or x.shape[0]), x.shape[1]
    shapes = g.infer_shapes()
    order = g.topological_order()
    size = {n: int(np.prod(shapes[n][1])) for n in order}
    lat = prof.synapse_latency
    csr, rings, depth = {}, {}, {}
    neurons, state = {}, {}
    limits: dict[str, np.ndarray] = {}
    late: dict[str, np.ndarray] = {}  # metadata "late_bias": a constant input from step latency + 1 on
    for n in order:
        node = g.nodes[n]
        if node.linear:
            c = node_to_csr(node, shapes[n][0], shapes[n][1], prof.dt)
            d = synapse_delays(c.delay, len(c.indices), lat)
            csr[n] = (np.repeat(np.arange(c.n_pre), np.diff(c.indptr)), c.indices.astype(np.int64),
                      fmt.to_fixed(c.weight), d.astype(np.int64),
                      None if c.bias is None else fmt.to_fixed(c.bias))
            depth[n] = int(d.max(initial=lat)) + 1
            rings[n] = np.zeros((depth[n], 2, B, size[n]), np.int64)  # [:, 0] positive, [:, 1] |negative|
        elif node.neuron:  # fixed_neuron refuses a type without a fixed-point mode
            neurons[n] = fixed_neuron(node, prof, fmt)
            if "input_saturation" in node.metadata:
                limits[n] = _limits(n, node, size[n], fmt)
            if "late_bias" in node.metadata:
                late[n] = fmt.to_fixed(np.broadcast_to(np.asarray(node.metadata["late_bias"], np.float64), (size[n],)))
            state[n] = neurons[n].rest(B)
        elif not (node.port or node.index_map):
            raise InvalidInputError(f"node {n!r}: {node.type_name} has no fixed-point mode here",
                                    fix="fixed-point runs support linear nodes, neurons, Flatten/Identity")
    rec = Recording(dt=prof.dt)
    spike_type = np.int64 if prof.multi_spike else bool  # spike counts with multi_spike, as the float modes
    spikes = {n: np.zeros((T, B, size[n]), spike_type) for n in neurons if neurons[n].spiking}
    vtrace = {n: np.zeros((T, B, size[n]), np.int64) for n in neurons}
    outputs = {n: np.zeros((T, B, size[n])) for n in g.outputs}
    preds = {n: g.predecessors(n) for n in order}
    for n in limits:
        if any(p not in csr for p in preds[n]):
            raise InvalidInputError(f"node {n!r} has input_saturation but an input that is not a linear node",
                                    fix="feed saturating neurons from linear nodes only")
    saturations = {n: 0 for n in limits}
    previous = {n: np.zeros((B, size[n]), np.int64) for n in order}  # what loop edges carry: the last step's value
    for t in range(T):
        val: dict[str, np.ndarray] = {}
        parts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | int]] = {}
        for n in order:
            node = g.nodes[n]
            if isinstance(node, ir.Input):
                val[n] = counts[t].reshape(B, -1) if t < counts.shape[0] else np.zeros((B, size[n]), np.int64)
            elif node.index_map or isinstance(node, ir.Output):
                val[n] = sum(val[p] for p in preds[n])
                if n in outputs:
                    outputs[n][t] = val[n] if not any(p in neurons and not neurons[p].spiking for p in preds[n]) \
                        else fmt.to_float(val[n])
            elif n in csr:
                pre, post, w, d, bias = csr[n]
                xin = sum(previous[p] if (p, n) in loop else val[p] for p in preds[n])
                ring = rings[n]
                b_idx, i_idx = np.nonzero(xin)
                for b, i in zip(b_idx, i_idx):
                    sel = pre == i
                    np.add.at(ring, ((t + d[sel]) % depth[n], (w[sel] < 0).astype(np.int64), b, post[sel]),
                              np.abs(w[sel]) * xin[b, i])
                due = ring[t % depth[n]].copy()
                ring[t % depth[n]] = 0
                b_now = bias if bias is not None and t >= lat else 0  # a bias arrives after the latency
                parts[n] = (due[0], due[1], b_now)
                val[n] = due[0] - due[1] + b_now
            else:
                if n in limits:
                    pos = sum(parts[p][0] for p in preds[n])
                    neg = sum(parts[p][1] for p in preds[n])
                    saturations[n] += int((pos > limits[n][0]).sum() + (neg > limits[n][1]).sum())
                    current = (np.minimum(pos, limits[n][0]) - np.minimum(neg, limits[n][1])
                               + sum(parts[p][2] for p in preds[n]))
                else:
                    current = sum(previous[p] if (p, n) in loop else val[p] for p in preds[n])
                if n in late and t >= lat + 1:
                    current = current + late[n]
                z, state[n] = fixed_step(neurons[n], fmt, current, state[n], prof)
                vtrace[n][t] = state[n].v
                if n in spikes:
                    spikes[n][t] = z
                val[n] = z if neurons[n].spiking else state[n].v
        previous = val
    rec.spikes = spikes
    rec.traces = {n: {"v": fmt.to_float(vtrace[n])} for n in neurons}
    rec.outputs = {n: outputs[n] for n in outputs}
    if limits:
        rec.meta["ring_buffer_saturations"] = saturations
    return rec


def _limits(name: str, node: ir.Node, n: int, fmt: FixedFormat) -> np.ndarray:
    """``input_saturation`` metadata as integer limits ``(2, n)`` in the fixed-point format."""
    lim = np.asarray(node.metadata["input_saturation"], dtype=np.float64)
    if lim.shape != (2, n) or not np.all(np.isfinite(lim)) or lim.min() < 0:
        raise InvalidInputError(f"node {name!r}: input_saturation must be finite, >= 0, shape (2, {n}); got {lim.shape}",
                                fix="give [excitatory limits, inhibitory limits] per neuron")
    return fmt.to_fixed(lim)
