r"""Learnable synaptic delays: dilated convolution with learnable spacings (DCLS) over time.

Every synapse ``(o, i)`` has a weight :math:`w_{oi}` and a delay :math:`d_{oi} \in [0, D]` steps:

.. math::  y_t[o] = \sum_i w_{oi}\, x_{t - d_{oi}}[i]

During training the single tap at a real-valued :math:`d` is spread over the integer lags
:math:`k = 0 \dots D` by a normalised Gaussian :math:`\phi_k = e^{-(k-d)^2/2\sigma^2} / \sum_j
e^{-(j-d)^2/2\sigma^2}`, so the loss is differentiable in :math:`d` (Hammouamri et al., ICLR
2024); the layer is a causal temporal convolution with kernel :math:`K_{oik} = w_{oi}\phi_k(d_{oi})`.
:math:`\sigma` is annealed towards 0 (:meth:`DelayedLinear.set_sigma`); with ``hard=True`` (and on
export) each delay is rounded to whole steps and the kernel is one-hot: exactly what the IR runs,
``Delay(k)`` → ``Linear`` (the weights whose rounded delay is ``k``) for every used lag ``k``,
summed into the next node (:func:`to_ir_branches`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neurokit import ir


class DelayedLinear(nn.Module):
    """``Linear(in, out)`` whose synapses also have learnable delays in ``[0, max_delay]`` steps."""

    def __init__(self, in_features: int, out_features: int, max_delay: int, *, bias: bool = True,
                 sigma: float | None = None, seed: int | None = None) -> None:
        super().__init__()
        if int(max_delay) != max_delay or max_delay < 1:
            raise ValueError(f"max_delay must be a whole number of steps >= 1, got {max_delay!r}")
        self.in_features, self.out_features, self.max_delay = in_features, out_features, int(max_delay)
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        self.delay = nn.Parameter(torch.rand(out_features, in_features, generator=gen, dtype=torch.float32)
                                  * self.max_delay)
        self.sigma = float(sigma if sigma is not None else self.max_delay / 2)
        self.hard = False

    @property
    def weight(self) -> torch.Tensor:
        return self.linear.weight

    @property
    def bias(self) -> torch.Tensor | None:
        return self.linear.bias

    def set_sigma(self, sigma: float) -> None:
        """Width of the interpolation (steps); anneal it towards 0 during training."""
        if not sigma >= 0:
            raise ValueError(f"sigma must be >= 0, got {sigma!r}")
        self.sigma = float(sigma)

    def rounded_delays(self) -> torch.Tensor:
        """Whole-step delays ``(out, in)`` as exported."""
        return self.delay.detach().clamp(0, self.max_delay).round().long()

    def taps(self, dtype: torch.dtype) -> torch.Tensor:
        r"""Interpolation weights :math:`\phi_k(d)`, shape ``(out, in, max_delay + 1)``."""
        if self.hard or self.sigma == 0:
            return F.one_hot(self.rounded_delays(), self.max_delay + 1).to(dtype)
        return dcls_taps(self.delay.to(dtype), self.max_delay, self.sigma)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(T, B, in)`` -> ``(T, B, out)``: a causal convolution over time."""
        bias = self.linear.bias.to(x.dtype) if self.linear.bias is not None else None
        return delayed_linear(x, self.linear.weight.to(x.dtype), self.taps(x.dtype), bias)


def dcls_taps(delay: torch.Tensor, max_delay: int, sigma: float) -> torch.Tensor:
    """Normalised Gaussian taps around each (clamped) delay over the lags ``0 .. max_delay``."""
    lags = torch.arange(max_delay + 1, dtype=delay.dtype, device=delay.device)
    d = delay.clamp(0, max_delay).unsqueeze(-1)
    return torch.softmax(-((lags - d) ** 2) / (2 * sigma**2), dim=-1)


def delayed_linear(x: torch.Tensor, weight: torch.Tensor, taps: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    r""":math:`y_t[o] = \sum_{i,k} w_{oi}\,\phi_{oik}\, x_{t-k}[i] + b_o` for ``x`` ``(T, B, in)``."""
    D = taps.shape[-1] - 1
    kernel = weight.unsqueeze(-1) * taps  # (out, in, D+1), index = lag
    xs = F.pad(x.permute(1, 2, 0), (D, 0))  # (B, in, D + T): zeros before the first step
    y = F.conv1d(xs, kernel.flip(-1)).permute(2, 0, 1)
    return y + bias if bias is not None else y


def to_ir_branches(layer: DelayedLinear, name: str, dt: float) -> tuple[dict[str, ir.Node], list[tuple[str, str]],
                                                                      str, list[str]]:
    """IR nodes for ``layer`` with rounded delays: per used lag ``k`` a ``Delay`` of ``k`` steps and
    a ``Linear`` of the weights with that lag (the bias, if any, in an ``Affine`` on lag 0's branch
    or a branch of its own). Returns ``(nodes, edges, entry, exits)``: feed ``entry`` (an identity
    ``Identity`` fan-out point) and connect every name in ``exits`` to the next node."""
    w = layer.linear.weight.detach().cpu().double().numpy()
    lags = layer.rounded_delays().cpu().numpy()
    n_in = layer.in_features
    entry = f"{name}_in"
    nodes: dict[str, ir.Node] = {entry: ir.Identity(shape=(n_in,))}
    edges: list[tuple[str, str]] = []
    exits: list[str] = []
    bias = layer.linear.bias.detach().cpu().double().numpy() if layer.linear.bias is not None else None
    used = sorted(set(int(k) for k in np.unique(lags)))
    if bias is not None and 0 not in used:
        used = [0, *used]
    for k in used:
        wk = np.where(lags == k, w, 0.0)
        syn = f"{name}_lag{k}"
        if k == 0 and bias is not None:
            nodes[syn] = ir.Affine(weight=wk, bias=bias)
        else:
            nodes[syn] = ir.Linear(weight=wk)
        if k == 0:
            edges.append((entry, syn))
        else:
            delay = f"{name}_delay{k}"
            nodes[delay] = ir.Delay(delay=np.full(n_in, k * dt))
            edges += [(entry, delay), (delay, syn)]
        exits.append(syn)
    return nodes, edges, entry, exits


__all__ = ["DelayedLinear", "dcls_taps", "delayed_linear", "to_ir_branches"]
