"""What the Numba kernels read and write, as named tuples: Numba passes a named tuple of arrays to
nopython code as one struct, so each kernel takes a few named containers instead of ~50 positional
arrays, and reads ``g.kind[node]``, ``s.v[e]``.

* :class:`GraphArrays` — the compiled graph (read-only), made by :func:`neurokit.sim.program.compile_graph`;
* :class:`Rules` — the profile's rules the kernels branch on;
* :class:`RecordBuffers` — which output elements are recorded, and where;
* :class:`RunState` — what one step leaves for the next (membranes, refractory counts, ring buffers,
  spike lists, ...), carried across chunks of steps.

Sizes: ``n_nodes`` nodes; each node has an input slot ``in_off[i]:in_off[i] + in_size[i]`` of the
per-sample input buffer and an output slot ``out_off[i]:out_off[i] + out_size[i]`` of the output
buffer (``total_out`` elements). The per-run containers hold one row per sample (first axis); the
kernel of one sample takes the same container of that sample's rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from .program import Program


class GraphArrays(NamedTuple):
    """The compiled graph as the kernels read it."""

    order: np.ndarray  # node indices in topological order (loop edges left out)
    kind: np.ndarray  # per node: its op code (neurokit.sim.program: INPUT, CSR_OP, LIF, ...)
    in_off: np.ndarray  # per node: offset of its input slot
    in_size: np.ndarray  # per node: size of its input slot
    out_off: np.ndarray  # per node: offset of its output slot
    out_size: np.ndarray  # per node: size of its output slot
    edge_ptr: np.ndarray  # (n_nodes + 1,): node i's incoming edges are edge_ptr[i]:edge_ptr[i + 1]
    edge_src: np.ndarray  # per edge: its source node
    edge_prev: np.ndarray  # per edge: a loop edge, which reads the source's output of the previous step
    csr_ptr_off: np.ndarray  # per linear node: where its rows start in indptr
    indptr: np.ndarray  # CSR row pointers of all linear nodes (rows = presynaptic inputs)
    indices: np.ndarray  # int32 per synapse: the postsynaptic output element within its node
    weights: np.ndarray  # per synapse: its weight
    delays: np.ndarray  # int32 per synapse: delay + synapse_latency in steps (empty when no ring buffer)
    ring_off: np.ndarray  # per node with a ring buffer (Delay, linear with delays/latency): its offset
    ring_depth: np.ndarray  # per node: its deepest delay in steps (0: no ring buffer)
    bias: np.ndarray  # per output element of a linear node: its bias
    has_bias: np.ndarray  # per node: whether it has a bias
    scale_factors: np.ndarray  # per output element of a Scale node: its factor
    thresholds: np.ndarray  # per output element of a Threshold node: its threshold
    coef: np.ndarray  # (N_COEF, total_out): neuron coefficients, rows C_* of neurokit.sim.program
    refractory_steps: np.ndarray  # per output element of a neuron: steps it stays refractory after a spike
    delay_steps: np.ndarray  # per output element of a Delay node: its delay in steps
    output_at_step_start: np.ndarray  # per node: a Delay of >= 1 step, whose output is read before any node runs
    input_nodes: np.ndarray  # the Input nodes, in the column order of the kernel's input array
    loop_sources: np.ndarray  # the nodes read by a loop edge (their previous step's output is kept)
    reads_spike_list: np.ndarray  # per node: a linear node that reads its one spiking source's spike list
    uniform_parameters: np.ndarray  # per node: all its neurons share every coefficient and refractory count


class Rules(NamedTuple):
    """The profile's rules (:class:`neurokit.ir.Profile`) as the kernels test them."""

    integration_exact: bool  # integration "exact" (else Euler)
    reset_mode: int  # 0 zero, 1 subtract, 2 none
    rule_ge: bool  # spike_rule ">=" (else ">")
    next_step: bool  # reset_timing "next_step"
    multi_spike: bool
    v_min: float  # -inf: no floor


class RecordBuffers(NamedTuple):
    """Recorded values: column ``c`` of each buffer holds output element ``index[c]``; ``v`` and ``i``
    (the neurons' membrane and synaptic current) have zero steps when no traces are recorded."""

    index: np.ndarray  # (n_recorded,) int64
    out: np.ndarray  # (B, T, n_recorded)
    v: np.ndarray  # (B, T, n_recorded) or (B, 0, 0)
    i: np.ndarray  # (B, T, n_recorded) or (B, 0, 0)


class RunState(NamedTuple):
    """The state carried from step to step, per sample ``(B, ...)``; one sample's rows in the kernel."""

    v: np.ndarray  # membrane per output element
    current: np.ndarray  # synaptic current (Cuba neurons) per output element
    refractory: np.ndarray  # int64: steps a neuron stays refractory (counts down)
    pending: np.ndarray  # spike counts whose reset is due next step (reset_timing "next_step")
    input_sum: np.ndarray  # per input element: a node's summed inputs when it has several edges
    out: np.ndarray  # this step's output per output element
    prev_out: np.ndarray  # last step's output (what loop edges read)
    ring: np.ndarray  # ring buffers of delays and synaptic latency
    spike_list: np.ndarray  # int64: per spiking node, at its output offset, the indices that spiked
    spike_count: np.ndarray  # int64 per node: the length of its spike list
    prev_spike_list: np.ndarray  # spike_list of last step, for loop edges
    prev_spike_count: np.ndarray  # spike_count of last step


def new_state(program: Program, v: np.ndarray, current: np.ndarray) -> RunState:
    """The state of ``program`` before the first step, from membranes and currents ``(B, total_out)``."""
    B, n_out, n_nodes, dtype = v.shape[0], program.total_out, len(program.names), program.dtype
    total_in, total_ring = program.total_in, program.total_ring
    return RunState(v=v, current=current, refractory=np.zeros((B, n_out), np.int64),
                    pending=np.zeros((B, n_out), dtype), input_sum=np.zeros((B, total_in), dtype),
                    out=np.zeros((B, n_out), dtype), prev_out=np.zeros((B, n_out), dtype),
                    ring=np.zeros((B, total_ring), dtype), spike_list=np.zeros((B, n_out), np.int64),
                    spike_count=np.zeros((B, n_nodes), np.int64), prev_spike_list=np.zeros((B, n_out), np.int64),
                    prev_spike_count=np.zeros((B, n_nodes), np.int64))
