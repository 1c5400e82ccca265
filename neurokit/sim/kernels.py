"""The Numba kernel: all steps of one sample in one compiled loop; samples in parallel (prange).

Mirrors :mod:`neurokit.dynamics.reference` node by node, with the neuron updates of
:mod:`neurokit.sim.neuron_kernels` (same order of floating-point operations), so float64 results
match the reference. Linear nodes are event-driven: only non-zero inputs push their CSR row. The
kernels take named containers (:mod:`neurokit.sim.kernel_args`): the graph ``g``, the profile's
``rules``, the recording buffers ``rec`` and the run state ``s``.

Numba's cache (``cache=True``) is checked against each function's own file only: the cached
:func:`run_batch` holds the compiled neuron updates and op codes it calls, so after editing
``neuron_kernels.py``, ``kernel_args.py`` or ``program.py``'s constants, delete
``neurokit/sim/__pycache__/*.nb[ci]`` (or touch this file).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernel_args import RecordBuffers, RunState
from .neuron_kernels import (cuba_integrate, floor_membrane, integrate, leaky_integrate, lif_integrate,
                             lif_integrate_count, pending_reset_to, spike_stage, spike_stage_options)
from .program import CSR_OP, CUBA_LI, CUBA_LIF, DELAY, IDENTITY, INPUT, INTEG, LI, LIF, OUTPUT, PRODUCT, SCALE, THRESHOLD


@njit(cache=True)
def _gather(dst, src, assign):
    """``dst = src`` (``assign``) or ``dst += src``, on views."""
    if assign:
        for e in range(dst.shape[0]):
            dst[e] = src[e]
    else:
        for e in range(dst.shape[0]):
            dst[e] += src[e]


@njit(cache=True)
def _fill(dst, bias, with_bias, zero):
    """A linear op's output before its events: the bias or zero."""
    if with_bias:
        for e in range(dst.shape[0]):
            dst[e] = bias[e]
    else:
        for e in range(dst.shape[0]):
            dst[e] = zero


