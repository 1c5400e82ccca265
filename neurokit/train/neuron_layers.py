r"""Neuron layers beyond :mod:`neurokit.train.layers`' LIF and LI, each one IR node: ``IFLayer`` (``IF``),
``CubaLIFLayer`` (``CubaLIF``) and ``RecurrentLIF`` (``LIF`` with a ``Linear`` loop edge). Each takes the
whole sequence ``(T, B, n)`` and computes, operation for operation, what :mod:`neurokit.dynamics.neurons`
computes for its node (table: :mod:`neurokit.train.sequential`).
"""

from __future__ import annotations

import abc
import math
from typing import Any

import torch
from torch import nn

from neurokit import ir
from neurokit.dynamics.discretisation import cuba_coupling, decay, input_gain, integrator_gain, is_exact

from .layers import LIFLayer, NeuronState, SpikeRules, fire, flat_step_input, start_membrane, to_numpy


class _SpikingBase(nn.Module, SpikeRules, abc.ABC):
    """Shared settings of the spiking layers (profile fields, surrogate)."""

    def __init__(self, n: int, *, v_threshold: float, v_reset: float, r: float, dt: float, integration: str,
                 reset: str, spike_rule: str, surrogate: str, scale: float, reset_timing: str = "same_step",
                 multi_spike: bool = False, v_min: float = -math.inf) -> None:
        super().__init__()
        self.set_rules(n, v_threshold=v_threshold, v_reset=v_reset, dt=dt, integration=integration, reset=reset,
                       spike_rule=spike_rule, surrogate=surrogate, scale=scale, reset_timing=reset_timing,
                       multi_spike=multi_spike, v_min=v_min)
        for name, value in (("v_threshold", v_threshold), ("v_reset", v_reset), ("r", r)):
            self.register_buffer(name, torch.full((n,), float(value), dtype=torch.float64))

    @abc.abstractmethod
    def params(self, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
        """The layer's coefficients in ``dtype`` (the arguments of :meth:`advance`)."""

    @abc.abstractmethod
    def initial_state(self, batch: int, dtype: torch.dtype = torch.float32) -> NeuronState:
        """The state before the first step."""

    @abc.abstractmethod
    def advance(self, xt: torch.Tensor, state: NeuronState, params: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, NeuronState]:
        """One step: ``(spikes, state)`` from one step's input ``xt`` ``(B, n)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Spikes ``(T, B, n)`` for input ``(T, B, n)``: :meth:`advance` over the steps."""
        params, state = self.params(x.dtype), self.initial_state(x.shape[1], x.dtype)
        out = []
        for xt in x.unbind(0):
            z, state = self.advance(xt, state, params)
            out.append(z)
        return torch.stack(out)

    def step(self, x_t: torch.Tensor, state: NeuronState | None = None) -> tuple[torch.Tensor, NeuronState]:
        """One time step: ``(spikes, state)`` for one step's input ``x_t`` ``(B, n)`` (or ``(B, *shape)``);
        looping it over ``x`` computes what ``forward(x)`` computes."""
        xt = flat_step_input(x_t, self.n)
        state = self.initial_state(xt.shape[0], xt.dtype) if state is None else state
        z, state = self.advance(xt, state, self.params(xt.dtype))
        return z.reshape(x_t.shape), state


class IFLayer(_SpikingBase):
    r"""Integrate-and-fire: :math:`v' = v + dt\,r\,x` (gain from the discretisation), spike
    :math:`z = [v > v_{th}]`, reset; starts at :math:`v_{reset}` as the IR's IF does."""

    def __init__(self, n: int, *, v_threshold: float = 1.0, v_reset: float = 0.0, r: float = 1.0, dt: float = 1e-3,
                 integration: str = "exact", reset: str = "zero", spike_rule: str = ">",
                 surrogate: str = "fast_sigmoid", scale: float = 10.0, **rules: Any) -> None:
        super().__init__(n, v_threshold=v_threshold, v_reset=v_reset, r=r, dt=dt, integration=integration, reset=reset,
                         spike_rule=spike_rule, surrogate=surrogate, scale=scale, **rules)

    def params(self, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
        """``(dt r, v_th, v_reset)`` in ``dtype``."""
        return (integrator_gain(self.r.to(torch.float64), self.dt, xp=torch).to(dtype), self.v_threshold.to(dtype),
                self.v_reset.to(dtype))

    def initial_state(self, batch: int, dtype: torch.dtype = torch.float32) -> NeuronState:
        return NeuronState(v=self.v_reset.to(dtype).expand(batch, self.n))

    def advance(self, xt: torch.Tensor, state: NeuronState, params: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, NeuronState]:
        dt_r, vth, vreset = params
        v = start_membrane(state.v, state.pending, vreset, self.reset, self.reset_timing)
        z, v, pending = fire(v + dt_r * xt, state.pending, vth, vreset, **self.rules)  # type: ignore[arg-type]
        return z, NeuronState(v=v, pending=pending)

    def to_node(self, shape: tuple[int, ...]) -> ir.Node:
        d = to_numpy(shape)
        return ir.IF(r=d(self.r), v_threshold=d(self.v_threshold), v_reset=d(self.v_reset))


class CubaLIFLayer(_SpikingBase):
    r"""Current-based LIF: :math:`\tau_s \dot I = -I + w_{in} x`, :math:`\tau_m \dot v = v_{leak} - v + r I`
    (exact for input held over the step, or Euler; decays, gains and coupling from
    :mod:`neurokit.dynamics.discretisation`), spike, reset."""

    def __init__(self, n: int, *, tau_syn: float = 5e-3, tau_mem: float = 0.02, v_threshold: float = 1.0,
                 v_reset: float = 0.0, v_leak: float = 0.0, r: float = 1.0, w_in: float = 1.0, dt: float = 1e-3,
                 integration: str = "exact", reset: str = "zero", spike_rule: str = ">",
                 surrogate: str = "fast_sigmoid", scale: float = 10.0, **rules: Any) -> None:
        super().__init__(n, v_threshold=v_threshold, v_reset=v_reset, r=r, dt=dt, integration=integration, reset=reset,
                         spike_rule=spike_rule, surrogate=surrogate, scale=scale, **rules)
        for name, value in (("tau_syn", tau_syn), ("tau_mem", tau_mem), ("v_leak", v_leak), ("w_in", w_in)):
            self.register_buffer(name, torch.full((n,), float(value), dtype=torch.float64))

    def params(self, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
        """Decays, gains and coupling of current and membrane, ``r``, ``v_leak``, ``w_in``, ``v_th``, ``v_reset``."""
        dt, integ = self.dt, self.integration
        ts, tm = self.tau_syn.to(torch.float64), self.tau_mem.to(torch.float64)
        return (decay(ts, dt, integ, xp=torch).to(dtype), input_gain(ts, dt, integ, xp=torch).to(dtype),
                decay(tm, dt, integ, xp=torch).to(dtype), input_gain(tm, dt, integ, xp=torch).to(dtype),
                cuba_coupling(ts, tm, dt, integ, xp=torch).to(dtype), self.r.to(dtype), self.v_leak.to(dtype),
                self.w_in.to(dtype), self.v_threshold.to(dtype), self.v_reset.to(dtype))

    def initial_state(self, batch: int, dtype: torch.dtype = torch.float32) -> NeuronState:
        return NeuronState(v=self.v_leak.to(dtype).expand(batch, self.n), i=torch.zeros(batch, self.n, dtype=dtype, device=self.v_leak.device))

    def advance(self, xt: torch.Tensor, state: NeuronState, params: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, NeuronState]:
        a_s, g_s, a_m, g_m, coupling, r, vleak, w_in, vth, vreset = params
        i, exact = state.i, is_exact(self.integration)
        i_inf = w_in * xt
        i_new = a_s * i + g_s * i_inf if exact else i + g_s * (i_inf - i)
        v = start_membrane(state.v, state.pending, vreset, self.reset, self.reset_timing)
        if exact:
            v_inf = vleak + r * i_inf
            v = v_inf + (v - v_inf) * a_m + r * (i - i_inf) * coupling
        else:
            v = v + g_m * ((vleak + r * i_new) - v)
        z, v, pending = fire(v, state.pending, vth, vreset, **self.rules)  # type: ignore[arg-type]
        return z, NeuronState(v=v, i=i_new, pending=pending)

    def to_node(self, shape: tuple[int, ...]) -> ir.Node:
        d = to_numpy(shape)
        return ir.CubaLIF(tau_syn=d(self.tau_syn), tau_mem=d(self.tau_mem), r=d(self.r), v_leak=d(self.v_leak),
                          v_threshold=d(self.v_threshold), v_reset=d(self.v_reset), w_in=d(self.w_in))


class RecurrentLIF(nn.Module):
    r"""LIF neurons with recurrent synapses: the input at step :math:`t` is :math:`x_t + W_{rec} z_{t-1}`.
    Exported as ``LIF`` with a loop ``LIF -> Linear(W_rec) -> LIF`` (a loop edge carries the
    previous step)."""

    def __init__(self, n: int, **lif_options: object) -> None:
        super().__init__()
        self.lif = LIFLayer(n, fused=False, **lif_options)  # type: ignore[arg-type]
        self.rec = nn.Linear(n, n, bias=False)
        bound = 0.5 / math.sqrt(n)
        nn.init.uniform_(self.rec.weight, -bound, bound)
        self.n = n

    def initial_state(self, batch: int, dtype: torch.dtype = torch.float32) -> NeuronState:
        return self.lif.initial_state(batch, dtype)._replace(z=torch.zeros(batch, self.n, dtype=dtype, device=self.lif.v_leak.device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        params, state = self.lif.params(x.dtype), self.initial_state(x.shape[1], x.dtype)
        out = []
        for xt in x.unbind(0):
            z, state = self.advance(xt, state, params)
            out.append(z)
        return torch.stack(out)

    def advance(self, xt: torch.Tensor, state: NeuronState, params: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, NeuronState]:
        z, v, pending = self.lif.advance(xt + self.rec(state.z), state.v, params, state.pending)
        return z, NeuronState(v=v, z=z, pending=pending)

    def step(self, x_t: torch.Tensor, state: NeuronState | None = None) -> tuple[torch.Tensor, NeuronState]:
        """One time step: ``(spikes, state)`` (the state carries the last spikes for the recurrence)."""
        xt = flat_step_input(x_t, self.n)
        state = self.initial_state(xt.shape[0], xt.dtype) if state is None else state
        z, state = self.advance(xt, state, self.lif.params(xt.dtype))
        return z.reshape(x_t.shape), state


__all__ = ["CubaLIFLayer", "IFLayer", "RecurrentLIF"]
