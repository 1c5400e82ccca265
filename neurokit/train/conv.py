r"""A convolutional spiking classifier for the trainer (``arch = "conv"``).

For inputs ``(T, B, C, H, W)``: per entry of ``channels`` a 3x3 convolution (padding 1), LIF
neurons on every element and a 2x2 average pool (while the map is at least 2x2); then flatten,
a linear layer and the readout (LI membrane, or LIF for the spiking losses). Each layer is one IR
node (:mod:`neurokit.train.sequential`), so the exported graph computes exactly what the torch
model computes; per step and element the LIF is the one of :class:`~neurokit.train.layers.LIFLayer`:

.. math::  v_{t+1} = a\,v_t + (1 - a)\,r\,(W * z^{in}_t + b), \quad z_{t+1} = [v_{t+1} > v_{th}],
           \quad a = e^{-dt/\tau}
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.errors import ConfigError

from .layers import LIFLayer, LILayer, init_linear
from .model import SNNSpec
from .sequential import SpikingSequential, TimeAvgPool2d, TimeConv2d, TimeFlatten


GAIN = 3.0  # as the MLP's hidden layers (init_linear)
POOLED_GAIN = 4.0  # convolutions fed by a 2x2 average of spikes see inputs a quarter as large


class ConvSNNClassifier(nn.Module):
    """``(T, B, C, H, W)`` -> readout membrane ``(T, B, classes)`` (see the module docstring)."""

    def __init__(self, spec: SNNSpec, channels: tuple[int, ...]) -> None:
        super().__init__()
        if len(spec.input_shape) != 3:
            raise ConfigError(f"arch 'conv' needs image-shaped inputs (C, H, W); this dataset gives {spec.input_shape}",
                              fix="use arch = 'mlp' for this dataset")
        if not channels or min(channels) < 1:
            raise ConfigError(f"channels must be positive whole numbers, got {channels}", fix="e.g. channels = [8, 16]")
        if spec.max_delay or spec.mode != "bptt":
            raise ConfigError("arch 'conv' trains with mode = 'bptt' and no learnable delays",
                              fix="set mode = 'bptt' and max_delay = 0, or use arch = 'mlp'")
        self.spec, self.channels = spec, tuple(int(c) for c in channels)
        lif = dict(tau=spec.tau_mem, v_threshold=spec.v_threshold, dt=spec.dt, integration=spec.integration,
                   surrogate=spec.surrogate, scale=spec.surrogate_scale, **spec.rules)
        c, h, w = (int(s) for s in spec.input_shape)
        layers: list[nn.Module] = []
        for out_c in self.channels:
            conv = TimeConv2d(c, out_c, 3, padding=1)
            _init_conv(conv, gain=GAIN if not layers else GAIN * POOLED_GAIN)
            layers += [conv, LIFLayer(out_c * h * w, learn=spec.learn_neuron, **lif)]  # type: ignore[arg-type]
            if h >= 2 and w >= 2:
                layers.append(TimeAvgPool2d(2))
                h, w = h // 2, w // 2
            c = out_c
        readout = nn.Linear(c * h * w, spec.classes)
        init_linear(readout, gain=1.0)
        out = (LILayer(spec.classes, tau=spec.tau_out, dt=spec.dt, integration=spec.integration, v_min=spec.v_min)
               if spec.readout == "li" else LIFLayer(spec.classes, **{**lif, "tau": spec.tau_out}))  # type: ignore[arg-type]
        self.net = SpikingSequential(spec.input_shape, *layers, TimeFlatten(), readout, out, init="torch")

    def forward(self, x: torch.Tensor, *, return_spikes: bool = False) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        from .sequential import apply_layer

        spikes = []
        last = len(self.net.layers) - 1
        for i, layer in enumerate(self.net.layers):
            x = apply_layer(layer, x)
            if isinstance(layer, LIFLayer) and i != last:
                spikes.append(x)
        return (x, spikes) if return_spikes else x

    def to_ir(self) -> ir.Graph:
        """The IR graph: ``Input -> Conv2d -> LIF -> AvgPool2d -> ... -> Flatten -> Affine -> LI -> Output``."""
        return self.net.to_ir()


def _init_conv(conv: nn.Conv2d, gain: float) -> None:
    """The spiking init of :func:`~neurokit.train.layers.init_linear` for a convolution (fan-in C*k*k)."""
    fan_in = conv.in_channels * int(np.prod(conv.kernel_size))
    bound = gain / math.sqrt(fan_in)
    nn.init.uniform_(conv.weight, -bound, bound)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)
