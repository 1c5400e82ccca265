r"""Torch layers that map one-to-one to IR nodes and compute exactly what the reference does.

A layer takes the whole input sequence ``(T, B, n)`` at once. Synaptic projections are one
matmul over all steps; the LIF recurrence runs as one compiled kernel with a hand-written
backward (:mod:`neurokit.train.fused`; ``fused=False`` runs the step loop over ``unbind``-ed
steps under autograd, which computes the same gradients). In float64 the forward pass equals
:func:`neurokit.dynamics.reference.run_reference` on the exported graph, spike for spike.

``mode="sltt"`` (spatial learning through time, Meng et al. 2023) detaches the membrane's
temporal path: gradients flow only through each step's spike, so the autograd graph keeps no
chain through time and memory does not grow with ``T`` beyond the activations.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .surrogate import spike


class LIFLayer(nn.Module):
    r"""LIF neurons: exact :math:`v' = a v + (1 - a)(v_{leak} + r x)` or Euler, spike, reset.

    Parameters are per neuron (``tau`` seconds); ``reset`` is ``zero`` (to ``v_reset``),
    ``subtract`` or ``none``; the reset is not differentiated through (the usual choice).
    """

    def __init__(self, n: int, *, tau: float = 0.02, v_threshold: float = 1.0, v_reset: float = 0.0,
                 v_leak: float = 0.0, r: float = 1.0, dt: float = 1e-3, integration: str = "exact",
                 reset: str = "zero", spike_rule: str = ">", surrogate: str = "fast_sigmoid", scale: float = 10.0,
                 mode: str = "bptt", fused: bool = True) -> None:
        super().__init__()
        self.n, self.dt, self.integration, self.reset, self.spike_rule = n, dt, integration, reset, spike_rule
        self.surrogate, self.scale, self.mode, self.fused = surrogate, scale, mode, fused
        self.register_buffer("tau", torch.full((n,), float(tau), dtype=torch.float64))
        self.register_buffer("v_threshold", torch.full((n,), float(v_threshold), dtype=torch.float64))
        self.register_buffer("v_reset", torch.full((n,), float(v_reset), dtype=torch.float64))
        self.register_buffer("v_leak", torch.full((n,), float(v_leak), dtype=torch.float64))
        self.register_buffer("r", torch.full((n,), float(r), dtype=torch.float64))

    def _coefficients(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        tau = self.tau.to(torch.float64)
        if self.integration == "exact":
            a = torch.exp(-self.dt / tau).to(dtype)
            return a, 1 - a, torch.zeros_like(a)
        k = (self.dt / tau).to(dtype)
        return 1 - k, k, k

    def forward(self, x: torch.Tensor, v0: torch.Tensor | None = None) -> torch.Tensor:
        """Spikes ``(T, B, n)`` for input currents ``x`` ``(T, B, n)``."""
        return self.run(x, v0)[0]

    def run(self, x: torch.Tensor, v0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(spikes, v_last)``: also the membrane after the last step, to continue the sequence in a
        later call (not differentiable on the fused path)."""
        dtype = x.dtype
        a, one_minus_a, k = self._coefficients(dtype)
        vleak, r = self.v_leak.to(dtype), self.r.to(dtype)
        vth, vreset = self.v_threshold.to(dtype), self.v_reset.to(dtype)
        v = self.v_leak.to(dtype).expand(x.shape[1], self.n) if v0 is None else v0
        if self.fused and x.device.type == "cpu":  # one compiled kernel, hand-written backward (same gradients)
            from .fused import FusedLIF

            z, v_last = FusedLIF.apply(x, v, a, one_minus_a, k, vleak, r, vth, vreset, self.integration == "exact",
                                       self.reset, self.spike_rule == ">=", self.surrogate, self.scale,
                                       self.mode == "sltt")
            return z, v_last
        out = []
        params = (a, one_minus_a, k, vleak, r, vth, vreset)
        for xt in x.unbind(0):
            z, v = self.step(xt, v, params)
            if self.mode == "sltt":
                v = v.detach()
            out.append(z)
        return torch.stack(out), v

    def step(self, xt: torch.Tensor, v: torch.Tensor, params: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """One step ``(z, v')`` for input ``xt``; ``params`` = ``(a, 1 - a, k, v_leak, r, v_th, v_reset)``
        in the input's dtype (the autograd reference of the fused kernel)."""
        a, one_minus_a, k, vleak, r, vth, vreset = params
        drive = vleak + r * xt
        v = a * v + one_minus_a * drive if self.integration == "exact" else v + k * (drive - v)
        z = spike(v - vth, self.surrogate, self.scale, self.spike_rule)
        zd = z.detach()
        if self.reset == "zero":
            v = torch.where(zd > 0, vreset, v)
        elif self.reset == "subtract":
            v = v - zd * (vth - vreset)
        return z, v


class LILayer(nn.Module):
    r"""Leaky integrator readout: :math:`v' = a v + (1 - a)(v_{leak} + r x)`; outputs ``v`` each step."""

    def __init__(self, n: int, *, tau: float = 0.02, dt: float = 1e-3, integration: str = "exact") -> None:
        super().__init__()
        self.n, self.dt, self.integration = n, dt, integration
        self.register_buffer("tau", torch.full((n,), float(tau), dtype=torch.float64))

    def decay(self, dtype: torch.dtype) -> torch.Tensor:
        """Per-step decay :math:`a` (exact :math:`e^{-dt/\tau}`, Euler :math:`1 - dt/\tau`)."""
        tau = self.tau.to(torch.float64)
        a = torch.exp(-self.dt / tau) if self.integration == "exact" else 1 - self.dt / tau
        return a.to(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)[0]

    def run(self, x: torch.Tensor, v0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(membrane per step, membrane after the last step)``."""
        dtype = x.dtype
        tau = self.tau.to(torch.float64)
        v = torch.zeros(x.shape[1], self.n, dtype=dtype, device=x.device) if v0 is None else v0
        out = []
        if self.integration == "exact":
            a = torch.exp(-self.dt / tau).to(dtype)
            for xt in x.unbind(0):
                v = a * v + (1 - a) * xt
                out.append(v)
        else:
            k = (self.dt / tau).to(dtype)
            for xt in x.unbind(0):
                v = v + k * (xt - v)
                out.append(v)
        return torch.stack(out), v


def time_linear(layer: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """Apply a Linear to all steps at once: one matmul over ``(T*B, n)``."""
    T, B = x.shape[:2]
    return layer(x.reshape(T * B, -1)).reshape(T, B, -1)


def init_linear(layer: nn.Linear, gain: float) -> None:
    """Kaiming-uniform-like init scaled for spiking inputs."""
    bound = gain / math.sqrt(layer.in_features)
    nn.init.uniform_(layer.weight, -bound, bound)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
