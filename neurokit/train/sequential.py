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
from torch import nn

from neurokit import ir
from neurokit.errors import ConfigError

from .delays import DelayedLinear, to_ir_branches
from .layers import LIFLayer, LILayer, NeuronState, init_linear, time_linear, to_numpy
from .neuron_layers import CubaLIFLayer, IFLayer, RecurrentLIF


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


DROPPED_AT_EXPORT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)


class SpikingSequential(nn.Module):
    r"""A chain of the layers above on input ``(T, B, *input_shape)``; :meth:`to_ir` exports it.

    ``nn.Dropout`` (and ``nn.Identity``) may sit anywhere: they act while training and are left out
    of the export, as conversion drops them. ``init="spiking"`` (default) re-initialises every
    ``nn.Linear``/``TimeConv2d`` the way the built-in classifier does, uniform in
    :math:`\pm g/\sqrt{fan_{in}}` with :math:`g = 3` before a spiking layer and :math:`g = 1` before
    the ``LILayer`` readout, so that a model written from the docs trains (torch's default bound
    :math:`1/\sqrt{fan_{in}}` hardly makes a LIF neuron with :math:`1 - e^{-dt/\tau} \approx 0.05` fire);
    ``init="torch"`` keeps torch's.
    """

    def __init__(self, input_shape: tuple[int, ...], *layers: nn.Module, init: str = "spiking") -> None:
        super().__init__()
        self.input_shape = tuple(int(s) for s in input_shape)
        self.layers = nn.ModuleList(layers)
        bad = [f"{i}: {type(m).__name__}" for i, m in enumerate(layers) if not isinstance(m, SUPPORTED)]
        if bad:
            hint = " (nn.Flatten: use TimeFlatten, which keeps time and batch)" if any(
                isinstance(m, nn.Flatten) for m in layers) else ""
            raise ConfigError(f"layers without an IR equivalent: {', '.join(bad)}{hint}",
                              fix=f"use {', '.join(t.__name__ for t in SUPPORTED)}")
        if init not in ("spiking", "torch"):
            raise ConfigError(f"init must be 'spiking' or 'torch', got {init!r}", fix="init='spiking'")
        if init == "spiking":
            spiking_init(self.layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = apply_layer(layer, x)
        return x

    def step(self, x_t: torch.Tensor, states: list[NeuronState | None] | None = None
             ) -> tuple[torch.Tensor, list[NeuronState | None]]:
        """One time step through the chain: ``(output, states)`` for one step's input ``x_t``
        ``(B, *input_shape)``; ``states`` holds one entry per layer (``None`` for stateless layers;
        ``states=None`` starts every neuron from its initial state)."""
        states = [None] * len(self.layers) if states is None else list(states)
        if len(states) != len(self.layers):
            raise ConfigError(f"{len(states)} states for {len(self.layers)} layers",
                              fix="pass the states the previous step returned (or None)")
        x = x_t
        for k, layer in enumerate(self.layers):
            if isinstance(layer, NEURON_LAYERS):
                x, states[k] = layer.step(x, states[k])
            elif isinstance(layer, DelayedLinear):
                raise ConfigError("DelayedLinear needs the input history: it has no single-step form",
                                  fix="run the whole sequence with forward(x)")
            elif isinstance(layer, TimeConv2d):
                x = nn.Conv2d.forward(layer, x)
            elif isinstance(layer, TimeAvgPool2d):
                x = nn.AvgPool2d.forward(layer, x)
            elif isinstance(layer, TimeFlatten):
                x = x.reshape(x.shape[0], -1)
            else:  # nn.Linear, Dropout, Identity act on one step as they do on the sequence
                x = layer(x)
        return x, states

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
            if isinstance(layer, DROPPED_AT_EXPORT):
                continue
            if isinstance(layer, DelayedLinear):
                branch_nodes, branch_edges, entry, exits = to_ir_branches(layer, name, profile.dt)
                nodes.update(branch_nodes)
                nodes[name] = ir.Identity(shape=(layer.out_features,))  # the sum point
                edges += [(prev, entry), *branch_edges, *[(e, name) for e in exits]]
                prev, shape = name, (layer.out_features,)
                continue
            node = _node(layer, shape)
            nodes[name] = node
            edges.append((prev, name))
            if isinstance(layer, RecurrentLIF):
                nodes[f"{name}_rec"] = ir.Linear(weight=to_numpy(())(layer.rec.weight))
                edges += [(name, f"{name}_rec"), (f"{name}_rec", name)]
            shape = tuple(int(s) for s in node.output_shape(shape)) if hasattr(node, "output_shape") else shape
            prev = name
        nodes["output"] = ir.Output(shape=shape)
        edges.append((prev, "output"))
        return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile).validate()