@njit(cache=True)
def _run_sample(x, t_start, t_stop, g, rules, rec, s):
    """Steps ``[t_start, t_stop)`` of one sample: inputs ``x`` ``(T, n_inputs)``, the recording
    buffers ``rec`` and state ``s`` of that sample (:mod:`neurokit.sim.kernel_args`)."""
    order, kind, out_off, out_size, edge_ptr, edge_src, edge_prev = (g.order, g.kind, g.out_off, g.out_size, g.edge_ptr,
                                                                     g.edge_src, g.edge_prev)
    coef, exact, reset_mode, rule_ge = g.coef, rules.integration_exact, rules.reset_mode, rules.rule_ge
    v, cur, refrac, pend, inp, ring = s.v, s.current, s.refractory, s.pending, s.input_sum, s.ring
    spk, spk_n, pspk, pspk_n = s.spike_list, s.spike_count, s.prev_spike_list, s.prev_spike_count
    out, prev = s.out, s.prev_out  # swapped every step when loop edges read the previous step
    one = out.dtype.type(1.0)
    zero = out.dtype.type(0.0)
    # profile options beyond NIR (reset_timing, multi_spike, v_min): at their defaults, the loops
    # below are the plain ones and these flags cost one test per node and step
    next_step, multi = rules.next_step, rules.multi_spike
    special = next_step or multi
    floor = rules.v_min > -np.inf
    vmin = out.dtype.type(rules.v_min) if floor else zero
    input_nodes, prev_nodes = g.input_nodes, g.loop_sources
    rows = np.empty(max(1, g.in_size.max()), np.int64)  # non-zero input rows of a linear op this step
    swaps = 0
    for t in range(t_start, t_stop):
        # Delays of >= 1 step inside loops are read before anything else this step
        for k in range(order.shape[0]):
            nd = order[k]
            if kind[nd] == DELAY and g.output_at_step_start[nd]:
                o0, n = out_off[nd], out_size[nd]
                base = g.ring_off[nd] + (t % (g.ring_depth[nd] + 1)) * n
                for e in range(n):
                    out[o0 + e] = ring[base + e]
                    ring[base + e] = zero
        for k in range(order.shape[0]):
            nd = order[k]
            kd = kind[nd]
            o0, n = out_off[nd], out_size[nd]
            if kd == INPUT:
                col = 0
                for q in range(input_nodes.shape[0]):
                    if input_nodes[q] == nd:
                        break
                    col += out_size[input_nodes[q]]
                dst = out[o0:o0 + n]
                if t < x.shape[0]:
                    _gather(dst, x[t, col:col + n], True)
                elif t < x.shape[0] + 2:  # zero both buffers (out and prev swap) once the input has ended
                    dst[:] = zero
                continue
            i0, m = g.in_off[nd], g.in_size[nd]
            if kd == CSR_OP and g.reads_spike_list[nd]:
                # input from one spiking node: push the rows of its spike list (ascending, as the scan would),
                # each with value 1, or under multi_spike with the source's spike count
                q = edge_ptr[nd]
                src = edge_src[q]
                lst = pspk if edge_prev[q] else spk
                cnt = pspk_n[src] if edge_prev[q] else spk_n[src]
                _push_rows(t, nd, o0, n, m, lst, out_off[src], cnt, prev if edge_prev[q] else out, out_off[src], multi,
                           one, zero, g, out, ring)
                continue
            if kd == PRODUCT:  # neurokit extension SpikeProduct: inputs multiply (neurokit.ir.extensions)
                _product(nd, o0, n, t >= x.shape[0], kind, edge_ptr, edge_src, edge_prev, out_off, out, prev, zero)
                continue
            # the node's input: read in place from its single source, else summed into inp
            buf = out
            b0 = i0
            buf2 = out  # a second source read in place (``two``): a plain LIF sums its two inputs itself
            b2 = 0
            two = False
            n_edges = edge_ptr[nd + 1] - edge_ptr[nd]
            if kd == LIF and not special and n_edges > 1:
                active = 0
                for q in range(edge_ptr[nd], edge_ptr[nd + 1]):
                    if kind[edge_src[q]] == INPUT and t >= x.shape[0]:
                        continue  # an input that has ended adds zeros
                    if active == 0:
                        buf = prev if edge_prev[q] else out
                        b0 = out_off[edge_src[q]]
                    elif active == 1:
                        buf2 = prev if edge_prev[q] else out
                        b2 = out_off[edge_src[q]]
                    active += 1
                two = active == 2
            if n_edges == 1:
                q = edge_ptr[nd]
                buf = prev if edge_prev[q] else out
                b0 = out_off[edge_src[q]]
            elif not two:
                buf = inp
                b0 = i0
                first = True
                for q in range(edge_ptr[nd], edge_ptr[nd + 1]):
                    if kind[edge_src[q]] == INPUT and t >= x.shape[0]:
                        continue  # an input that has ended adds zeros
                    src_buf = prev if edge_prev[q] else out
                    so = out_off[edge_src[q]]
                    _gather(inp[i0:i0 + m], src_buf[so:so + m], first)  # the first edge assigns (0 + a == a)
                    first = False
                if first:
                    inp[i0:i0 + m] = zero
            if kd == OUTPUT or kd == IDENTITY:
                _gather(out[o0:o0 + n], buf[b0:b0 + n], True)
            elif kd == SCALE:
                dst, src_v, fac = out[o0:o0 + n], buf[b0:b0 + n], g.scale_factors[o0:o0 + n]
                for e in range(n):
                    dst[e] = src_v[e] * fac[e]
            elif kd == THRESHOLD:
                cnt = 0
                for e in range(n):
                    xe = buf[b0 + e]
                    th = g.thresholds[o0 + e]
                    z = (xe >= th) if rule_ge else (xe > th)
                    out[o0 + e] = one if z else zero
                    if z:
                        spk[o0 + cnt] = e
                        cnt += 1
                spk_n[nd] = cnt
            elif kd == CSR_OP:  # graded or multi-edge input: collect the non-zero rows, then push them
                cnt = 0
                for r in range(m):
                    if buf[b0 + r] != zero:
                        rows[cnt] = r
                        cnt += 1
                _push_rows(t, nd, o0, n, m, rows, 0, cnt, buf, b0, True, one, zero, g, out, ring)
            elif kd == DELAY:
                depth = g.ring_depth[nd] + 1
                rb = g.ring_off[nd]
                for e in range(n):
                    ring[rb + ((t + g.delay_steps[o0 + e]) % depth) * n + e] += buf[b0 + e]
                if not g.output_at_step_start[nd]:
                    base = rb + (t % depth) * n
                    for e in range(n):
                        out[o0 + e] = ring[base + e]
                        ring[base + e] = zero
            elif kd == LI or kd == INTEG or kd == CUBA_LI:  # non-spiking neurons: the output is the membrane
                if kd == LI:
                    leaky_integrate(o0, n, buf, b0, coef, exact, v, refrac, out, g.uniform_parameters[nd])
                elif kd == INTEG:
                    integrate(o0, n, buf, b0, coef, v, refrac, out, False)
                else:
                    cuba_integrate(o0, n, buf, b0, coef, exact, v, cur, refrac, out, False)
                if floor:
                    floor_membrane(o0, n, v, out, vmin, True)
            else:  # spiking neurons: LIF, IF, CubaLIF
                uniform = g.uniform_parameters[nd]
                if special and next_step and reset_mode == 0:
                    pending_reset_to(o0, n, v, pend, coef)
                counted = False  # refractory counts already stepped and outputs cleared
                if kd == CUBA_LIF:
                    cuba_integrate(o0, n, buf, b0, coef, exact, v, cur, refrac, out, True)
                elif kd == LIF and not special:
                    lif_integrate_count(o0, n, buf, b0, buf2, b2, two, coef, exact, v, refrac, out, zero, uniform)
                    counted = True
                elif kd == LIF:
                    lif_integrate(o0, n, buf, b0, coef, exact, v, refrac, out, uniform)
                else:  # IF
                    integrate(o0, n, buf, b0, coef, v, refrac, out, True)
                if special:
                    spk_n[nd] = spike_stage_options(o0, n, v, refrac, pend, coef, g.refractory_steps, reset_mode,
                                                    rule_ge, next_step, multi, out, spk, one, zero)
                else:
                    spk_n[nd] = spike_stage(o0, n, v, refrac, coef, g.refractory_steps, reset_mode, rule_ge, out, spk,
                                            one, zero, uniform and kd == LIF, counted)
                if floor:
                    floor_membrane(o0, n, v, out, vmin, False)
        for c in range(rec.index.shape[0]):
            e = rec.index[c]
            rec.out[t, c] = out[e]
            if rec.v.shape[0] > 0:
                rec.v[t, c] = v[e]
                rec.i[t, c] = cur[e]
        # Loop edges read the previous step: every node rewrites all of its outputs each step, so
        # this step's buffer becomes next step's ``prev`` by a swap (no copy).
        if prev_nodes.shape[0] > 0:
            out, prev = prev, out
            swaps += 1
        for q in range(prev_nodes.shape[0]):
            nd = prev_nodes[q]
            o0 = out_off[nd]
            for e in range(spk_n[nd]):
                pspk[o0 + e] = spk[o0 + e]
            pspk_n[nd] = spk_n[nd]
    if swaps % 2 == 1:  # the caller's ``prev`` array must hold the last step's outputs for the next chunk
        out[:] = prev


