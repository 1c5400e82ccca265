r"""Surrogate gradients: Heaviside forward, a smooth derivative backward.

For :math:`z = H(u)` with :math:`u = v - v_{th}` and scale :math:`k`:

* ``fast_sigmoid`` (SuperSpike, Zenke & Ganguli 2018): :math:`\partial z/\partial u = 1/(1 + k|u|)^2`
* ``arctan`` (Fang et al. 2021): :math:`\partial z/\partial u = k / (2 (1 + (\pi k u / 2)^2))`
* ``triangle`` (Esser et al. 2016): :math:`\partial z/\partial u = \max(0, 1 - k|u|)\,k`
* ``sigmoid``: :math:`\partial z/\partial u = k\,\sigma(k u)(1 - \sigma(k u))`
"""

from __future__ import annotations

import math
from typing import Any

import torch

from neurokit.errors import ConfigError


def _grad(name: str, u: torch.Tensor, k: float) -> torch.Tensor:
    if name == "fast_sigmoid":
        return 1.0 / (1.0 + k * u.abs()) ** 2
    if name == "arctan":
        return k / (2.0 * (1.0 + (math.pi * k * u / 2.0) ** 2))
    if name == "triangle":
        return torch.clamp(1.0 - k * u.abs(), min=0.0) * k
    s = torch.sigmoid(k * u)
    return k * s * (1.0 - s)


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, u: torch.Tensor, name: str, scale: float, rule_ge: bool) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(u)
        ctx.name, ctx.scale = name, scale
        return (u >= 0).to(u.dtype) if rule_ge else (u > 0).to(u.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:  # type: ignore[override]
        (u,) = ctx.saved_tensors
        return grad * _grad(ctx.name, u, ctx.scale), None, None, None


SURROGATES = ("fast_sigmoid", "arctan", "triangle", "sigmoid")


def spike(u: torch.Tensor, name: str = "fast_sigmoid", scale: float = 10.0, rule: str = ">") -> torch.Tensor:
    """Heaviside of ``u = v - v_th`` (``>`` or ``>=``) with the named surrogate gradient."""
    if name not in SURROGATES:
        raise ConfigError(f"unknown surrogate {name!r}", fix=f"choose one of {SURROGATES}")
    return _Spike.apply(u, name, float(scale), rule == ">=")


def surrogate_derivative(name: str, u: torch.Tensor, scale: float) -> torch.Tensor:
    """The smooth derivative itself (for gradchecks and plots)."""
    if name not in SURROGATES:
        raise ConfigError(f"unknown surrogate {name!r}", fix=f"choose one of {SURROGATES}")
    return _grad(name, u, scale)
