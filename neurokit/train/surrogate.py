r"""Surrogate gradients: Heaviside forward, a smooth derivative backward.

For :math:`z = H(u)` with :math:`u = v - v_{th}` and scale :math:`k`:

* ``fast_sigmoid`` (SuperSpike, Zenke & Ganguli 2018): :math:`\partial z/\partial u = 1/(1 + k|u|)^2`
* ``arctan`` (Fang et al. 2021): :math:`\partial z/\partial u = k / (2 (1 + (\pi k u / 2)^2))`
* ``triangle`` (Esser et al. 2016): :math:`\partial z/\partial u = \max(0, 1 - k|u|)\,k`
* ``sigmoid``: :math:`\partial z/\partial u = k\,\sigma(k u)(1 - \sigma(k u))`

Other libraries' names are accepted where they mean the same derivative (:data:`ALIASES`:
snnTorch's ``atan`` is ``arctan`` with ``alpha`` = :math:`k`; its ``fast_sigmoid``/``sigmoid`` with
``slope`` = :math:`k` are these; Norse's ``super`` (SuperSpike) is ``fast_sigmoid``) and refused at
construction, with the reason, where they do not (:data:`REFUSED`: ``heaviside`` has no smooth
derivative, snnTorch's ``triangular`` is a constant-magnitude gradient, ...).
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

ALIASES = {"atan": "arctan", "ATan": "arctan", "superspike": "fast_sigmoid", "super": "fast_sigmoid",
           "FastSigmoid": "fast_sigmoid", "Sigmoid": "sigmoid", "SuperSpike": "fast_sigmoid"}

REFUSED = {
    "heaviside": "the Heaviside step has no smooth derivative (Norse: zero gradient; snnTorch: straight-through on "
                 "spikes only)",
    "straight_through_estimator": "a straight-through estimator is not a surrogate derivative of the step here",
    "triangular": "snnTorch's triangular passes a constant +-threshold gradient; neurokit's 'triangle' is "
                  "Esser's max(0, 1 - k|u|) k",
    "tanh": "Norse's tanh surrogate is not implemented", "circ": "Norse's circ surrogate is not implemented",
    "heavi_erfc": "Norse's erfc surrogate is not implemented",
    "spike_rate_escape": "snnTorch's spike_rate_escape is not implemented",
    "SSO": "stochastic spike operators are not implemented", "LSO": "leaky spike operators are not implemented",
    "SFS": "snnTorch's sparse fast sigmoid is not implemented",
}


def surrogate_name(name: str) -> str:
    """The canonical surrogate for ``name`` (one of :data:`SURROGATES` or an :data:`ALIASES` key);
    a one-line :class:`ConfigError` for anything else (what it is, which names work)."""
    if name in SURROGATES:
        return name
    if name in ALIASES:
        return ALIASES[name]
    accepted = f"use one of {SURROGATES} (or the aliases {sorted(ALIASES)})"
    if name in REFUSED:
        raise ConfigError(f"surrogate {name!r} is refused: {REFUSED[name]}", fix=accepted)
    raise ConfigError(f"unknown surrogate {name!r}", fix=accepted)


def spike(u: torch.Tensor, name: str = "fast_sigmoid", scale: float = 10.0, rule: str = ">") -> torch.Tensor:
    """Heaviside of ``u = v - v_th`` (``>`` or ``>=``) with the named surrogate gradient."""
    return _Spike.apply(u, surrogate_name(name), float(scale), rule == ">=")


def surrogate_derivative(name: str, u: torch.Tensor, scale: float) -> torch.Tensor:
    """The smooth derivative itself (for gradchecks and plots)."""
    return _grad(surrogate_name(name), u, scale)
