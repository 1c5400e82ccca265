r"""What SpiNNaker can run: populations, projections and the profile (the backend's ``check``).

A network on SpiNNaker is a set of **populations** (the ``Input`` spike source and neuron nodes)
joined by **projections** (synapse lists). A projection is a chain of linear nodes between two
populations, ``pre -> L_1 -> ... -> L_k -> post`` (``Flatten`` nodes in between are index maps,
``Delay`` nodes become synaptic delays; a population or ``Flatten`` may fan out to several chains):
pools followed by a convolution or a dense layer are one projection, as sPyNNaker's
``ConvolutionConnector`` (``pool_shape``/``pool_stride`` pool the input before the kernel) and
``PoolDenseConnector`` (pool, then dense weights) make them. The chain's synapse list is the
product of its matrices, :math:`W = W_k \cdots W_1`, with the bias
:math:`b = W_k \cdots W_2 b_1 + \dots + b_k` (:func:`projection_csr`); it is then partitioned,
with every core's synaptic words counted against its memory, like any other synapse list.

A projection that closes a loop (recurrent weights, with or without bias: snnTorch's ``RLeaky``,
``RSynaptic``) is a synapse list from a population to itself or an earlier one; the IR's loop edge
carries the previous step's output, so its spikes arrive one step later than a feed-forward
projection's (sPyNNaker delays of 2 steps instead of 1).

Neurons (sPyNNaker's models): LIF, IF, LI, I as ``IF_curr_delta`` (the input jumps the membrane;
LI/I never reach their threshold), CubaLIF/CubaLI as ``IF_curr_exp`` (exponential current synapse,
:mod:`neurokit.dynamics.fixed`). Profiles those cells cannot say (``reset="subtract"``/``"none"``,
``reset_timing="next_step"``, ``multi_spike``, ``v_min``: :func:`custom_model_reasons`) run as a
custom neuron model, the same S16.15 step with the profile's reset (sPyNNaker compiles user models
from C); the PyNN export, which has only standard cells, refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurokit import ir
from neurokit.backends.base import Problem
from neurokit.backends.output_stage import strip_output_stage
from neurokit.ir.passes import delay_steps, node_to_csr
from neurokit.ir.passes.csr import CSR

SYNAPSES = (ir.Linear, ir.Affine, ir.SparseLinear, ir.Conv1d, ir.Conv2d, ir.SumPool2d, ir.AvgPool2d, ir.Scale)
NEURONS = (ir.LIF, ir.IF, ir.LI, ir.I, ir.CubaLIF, ir.CubaLI)


@dataclass(frozen=True)
class Projection:
    """One synapse list: ``chain`` (linear and ``Delay`` node names, first to last) from population
    ``pre`` to neuron population ``post``; ``name`` is the last node of the chain."""

    chain: tuple[str, ...]
    pre: str
    post: str
    loop_steps: int = 0  # 1 where the path closes a loop at a neuron: the IR carries the previous step's output

    @property
    def name(self) -> str:
        return self.chain[-1]


@dataclass(frozen=True)
class Structure:
    populations: list[str]
    projections: list[Projection]
    problems: list[Problem]


def structure(graph: ir.Graph) -> Structure:
    """Populations (Input first, then neurons in topological order), projections and every problem
    (an output stage of Delay/Threshold nodes is applied on the host: :mod:`neurokit.backends.output_stage`)."""
    g = strip_output_stage(graph.flatten())
    problems = []
    for name, node in g.nodes.items():
        if not isinstance(node, (*SYNAPSES, *NEURONS, ir.Input, ir.Output, ir.Flatten, ir.Delay)):
            problems.append(Problem(name, f"{node.type_name} has no SpiNNaker lowering in this version",
                                    "map Linear/Affine/SparseLinear/Conv/Pool/Scale/Delay into "
                                    "LIF/IF/LI/I/CubaLIF/CubaLI populations"))
    loops = g.loop_edges()
    inputs = [n for n, node in g.nodes.items() if isinstance(node, ir.Input)]
    if len(inputs) != 1:
        problems.append(Problem(",".join(inputs) or "<graph>", "SpiNNaker graphs here have exactly one Input "
                                "(the spike source)", "merge the inputs into one"))
    pops = [n for n in g.topological_order() if isinstance(g.nodes[n], (ir.Input, *NEURONS))]
    outputs = list(g.outputs)
    if len(outputs) != 1:
        problems.append(Problem(",".join(outputs) or "<graph>", "SpiNNaker graphs here record exactly one Output",
                                "keep one Output node"))
    for out in outputs:
        source = output_population(g, out)
        if source is None or not isinstance(g.nodes[source], NEURONS):
            before = g.predecessors(out)
            what = f"{before[0]!r} ({g.nodes[before[0]].type_name})" if len(before) == 1 else f"{len(before)} nodes"
            problems.append(Problem(out, f"the Output reads {what}, not one neuron population: the chip records "
                                         "a population's spikes or membrane", "connect the Output to the last neuron "
                                         "node (drop a Delay or weights after it)"))
    projections = []
    for post in pops:
        if isinstance(g.nodes[post], ir.Input):
            continue
        starts = [(first, int((first, post) in loops)) for first in g.predecessors(post)]
        while starts:
            first, loop_steps = starts.pop(0)
            chain: list[str] = []
            node, bad = first, None
            while True:
                kind = g.nodes[node]
                if isinstance(kind, (ir.Input, *NEURONS)):
                    break
                if not isinstance(kind, (*SYNAPSES, ir.Delay, ir.Flatten)):
                    bad = f"input from {node!r} ({kind.type_name}) is not a projection"
                    break
                if isinstance(kind, (*SYNAPSES, ir.Delay)):
                    chain.insert(0, node)
                preds = g.predecessors(node)
                if len(preds) > 1 and not chain and isinstance(kind, ir.Flatten):  # a sum of weighted inputs:
                    starts += [(q, max(loop_steps, int((q, node) in loops))) for q in preds]  # one projection each
                    bad = "summed"
                    break
                if len(preds) != 1:
                    bad = f"{node!r} sums {len(preds)} inputs before its weights: a projection joins one population to one"
                    break
                if (preds[0], node) in loops:
                    if not isinstance(g.nodes[preds[0]], (ir.Input, *NEURONS)):
                        bad = f"the loop through {node!r} closes at {preds[0]!r}, not at a neuron's output"
                        break
                    loop_steps = 1
                node = preds[0]
            if bad is None and not any(isinstance(g.nodes[c], SYNAPSES) for c in chain):
                bad = f"input from {first!r} carries no weights"
            if bad is None and len(g.successors(chain[-1])) != 1:
                bad = f"{chain[-1]!r} feeds several populations"
            if bad == "summed":
                continue
            if bad is not None:
                problems.append(Problem(post, bad, "put a neuron population after every chain of weights, with one "
                                                   "input per linear node"))
                continue
            projections.append(Projection(chain=tuple(chain), pre=node, post=post, loop_steps=loop_steps))
    return Structure(pops, projections, problems)


def output_population(g: ir.Graph, out: str) -> str | None:
    """The population an Output records, through ``Flatten`` index maps (``None``: anything else)."""
    node = out
    while True:
        preds = g.predecessors(node)
        if len(preds) != 1:
            return None
        node = preds[0]
        if not isinstance(g.nodes[node], ir.Flatten):
            return node if isinstance(g.nodes[node], (ir.Input, *NEURONS)) else None


def custom_model_reasons(profile: ir.Profile) -> list[str]:
    """Why the populations need a custom sPyNNaker neuron model instead of ``IF_curr_delta`` /
    ``IF_curr_exp`` (which set ``v`` to ``v_reset`` in the spiking step, send one packet per spike and
    have no floor); empty for the standard cells."""
    reasons = [f"reset={profile.reset!r}"] if profile.reset != "zero" else []
    return reasons + [f"{name}={value!r}" if name != "multi_spike" else "multi_spike (one packet per counted spike)"
                      for name, value in profile.changed_rules().items()]


def node_csr(node: ir.Node, in_shape: tuple[int, ...], out_shape: tuple[int, ...], dt: float) -> CSR:
    """The synapse list of one chain node: a linear node's own; ``Scale``: the diagonal
    :math:`\\mathrm{diag}(s)`; ``Delay``: the identity with each element's delay in steps."""
    if isinstance(node, (ir.Scale, ir.Delay)):
        values = node.scale if isinstance(node, ir.Scale) else node.delay
        n = int(np.size(values))
        weight = np.asarray(node.scale, np.float64).ravel() if isinstance(node, ir.Scale) else np.ones(n)
        delay = delay_steps(np.asarray(node.delay).ravel(), dt) if isinstance(node, ir.Delay) else None
        return CSR(n_pre=n, n_post=n, indptr=np.arange(n + 1, dtype=np.int64), indices=np.arange(n, dtype=np.int32),
                   weight=weight, delay=delay, bias=None)
    return node_to_csr(node, in_shape, out_shape, dt)


