"""The Numba kernel: all steps of one sample in one compiled loop; samples in parallel (prange).

Mirrors :mod:`neurokit.dynamics.neurons` and :mod:`neurokit.dynamics.reference` operation by
operation (same order of floating-point operations) so float64 results match the reference.
Linear nodes are event-driven: only non-zero inputs push their CSR row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .program import (C_A_MEM, C_A_SYN, C_COUPLING, C_DT_R, C_K_MEM, C_K_SYN, C_ONE_MINUS_A_MEM, C_ONE_MINUS_A_SYN,
                      C_R, C_VLEAK, C_VRESET, C_VTH, C_WIN, CSR_OP, CUBA_LI, CUBA_LIF, DELAY, IDENTITY, IF, INPUT,
                      INTEG, LI, LIF, OUTPUT, SCALE, THRESHOLD)


@njit(cache=True, inline="always")
def _spike_reset(j, v, refrac, frozen, coef, elem_steps, reset_mode, rule_ge):
    vth = coef[C_VTH, j]
    above = v >= vth if rule_ge else v > vth
    z = above and not frozen
    if z:
        if reset_mode == 0:
            v = coef[C_VRESET, j]
        elif reset_mode == 1:
            v = v - (vth - coef[C_VRESET, j])
        refrac = elem_steps[j]
    return z, v, refrac


@njit(cache=True)
def _run_sample(x, T, order, kind, in_off, in_size, out_off, out_size, edge_ptr, edge_src, edge_prev, csr_ptr_off,
                indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias, elem, coef, elem_steps, early,
                exact, reset_mode, rule_ge, v, cur, refrac, inp, out, prev, ring, rec_idx, rec_out, rec_v, rec_i,
                input_nodes, prev_nodes):
    one = out.dtype.type(1.0)
    zero = out.dtype.type(0.0)
    n_in_nodes = input_nodes.shape[0]
    for t in range(T):
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
                for e in range(n):
                    out[o0 + e] = x[t, col + e] if t < x.shape[0] else zero
                continue
            i0, m = in_off[nd], in_size[nd]
            for e in range(m):
                inp[i0 + e] = zero
            for q in range(edge_ptr[nd], edge_ptr[nd + 1]):
                s = edge_src[q]
                so = out_off[s]
                if edge_prev[q]:
                    for e in range(m):
                        inp[i0 + e] += prev[so + e]
                else:
                    for e in range(m):
                        inp[i0 + e] += out[so + e]
            if kd == OUTPUT or kd == IDENTITY:
                for e in range(n):
                    out[o0 + e] = inp[i0 + e]
            elif kd == SCALE:
                for e in range(n):
                    out[o0 + e] = inp[i0 + e] * elem[o0 + e]
            elif kd == THRESHOLD:
                for e in range(n):
                    xe = inp[i0 + e]
                    th = elem[o0 + e]
                    out[o0 + e] = one if ((xe >= th) if rule_ge else (xe > th)) else zero
            elif kd == CSR_OP:
                p0 = csr_ptr_off[nd]
                depth = ring_depth[nd]
                if depth == 0:
                    for e in range(n):
                        out[o0 + e] = bias[o0 + e] if has_bias[nd] else zero
                    for r in range(m):
                        xr = inp[i0 + r]
                        if xr != zero:
                            for s in range(indptr[p0 + r], indptr[p0 + r + 1]):
                                out[o0 + indices[s]] += weights[s] * xr
                else:
                    slots = depth + 1
                    rb = ring_off[nd]
                    if has_bias[nd]:
                        lat_base = rb + ((t + delays[indptr[p0]] if indptr[p0 + m] > indptr[p0] else t + depth) % slots) * n
                        for e in range(n):
                            ring[lat_base + e] += bias[o0 + e]
                    for r in range(m):
                        xr = inp[i0 + r]
                        if xr != zero:
                            for s in range(indptr[p0 + r], indptr[p0 + r + 1]):
                                ring[rb + ((t + delays[s]) % slots) * n + indices[s]] += weights[s] * xr
                    base = rb + (t % slots) * n
                    for e in range(n):
                        out[o0 + e] = ring[base + e]
                        ring[base + e] = zero
            elif kd == DELAY:
                depth = ring_depth[nd] + 1
                rb = ring_off[nd]
                for e in range(n):
                    ring[rb + ((t + elem_steps[o0 + e]) % depth) * n + e] += inp[i0 + e]
                if not early[nd]:
                    base = rb + (t % depth) * n
                    for e in range(n):
                        out[o0 + e] = ring[base + e]
                        ring[base + e] = zero
            else:
                for e in range(n):
                    j = o0 + e
                    xe = inp[i0 + e]
                    if kd == LIF or kd == LI:
                        drive = coef[C_VLEAK, j] + coef[C_R, j] * xe
                        if kd == LI:
                            if exact:
                                v[j] = coef[C_A_MEM, j] * v[j] + coef[C_ONE_MINUS_A_MEM, j] * drive
                            else:
                                v[j] = v[j] + coef[C_K_MEM, j] * (drive - v[j])
                            out[j] = v[j]
                            continue
                        rf = refrac[j] - 1 if refrac[j] > 0 else 0
                        frozen = rf > 0
                        vn = v[j]
                        if not frozen:
                            if exact:
                                vn = coef[C_A_MEM, j] * v[j] + coef[C_ONE_MINUS_A_MEM, j] * drive
                            else:
                                vn = v[j] + coef[C_K_MEM, j] * (drive - v[j])
                        z, vn, rf = _spike_reset(j, vn, rf, frozen, coef, elem_steps, reset_mode, rule_ge)
                        v[j] = vn
                        refrac[j] = rf
                        out[j] = one if z else zero
                    elif kd == IF or kd == INTEG:
                        if kd == INTEG:
                            v[j] = v[j] + coef[C_DT_R, j] * xe
                            out[j] = v[j]
                            continue
                        rf = refrac[j] - 1 if refrac[j] > 0 else 0
                        frozen = rf > 0
                        vn = v[j] if frozen else v[j] + coef[C_DT_R, j] * xe
                        z, vn, rf = _spike_reset(j, vn, rf, frozen, coef, elem_steps, reset_mode, rule_ge)
                        v[j] = vn
                        refrac[j] = rf
                        out[j] = one if z else zero
                    else:  # CUBA_LI, CUBA_LIF
                        i_old = cur[j]
                        drive_i = coef[C_WIN, j] * xe
                        if exact:
                            i_new = coef[C_A_SYN, j] * i_old + coef[C_ONE_MINUS_A_SYN, j] * drive_i
                            v_inf = coef[C_VLEAK, j] + coef[C_R, j] * drive_i
                            v_int = v_inf + (v[j] - v_inf) * coef[C_A_MEM, j] + coef[C_R, j] * (i_old - drive_i) * coef[C_COUPLING, j]
                        else:
                            i_new = i_old + coef[C_K_SYN, j] * (drive_i - i_old)
                            drive = coef[C_VLEAK, j] + coef[C_R, j] * i_new
                            v_int = v[j] + coef[C_K_MEM, j] * (drive - v[j])
                        cur[j] = i_new
                        if kd == CUBA_LI:
                            v[j] = v_int
                            out[j] = v_int
                            continue
                        rf = refrac[j] - 1 if refrac[j] > 0 else 0
                        frozen = rf > 0
                        vn = v[j] if frozen else v_int
                        z, vn, rf = _spike_reset(j, vn, rf, frozen, coef, elem_steps, reset_mode, rule_ge)
                        v[j] = vn
                        refrac[j] = rf
                        out[j] = one if z else zero
        for q in range(prev_nodes.shape[0]):  # only loop sources are read one step late
            o0 = out_off[prev_nodes[q]]
            for e in range(out_size[prev_nodes[q]]):
                prev[o0 + e] = out[o0 + e]
        for c in range(rec_idx.shape[0]):
            e = rec_idx[c]
            rec_out[t, c] = out[e]
            if rec_v.shape[0] > 0:
                rec_v[t, c] = v[e]
                rec_i[t, c] = cur[e]


@njit(cache=True, parallel=True)
def run_batch(x, T, order, kind, in_off, in_size, out_off, out_size, edge_ptr, edge_src, edge_prev, csr_ptr_off,
              indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias, elem, coef, elem_steps, early,
              exact, reset_mode, rule_ge, v0, cur0, total_in, total_ring, rec_idx, rec_out, rec_v, rec_i, input_nodes,
              prev_nodes, v_final):
    """Run every sample of ``x`` ``(B, T, n_inputs)``; recordings ``(B, T, n_recorded)``."""
    B = x.shape[0]
    n_out = v0.shape[1]
    for b in prange(B):
        v = v0[b].copy()
        cur = cur0[b].copy()
        refrac = np.zeros(n_out, np.int64)
        inp = np.zeros(total_in, x.dtype)
        out = np.zeros(n_out, x.dtype)
        prev = np.zeros(n_out, x.dtype)
        ring = np.zeros(total_ring, x.dtype)
        _run_sample(x[b], T, order, kind, in_off, in_size, out_off, out_size, edge_ptr, edge_src, edge_prev,
                    csr_ptr_off, indptr, indices, weights, delays, ring_off, ring_depth, bias, has_bias, elem, coef,
                    elem_steps, early, exact, reset_mode, rule_ge, v, cur, refrac, inp, out, prev, ring, rec_idx,
                    rec_out[b], rec_v[b], rec_i[b], input_nodes, prev_nodes)
        v_final[b] = v
