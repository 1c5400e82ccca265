"""``compile(graph) -> Program``: the graph packed into flat arrays the Numba kernel interprets.

Each node gets an op code, an input slot and an output slot in flat per-sample buffers; linear
nodes become CSR rows by presynaptic input (:mod:`neurokit.ir.passes.csr`); neuron parameters
become per-neuron coefficient rows taken from :mod:`neurokit.dynamics.discretisation` (the same
numbers the reference uses), rounded once to the run's dtype. The arrays are a
:class:`~neurokit.sim.kernel_args.GraphArrays` (each field described there), the profile's rules a
:class:`~neurokit.sim.kernel_args.Rules`: what the kernels take.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurokit import ir
from neurokit.ir import extensions as X
from neurokit.dynamics.discretisation import is_exact, neuron_coefficients
from neurokit.errors import InvalidInputError
from neurokit.ir.nodes.neurons import BetaLIF
from neurokit.ir.passes import node_to_csr

from .kernel_args import GraphArrays, Rules

# op codes
INPUT, OUTPUT, IDENTITY, CSR_OP, SCALE, DELAY, THRESHOLD = 0, 1, 2, 3, 4, 5, 6
PRODUCT = 7  # neurokit extension SpikeProduct: the product of the inputs (neurokit.ir.extensions)
LIF, IF, LI, INTEG, CUBA_LI, CUBA_LIF = 10, 11, 12, 13, 14, 15
#: the neuron op the kernels run for each neuron type they implement
NEURON_OPS = {ir.LIF: LIF, ir.IF: IF, ir.LI: LI, ir.I: INTEG, ir.CubaLI: CUBA_LI, ir.CubaLIF: CUBA_LIF,
              BetaLIF: LIF}
#: ops whose output is spikes (read as a spike list by the next linear op)
SPIKING_OPS = (*(op for node_type, op in NEURON_OPS.items() if node_type.spiking), THRESHOLD)
# neuron coefficient rows of GraphArrays.coef
(C_A_MEM, C_GAIN_MEM, C_VLEAK, C_R, C_VTH, C_VRESET, C_A_SYN, C_GAIN_SYN, C_WIN, C_COUPLING, C_DT_R,
 N_COEF) = range(12)
#: which NeuronCoefficients field fills each row of GraphArrays.coef
COEF_FIELDS = ("a_mem", "gain_mem", "v_leak", "r", "v_threshold", "v_reset", "a_syn", "gain_syn", "w_in", "coupling",
               "dt_r")


@dataclass
class Program:
    """A compiled graph (see the module docstring): the kernels' arrays and rules; the graph stays attached."""

    graph: ir.Graph
    names: list[str]
    dtype: np.dtype
    arrays: GraphArrays
    rules: Rules
    total_in: int
    total_out: int
    total_ring: int
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)

    def index(self, name: str) -> int:
        """Position of node ``name`` in :attr:`names`."""
        try:
            return self.names.index(name)
        except ValueError:
            raise InvalidInputError(f"no node named {name!r}", fix=f"choose from {self.names}") from None

    @property
    def synapse_bytes(self) -> int:
        """Bytes held for synapses (indices, weights, delays, row pointers)."""
        a = self.arrays
        return int(a.indices.nbytes + a.weights.nbytes + a.delays.nbytes + a.indptr.nbytes)


