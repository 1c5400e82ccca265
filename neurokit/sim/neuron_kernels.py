"""The neuron updates of the Numba kernel (:mod:`neurokit.sim.kernels`), one node's neurons per call.

Each mirrors :mod:`neurokit.dynamics.neurons` operation by operation (same order of floating-point
operations), so float64 results match the reference. Arguments: the node's output offset ``o0`` and
size ``n``, its input ``buf[b0:b0 + n]``, the coefficient rows ``coef`` (:data:`neurokit.sim.program.COEF_FIELDS`),
and the sample's state arrays (:class:`neurokit.sim.kernel_args.RunState`) it updates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .program import C_A_MEM, C_A_SYN, C_COUPLING, C_DT_R, C_GAIN_MEM, C_GAIN_SYN, C_R, C_VLEAK, C_VRESET, C_VTH, C_WIN


@njit(cache=True, inline="always")
def _leaky_loop(o0, n, buf, b0, coef, exact, v, refrac, out, uniform, spiking):
    r"""Leaky membranes, exact :math:`v \leftarrow a v + b (v_{leak} + r x)` or Euler
    :math:`v \leftarrow v + k ((v_{leak} + r x) - v)`; ``spiking`` (LIF, a constant after inlining)
    skips the neurons frozen by a refractory count (> 1 before this step), else (LI) the output is
    the membrane.

    Hot loops work on local views indexed from 0 (Numba then knows the indices are non-negative
    and vectorises; offset indexing ``a[o0 + e]`` is 3-4x slower). With ``uniform`` (all neurons
    share their parameters) the coefficients are scalars: a third of the memory traffic."""
    x = buf[b0:b0 + n]
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    oo = out[o0:o0 + n]
    if uniform:
        leak, r_in = coef[C_VLEAK, o0], coef[C_R, o0]
        a, k = coef[C_A_MEM, o0], coef[C_GAIN_MEM, o0]
        if exact:
            for e in range(n):
                if not spiking or rr[e] <= 1:
                    vv[e] = a * vv[e] + k * (leak + r_in * x[e])
                if not spiking:
                    oo[e] = vv[e]
        else:
            for e in range(n):
                if not spiking or rr[e] <= 1:
                    vv[e] = vv[e] + k * ((leak + r_in * x[e]) - vv[e])
                if not spiking:
                    oo[e] = vv[e]
        return
    leak_a = coef[C_VLEAK, o0:o0 + n]
    r_a = coef[C_R, o0:o0 + n]
    a_mem = coef[C_A_MEM, o0:o0 + n]
    k_mem = coef[C_GAIN_MEM, o0:o0 + n]
    if exact:
        for e in range(n):
            if not spiking or rr[e] <= 1:
                vv[e] = a_mem[e] * vv[e] + k_mem[e] * (leak_a[e] + r_a[e] * x[e])
            if not spiking:
                oo[e] = vv[e]
    else:
        for e in range(n):
            if not spiking or rr[e] <= 1:
                vv[e] = vv[e] + k_mem[e] * ((leak_a[e] + r_a[e] * x[e]) - vv[e])
            if not spiking:
                oo[e] = vv[e]


@njit(cache=True)
def lif_integrate(o0, n, buf, b0, coef, exact, v, refrac, out, uniform):
    """LIF membranes (:func:`_leaky_loop`), except refractory ones; outputs are left to the spike stage."""
    _leaky_loop(o0, n, buf, b0, coef, exact, v, refrac, out, uniform, True)


@njit(cache=True)
def leaky_integrate(o0, n, buf, b0, coef, exact, v, refrac, out, uniform):
    """LI membranes (:func:`_leaky_loop`), which are the outputs."""
    _leaky_loop(o0, n, buf, b0, coef, exact, v, refrac, out, uniform, False)


@njit(cache=True)
def lif_integrate_count(o0, n, buf, b0, buf2, b2, two, coef, exact, v, refrac, out, zero, uniform):
    """:func:`lif_integrate` and the first pass of :func:`_spike_loop` in one loop: integrate the
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
def _spike_loop(o0, n, v, refrac, coef, refractory_steps, reset_mode, rule_ge, out, spk, one, zero, uniform, counted):
    vv = v[o0:o0 + n]
    rr = refrac[o0:o0 + n]
    vth = coef[C_VTH, o0:o0 + n]
    vres = coef[C_VRESET, o0:o0 + n]
    steps = refractory_steps[o0:o0 + n]
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
def spike_stage(o0, n, v, refrac, coef, refractory_steps, reset_mode, rule_ge, out, spk, one, zero, uniform, counted):
    """Spike, reset and refractory count of integrated neurons; writes the spike list, returns its
    length. Specialised on the profile's reset mode and spike rule (constants in each branch let the
    compiler drop the per-neuron branches: about 5x faster than testing them per neuron)."""
    if rule_ge:
        if reset_mode == 0:
            return _spike_loop(o0, n, v, refrac, coef, refractory_steps, 0, True, out, spk, one, zero, uniform, counted)
        if reset_mode == 1:
            return _spike_loop(o0, n, v, refrac, coef, refractory_steps, 1, True, out, spk, one, zero, uniform, counted)
        return _spike_loop(o0, n, v, refrac, coef, refractory_steps, 2, True, out, spk, one, zero, uniform, counted)
    if reset_mode == 0:
        return _spike_loop(o0, n, v, refrac, coef, refractory_steps, 0, False, out, spk, one, zero, uniform, counted)
    if reset_mode == 1:
        return _spike_loop(o0, n, v, refrac, coef, refractory_steps, 1, False, out, spk, one, zero, uniform, counted)
    return _spike_loop(o0, n, v, refrac, coef, refractory_steps, 2, False, out, spk, one, zero, uniform, counted)


@njit(cache=True)
def pending_reset_to(o0, n, v, pend, coef):
    """``reset_timing="next_step"``, ``reset="zero"``: a neuron that spiked last step starts this step
    from :math:`v_{reset}` (before integration)."""
    vv = v[o0:o0 + n]
    pp = pend[o0:o0 + n]
    vres = coef[C_VRESET, o0:o0 + n]
    for e in range(n):
        if pp[e] > 0:
            vv[e] = vres[e]


@njit(cache=True)
def spike_stage_options(o0, n, v, refrac, pend, coef, refractory_steps, reset_mode, rule_ge, next_step, multi, out, spk,
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
    steps = refractory_steps[o0:o0 + n]
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
def floor_membrane(o0, n, v, out, vmin, to_output):
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
def integrate(o0, n, buf, b0, coef, v, refrac, out, spiking):
    """Integrators: ``v += dt r x``; the IF (``spiking``) skips refractory neurons and spikes in
    :func:`spike_stage`, the I node outputs its membrane."""
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
def cuba_integrate(o0, n, buf, b0, coef, exact, v, cur, refrac, out, spiking):
    """Current-based neurons: the synaptic current always, the membrane unless refractory; CubaLI
    (``spiking`` False) outputs its membrane, CubaLIF spikes in :func:`spike_stage` afterwards."""
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