def compose(first: CSR, second: CSR) -> CSR:
    r"""The synapse list of ``second`` after ``first``: :math:`W = W_2 W_1` (synapses joining the same
    two neurons with the same delay summed, zeros dropped; a path's delay is the sum of its two
    synapses' delays), :math:`b = W_2 b_1 + b_2` (a bias is a constant: delays do not change it)."""
    pre1 = np.repeat(np.arange(first.n_pre), np.diff(first.indptr))
    mid, w1 = np.asarray(first.indices, np.int64), np.asarray(first.weight, np.float64)
    deg2 = np.diff(second.indptr)
    counts = deg2[mid]
    total = int(counts.sum())
    idx1 = np.repeat(np.arange(len(mid)), counts)
    pos = np.repeat(second.indptr[:-1][mid] - (np.cumsum(counts) - counts), counts) + np.arange(total)
    pre = pre1[idx1]
    post = np.asarray(second.indices, np.int64)[pos]
    w = w1[idx1] * np.asarray(second.weight, np.float64)[pos]
    delay2 = None
    if first.delay is not None or second.delay is not None:
        delay2 = (np.zeros(total, np.int64) if first.delay is None else np.asarray(first.delay, np.int64)[idx1]) \
            + (0 if second.delay is None else np.asarray(second.delay, np.int64)[pos])
    stride = 1 if delay2 is None else int(delay2.max(initial=0)) + 1  # synapses differing in delay stay apart
    key = (pre * second.n_post + post) * stride + (0 if delay2 is None else delay2)
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=w, minlength=len(uniq))
    keep = summed != 0
    pair, d = np.divmod(uniq[keep], stride)
    pre_u, post_u = np.divmod(pair, second.n_post)
    bias = None
    if first.bias is not None:
        pre2 = np.repeat(np.arange(second.n_pre), deg2)
        bias = np.bincount(np.asarray(second.indices, np.int64), weights=np.asarray(second.weight) *
                           np.asarray(first.bias, np.float64).ravel()[pre2], minlength=second.n_post)
    if second.bias is not None:
        bias = np.asarray(second.bias, np.float64).ravel() + (0 if bias is None else bias)
    order = np.lexsort((post_u, pre_u))
    pre_u, post_u, summed_k, d = pre_u[order], post_u[order], summed[keep][order], d[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre_u, minlength=first.n_pre))]).astype(np.int64)
    return CSR(n_pre=first.n_pre, n_post=second.n_post, indptr=indptr, indices=post_u.astype(np.int32),
               weight=summed_k, delay=None if delay2 is None else d.astype(np.int64), bias=bias)


def projection_csr(g: ir.Graph, shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]], proj: Projection) -> CSR:
    """The synapse list of a projection: its chain's matrices multiplied (:func:`compose`)."""
    csr = None
    for name in proj.chain:
        step = node_csr(g.nodes[name], shapes[name][0], shapes[name][1], g.profile.dt)
        csr = step if csr is None else compose(csr, step)
    if csr is None:
        raise ValueError(f"projection into {proj.post!r} has no linear node")  # structure() never builds one
    return csr