def compile_graph(graph: ir.Graph, profile: ir.Profile | None = None) -> Program:
    """Validate ``graph`` and pack it for the kernel (``profile`` overrides the graph's)."""
    g = graph.flatten()
    if profile is not None:
        g = g.with_profile(profile)
    g.validate()
    prof = g.profile
    if prof.is_fixed_point:
        raise InvalidInputError(f"numeric {prof.numeric!r}: the Numba kernels run float32/float64",
                                fix="use neurokit.sim.simulate(), which runs sI.F profiles in the fixed-point mode")
    dtype = np.dtype(np.float32) if prof.numeric == "float32" else np.dtype(np.float64)
    shapes = g.infer_shapes()
    order_names = g.topological_order()
    names = list(g.nodes)
    idx = {n: i for i, n in enumerate(names)}
    loop = g.loop_edges()
    n = len(names)
    kind = np.zeros(n, np.int64)
    in_size = np.array([int(np.prod(shapes[k][0])) for k in names], np.int64)
    out_size = np.array([int(np.prod(shapes[k][1])) for k in names], np.int64)
    in_off = np.concatenate([[0], np.cumsum(in_size)])[:-1].astype(np.int64)
    out_off = np.concatenate([[0], np.cumsum(out_size)])[:-1].astype(np.int64)
    total_out = int(out_size.sum())
    # edges, grouped by target
    edge_ptr = np.zeros(n + 1, np.int64)
    srcs: list[int] = []
    prevs: list[bool] = []
    for i, name in enumerate(names):
        for p in g.predecessors(name):
            srcs.append(idx[p])
            prevs.append((p, name) in loop and not isinstance(g.nodes[p], ir.Delay))
        edge_ptr[i + 1] = len(srcs)
    csr_ptr_off = np.zeros(n, np.int64)
    ring_off = np.zeros(n, np.int64)
    ring_depth = np.zeros(n, np.int64)
    has_bias = np.zeros(n, np.bool_)
    bias = np.zeros(total_out, dtype)
    scale_factors = np.zeros(total_out, dtype)
    thresholds = np.zeros(total_out, dtype)
    coef = np.zeros((N_COEF, total_out), dtype)
    refrac = np.zeros(total_out, np.int64)
    indptr_parts, idx_parts, w_parts, d_parts = [np.zeros(1, np.int64)], [], [], []
    delay_steps = np.zeros(total_out, np.int64)
    n_syn = 0
    ring_total = 0
    output_at_step_start = np.zeros(n, np.bool_)
    lat = prof.synapse_latency
    for i, name in enumerate(names):
        node = g.nodes[name]
        o = slice(out_off[i], out_off[i] + out_size[i])
        if isinstance(node, X.TokenBroadcast):  # a copy: runs as the equivalent CSR op
            node = node.as_sparse_linear()
        if isinstance(node, X.SpikeProduct):
            kind[i] = PRODUCT
        elif isinstance(node, X.Unflatten):  # flat buffers: a reshape moves nothing
            kind[i] = IDENTITY
        elif isinstance(node, ir.Input):
            kind[i] = INPUT
        elif isinstance(node, ir.Output):
            kind[i] = OUTPUT
        elif node.index_map:
            kind[i] = IDENTITY
        elif isinstance(node, ir.Scale):
            kind[i] = SCALE
            scale_factors[o] = np.asarray(node.scale, dtype).ravel()
        elif isinstance(node, ir.Threshold):
            kind[i] = THRESHOLD
            thresholds[o] = np.asarray(node.threshold, dtype).ravel()
        elif isinstance(node, ir.Delay):
            kind[i] = DELAY
            steps = g.delay_steps(node).ravel()
            delay_steps[o] = steps
            ring_depth[i] = int(steps.max(initial=0)) + 1
            ring_off[i] = ring_total
            ring_total += (ring_depth[i] + 1) * out_size[i]
            output_at_step_start[i] = bool(steps.size and steps.min() >= 1)
        elif node.linear:
            kind[i] = CSR_OP
            csr = node_to_csr(node, shapes[name][0], shapes[name][1], prof.dt)
            csr_ptr_off[i] = sum(len(p) for p in indptr_parts) - 1
            indptr_parts.append(csr.indptr[1:] + n_syn)
            idx_parts.append(csr.indices)
            w_parts.append(csr.weight)
            if csr.delay is not None:
                d_parts.append(csr.delay.astype(np.int64) + lat)
                depth = int(d_parts[-1].max(initial=0)) if len(csr.indices) else lat
            else:  # made only if some op needs per-synapse delays (see below)
                d_parts.append(np.full(len(csr.indices), lat, np.int64) if lat else np.zeros(0, np.int64))
                depth = lat
            n_syn += len(csr.indices)
            if depth > 0:
                ring_depth[i] = depth
                ring_off[i] = ring_total
                ring_total += (depth + 1) * out_size[i]
            if csr.bias is not None:
                has_bias[i] = True
                bias[o] = csr.bias
        elif type(node) in NEURON_OPS:
            kind[i] = NEURON_OPS[type(node)]
            c = neuron_coefficients(node, prof)
            for row, field_name in enumerate(COEF_FIELDS):
                coef[row, o] = np.asarray(getattr(c, field_name), dtype).ravel()
            refrac[o] = c.refrac_steps.ravel()
        else:
            raise InvalidInputError(f"node {name!r}: {node.type_name} is not supported by the simulator",
                                    fix="give its type an op here (NEURON_OPS for a neuron; docs/dev/adding-a-node.md), "
                                        "or run it with neurokit.dynamics.run_reference")
    indptr = np.concatenate(indptr_parts).astype(np.int64)
    indices = _joined(idx_parts, np.dtype(np.int32))
    weights = _joined(w_parts, dtype)
    # per-synapse delays are read only by ops with a ring buffer; without any, none are stored
    if ring_depth[kind == CSR_OP].any():
        delays = _joined([d if len(d) == len(ix) else np.zeros(len(ix), np.int64)
                          for d, ix in zip(d_parts, idx_parts)], np.dtype(np.int32))
    else:  # per-synapse delays are read only by ops with a ring buffer; without any, none are stored
        delays = np.zeros(0, np.int32)
    edge_src, edge_prev = np.array(srcs, np.int64), np.array(prevs, np.bool_)
    arrays = GraphArrays(
        order=np.array([idx[k] for k in order_names], np.int64), kind=kind, in_off=in_off, in_size=in_size,
        out_off=out_off, out_size=out_size, edge_ptr=edge_ptr, edge_src=edge_src, edge_prev=edge_prev,
        csr_ptr_off=csr_ptr_off, indptr=indptr, indices=indices, weights=weights, delays=delays, ring_off=ring_off,
        ring_depth=ring_depth, bias=bias, has_bias=has_bias, scale_factors=scale_factors, thresholds=thresholds,
        coef=coef, refractory_steps=refrac, delay_steps=delay_steps, output_at_step_start=output_at_step_start,
        input_nodes=np.array([i for i, k in enumerate(names) if isinstance(g.nodes[k], ir.Input)], np.int64),
        loop_sources=np.unique(edge_src[edge_prev]).astype(np.int64),
        reads_spike_list=np.zeros(n, np.bool_), uniform_parameters=np.zeros(n, np.bool_))
    arrays = arrays._replace(reads_spike_list=spike_list_plan(arrays), uniform_parameters=uniform_nodes(arrays))
    rules = Rules(integration_exact=bool(is_exact(prof.integration)),
                  reset_mode={"zero": 0, "subtract": 1, "none": 2}[prof.reset], rule_ge=prof.spike_rule == ">=",
                  next_step=prof.reset_timing == "next_step", multi_spike=bool(prof.multi_spike), v_min=float(prof.v_min))
    program = Program(graph=g, names=names, dtype=dtype, arrays=arrays, rules=rules, total_in=int(in_size.sum()),
                      total_out=total_out, total_ring=int(ring_total), shapes={k: shapes[k] for k in names})
    return program


