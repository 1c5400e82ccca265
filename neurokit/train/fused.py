r"""The LIF recurrence over all time steps as one compiled kernel with a hand-written backward.

Forward (per neuron, :math:`u_t = v^{pre}_t - v_{th}`, exact or Euler as in
:mod:`neurokit.dynamics.neurons`, same floating-point operations):

.. math::  v^{pre}_t = a\,v_{t-1} + (1 - a)(v_{leak} + r x_t) \quad\text{or}\quad
           v_{t-1} + k\,(v_{leak} + r x_t - v_{t-1}), \qquad z_t = H(u_t),

then the reset (``zero``: :math:`v_t = v_{reset}` where :math:`z_t`, ``subtract``:
:math:`v_t = v^{pre}_t - z_t (v_{th} - v_{reset})`, ``none``), the reset not differentiated, and the
profile's other rules as :mod:`neurokit.dynamics.neurons` orders them: ``reset_timing="next_step"``
(:math:`v_t = v^{pre}_t`; the reset acts in step :math:`t+1`: ``zero`` starts it from
:math:`v_{reset}`, ``subtract`` removes :math:`z_t (v_{th} - v_{reset})` after the leak, so
:math:`v^{pre}` is the membrane compared with the threshold), ``multi_spike`` (:math:`z_t =
\lfloor (v^{pre}_t - v_{reset}) / (v_{th} - v_{reset}) \rfloor` where it spikes; surrogate
gradient of the single spike, as Sinabs' ``MultiSpike``) and ``v_min`` (:math:`v_t \leftarrow
\max(v_t, v_{min})`, no gradient where the floor holds). The coefficients :math:`a, 1 - a, k` come
from :mod:`neurokit.dynamics.discretisation` (through :class:`~neurokit.train.layers.LIFLayer`).

Backward, with :math:`g_t = \partial L/\partial z_t`, :math:`\sigma'` the surrogate derivative and
:math:`\delta_t = \partial L / \partial v^{pre}_t`:

.. math::  \delta_t = g_t\,\sigma'(u_t) + \rho_t\,\alpha\,\delta_{t+1}, \qquad
           \partial L/\partial x_t = \beta\,\delta_t

with :math:`\alpha = a` (exact) or :math:`1 - k` (Euler), :math:`\beta = (1 - a) r` or :math:`k r`,
:math:`\rho_t = 1 - [z_t > 0]` for the zero reset (either timing) and 1 otherwise, times 0 where the
``v_min`` floor holds. ``sltt`` (spatial learning through
time) drops the temporal term: :math:`\delta_t = g_t \sigma'(u_t)`. This is exactly the gradient
autograd computes for :class:`neurokit.train.layers.LIFLayer`'s step loop (tested), in one pass
over memory instead of a graph of small ops per step.

Neuron parameters (learnable :math:`\tau` and :math:`v_{th}`, :mod:`neurokit.train.neuron_params`)
get their gradients in the same backward pass, with :math:`s_t` the membrane a step starts from
(:math:`v_{t-1}` after reset and floor, or :math:`v_{reset}` on a pending zero reset), the drive
:math:`d_t = v_{leak} + r x_t`, :math:`q_t` the pending spikes (``next_step``) and
:math:`c_t = \partial L/\partial v_t` the temporal carry (zero under ``sltt``, a zero reset or
the floor):

.. math::  \partial L/\partial a = \textstyle\sum_t \delta_t s_t,\quad
           \partial L/\partial (1 - a) = \sum_t \delta_t d_t,\quad
           \partial L/\partial k = \sum_t \delta_t (d_t - s_t),

.. math::  \partial L/\partial v_{th} = \textstyle\sum_t \bigl(-g_t \sigma'(u_t)
           - [\text{next\_step, subtract}]\, q_t \delta_t - [\text{same\_step, subtract}]\, z_t c_t\bigr),

and :math:`\partial L/\partial v_{leak} = \sum_t \gamma \delta_t`, :math:`\partial L/\partial r =
\sum_t \gamma \delta_t x_t` (:math:`\gamma = 1 - a` or :math:`k`), summed over the batch. They
are computed only when a parameter requires a gradient (tested against autograd in float64).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from numba import njit

SURROGATE_CODES = {"fast_sigmoid": 0, "arctan": 1, "triangle": 2, "sigmoid": 3}
RESET_CODES = {"zero": 0, "subtract": 1, "none": 2}


@njit(cache=True)
def _after_reset(vp, z, v_th, v_reset, reset_mode, next_step):
    """The membrane a step leaves before the ``v_min`` floor (same-step reset, or none when the
    reset is due next step)."""
    if next_step or z == 0.0:
        return vp
    if reset_mode == 0:
        return v_reset
    if reset_mode == 1:
        return vp - z * (v_th - v_reset)
    return vp


@njit(cache=True)
def _forward(x, v0, pend0, a, b, k, v_leak, r, v_th, v_reset, exact, reset_mode, rule_ge, next_step, multi, v_min,
             z, v_pre):
    T, B, n = x.shape
    v = v0.copy()
    pend = pend0.copy()
    for t in range(T):
        xt, zt, pt = x[t], z[t], v_pre[t]
        for i in range(B):
            vi, xi, zi, pi, qi = v[i], xt[i], zt[i], pt[i], pend[i]
            for j in range(n):
                drive = v_leak[j] + r[j] * xi[j]
                vs = v_reset[j] if next_step and reset_mode == 0 and qi[j] > 0 else vi[j]
                if exact:
                    vp = a[j] * vs + b[j] * drive
                else:
                    vp = vs + k[j] * (drive - vs)
                if next_step and reset_mode == 1:
                    vp = vp - qi[j] * (v_th[j] - v_reset[j])
                pi[j] = vp
                spike = vp - v_th[j] >= 0 if rule_ge else vp - v_th[j] > 0
                if spike and multi:
                    zi[j] = math.floor((vp - v_reset[j]) / (v_th[j] - v_reset[j]))
                else:
                    zi[j] = 1.0 if spike else 0.0
                vp = _after_reset(vp, zi[j], v_th[j], v_reset[j], reset_mode, next_step)
                if next_step:
                    qi[j] = zi[j]
                vi[j] = vp if vp >= v_min else v_min
    return v, pend


@njit(cache=True)
def _surrogate(code, u, scale):
    if code == 0:
        d = 1.0 + scale * abs(u)
        return 1.0 / (d * d)
    if code == 1:
        q = math.pi * scale * u / 2.0
        return scale / (2.0 * (1.0 + q * q))
    if code == 2:
        return max(0.0, 1.0 - scale * abs(u)) * scale
    s = 1.0 / (1.0 + math.exp(-scale * u))
    return scale * s * (1.0 - s)


@njit(cache=True)
def _backward(grad_z, z, v_pre, alpha, beta, v_th, v_reset, code, scale, reset_mode, next_step, v_min, sltt, grad_x,
              grad_v0):
    """The input and initial-membrane gradients (no parameter gradients)."""
    none = np.zeros((1, 1, 1), grad_z.dtype)
    par = np.zeros(1, grad_z.dtype)
    pend = np.zeros((1, 1), grad_z.dtype)
    grads = np.zeros((0, 1), grad_z.dtype)
    return _backward_full(grad_z, z, v_pre, none, pend, pend, alpha, beta, par, par, par, par, par, v_th, v_reset,
                          True, code, scale, reset_mode, next_step, v_min, sltt, False, grad_x, grad_v0, grads)


@njit(cache=True)
def _backward_full(grad_z, z, v_pre, x, v0, pend0, alpha, beta, a, b, k, v_leak, r, v_th, v_reset, exact, code, scale,
                   reset_mode, next_step, v_min, sltt, want, grad_x, grad_v0, grads):
    """The backward pass; with ``want`` also the parameter gradients (module docstring) into the rows
    of ``grads`` ``(6, n)``: a, 1 - a, k, v_leak, r, v_th."""
    T, B, n = grad_z.shape
    carry = grad_v0  # dL/dv_t (after the reset) from step t + 1; zero after the last step
    carry[:] = 0.0
    for t in range(T - 1, -1, -1):
        gt, zt, pt, xt = grad_z[t], z[t], v_pre[t], grad_x[t]
        for i in range(B):
            gi, zi, pi, xi, ci = gt[i], zt[i], pt[i], xt[i], carry[i]
            for j in range(n):
                sg = gi[j] * _surrogate(code, pi[j] - v_th[j], scale)
                d = sg
                cut = (reset_mode == 0 and zi[j] > 0) or \
                    _after_reset(pi[j], zi[j], v_th[j], v_reset[j], reset_mode, next_step) < v_min
                if not sltt and not cut:
                    d += ci[j]
                if want:
                    g_th = -sg
                    if not sltt and not cut and not next_step and reset_mode == 1:
                        g_th -= zi[j] * ci[j]  # v_t = v_pre - z (v_th - v_reset)
                    q = 0.0
                    if next_step:
                        q = pend0[i, j] if t == 0 else z[t - 1, i, j]
                    if next_step and reset_mode == 1:
                        g_th -= q * d  # v_pre includes - q (v_th - v_reset)
                    if t == 0:
                        s = v0[i, j]
                    else:
                        s = _after_reset(v_pre[t - 1, i, j], q if next_step else z[t - 1, i, j], v_th[j], v_reset[j],
                                         reset_mode, next_step)
                        s = s if s >= v_min else v_min
                    if next_step and reset_mode == 0 and q > 0:
                        s = v_reset[j]
                    drive = v_leak[j] + r[j] * x[t, i, j]
                    if exact:
                        grads[0, j] += d * s
                        grads[1, j] += d * drive
                        gain = b[j]
                    else:
                        grads[2, j] += d * (drive - s)
                        gain = k[j]
                    grads[3, j] += gain * d
                    grads[4, j] += gain * d * x[t, i, j]
                    grads[5, j] += g_th
                xi[j] = beta[j] * d
                ci[j] = alpha[j] * d
    return carry


@njit(cache=True, inline="always")
def _forward_loop(x, v, a, b, k, v_leak, r, v_th, v_reset, exact, reset_mode, rule_ge, z, v_pre):
    """:func:`_forward` for the plain rules (``same_step`` reset, single spikes, no ``v_min``), the
    rule arguments compile-time constants: a branch-free loop over neurons (selects, not jumps) that
    LLVM vectorises, in the arrays' own float type; the same floating-point operations."""
    T, B, n = x.shape
    one = z.dtype.type(1.0)
    zero = z.dtype.type(0.0)
    for t in range(T):
        xt, zt, pt = x[t], z[t], v_pre[t]
        for i in range(B):
            vi, xi, zi, pi = v[i], xt[i], zt[i], pt[i]
            for j in range(n):
                if exact:
                    vp = a[j] * vi[j] + b[j] * (v_leak[j] + r[j] * xi[j])
                else:
                    vp = vi[j] + k[j] * ((v_leak[j] + r[j] * xi[j]) - vi[j])
                pi[j] = vp
                spike = vp - v_th[j] >= zero if rule_ge else vp - v_th[j] > zero
                zi[j] = one if spike else zero
                if reset_mode == 0:
                    vi[j] = v_reset[j] if spike else vp
                elif reset_mode == 1:
                    vi[j] = vp - (v_th[j] - v_reset[j]) if spike else vp
                else:
                    vi[j] = vp


