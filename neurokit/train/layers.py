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
import os
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.dynamics.discretisation import decay, input_gain, is_exact
from neurokit.errors import ConfigError

from .surrogate import spike, surrogate_name


class NeuronState(NamedTuple):
    """What a neuron layer carries from one :meth:`step` to the next (Norse-style state): the
    membrane ``v``; ``i`` the synaptic current (``CubaLIFLayer``); ``z`` the last step's spikes
    (``RecurrentLIF``); ``pending`` spikes whose reset is due next step (``reset_timing="next_step"``).
    All ``(B, n)``; ``state=None`` in :meth:`step` starts from the layer's initial state."""

    v: torch.Tensor
    i: torch.Tensor | None = None
    z: torch.Tensor | None = None
    pending: torch.Tensor | None = None


def flat_step_input(x_t: torch.Tensor, n: int) -> torch.Tensor:
    """One step's input ``(B, *shape)`` as ``(B, n)`` (neurons act element-wise, after convolutions too)."""
    if x_t.ndim < 2 or x_t[0].numel() != n:
        raise ConfigError(f"a single step takes input (batch, {n}) (or (batch, *shape) with {n} elements), "
                          f"got {tuple(x_t.shape)}", fix="pass one time step x[t], not the whole sequence")
    return x_t.reshape(x_t.shape[0], n)


#: Environment variable that picks the fused LIF kernel for CPU tensors: ``numba`` (default) or
#: ``triton`` (the GPU kernel run by Triton's interpreter; for tests of the GPU kernel without a GPU).
KERNEL_ENV = "NEUROKIT_LIF_KERNEL"


def fused_kernel(x: torch.Tensor) -> str:
    """Which fused kernel runs the LIF recurrence of ``x``: ``"triton"`` on CUDA tensors,
    ``"numba"`` on CPU tensors (``"triton-interpret"`` when ``NEUROKIT_LIF_KERNEL=triton``), ``"loop"``
    (the autograd step loop, same results) on other devices."""
    forced = os.environ.get(KERNEL_ENV, "")
    if forced not in ("", "numba", "triton"):
        raise ConfigError(f"{KERNEL_ENV}={forced!r} is not a LIF kernel", fix=f"unset {KERNEL_ENV}, or set it to "
                          "'numba' or 'triton' (Triton's interpreter on CPU tensors)")
    if x.device.type == "cuda":
        return "triton"
    if x.device.type == "cpu":
        return "triton-interpret" if forced == "triton" else "numba"
    return "loop"


def check_rules(*, dt: float, integration: str, reset: str = "zero", spike_rule: str = ">",
                reset_timing: str = "same_step", multi_spike: bool = False, v_min: float = -math.inf) -> None:
    """Refuse a layer setting the IR's profile cannot state (one-line error naming the option)."""
    ir.Profile(dt=dt, integration=integration, reset=reset, spike_rule=spike_rule, reset_timing=reset_timing,
               multi_spike=multi_spike, v_min=v_min)  # its checks, its one-line errors


def start_membrane(v: torch.Tensor, pending: torch.Tensor | None, v_reset: torch.Tensor, reset: str,
                   reset_timing: str) -> torch.Tensor:
    """``reset_timing="next_step"``, ``reset="zero"``: a neuron that spiked last step starts this one
    from :math:`v_{reset}` (not differentiated)."""
    if reset_timing == "next_step" and reset == "zero" and pending is not None:
        return torch.where(pending.detach() > 0, v_reset, v)
    return v


