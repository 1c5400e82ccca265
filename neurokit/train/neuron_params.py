r"""Learnable neuron parameters (PLIF-style, Fang et al. 2021): each LIF layer's membrane time
constant :math:`\tau` and threshold :math:`v_{th}` trained with the weights.

``learn="neuron"``: one :math:`\tau_j, v_{th,j}` per neuron; ``learn="layer"``: one value per
layer, shared by its neurons — stored per neuron (so the IR export and the fused kernel see the
same ``(n,)`` arrays) with the neurons' gradients summed, the gradient of the shared value:

.. math::  \frac{\partial L}{\partial \tau} = \sum_j \frac{\partial L}{\partial \tau_j}.

The gradient reaches :math:`\tau` through the discretisation's decay and gain
(:math:`a = e^{-dt/\tau}`, :math:`1 - a`; Euler :math:`k = dt/\tau`) and the fused kernel's
parameter gradients (:mod:`neurokit.train.fused`); autograd's step loop computes the same values
(tested in float64). Optimiser: :math:`\tau` learns with ``lr`` times its initial value (a relative
step, as PLIF's sigmoid parameterisation gives), :math:`v_{th}` with ``lr``; after every step
:func:`constrain` keeps :math:`\tau \ge dt/10` (Euler: :math:`\tau \ge dt`, a decay in [0, 1)) and
:math:`v_{th} \ge v_{reset} + 10^{-3}`. The learned per-neuron values are exported to the IR's
``LIF`` nodes, so :mod:`neurokit.sim` runs the trained model as torch does.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from neurokit.errors import ConfigError

LEARN_MODES = ("none", "layer", "neuron")
LEARNED = ("tau", "v_threshold")


def make_learnable(layer: nn.Module, mode: str) -> None:
    """Turn ``layer``'s ``tau`` and ``v_threshold`` buffers into parameters (``mode`` "layer" or "neuron")."""
    if mode not in LEARN_MODES:
        raise ConfigError(f"learn_neuron must be one of {list(LEARN_MODES)}, got {mode!r}", fix="learn_neuron = 'neuron'")
    if mode == "none":
        return
    for name in LEARNED:
        param = nn.Parameter(getattr(layer, name).detach().clone())
        setattr(layer, name, param)  # replaces the buffer of that name
        if mode == "layer":
            param.register_hook(_shared_gradient)


def _shared_gradient(grad: torch.Tensor) -> torch.Tensor:
    """Every neuron of the layer receives the summed gradient (one shared value, stored per neuron)."""
    return grad.sum().repeat(grad.numel()).reshape(grad.shape)


def learnable_layers(model: nn.Module) -> list[nn.Module]:
    """The LIF layers of ``model`` whose ``tau`` is a parameter."""
    return [m for m in model.modules() if isinstance(getattr(m, "tau", None), nn.Parameter)
            and isinstance(getattr(m, "v_threshold", None), nn.Parameter)]


def param_groups(model: nn.Module, lr: float, tau_scale: float) -> list[dict[str, Any]]:
    """Adam parameter groups: the weights at ``lr``, every ``tau`` at ``lr * tau_scale`` (a relative step)."""
    taus = {id(m.tau) for m in learnable_layers(model)}
    rest = [p for p in model.parameters() if id(p) not in taus]
    groups: list[dict[str, Any]] = [{"params": rest}]
    if taus:
        groups.append({"params": [m.tau for m in learnable_layers(model)], "lr": lr * tau_scale,
                       "weight_decay": 0.0})
    return groups


@torch.no_grad()
def constrain(model: nn.Module) -> None:
    r"""Keep learned values valid: :math:`\tau \ge dt/10` (Euler :math:`\ge dt`), :math:`v_{th} \ge v_{reset} + 10^{-3}`."""
    for m in learnable_layers(model):
        m.tau.clamp_(min=m.dt if m.integration == "euler" else m.dt / 10)
        torch.maximum(m.v_threshold, m.v_reset.to(m.v_threshold.dtype) + 1e-3, out=m.v_threshold)