@njit(cache=True, inline="always")
def _forward_resets(x, v, a, b, k, v_leak, r, v_th, v_reset, exact, reset_mode, rule_ge, z, v_pre):
    """:func:`_forward_loop` with ``reset_mode`` as a constant (``exact``, ``rule_ge`` already are)."""
    if reset_mode == 0:
        _forward_loop(x, v, a, b, k, v_leak, r, v_th, v_reset, exact, 0, rule_ge, z, v_pre)
    elif reset_mode == 1:
        _forward_loop(x, v, a, b, k, v_leak, r, v_th, v_reset, exact, 1, rule_ge, z, v_pre)
    else:
        _forward_loop(x, v, a, b, k, v_leak, r, v_th, v_reset, exact, 2, rule_ge, z, v_pre)


@njit(cache=True)
def _forward_plain(x, v0, a, b, k, v_leak, r, v_th, v_reset, exact, reset_mode, rule_ge, z, v_pre):
    """Dispatch to :func:`_forward_loop` with the rules as constants (one compiled loop each)."""
    v = v0.copy()
    if exact and rule_ge:
        _forward_resets(x, v, a, b, k, v_leak, r, v_th, v_reset, True, reset_mode, True, z, v_pre)
    elif exact:
        _forward_resets(x, v, a, b, k, v_leak, r, v_th, v_reset, True, reset_mode, False, z, v_pre)
    elif rule_ge:
        _forward_resets(x, v, a, b, k, v_leak, r, v_th, v_reset, False, reset_mode, True, z, v_pre)
    else:
        _forward_resets(x, v, a, b, k, v_leak, r, v_th, v_reset, False, reset_mode, False, z, v_pre)
    return v