def fire(v: torch.Tensor, pending: torch.Tensor | None, vth: torch.Tensor, vreset: torch.Tensor, *, reset: str,
         spike_rule: str, reset_timing: str, multi_spike: bool, v_min: float, surrogate: str, scale: float
         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    r"""Steps 4-8 of :mod:`neurokit.dynamics.neurons` on the integrated membrane ``v``: the pending
    ``next_step`` subtraction, spike :math:`z` (surrogate gradient; with ``multi_spike`` the count
    :math:`\lfloor (v - v_{reset}) / (v_{th} - v_{reset}) \rfloor` carrying the single spike's
    gradient, as Sinabs' ``MultiSpike``), the reset (not differentiated) and the ``v_min`` floor.
    Returns ``(z, v, pending)`` (``pending``: this step's spikes when the reset is due next step)."""
    next_step = reset_timing == "next_step"
    if next_step and reset == "subtract" and pending is not None:
        v = v - pending.detach() * (vth - vreset)
    z = spike(v - vth, surrogate, scale, spike_rule)
    if multi_spike:
        count = torch.where(z.detach() > 0, torch.floor((v.detach() - vreset) / (vth - vreset)), 0.0)
        z = z + (count - z).detach()
    zd = z.detach()
    if not next_step:
        if reset == "zero":
            v = torch.where(zd > 0, vreset, v)
        elif reset == "subtract":
            v = v - zd * (vth - vreset)
    if v_min > -math.inf:
        v = torch.clamp(v, min=v_min)
    return z, v, (zd if next_step else None)


class SpikeRules:
    """The profile's spike and reset rules of a spiking layer (a mixin of its ``nn.Module``): checked
    once by :meth:`set_rules`, handed to :func:`fire` as :attr:`rules`."""

    n: int
    dt: float
    integration: str
    reset: str
    spike_rule: str
    reset_timing: str
    multi_spike: bool
    v_min: float
    surrogate: str
    scale: float

    def set_rules(self, n: int, *, v_threshold: float, v_reset: float, dt: float, integration: str, reset: str,
                  spike_rule: str, surrogate: str, scale: float, reset_timing: str = "same_step",
                  multi_spike: bool = False, v_min: float = -math.inf) -> None:
        """Refuse rules the profile cannot state (:func:`check_rules`), then store them with ``n``."""
        check_rules(dt=dt, integration=integration, reset=reset, spike_rule=spike_rule, reset_timing=reset_timing,
                    multi_spike=multi_spike, v_min=v_min)
        if multi_spike and v_threshold <= v_reset:
            raise ConfigError("multi_spike counts (v - v_reset) / (v_threshold - v_reset) spikes",
                              fix="use v_threshold > v_reset, or multi_spike=False")
        self.n, self.dt, self.integration, self.reset, self.spike_rule = n, dt, integration, reset, spike_rule
        self.reset_timing, self.multi_spike, self.v_min = reset_timing, bool(multi_spike), float(v_min)
        self.surrogate, self.scale = surrogate_name(surrogate), scale

    @property
    def rules(self) -> dict[str, Any]:
        """The spike/reset rules as keyword arguments of :func:`fire`."""
        return {"reset": self.reset, "spike_rule": self.spike_rule, "reset_timing": self.reset_timing,
                "multi_spike": self.multi_spike, "v_min": self.v_min, "surrogate": self.surrogate, "scale": self.scale}


def to_numpy(shape: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """Tensor -> float64 array, reshaped to ``shape`` when given (neuron parameters per element)."""
    def convert(t: torch.Tensor) -> np.ndarray:
        a = t.detach().cpu().to(torch.float64).numpy()
        return a.reshape(shape) if shape else a
    return convert


class LIFLayer(nn.Module, SpikeRules):
    r"""LIF neurons: exact :math:`v' = a v + (1 - a)(v_{leak} + r x)` or Euler, spike, reset.

    Parameters are per neuron (``tau`` seconds); ``reset`` is ``zero`` (to ``v_reset``),
    ``subtract`` or ``none``; the reset is not differentiated through (the usual choice).
    ``reset_timing``, ``multi_spike`` and ``v_min`` are the profile's (:mod:`neurokit.ir.profile`):
    ``reset_timing="next_step"`` with ``reset="subtract"`` is snnTorch's ``Leaky`` (``reset_delay=True``),
    ``multi_spike`` / ``v_min`` Sinabs' ``MultiSpike`` / ``min_v_mem``. The decay and gain come from
    :mod:`neurokit.dynamics.discretisation` (float64, then rounded to the input's dtype).
    ``learn="layer"`` / ``"neuron"``: ``tau`` and ``v_threshold`` are trained
    (:mod:`neurokit.train.neuron_params`).
    """

    def __init__(self, n: int, *, tau: float = 0.02, v_threshold: float = 1.0, v_reset: float = 0.0,
                 v_leak: float = 0.0, r: float = 1.0, dt: float = 1e-3, integration: str = "exact",
                 reset: str = "zero", spike_rule: str = ">", surrogate: str = "fast_sigmoid", scale: float = 10.0,
                 mode: str = "bptt", fused: bool = True, reset_timing: str = "same_step", multi_spike: bool = False,
                 v_min: float = -math.inf, learn: str = "none") -> None:
        super().__init__()
        self.set_rules(n, v_threshold=v_threshold, v_reset=v_reset, dt=dt, integration=integration, reset=reset,
                       spike_rule=spike_rule, surrogate=surrogate, scale=scale, reset_timing=reset_timing,
                       multi_spike=multi_spike, v_min=v_min)
        self.mode, self.fused = mode, fused
        self.register_buffer("tau", torch.full((n,), float(tau), dtype=torch.float64))
        self.register_buffer("v_threshold", torch.full((n,), float(v_threshold), dtype=torch.float64))
        self.register_buffer("v_reset", torch.full((n,), float(v_reset), dtype=torch.float64))
        self.register_buffer("v_leak", torch.full((n,), float(v_leak), dtype=torch.float64))
        self.register_buffer("r", torch.full((n,), float(r), dtype=torch.float64))
        if learn != "none":  # tau and v_threshold become parameters (neurokit.train.neuron_params)
            from .neuron_params import make_learnable

            make_learnable(self, learn)

    def _coefficients(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(a, g, g)``: decay and input gain of the discretisation (``exact`` uses ``a``, ``g`` as
        :math:`a v + g u`; Euler ``g`` as :math:`v + g (u - v)`), computed in float64, then ``dtype``."""
        tau = self.tau.to(torch.float64)
        a = decay(tau, self.dt, self.integration, xp=torch).to(dtype)
        g = input_gain(tau, self.dt, self.integration, xp=torch).to(dtype)
        return a, g, g

    def forward(self, x: torch.Tensor, v0: torch.Tensor | None = None) -> torch.Tensor:
        """Spikes ``(T, B, n)`` for input currents ``x`` ``(T, B, n)``."""
        return self.run(x, v0)[0]

    def run(self, x: torch.Tensor, v0: torch.Tensor | None = None, pending0: torch.Tensor | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(spikes, v_last)``: also the membrane after the last step, to continue the sequence in a
        later call (not differentiable on the fused path; with ``reset_timing="next_step"`` pass the
        last step's spikes as ``pending0`` too)."""
        if x.dtype in (torch.float16, torch.bfloat16):  # mixed precision: the membrane stays float32
            x = x.float()
        dtype = x.dtype
        params = self.params(dtype)
        a, one_minus_a, k, vleak, r, vth, vreset = params
        v = self.v_leak.to(dtype).expand(x.shape[1], self.n) if v0 is None else v0
        kernel = fused_kernel(x) if self.fused else "loop"
        if kernel != "loop":  # one compiled kernel, hand-written backward (same gradients)
            pend = torch.zeros((), dtype=dtype, device=x.device) if pending0 is None else pending0
            args = (x, v, pend, a, one_minus_a, k, vleak, r, vth, vreset, is_exact(self.integration), self.reset,
                    self.spike_rule == ">=", self.surrogate, self.scale, self.mode == "sltt",
                    self.reset_timing == "next_step", self.multi_spike, self.v_min)
            if kernel == "numba":
                from .fused import FusedLIF

                return FusedLIF.apply(*args)
            from .fused_triton import TritonLIF

            return TritonLIF.apply(*args, kernel == "triton-interpret")
        out = []
        pending = pending0
        for xt in x.unbind(0):
            z, v, pending = self.advance(xt, v, params, pending)
            if self.mode == "sltt":
                v = v.detach()
            out.append(z)
        return torch.stack(out), v

    def params(self, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
        """``(a, 1 - a, k, v_leak, r, v_th, v_reset)`` in ``dtype``: the arguments of :meth:`advance`."""
        a, one_minus_a, k = self._coefficients(dtype)
        return (a, one_minus_a, k, self.v_leak.to(dtype), self.r.to(dtype), self.v_threshold.to(dtype),
                self.v_reset.to(dtype))

    def initial_state(self, batch: int, dtype: torch.dtype = torch.float32) -> NeuronState:
        """The state before the first step: :math:`v = v_{leak}`."""
        return NeuronState(v=self.v_leak.to(dtype).expand(batch, self.n))

    def step(self, x_t: torch.Tensor, state: NeuronState | None = None) -> tuple[torch.Tensor, NeuronState]:
        """One time step, as snnTorch's ``Leaky`` / Norse's ``LIFCell``: ``(spikes, state)`` for one
        step's input ``x_t`` ``(B, n)`` (or ``(B, *shape)``); looping it over ``x`` computes what
        ``forward(x)`` computes. ``mode="sltt"`` is a training mode of the sequence API only."""
        xt = flat_step_input(x_t, self.n)
        state = self.initial_state(xt.shape[0], xt.dtype) if state is None else state
        z, v, pending = self.advance(xt, state.v, self.params(xt.dtype), state.pending)
        return z.reshape(x_t.shape), NeuronState(v=v, pending=pending)

    def advance(self, xt: torch.Tensor, v: torch.Tensor, params: tuple[torch.Tensor, ...],
                pending: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One step ``(z, v', pending')`` for input ``xt``; ``params`` = ``(a, 1 - a, k, v_leak, r, v_th,
        v_reset)`` in the input's dtype (the autograd reference of the fused kernel)."""
        a, one_minus_a, k, vleak, r, vth, vreset = params
        drive = vleak + r * xt
        v = start_membrane(v, pending, vreset, self.reset, self.reset_timing)
        v = a * v + one_minus_a * drive if is_exact(self.integration) else v + k * (drive - v)
        return fire(v, pending, vth, vreset, **self.rules)


class LILayer(nn.Module):
    r"""Leaky integrator readout: :math:`v' = a v + (1 - a)(v_{leak} + r x)`; outputs ``v`` each step
    (``v_min``: the profile's floor on the membrane)."""

    def __init__(self, n: int, *, tau: float = 0.02, dt: float = 1e-3, integration: str = "exact",
                 v_min: float = -math.inf) -> None:
        super().__init__()
        check_rules(dt=dt, integration=integration, v_min=v_min)
        self.n, self.dt, self.integration, self.v_min = n, dt, integration, float(v_min)
        self.register_buffer("tau", torch.full((n,), float(tau), dtype=torch.float64))

    def decay(self, dtype: torch.dtype) -> torch.Tensor:
        """Per-step decay :math:`a` (exact :math:`e^{-dt/\tau}`, Euler :math:`1 - dt/\tau`)."""
        return decay(self.tau.to(torch.float64), self.dt, self.integration, xp=torch).to(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)[0]

    def params(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """``(a, g)``: decay and input gain in ``dtype`` (the arguments of :meth:`advance`)."""
        tau = self.tau.to(torch.float64)
        return (decay(tau, self.dt, self.integration, xp=torch).to(dtype),
                input_gain(tau, self.dt, self.integration, xp=torch).to(dtype))

    def advance(self, xt: torch.Tensor, v: torch.Tensor, params: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """One step of the membrane: exact :math:`a v + g x`, Euler :math:`v + g (x - v)`, then the floor."""
        a, g = params
        v = a * v + g * xt if is_exact(self.integration) else v + g * (xt - v)
        return torch.clamp(v, min=self.v_min) if self.v_min > -math.inf else v

    def initial_state(self, batch: int, dtype: torch.dtype = torch.float32) -> NeuronState:
        """The state before the first step: :math:`v = 0`."""
        return NeuronState(v=torch.zeros(batch, self.n, dtype=dtype, device=self.tau.device))

    def step(self, x_t: torch.Tensor, state: NeuronState | None = None) -> tuple[torch.Tensor, NeuronState]:
        """One time step: ``(membrane, state)`` for one step's input ``x_t`` ``(B, n)``."""
        xt = flat_step_input(x_t, self.n)
        state = self.initial_state(xt.shape[0], xt.dtype) if state is None else state
        v = self.advance(xt, state.v, self.params(xt.dtype))
        return v.reshape(x_t.shape), NeuronState(v=v)

    def run(self, x: torch.Tensor, v0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(membrane per step, membrane after the last step)``."""
        v = self.initial_state(x.shape[1], x.dtype).v.to(x.device) if v0 is None else v0
        params = self.params(x.dtype)
        out = []
        for xt in x.unbind(0):
            v = self.advance(xt, v, params)
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