@njit(cache=True)
def _product(nd, o0, n, input_ended, kind, edge_ptr, edge_src, edge_prev, out_off, out, prev, zero):
    r"""``SpikeProduct``: :math:`y_e = \prod_k x^{(k)}_e`, event-driven: only the non-zero elements of the
    first input read the others (an input that has ended gives zeros)."""
    for e in range(n):
        out[o0 + e] = zero
    lo, hi = edge_ptr[nd], edge_ptr[nd + 1]
    for q in range(lo, hi):
        if kind[edge_src[q]] == INPUT and input_ended:
            return
    if hi == lo:
        return
    first = prev if edge_prev[lo] else out
    f0 = out_off[edge_src[lo]]
    for e in range(n):
        acc = first[f0 + e]
        if acc == zero:
            continue
        for q in range(lo + 1, hi):
            acc *= (prev if edge_prev[q] else out)[out_off[edge_src[q]] + e]
        out[o0 + e] = acc


@njit(cache=True, inline="always")
def _push_rows(t, nd, o0, n, m, lst, l0, cnt, xs, x0, graded, one, zero, g, out, ring):
    """Linear node ``nd`` of graph ``g`` for one step: bias, then only the ``cnt`` rows listed in
    ``lst[l0:]`` (ascending) push their synapses, with value ``xs[x0 + row]`` (``graded``: a value or
    a spike count) or 1; through the ring buffer when the op has latency or delays.

    Inlined: a call would pass ``g`` as its ~200 flattened scalars (measured: CUBA 3-5 % slower)."""
    indptr, indices, weights, delays = g.indptr, g.indices, g.weights, g.delays
    p0 = g.csr_ptr_off[nd]
    depth = g.ring_depth[nd]
    if depth == 0:
        _fill(out[o0:o0 + n], g.bias[o0:o0 + n], g.has_bias[nd], zero)
        for k in range(cnt):
            r = lst[l0 + k]
            xr = xs[x0 + r] if graded else one
            for q in range(indptr[p0 + r], indptr[p0 + r + 1]):
                out[o0 + indices[q]] += weights[q] * xr
        return
    slots = depth + 1
    rb = g.ring_off[nd]
    if g.has_bias[nd]:
        lat_base = rb + ((t + delays[indptr[p0]] if indptr[p0 + m] > indptr[p0] else t + depth) % slots) * n
        for e in range(n):
            ring[lat_base + e] += g.bias[o0 + e]
    for k in range(cnt):
        r = lst[l0 + k]
        xr = xs[x0 + r] if graded else one
        for q in range(indptr[p0 + r], indptr[p0 + r + 1]):
            ring[rb + ((t + delays[q]) % slots) * n + indices[q]] += weights[q] * xr
    base = rb + (t % slots) * n
    for e in range(n):
        out[o0 + e] = ring[base + e]
        ring[base + e] = zero


@njit(cache=True)
def _sample_rows(rec, s, b):
    """Sample ``b``'s rows of the recording buffers and the state (views)."""
    return (RecordBuffers(rec.index, rec.out[b], rec.v[b], rec.i[b]),
            RunState(s.v[b], s.current[b], s.refractory[b], s.pending[b], s.input_sum[b], s.out[b], s.prev_out[b],
                     s.ring[b], s.spike_list[b], s.spike_count[b], s.prev_spike_list[b], s.prev_spike_count[b]))


@njit(cache=True, parallel=True)
def run_batch(x, t_start, t_stop, g, rules, rec, s):
    """Run steps ``[t_start, t_stop)`` of every sample of ``x`` ``(B, T, n_inputs)`` on graph ``g``
    (:class:`~neurokit.sim.kernel_args.GraphArrays`) under ``rules``, continuing from (and updating)
    the state ``s`` (:class:`~neurokit.sim.kernel_args.RunState`, first axis = sample) and writing the
    recording buffers ``rec``. Steps can be run in chunks with identical results."""
    for b in prange(x.shape[0]):
        rec_b, s_b = _sample_rows(rec, s, b)
        _run_sample(x[b], t_start, t_stop, g, rules, rec_b, s_b)