def _joined(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """The parts as one array of ``dtype``; a single part of that dtype is used without a copy."""
    if not parts:
        return np.zeros(0, dtype)
    if len(parts) == 1:
        return np.ascontiguousarray(parts[0], dtype=dtype)
    return np.concatenate(parts).astype(dtype)


def spike_list_plan(arrays: GraphArrays) -> np.ndarray:
    """Per node: whether it is a linear op whose only input is a spiking node; such an op reads that
    node's spike list, so its cost per step is its synaptic events, not its input size (under
    ``multi_spike`` each listed row pushes its spike count)."""
    a = arrays
    reads = np.zeros(len(a.kind), np.bool_)
    for i in range(len(a.kind)):
        lo, hi = a.edge_ptr[i], a.edge_ptr[i + 1]
        reads[i] = a.kind[i] == CSR_OP and hi - lo == 1 and a.kind[a.edge_src[lo]] in SPIKING_OPS
    return reads


def uniform_nodes(arrays: GraphArrays) -> np.ndarray:
    """Per node: whether all its elements share every neuron coefficient and refractory count (the
    kernels then use scalars instead of per-neuron arrays)."""
    a = arrays
    out = np.zeros(len(a.kind), np.bool_)
    for i in range(len(a.kind)):
        o, m = a.out_off[i], a.out_size[i]
        if m == 0 or a.kind[i] < LIF:
            continue
        block = a.coef[:, o:o + m]
        steps = a.refractory_steps[o:o + m]
        out[i] = bool(np.all(block == block[:, :1]) and np.all(steps == steps[0]))
    return out
