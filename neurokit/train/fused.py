r"""The LIF recurrence over all time steps as one compiled kernel with a hand-written backward.

Forward (per neuron, :math:`u_t = v^{pre}_t - v_{th}`, exact or Euler as in
:mod:`neurokit.dynamics.neurons`, same floating-point operations):

.. math::  v^{pre}_t = a\,v_{t-1} + (1 - a)(v_{leak} + r x_t) \quad\text{or}\quad
           v_{t-1} + k\,(v_{leak} + r x_t - v_{t-1}), \qquad z_t = H(u_t),

then the reset (``zero``: :math:`v_t = v_{reset}` where :math:`z_t`, ``subtract``:
:math:`v_t = v^{pre}_t - z_t (v_{th} - v_{reset})`, ``none``), the reset not differentiated.

Backward, with :math:`g_t = \partial L/\partial z_t`, :math:`\sigma'` the surrogate derivative and
:math:`\delta_t = \partial L / \partial v^{pre}_t`:

.. math::  \delta_t = g_t\,\sigma'(u_t) + \rho_t\,\alpha\,\delta_{t+1}, \qquad
           \partial L/\partial x_t = \beta\,\delta_t

with :math:`\alpha = a` (exact) or :math:`1 - k` (Euler), :math:`\beta = (1 - a) r` or :math:`k r`,
:math:`\rho_t = 1 - z_t` for the zero reset and 1 otherwise. ``sltt`` (spatial learning through
time) drops the temporal term: :math:`\delta_t = g_t \sigma'(u_t)`. This is exactly the gradient
autograd computes for :class:`neurokit.train.layers.LIFLayer`'s step loop (tested), in one pass
over memory instead of a graph of small ops per step.
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
def _forward(x, v0, a, b, k, v_leak, r, v_th, v_reset, exact, reset_mode, rule_ge, z, v_pre):
    T, B, n = x.shape
    v = v0.copy()
    for t in range(T):
        xt, zt, pt = x[t], z[t], v_pre[t]
        for i in range(B):
            vi, xi, zi, pi = v[i], xt[i], zt[i], pt[i]
            for j in range(n):
                drive = v_leak[j] + r[j] * xi[j]
                if exact:
                    vp = a[j] * vi[j] + b[j] * drive
                else:
                    vp = vi[j] + k[j] * (drive - vi[j])
                pi[j] = vp
                spike = vp - v_th[j] >= 0 if rule_ge else vp - v_th[j] > 0
                zi[j] = 1.0 if spike else 0.0
                if spike and reset_mode == 0:
                    vp = v_reset[j]
                elif spike and reset_mode == 1:
                    vp = vp - (v_th[j] - v_reset[j])
                vi[j] = vp
    return v


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
def _backward(grad_z, z, v_pre, alpha, beta, v_th, code, scale, reset_mode, sltt, grad_x, grad_v0):
    T, B, n = grad_z.shape
    carry = grad_v0  # dL/dv_t (after the reset) from step t + 1; zero after the last step
    carry[:] = 0.0
    for t in range(T - 1, -1, -1):
        gt, zt, pt, xt = grad_z[t], z[t], v_pre[t], grad_x[t]
        for i in range(B):
            gi, zi, pi, xi, ci = gt[i], zt[i], pt[i], xt[i], carry[i]
            for j in range(n):
                d = gi[j] * _surrogate(code, pi[j] - v_th[j], scale)
                if not sltt and not (reset_mode == 0 and zi[j] > 0):
                    d += ci[j]
                xi[j] = beta[j] * d
                ci[j] = alpha[j] * d
    return carry


class FusedLIF(torch.autograd.Function):
    """``spikes, v_last = FusedLIF.apply(x, v0, params...)``; see the module docstring. ``v_last``
    (the membrane after the last step, to continue a sequence) is not differentiable."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, v0: torch.Tensor, a: torch.Tensor, b: torch.Tensor, k: torch.Tensor,  # type: ignore[override]
                v_leak: torch.Tensor, r: torch.Tensor, v_th: torch.Tensor, v_reset: torch.Tensor, exact: bool,
                reset: str, rule_ge: bool, surrogate: str, scale: float, sltt: bool) -> torch.Tensor:
        xn = x.detach().contiguous().numpy()
        dtype = xn.dtype
        par = [np.ascontiguousarray(p.detach().numpy(), dtype=dtype) for p in (a, b, k, v_leak, r, v_th, v_reset)]
        z = np.empty_like(xn)
        v_pre = np.empty_like(xn)
        v_last = _forward(xn, np.ascontiguousarray(v0.detach().numpy(), dtype=dtype), *par, exact, RESET_CODES[reset],
                          rule_ge, z, v_pre)
        ctx.save_for_backward(torch.from_numpy(z), torch.from_numpy(v_pre))
        if exact:
            alpha, beta = par[0], par[1] * par[4]
        else:
            alpha, beta = (1 - par[2]).astype(dtype), par[2] * par[4]
        ctx.coef = (alpha, beta, par[5])
        ctx.code, ctx.scale, ctx.reset, ctx.sltt = SURROGATE_CODES[surrogate], float(scale), RESET_CODES[reset], sltt
        v_last_t = torch.from_numpy(v_last)
        ctx.mark_non_differentiable(v_last_t)
        return torch.from_numpy(z), v_last_t

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor, _grad_v_last: torch.Tensor | None) -> tuple[Any, ...]:  # type: ignore[override]
        z, v_pre = ctx.saved_tensors
        alpha, beta, v_th = ctx.coef
        g = grad.detach().contiguous().numpy().astype(v_pre.numpy().dtype, copy=False)
        grad_x = np.empty_like(g)
        grad_v0 = np.empty(g.shape[1:], g.dtype)
        _backward(g, z.numpy(), v_pre.numpy(), alpha, beta, v_th, ctx.code, ctx.scale, ctx.reset, ctx.sltt, grad_x,
                  grad_v0)
        return (torch.from_numpy(grad_x), torch.from_numpy(grad_v0)) + (None,) * 13