@njit(cache=True, inline="always", error_model="numpy")
def _backward_loop(grad_z, z, v_pre, alpha, beta, v_th, code, scale, zero_reset, sltt, grad_x, carry):
    """:func:`_backward` for the plain rules, the surrogate and rules compile-time constants: the
    same operations in the same precision (the surrogate in float64, as :func:`_surrogate`), so the
    same gradients bit for bit, in two short loops per row that vectorise."""
    T, B, n = grad_z.shape
    carry[:] = 0.0
    d = np.empty(n, np.float64)  # dL/dv_pre of one row
    for t in range(T - 1, -1, -1):
        gt, zt, pt, xt = grad_z[t], z[t], v_pre[t], grad_x[t]
        for i in range(B):
            gi, zi, pi, xi, ci = gt[i], zt[i], pt[i], xt[i], carry[i]
            for j in range(n):
                u = pi[j] - v_th[j]
                if code == 0:
                    den = 1.0 + scale * abs(u)
                    sg = 1.0 / (den * den)
                elif code == 1:
                    q = math.pi * scale * u / 2.0
                    sg = scale / (2.0 * (1.0 + q * q))
                elif code == 2:
                    sg = max(0.0, 1.0 - scale * abs(u)) * scale
                else:
                    e = 1.0 / (1.0 + math.exp(-scale * u))
                    sg = scale * e * (1.0 - e)
                dj = gi[j] * sg
                if not sltt:
                    if zero_reset:
                        dj += ci[j] if zi[j] == 0.0 else 0.0
                    else:
                        dj += ci[j]
                d[j] = dj
            for j in range(n):
                xi[j] = beta[j] * d[j]
                ci[j] = alpha[j] * d[j]


