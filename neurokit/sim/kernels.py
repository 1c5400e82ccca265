"""The Numba kernel: all steps of one sample in one compiled loop; samples in parallel (prange).

Mirrors :mod:`neurokit.dynamics.neurons` and :mod:`neurokit.dynamics.reference` operation by
operation (same order of floating-point operations) so float64 results match the reference.
Linear nodes are event-driven: only non-zero inputs push their CSR row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .program import (C_A_MEM, C_A_SYN, C_COUPLING, C_DT_R, C_GAIN_MEM, C_GAIN_SYN, C_R, C_VLEAK, C_VRESET, C_VTH,
                      C_WIN, CSR_OP, CUBA_LI, CUBA_LIF, DELAY, IDENTITY, IF, INPUT,
                      INTEG, LI, LIF, OUTPUT, PRODUCT, SCALE, THRESHOLD)


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
def _run_sample(x, t_start, t_stop, order, kind, in_off, in_size, out_off, out_size, edge_ptr, edge_src, edge_prev, csr_ptr_off,
                indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias, elem, coef, elem_steps, early,
                exact, reset_mode, rule_ge, next_step, multi, v_min, v, cur, refrac, pend, inp, out, prev, ring, rec_idx,
                rec_out, rec_v, rec_i, input_nodes, prev_nodes, csr_spk, uniform, spk, spk_n, pspk, pspk_n):
    one = out.dtype.type(1.0)
    zero = out.dtype.type(0.0)
    # profile options beyond NIR (reset_timing, multi_spike, v_min): at their defaults, the loops
    # below are the plain ones and these flags cost one test per node and step
    special = next_step or multi
    floor = v_min > -np.inf
    vmin = out.dtype.type(v_min) if floor else zero
    n_in_nodes = input_nodes.shape[0]
    rows = np.empty(max(1, in_size.max()), np.int64)  # non-zero input rows of a linear op this step
    swaps = 0
    for t in range(t_start, t_stop):
        # Delays of >= 1 step inside loops are read before anything else this step
        for k in range(order.shape[0]):
            nd = order[k]
            if kind[nd] == DELAY and early[nd]:
                o0, n = out_off[nd], out_size[nd]
                depth = ring_depth[nd] + 1
                base = ring_off[nd] + (t % depth) * n
                for e in range(n):
                    out[o0 + e] = ring[base + e]
                    ring[base + e] = zero
        for k in range(order.shape[0]):
            nd = order[k]
            kd = kind[nd]
            o0, n = out_off[nd], out_size[nd]
            if kd == INPUT:
                col = 0
                for q in range(n_in_nodes):
                    if input_nodes[q] == nd:
                        break
                    col += out_size[input_nodes[q]]
                dst = out[o0:o0 + n]
                if t < x.shape[0]:
                    _gather(dst, x[t, col:col + n], True)
                elif t < x.shape[0] + 2:  # zero both buffers (out and prev swap) once the input has ended
                    dst[:] = zero
                continue
            i0, m = in_off[nd], in_size[nd]
            if kd == CSR_OP and csr_spk[nd]:
                # input from one spiking node: push the rows of its spike list (ascending, as the scan would),
                # each with value 1, or under multi_spike with the source's spike count
                q = edge_ptr[nd]
                src = edge_src[q]
                lst = pspk if edge_prev[q] else spk
                cnt = pspk_n[src] if edge_prev[q] else spk_n[src]
                _push_rows(t, nd, o0, n, m, lst, out_off[src], cnt, prev if edge_prev[q] else out, out_off[src], multi,
                           one, zero, csr_ptr_off, indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias,
                           out, ring)
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
            elif two:
                pass
            else:
                buf = out
                b0 = i0
                buf = inp
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
                dst, src, fac = out[o0:o0 + n], buf[b0:b0 + n], elem[o0:o0 + n]
                for e in range(n):
                    dst[e] = src[e] * fac[e]
            elif kd == THRESHOLD:
                cnt = 0
                for e in range(n):
                    xe = buf[b0 + e]
                    th = elem[o0 + e]
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
                _push_rows(t, nd, o0, n, m, rows, 0, cnt, buf, b0, True, one, zero, csr_ptr_off, indptr, indices,
                           weights, delays, ring_off, ring_depth, bias, has_bias, out, ring)
            elif kd == DELAY:
                depth = ring_depth[nd] + 1
                rb = ring_off[nd]
                for e in range(n):
                    ring[rb + ((t + elem_steps[o0 + e]) % depth) * n + e] += buf[b0 + e]
                if not early[nd]:
                    base = rb + (t % depth) * n
                    for e in range(n):
                        out[o0 + e] = ring[base + e]
                        ring[base + e] = zero
            elif kd == LI:
                _li(o0, n, buf, b0, coef, exact, v, out, uniform[nd])
                if floor:
                    _floor(o0, n, v, out, vmin, True)
            elif kd == INTEG:
                _integrate(o0, n, buf, b0, coef, v, refrac, out, False)
                if floor:
                    _floor(o0, n, v, out, vmin, True)
            elif kd == CUBA_LI:
                _cuba_integrate(o0, n, buf, b0, coef, exact, v, cur, refrac, out, False)
                if floor:
                    _floor(o0, n, v, out, vmin, True)
            else:  # spiking neurons: LIF, IF, CubaLIF
                if special and next_step and reset_mode == 0:
                    _pending_reset_to(o0, n, v, pend, coef)
                counted = False  # refractory counts already stepped and outputs cleared
                if kd == CUBA_LIF:
                    _cuba_integrate(o0, n, buf, b0, coef, exact, v, cur, refrac, out, True)
                elif kd == LIF and not special:
                    _lif_integrate_count(o0, n, buf, b0, buf2, b2, two, coef, exact, v, refrac, out, zero,
                                         uniform[nd])
                    counted = True
                elif kd == LIF:
                    _lif_integrate(o0, n, buf, b0, coef, exact, v, refrac, uniform[nd])
                else:  # IF
                    _integrate(o0, n, buf, b0, coef, v, refrac, out, True)
                if special:
                    spk_n[nd] = _spike_stage_options(o0, n, v, refrac, pend, coef, elem_steps, reset_mode, rule_ge,
                                                     next_step, multi, out, spk, one, zero)
                else:
                    spk_n[nd] = _spike_stage(o0, n, v, refrac, coef, elem_steps, reset_mode, rule_ge, out, spk, one,
                                             zero, uniform[nd] and kd == LIF, counted)
                if floor:
                    _floor(o0, n, v, out, vmin, False)
        for c in range(rec_idx.shape[0]):
            e = rec_idx[c]
            rec_out[t, c] = out[e]
            if rec_v.shape[0] > 0:
                rec_v[t, c] = v[e]
                rec_i[t, c] = cur[e]
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


@njit(cache=True)
def _push_rows(t, nd, o0, n, m, lst, l0, cnt, xs, x0, graded, one, zero, csr_ptr_off, indptr, indices, weights, delays,
               ring_off, ring_depth, bias, has_bias, out, ring):
    """A linear op for one step: bias, then only the ``cnt`` rows listed in ``lst`` (ascending) push
    their synapses, with value ``xs[x0 + row]`` (``graded``: a value or a spike count) or 1; through the ring
    buffer when the op has latency or delays."""
    p0 = csr_ptr_off[nd]
    depth = ring_depth[nd]
    if depth == 0:
        _fill(out[o0:o0 + n], bias[o0:o0 + n], has_bias[nd], zero)
        for k in range(cnt):
            r = lst[l0 + k]
            xr = xs[x0 + r] if graded else one
            for s in range(indptr[p0 + r], indptr[p0 + r + 1]):
                out[o0 + indices[s]] += weights[s] * xr
        return
    slots = depth + 1
    rb = ring_off[nd]
    if has_bias[nd]:
        lat_base = rb + ((t + delays[indptr[p0]] if indptr[p0 + m] > indptr[p0] else t + depth) % slots) * n
        for e in range(n):
            ring[lat_base + e] += bias[o0 + e]
    for k in range(cnt):
        r = lst[l0 + k]
        xr = xs[x0 + r] if graded else one
        for s in range(indptr[p0 + r], indptr[p0 + r + 1]):
            ring[rb + ((t + delays[s]) % slots) * n + indices[s]] += weights[s] * xr
    base = rb + (t % slots) * n
    for e in range(n):
        out[o0 + e] = ring[base + e]
        ring[base + e] = zero


@njit(cache=True)
def _lif_integrate(o0, n, buf, b0, coef, exact, v, refrac, uniform):
    """LIF membranes, exact or Euler, except those frozen by a refractory count (> 1 before this step).

    Hot loops work on local views indexed from 0 (Numba then knows the indices are non-negative
    and vectorises; offset indexing ``a[o0 + e]`` is 3-4x slower). With ``uniform`` (all neurons
    share their parameters) the coefficients are scalars: a third of the memory traffic."""
    x = buf[b0:b0 + n]
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    if uniform:
        leak, r_in = coef[C_VLEAK, o0], coef[C_R, o0]
        a, b, k = coef[C_A_MEM, o0], coef[C_GAIN_MEM, o0], coef[C_GAIN_MEM, o0]
        if exact:
            for e in range(n):
                if rr[e] <= 1:
                    vv[e] = a * vv[e] + b * (leak + r_in * x[e])
        else:
            for e in range(n):
                if rr[e] <= 1:
                    vv[e] = vv[e] + k * ((leak + r_in * x[e]) - vv[e])
        return
    leak_a = coef[C_VLEAK, o0:o0 + n]
    r_a = coef[C_R, o0:o0 + n]
    if exact:
        a_mem = coef[C_A_MEM, o0:o0 + n]
        b_mem = coef[C_GAIN_MEM, o0:o0 + n]
        for e in range(n):
            if rr[e] <= 1:
                vv[e] = a_mem[e] * vv[e] + b_mem[e] * (leak_a[e] + r_a[e] * x[e])
    else:
        k_mem = coef[C_GAIN_MEM, o0:o0 + n]
        for e in range(n):
            if rr[e] <= 1:
                vv[e] = vv[e] + k_mem[e] * ((leak_a[e] + r_a[e] * x[e]) - vv[e])


@njit(cache=True)
def _lif_integrate_count(o0, n, buf, b0, buf2, b2, two, coef, exact, v, refrac, out, zero, uniform):
    """:func:`_lif_integrate` and the first pass of :func:`_spike_loop` in one loop: integrate the
    membranes not frozen by a refractory count, then step the counts down and clear the outputs;
    the input is ``buf[b0 + e]``, or with ``two`` that plus ``buf2[b2 + e]`` (what summing the two
    edges into the input slot gives, without writing it). One pass over the neurons instead of up to four."""
    x = buf[b0:b0 + n]
    x2 = buf2[b2:b2 + n] if two else buf[b0:b0 + n]
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    oo = out[o0:o0 + n]
    if uniform and exact:
        leak, r_in = coef[C_VLEAK, o0], coef[C_R, o0]
        a, b = coef[C_A_MEM, o0], coef[C_GAIN_MEM, o0]
        if two:
            for e in range(n):
                r = rr[e]
                if r <= 1:
                    vv[e] = a * vv[e] + b * (leak + r_in * (x[e] + x2[e]))
                rr[e] = r - 1 if r > 1 else 0
                oo[e] = zero
        else:
            for e in range(n):
                r = rr[e]
                if r <= 1:
                    vv[e] = a * vv[e] + b * (leak + r_in * x[e])
                rr[e] = r - 1 if r > 1 else 0
                oo[e] = zero
        return
    leak_a = coef[C_VLEAK, o0:o0 + n]
    r_a = coef[C_R, o0:o0 + n]
    a_mem = coef[C_A_MEM, o0:o0 + n]
    k_mem = coef[C_GAIN_MEM, o0:o0 + n]
    for e in range(n):
        r = rr[e]
        xe = x[e] + x2[e] if two else x[e]
        if r <= 1:
            if exact:
                vv[e] = a_mem[e] * vv[e] + k_mem[e] * (leak_a[e] + r_a[e] * xe)
            else:
                vv[e] = vv[e] + k_mem[e] * ((leak_a[e] + r_a[e] * xe) - vv[e])
        rr[e] = r - 1 if r > 1 else 0
        oo[e] = zero


@njit(cache=True, inline="always")
def _spike_loop(o0, n, v, refrac, coef, elem_steps, reset_mode, rule_ge, out, spk, one, zero, uniform, counted):
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    vth = coef[C_VTH, o0:o0 + n]
    vres = coef[C_VRESET, o0:o0 + n]
    steps = elem_steps[o0:o0 + n]
    oo = out[o0:o0 + n]
    sp = spk[o0:o0 + n]
    # three passes: count down refractoriness and clear the outputs (vectorised; done by the
    # integration loop when ``counted``), find the spiking neurons (a compare and a rarely taken
    # branch), then reset only those
    if not counted:
        for e in range(n):
            r = rr[e] - 1
            rr[e] = r if r > 0 else 0
            oo[e] = zero
    cnt = 0
    if uniform:
        th = vth[0] if n > 0 else zero
        for e in range(n):
            above = vv[e] >= th if rule_ge else vv[e] > th
            if above and rr[e] == 0:
                sp[cnt] = e
                cnt += 1
    else:
        for e in range(n):
            above = vv[e] >= vth[e] if rule_ge else vv[e] > vth[e]
            if above and rr[e] == 0:
                sp[cnt] = e
                cnt += 1
    for q in range(cnt):
        e = sp[q]
        if reset_mode == 0:
            vv[e] = vres[e]
        elif reset_mode == 1:
            vv[e] = vv[e] - (vth[e] - vres[e])
        rr[e] = steps[e]
        oo[e] = one
    return cnt


@njit(cache=True)
def _spike_stage(o0, n, v, refrac, coef, elem_steps, reset_mode, rule_ge, out, spk, one, zero, uniform, counted):
    """Spike, reset and refractory count of integrated neurons; writes the spike list, returns its
    length. Specialised on the profile's reset mode and spike rule (constants in each branch let the
    compiler drop the per-neuron branches: about 5x faster than testing them per neuron)."""
    if rule_ge:
        if reset_mode == 0:
            return _spike_loop(o0, n, v, refrac, coef, elem_steps, 0, True, out, spk, one, zero, uniform, counted)
        if reset_mode == 1:
            return _spike_loop(o0, n, v, refrac, coef, elem_steps, 1, True, out, spk, one, zero, uniform, counted)
        return _spike_loop(o0, n, v, refrac, coef, elem_steps, 2, True, out, spk, one, zero, uniform, counted)
    if reset_mode == 0:
        return _spike_loop(o0, n, v, refrac, coef, elem_steps, 0, False, out, spk, one, zero, uniform, counted)
    if reset_mode == 1:
        return _spike_loop(o0, n, v, refrac, coef, elem_steps, 1, False, out, spk, one, zero, uniform, counted)
    return _spike_loop(o0, n, v, refrac, coef, elem_steps, 2, False, out, spk, one, zero, uniform, counted)


@njit(cache=True)
def _pending_reset_to(o0, n, v, pend, coef):
    """``reset_timing="next_step"``, ``reset="zero"``: a neuron that spiked last step starts this step
    from :math:`v_{reset}` (before integration)."""
    vv = v[o0:o0 + n]
    pp = pend[o0:o0 + n]
    vres = coef[C_VRESET, o0:o0 + n]
    for e in range(n):
        if pp[e] > 0:
            vv[e] = vres[e]


@njit(cache=True)
def _spike_stage_options(o0, n, v, refrac, pend, coef, elem_steps, reset_mode, rule_ge, next_step, multi, out, spk,
                         one, zero):
    r"""Spike, reset and refractory count under ``reset_timing="next_step"`` and/or ``multi_spike``
    (:mod:`neurokit.dynamics.neurons`, steps 4-7): subtract the pending :math:`z_{t-1} d` after the
    leak (next_step, subtract); the output is 1 or the count :math:`\lfloor (v - v_{reset})/d \rfloor`;
    same_step resets now, next_step keeps the un-reset membrane and stores the output as pending."""
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    pp = pend[o0:o0 + n]
    vth = coef[C_VTH, o0:o0 + n]
    vres = coef[C_VRESET, o0:o0 + n]
    steps = elem_steps[o0:o0 + n]
    oo = out[o0:o0 + n]
    sp = spk[o0:o0 + n]
    for e in range(n):
        r = rr[e] - 1
        rr[e] = r if r > 0 else 0
        oo[e] = zero
        if next_step and reset_mode == 1 and pp[e] != zero:
            vv[e] = vv[e] - pp[e] * (vth[e] - vres[e])
    cnt = 0
    for e in range(n):
        above = vv[e] >= vth[e] if rule_ge else vv[e] > vth[e]
        if above and rr[e] == 0:
            sp[cnt] = e
            cnt += 1
    for q in range(cnt):
        e = sp[q]
        z = np.floor((vv[e] - vres[e]) / (vth[e] - vres[e])) if multi else one
        oo[e] = z
        if not next_step:
            if reset_mode == 0:
                vv[e] = vres[e]
            elif reset_mode == 1:
                vv[e] = vv[e] - oo[e] * (vth[e] - vres[e])
        rr[e] = steps[e]
    if next_step:
        for e in range(n):
            pp[e] = oo[e]
    return cnt


@njit(cache=True)
def _floor(o0, n, v, out, vmin, to_output):
    r"""``v_min``: :math:`v \leftarrow \max(v, v_{min})` at the end of the step (and the output of
    non-spiking neurons, which is their membrane)."""
    vv = v[o0:o0 + n]
    oo = out[o0:o0 + n]
    for e in range(n):
        if vv[e] < vmin:
            vv[e] = vmin
            if to_output:
                oo[e] = vmin


@njit(cache=True)
def _integrate(o0, n, buf, b0, coef, v, refrac, out, spiking):
    """Integrators: ``v += dt r x``; the IF (``spiking``) skips refractory neurons and spikes in
    :func:`_spike_stage`, the I node outputs its membrane."""
    x = buf[b0:b0 + n]
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    oo = out[o0:o0 + n]
    dt_r = coef[C_DT_R, o0:o0 + n]
    for e in range(n):
        if not spiking:
            vv[e] = vv[e] + dt_r[e] * x[e]
            oo[e] = vv[e]
        elif rr[e] <= 1:
            vv[e] = vv[e] + dt_r[e] * x[e]


@njit(cache=True)
def _li(o0, n, buf, b0, coef, exact, v, out, uniform):
    """Leaky integrators (no spikes): a branch-free loop on local views (scalar coefficients when
    ``uniform``)."""
    x = buf[b0:b0 + n]
    vv = v[o0:o0 + n]
    oo = out[o0:o0 + n]
    if uniform:
        leak, r_in = coef[C_VLEAK, o0], coef[C_R, o0]
        a, b, k = coef[C_A_MEM, o0], coef[C_GAIN_MEM, o0], coef[C_GAIN_MEM, o0]
        if exact:
            for e in range(n):
                vv[e] = a * vv[e] + b * (leak + r_in * x[e])
                oo[e] = vv[e]
        else:
            for e in range(n):
                vv[e] = vv[e] + k * ((leak + r_in * x[e]) - vv[e])
                oo[e] = vv[e]
        return
    leak_a = coef[C_VLEAK, o0:o0 + n]
    r_a = coef[C_R, o0:o0 + n]
    if exact:
        a_mem = coef[C_A_MEM, o0:o0 + n]
        b_mem = coef[C_GAIN_MEM, o0:o0 + n]
        for e in range(n):
            vv[e] = a_mem[e] * vv[e] + b_mem[e] * (leak_a[e] + r_a[e] * x[e])
            oo[e] = vv[e]
    else:
        k_mem = coef[C_GAIN_MEM, o0:o0 + n]
        for e in range(n):
            vv[e] = vv[e] + k_mem[e] * ((leak_a[e] + r_a[e] * x[e]) - vv[e])
            oo[e] = vv[e]


@njit(cache=True)
def _cuba_integrate(o0, n, buf, b0, coef, exact, v, cur, refrac, out, spiking):
    """Current-based neurons: the synaptic current always, the membrane unless refractory; CubaLI
    (``spiking`` False) outputs its membrane, CubaLIF spikes in :func:`_spike_stage` afterwards."""
    x = buf[b0:b0 + n]
    vv = v[o0:o0 + n]
    ii = cur[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    oo = out[o0:o0 + n]
    w_in = coef[C_WIN, o0:o0 + n]
    leak = coef[C_VLEAK, o0:o0 + n]
    r_in = coef[C_R, o0:o0 + n]
    a_syn = coef[C_A_SYN, o0:o0 + n]
    b_syn = coef[C_GAIN_SYN, o0:o0 + n]
    k_syn = coef[C_GAIN_SYN, o0:o0 + n]
    a_mem = coef[C_A_MEM, o0:o0 + n]
    k_mem = coef[C_GAIN_MEM, o0:o0 + n]
    coupling = coef[C_COUPLING, o0:o0 + n]
    for e in range(n):
        i_old = ii[e]
        drive_i = w_in[e] * x[e]
        if exact:
            i_new = a_syn[e] * i_old + b_syn[e] * drive_i
            v_inf = leak[e] + r_in[e] * drive_i
            v_int = v_inf + (vv[e] - v_inf) * a_mem[e] + r_in[e] * (i_old - drive_i) * coupling[e]
        else:
            i_new = i_old + k_syn[e] * (drive_i - i_old)
            drive = leak[e] + r_in[e] * i_new
            v_int = vv[e] + k_mem[e] * (drive - vv[e])
        ii[e] = i_new
        if not spiking:
            vv[e] = v_int
            oo[e] = v_int
        elif rr[e] <= 1:
            vv[e] = v_int


@njit(cache=True, parallel=True)
def run_batch(x, t_start, t_stop, order, kind, in_off, in_size, out_off, out_size, edge_ptr, edge_src, edge_prev,
              csr_ptr_off, indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias, elem, coef,
              elem_steps, early, exact, reset_mode, rule_ge, next_step, multi, v_min, rec_idx, rec_out, rec_v, rec_i,
              input_nodes, prev_nodes, csr_spk, uniform, v, cur, refrac, pend, inp, out, prev, ring, spk, spk_n, pspk,
              pspk_n):
    """Run steps ``[t_start, t_stop)`` of every sample of ``x`` ``(B, T, n_inputs)``, continuing from
    (and updating) the per-sample state arrays ``v`` ... ``pspk_n`` (first axis = sample; ``pend``:
    the spike counts whose reset is due next step under ``next_step``);
    recordings ``(B, T, n_recorded)``. Steps can be run in chunks with identical results."""
    B = x.shape[0]
    for b in prange(B):
        _run_sample(x[b], t_start, t_stop, order, kind, in_off, in_size, out_off, out_size, edge_ptr, edge_src,
                    edge_prev, csr_ptr_off, indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias, elem,
                    coef, elem_steps, early, exact, reset_mode, rule_ge, next_step, multi, v_min, v[b], cur[b], refrac[b],
                    pend[b], inp[b], out[b], prev[b], ring[b], rec_idx, rec_out[b], rec_v[b], rec_i[b], input_nodes, prev_nodes, csr_spk,
                    uniform, spk[b], spk_n[b], pspk[b], pspk_n[b])
