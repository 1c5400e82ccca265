r"""Layers beyond the LIF classifier, each one IR node, and a sequential container that exports them.

Every layer takes the whole sequence ``(T, B, *shape)`` and computes, operation for operation,
what :mod:`neurokit.dynamics.neurons` (and so :mod:`neurokit.sim`) computes for its node:

=================  ====================  ====================================================
layer              IR node               per step
=================  ====================  ====================================================
``IFLayer``        ``IF``                :math:`v' = v + (dt\,r)\,x`, spike, reset
``CubaLIFLayer``   ``CubaLIF``           current :math:`I` then membrane (exact or Euler)
``RecurrentLIF``   ``LIF`` + ``Linear``  LIF whose input adds :math:`W_{rec} z_{t-1}` (a loop edge)
``TimeConv2d``     ``Conv2d``            the convolution of every step
``TimeAvgPool2d``  ``AvgPool2d``         the average pool of every step
``TimeFlatten``    ``Flatten``           per-sample flatten
``nn.Linear``      ``Affine``/``Linear`` one matmul over all steps
``LIFLayer``,      ``LIF``, ``LI``       :mod:`neurokit.train.layers`
``LILayer``
``DelayedLinear``  ``Delay`` + ``Linear`` :mod:`neurokit.train.delays`
=================  ====================  ====================================================

Spikes use the surrogate gradient of :mod:`neurokit.train.surrogate`; resets are not
differentiated. Neuron layers act element-wise, so they also follow convolutions (their ``n`` is
the number of elements, ``C*H*W``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neurokit import ir
from neurokit.dynamics.discretisation import cuba_coupling, decay, input_gain, integrator_gain, is_exact
from neurokit.errors import ConfigError

from .delays import DelayedLinear, to_ir_branches
from .layers import LIFLayer, LILayer, check_rules, fire, start_membrane, time_linear


class _SpikingBase(nn.Module):
    """Shared settings of the spiking layers (profile fields, surrogate)."""

    def __init__(self, n: int, *, v_threshold: float, v_reset: float, r: float, dt: float, integration: str,
                 reset: str, spike_rule: str, surrogate: str, scale: float, reset_timing: str = "same_step",
                 multi_spike: bool = False, v_min: float = -math.inf) -> None:
        super().__init__()
        check_rules(dt=dt, integration=integration, reset=reset, spike_rule=spike_rule, reset_timing=reset_timing,
                    multi_spike=multi_spike, v_min=v_min)
        if multi_spike and v_threshold <= v_reset:
            raise ConfigError("multi_spike counts (v - v_reset) / (v_threshold - v_reset) spikes",
                              fix="use v_threshold > v_reset, or multi_spike=False")
        self.n, self.dt, self.integration, self.reset, self.spike_rule = n, dt, integration, reset, spike_rule
        self.reset_timing, self.multi_spike, self.v_min = reset_timing, bool(multi_spike), float(v_min)
        self.surrogate, self.scale = surrogate, scale
        for name, value in (("v_threshold", v_threshold), ("v_reset", v_reset), ("r", r)):
            self.register_buffer(name, torch.full((n,), float(value), dtype=torch.float64))

    @property
    def rules(self) -> dict[str, object]:
        """The spike/reset rules as keyword arguments of :func:`~neurokit.train.layers.fire`."""
        return {"reset": self.reset, "spike_rule": self.spike_rule, "reset_timing": self.reset_timing,
                "multi_spike": self.multi_spike, "v_min": self.v_min, "surrogate": self.surrogate, "scale": self.scale}


class IFLayer(_SpikingBase):
    r"""Integrate-and-fire: :math:`v' = v + dt\,r\,x` (gain from the discretisation), spike
    :math:`z = [v > v_{th}]`, reset; starts at :math:`v_{reset}` as the IR's IF does."""

    def __init__(self, n: int, *, v_threshold: float = 1.0, v_reset: float = 0.0, r: float = 1.0, dt: float = 1e-3,
                 integration: str = "exact", reset: str = "zero", spike_rule: str = ">",
                 surrogate: str = "fast_sigmoid", scale: float = 10.0, **rules: Any) -> None:
        super().__init__(n, v_threshold=v_threshold, v_reset=v_reset, r=r, dt=dt, integration=integration, reset=reset,
                         spike_rule=spike_rule, surrogate=surrogate, scale=scale, **rules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        dt_r = integrator_gain(self.r.to(torch.float64), self.dt, xp=torch).to(dtype)
        vth, vreset = self.v_threshold.to(dtype), self.v_reset.to(dtype)
        v = vreset.expand(x.shape[1], self.n)
        pending = None
        out = []
        for xt in x.unbind(0):
            v = start_membrane(v, pending, vreset, self.reset, self.reset_timing)
            z, v, pending = fire(v + dt_r * xt, pending, vth, vreset, **self.rules)  # type: ignore[arg-type]
            out.append(z)
        return torch.stack(out)

    def to_node(self, shape: tuple[int, ...]) -> ir.Node:
        d = _np(shape)
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype, dt, integ = x.dtype, self.dt, self.integration
        ts, tm = self.tau_syn.to(torch.float64), self.tau_mem.to(torch.float64)
        r, vleak, w_in = self.r.to(dtype), self.v_leak.to(dtype), self.w_in.to(dtype)
        vth, vreset = self.v_threshold.to(dtype), self.v_reset.to(dtype)
        exact = is_exact(integ)
        a_s = decay(ts, dt, integ, xp=torch).to(dtype)
        g_s = input_gain(ts, dt, integ, xp=torch).to(dtype)
        a_m = decay(tm, dt, integ, xp=torch).to(dtype)
        g_m = input_gain(tm, dt, integ, xp=torch).to(dtype)
        coupling = cuba_coupling(ts, tm, dt, integ, xp=torch).to(dtype)
        i = torch.zeros(x.shape[1], self.n, dtype=dtype, device=x.device)
        v = vleak.expand(x.shape[1], self.n)
        pending = None
        out = []
        for xt in x.unbind(0):
            i_inf = w_in * xt
            i_new = a_s * i + g_s * i_inf if exact else i + g_s * (i_inf - i)
            v = start_membrane(v, pending, vreset, self.reset, self.reset_timing)
            if exact:
                v_inf = vleak + r * i_inf
                v = v_inf + (v - v_inf) * a_m + r * (i - i_inf) * coupling
            else:
                v = v + g_m * ((vleak + r * i_new) - v)
            i = i_new
            z, v, pending = fire(v, pending, vth, vreset, **self.rules)  # type: ignore[arg-type]
            out.append(z)
        return torch.stack(out)

    def to_node(self, shape: tuple[int, ...]) -> ir.Node:
        d = _np(shape)
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lif = self.lif
        dtype = x.dtype
        a, one_minus_a, k = lif._coefficients(dtype)
        vleak, r = lif.v_leak.to(dtype), lif.r.to(dtype)
        vth, vreset = lif.v_threshold.to(dtype), lif.v_reset.to(dtype)
        v = vleak.expand(x.shape[1], self.n)
        z = torch.zeros(x.shape[1], self.n, dtype=dtype, device=x.device)
        params = (a, one_minus_a, k, vleak, r, vth, vreset)
        pending = None
        out = []
        for xt in x.unbind(0):
            z, v, pending = lif.step(xt + self.rec(z), v, params, pending)
            out.append(z)
        return torch.stack(out)


class TimeConv2d(nn.Conv2d):
    """``nn.Conv2d`` applied to every step of ``(T, B, C, H, W)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        T, B = x.shape[:2]
        y = super().forward(x.reshape(T * B, *x.shape[2:]))
        return y.reshape(T, B, *y.shape[1:])


class TimeAvgPool2d(nn.AvgPool2d):
    """``nn.AvgPool2d`` applied to every step of ``(T, B, C, H, W)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        T, B = x.shape[:2]
        y = super().forward(x.reshape(T * B, *x.shape[2:]))
        return y.reshape(T, B, *y.shape[1:])


class TimeFlatten(nn.Module):
    """``(T, B, *shape) -> (T, B, prod(shape))``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], x.shape[1], -1)


NEURON_LAYERS = (LIFLayer, LILayer, IFLayer, CubaLIFLayer, RecurrentLIF)


class SpikingSequential(nn.Module):
    """A chain of the layers above on input ``(T, B, *input_shape)``; :meth:`to_ir` exports it."""

    def __init__(self, input_shape: tuple[int, ...], *layers: nn.Module) -> None:
        super().__init__()
        self.input_shape = tuple(int(s) for s in input_shape)
        self.layers = nn.ModuleList(layers)
        bad = [f"{i}: {type(m).__name__}" for i, m in enumerate(layers) if not isinstance(m, SUPPORTED)]
        if bad:
            raise ValueError(f"layers without an IR equivalent: {bad}; use {[t.__name__ for t in SUPPORTED]}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = _apply(layer, x)
        return x

    def profile(self) -> ir.Profile:
        """The execution profile shared by all neuron layers (refused if they disagree)."""
        neurons = [m.lif if isinstance(m, RecurrentLIF) else m for m in self.layers if isinstance(m, NEURON_LAYERS)]
        if not neurons:
            raise ValueError("the model has no neuron layer; add LIFLayer, IFLayer, CubaLIFLayer or LILayer")
        fields = {(m.dt, m.integration, m.v_min) for m in neurons}
        spiking = {(m.dt, m.integration, m.v_min, m.reset, m.spike_rule, m.reset_timing, m.multi_spike)
                   for m in neurons if not isinstance(m, LILayer)}
        if len(fields) > 1 or len(spiking) > 1:
            raise ValueError(f"neuron layers disagree on (dt, integration, v_min[, reset, spike rule, reset timing, "
                             f"multi-spike]): {sorted(fields | spiking, key=str)}; one IR graph has one execution profile")
        dt, integration, v_min, *rest = next(iter(spiking)) if spiking else (*next(iter(fields)), "zero", ">",
                                                                              "same_step", False)
        reset, rule, reset_timing, multi_spike = rest
        return ir.Profile(dt=dt, integration=integration, reset=reset, spike_rule=rule, reset_timing=reset_timing,
                          multi_spike=multi_spike, v_min=v_min)

    def to_ir(self) -> ir.Graph:
        """The graph ``Input -> (one node per layer) -> Output`` computing what :meth:`forward` does."""
        profile = self.profile()
        shape = self.input_shape
        nodes: dict[str, ir.Node] = {"input": ir.Input(shape=shape)}
        edges: list[tuple[str, str]] = []
        prev = "input"
        for i, layer in enumerate(self.layers):
            name = f"{i}_{type(layer).__name__.lower()}"
            if isinstance(layer, DelayedLinear):
                branch_nodes, branch_edges, entry, exits = to_ir_branches(layer, name, profile.dt)
                nodes.update(branch_nodes)
                nodes[name] = ir.Flatten(input_shape=(layer.out_features,), start_dim=0, end_dim=-1)  # the sum point
                edges += [(prev, entry), *branch_edges, *[(e, name) for e in exits]]
                prev, shape = name, (layer.out_features,)
                continue
            node = _node(layer, shape)
            nodes[name] = node
            edges.append((prev, name))
            if isinstance(layer, RecurrentLIF):
                nodes[f"{name}_rec"] = ir.Linear(weight=_np(())(layer.rec.weight))
                edges += [(name, f"{name}_rec"), (f"{name}_rec", name)]
            shape = tuple(int(s) for s in node.output_shape(shape)) if hasattr(node, "output_shape") else shape
            prev = name
        nodes["output"] = ir.Output(shape=shape)
        edges.append((prev, "output"))
        return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile).validate()


SUPPORTED = (*NEURON_LAYERS, nn.Linear, TimeConv2d, TimeAvgPool2d, TimeFlatten, DelayedLinear)


def _apply(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if isinstance(layer, nn.Linear):
        return time_linear(layer, x)
    if isinstance(layer, NEURON_LAYERS) and x.ndim > 3:  # element-wise neurons after a convolution
        return layer(x.reshape(x.shape[0], x.shape[1], -1)).reshape(x.shape)
    return layer(x)


def _np(shape: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """Tensor -> float64 array, reshaped to ``shape`` when given (neuron parameters per element)."""
    def convert(t: torch.Tensor) -> np.ndarray:
        a = t.detach().cpu().to(torch.float64).numpy()
        return a.reshape(shape) if shape else a
    return convert


def _node(layer: nn.Module, shape: tuple[int, ...]) -> ir.Node:
    d = _np(shape)
    if isinstance(layer, nn.Linear):
        w = _np(())(layer.weight)
        return ir.Affine(weight=w, bias=_np(())(layer.bias)) if layer.bias is not None else ir.Linear(weight=w)
    if isinstance(layer, TimeConv2d):
        return ir.Conv2d(weight=_np(())(layer.weight),
                         bias=_np(())(layer.bias) if layer.bias is not None else np.zeros(layer.out_channels),
                         stride=layer.stride, padding=layer.padding, dilation=layer.dilation, groups=layer.groups,
                         input_shape=tuple(shape[1:]))
    if isinstance(layer, TimeAvgPool2d):
        if layer.ceil_mode or not layer.count_include_pad or layer.divisor_override:
            raise ValueError("TimeAvgPool2d exports only without ceil_mode, divisor_override, count_include_pad=False")
        return ir.AvgPool2d(kernel_size=layer.kernel_size, stride=layer.stride, padding=layer.padding)
    if isinstance(layer, TimeFlatten):
        return ir.Flatten(input_shape=shape, start_dim=0, end_dim=-1)
    if isinstance(layer, (IFLayer, CubaLIFLayer)):
        return layer.to_node(shape)
    lif = layer.lif if isinstance(layer, RecurrentLIF) else layer
    if isinstance(lif, LIFLayer):
        return ir.LIF(tau=d(lif.tau), r=d(lif.r), v_leak=d(lif.v_leak), v_threshold=d(lif.v_threshold),
                      v_reset=d(lif.v_reset))
    if isinstance(lif, LILayer):
        n = int(np.prod(shape))
        return ir.LI(tau=d(lif.tau), r=np.ones(n).reshape(shape), v_leak=np.zeros(n).reshape(shape))
    raise ValueError(f"no IR node for {type(layer).__name__}")


__all__ = ["CubaLIFLayer", "IFLayer", "RecurrentLIF", "SpikingSequential", "TimeAvgPool2d", "TimeConv2d",
           "TimeFlatten"]