@njit(cache=True, inline="always", error_model="numpy")
def _backward_codes(grad_z, z, v_pre, alpha, beta, v_th, code, scale, zero_reset, sltt, grad_x, carry):
    """:func:`_backward_loop` with the surrogate ``code`` as a constant (the rules already are)."""
    if code == 0:
        _backward_loop(grad_z, z, v_pre, alpha, beta, v_th, 0, scale, zero_reset, sltt, grad_x, carry)
    elif code == 1:
        _backward_loop(grad_z, z, v_pre, alpha, beta, v_th, 1, scale, zero_reset, sltt, grad_x, carry)
    elif code == 2:
        _backward_loop(grad_z, z, v_pre, alpha, beta, v_th, 2, scale, zero_reset, sltt, grad_x, carry)
    else:
        _backward_loop(grad_z, z, v_pre, alpha, beta, v_th, 3, scale, zero_reset, sltt, grad_x, carry)


@njit(cache=True, error_model="numpy")  # no zero-division test per element: the divisions vectorise
def _backward_plain(grad_z, z, v_pre, alpha, beta, v_th, code, scale, zero_reset, sltt, grad_x, carry):
    """Dispatch to :func:`_backward_loop` with the surrogate and the rules as constants."""
    if sltt:
        _backward_codes(grad_z, z, v_pre, alpha, beta, v_th, code, scale, False, True, grad_x, carry)
    elif zero_reset:
        _backward_codes(grad_z, z, v_pre, alpha, beta, v_th, code, scale, True, False, grad_x, carry)
    else:
        _backward_codes(grad_z, z, v_pre, alpha, beta, v_th, code, scale, False, False, grad_x, carry)
    return carry


