"""What the Numba kernels read and write, as named tuples: Numba passes a named tuple of arrays to
nopython code as one struct, so each kernel takes a few named containers instead of ~50 positional
arrays, and reads ``graph.kind[node]``, ``state.v[e]``.

* :class:`GraphArrays` — the compiled graph (:class:`~neurokit.sim.program.Program`'s arrays, same
  names; read-only);
* :class:`Rules` — the profile's rules the kernels branch on;
* :class:`RecordBuffers` — which output elements are recorded, and where;
* :class:`RunState` — what one step leaves for the next (membranes, refractory counts, ring buffers,
  spike lists, ...), carried across chunks of steps.

The per-run containers hold one row per sample (first axis); the kernel of one sample takes the
same container of that sample's rows (:func:`neurokit.sim.kernels.run_batch`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .program import Program


class GraphArrays(NamedTuple):
    """The compiled graph as the kernels read it; each field is the :class:`Program` field of that name."""

    order: np.ndarray
    kind: np.ndarray
    in_off: np.ndarray
    in_size: np.ndarray
    out_off: np.ndarray
    out_size: np.ndarray
    edge_ptr: np.ndarray
    edge_src: np.ndarray
    edge_prev: np.ndarray
    csr_ptr_off: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    delays: np.ndarray
    ring_off: np.ndarray
    ring_depth: np.ndarray
    bias: np.ndarray
    has_bias: np.ndarray
    scale_factors: np.ndarray
    thresholds: np.ndarray
    coef: np.ndarray
    refractory_steps: np.ndarray
    delay_steps: np.ndarray
    output_at_step_start: np.ndarray
    input_nodes: np.ndarray
    loop_sources: np.ndarray
    reads_spike_list: np.ndarray
    uniform_parameters: np.ndarray


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


def graph_arrays(program: Program) -> GraphArrays:
    """``program``'s arrays, by name."""
    return GraphArrays(*(getattr(program, name) for name in GraphArrays._fields))


def rules(program: Program) -> Rules:
    """``program``'s profile rules (plain Python scalars: one compiled kernel for all programs)."""
    return Rules(bool(program.integration_exact), int(program.reset_mode), bool(program.rule_ge),
                 bool(program.next_step), bool(program.multi_spike), float(program.v_min))


def new_state(program: Program, v: np.ndarray, current: np.ndarray) -> RunState:
    """The state before the first step of ``B`` samples from membranes and currents ``(B, total_out)``."""
    B, n_out, n_nodes, dtype = v.shape[0], program.total_out, len(program.names), program.dtype
    return RunState(v=v, current=current, refractory=np.zeros((B, n_out), np.int64),
                    pending=np.zeros((B, n_out), dtype), input_sum=np.zeros((B, program.total_in), dtype),
                    out=np.zeros((B, n_out), dtype), prev_out=np.zeros((B, n_out), dtype),
                    ring=np.zeros((B, program.total_ring), dtype), spike_list=np.zeros((B, n_out), np.int64),
                    spike_count=np.zeros((B, n_nodes), np.int64), prev_spike_list=np.zeros((B, n_out), np.int64),
                    prev_spike_count=np.zeros((B, n_nodes), np.int64))