SUPPORTED = (*NEURON_LAYERS, nn.Linear, TimeConv2d, TimeAvgPool2d, TimeFlatten, DelayedLinear, *DROPPED_AT_EXPORT)


def spiking_init(layers: Any) -> None:
    r"""Re-initialise each ``nn.Linear``/``TimeConv2d`` of ``layers`` (in order) like the built-in
    classifier: gain 3 when the next neuron layer spikes, gain 1 before an ``LILayer`` readout
    (:func:`~neurokit.train.layers.init_linear`, bound :math:`g/\sqrt{fan_{in}}`, zero bias)."""
    layers = list(layers)
    for k, layer in enumerate(layers):
        if not isinstance(layer, (nn.Linear, TimeConv2d)) or isinstance(layer, DelayedLinear):
            continue
        nxt = next((m for m in layers[k + 1:] if isinstance(m, NEURON_LAYERS)), None)
        gain = 1.0 if nxt is None or isinstance(nxt, LILayer) else 3.0
        if isinstance(layer, nn.Linear):
            init_linear(layer, gain)
        else:
            fan_in = layer.in_channels // layer.groups * int(np.prod(layer.kernel_size))
            nn.init.uniform_(layer.weight, -gain / math.sqrt(fan_in), gain / math.sqrt(fan_in))
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def export(model: nn.Module, input_shape: tuple[int, ...]) -> ir.Graph:
    """The IR graph of any ``nn.Sequential``-like chain (``nn.Sequential``, ``nn.ModuleList`` or
    :class:`SpikingSequential`) of the layers above on input ``(T, B, *input_shape)``; ``nn.Dropout``
    and ``nn.Identity`` are left out. The model's weights are used as they are (not re-initialised)."""
    if isinstance(model, SpikingSequential):
        layers = list(model.layers)
    elif isinstance(model, (nn.Sequential, nn.ModuleList)):
        layers = list(model)
    else:
        raise ConfigError(f"cannot read the layer order of a {type(model).__name__}",
                          fix="export an nn.Sequential / SpikingSequential (or neurokit.train.to_ir for "
                              "SNNClassifier)")
    return SpikingSequential(input_shape, *layers, init="torch").to_ir()


def apply_layer(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """One layer on the whole sequence ``x`` ``(T, B, ...)``: ``nn.Linear`` over all steps at once, a
    neuron layer element-wise (also after a convolution), any other layer as it is."""
    if isinstance(layer, nn.Linear):
        return time_linear(layer, x)
    if isinstance(layer, NEURON_LAYERS) and x.ndim > 3:  # element-wise neurons after a convolution
        return layer(x.reshape(x.shape[0], x.shape[1], -1)).reshape(x.shape)
    return layer(x)


def layer_node(layer: nn.Module, shape: tuple[int, ...]) -> ir.Node:
    """The IR node of one layer whose input (neurons: whose elements) has ``shape``: the exporter's
    per-layer step, for models that wire the layers themselves (:mod:`neurokit.train.transformer`)."""
    return _node(layer, shape)


def _node(layer: nn.Module, shape: tuple[int, ...]) -> ir.Node:
    d = to_numpy(shape)
    if isinstance(layer, nn.Linear):
        w = to_numpy(())(layer.weight)
        return ir.Affine(weight=w, bias=to_numpy(())(layer.bias)) if layer.bias is not None else ir.Linear(weight=w)
    if isinstance(layer, TimeConv2d):
        return ir.Conv2d(weight=to_numpy(())(layer.weight),
                         bias=to_numpy(())(layer.bias) if layer.bias is not None else np.zeros(layer.out_channels),
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


__all__ = ["CubaLIFLayer", "IFLayer", "NeuronState", "RecurrentLIF", "SpikingSequential", "TimeAvgPool2d", "TimeConv2d",
           "TimeFlatten", "export", "spiking_init"]