class FusedLIF(torch.autograd.Function):
    """``spikes, v_last = FusedLIF.apply(x, v0, pending0, params..., rules...)``; see the module
    docstring. ``v_last`` (the membrane after the last step, to continue a sequence) is not
    differentiable; ``pending0``: the previous step's spikes whose reset is due (``next_step``)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, v0: torch.Tensor, pending0: torch.Tensor, a: torch.Tensor,  # type: ignore[override]
                b: torch.Tensor, k: torch.Tensor, v_leak: torch.Tensor, r: torch.Tensor, v_th: torch.Tensor,
                v_reset: torch.Tensor, exact: bool, reset: str, rule_ge: bool, surrogate: str, scale: float,
                sltt: bool, next_step: bool, multi_spike: bool, v_min: float) -> torch.Tensor:
        xn = x.detach().contiguous().numpy()
        dtype = xn.dtype
        par = [np.ascontiguousarray(p.detach().numpy(), dtype=dtype) for p in (a, b, k, v_leak, r, v_th, v_reset)]
        z = np.empty_like(xn)
        v_pre = np.empty_like(xn)
        pend0 = np.ascontiguousarray(np.broadcast_to(pending0.detach().numpy(), xn.shape[1:]), dtype=dtype)
        v0n = np.ascontiguousarray(np.broadcast_to(v0.detach().numpy(), xn.shape[1:]), dtype=dtype)
        plain = not next_step and not multi_spike and v_min == -math.inf
        if plain:  # the common rules: the branch-free kernel
            v_last = _forward_plain(xn, v0n, *par, exact, RESET_CODES[reset], rule_ge, z, v_pre)
        else:
            v_last, _ = _forward(xn, v0n, pend0, *par, exact, RESET_CODES[reset], rule_ge, next_step, multi_spike,
                                 dtype.type(v_min), z, v_pre)
        ctx.save_for_backward(torch.from_numpy(z), torch.from_numpy(v_pre))
        if exact:
            alpha, beta = par[0], par[1] * par[4]
        else:
            alpha, beta = (1 - par[2]).astype(dtype), par[2] * par[4]
        ctx.coef = (alpha, beta, par[5], par[6])
        ctx.code, ctx.scale, ctx.reset, ctx.sltt = SURROGATE_CODES[surrogate], float(scale), RESET_CODES[reset], sltt
        ctx.next_step, ctx.v_min, ctx.plain = next_step, dtype.type(v_min), plain
        ctx.restart = pend0 > 0 if next_step and reset == "zero" else None  # v0 replaced by v_reset there
        ctx.exact = exact
        ctx.param_inputs = (xn, np.ascontiguousarray(v0.detach().numpy(), dtype=dtype), pend0, par) \
            if any(ctx.needs_input_grad[3:9]) else None
        v_last_t = torch.from_numpy(v_last)
        ctx.mark_non_differentiable(v_last_t)
        return torch.from_numpy(z), v_last_t

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor, _grad_v_last: torch.Tensor | None) -> tuple[Any, ...]:  # type: ignore[override]
        z, v_pre = ctx.saved_tensors
        alpha, beta, v_th, v_reset = ctx.coef
        g = grad.detach().contiguous().numpy().astype(v_pre.numpy().dtype, copy=False)
        grad_x = np.empty_like(g)
        grad_v0 = np.empty(g.shape[1:], g.dtype)
        param_grads: tuple[Any, ...] = (None,) * 6
        if ctx.param_inputs is None and ctx.plain:
            _backward_plain(g, z.numpy(), v_pre.numpy(), alpha, beta, v_th, ctx.code, ctx.scale, ctx.reset == 0,
                            ctx.sltt, grad_x, grad_v0)
        elif ctx.param_inputs is None:
            _backward(g, z.numpy(), v_pre.numpy(), alpha, beta, v_th, v_reset, ctx.code, ctx.scale, ctx.reset,
                      ctx.next_step, ctx.v_min, ctx.sltt, grad_x, grad_v0)
        else:  # learnable neuron parameters: their gradients in the same pass
            xn, v0n, pend0, par = ctx.param_inputs
            grads = np.zeros((6, g.shape[2]), g.dtype)
            _backward_full(g, z.numpy(), v_pre.numpy(), xn, v0n, pend0, alpha, beta, *par, ctx.exact, ctx.code,
                           ctx.scale, ctx.reset, ctx.next_step, ctx.v_min, ctx.sltt, True, grad_x, grad_v0, grads)
            param_grads = tuple(torch.from_numpy(grads[i].copy()) if ctx.needs_input_grad[3 + i] else None
                                for i in range(6))
        if ctx.restart is not None:
            grad_v0[ctx.restart] = 0.0
        return (torch.from_numpy(grad_x), torch.from_numpy(grad_v0), None) + param_grads + (None,) * 10
