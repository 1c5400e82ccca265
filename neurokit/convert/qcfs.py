r"""QCFS: the quantization-clip-floor-shift activation (Bu et al., ICLR 2022).

.. math::  h(x) = \frac{\lambda}{L}\,\mathrm{clip}\!\left(\left\lfloor \frac{x L}{\lambda} + \varphi
           \right\rfloor, 0, L\right), \qquad \varphi = \tfrac12

with a trainable threshold :math:`\lambda` per layer and :math:`L` quantization levels; the floor
passes gradients straight through. An IF neuron with threshold :math:`\lambda`, reset by
subtraction and a pre-charge of :math:`\lambda/2` fed the same input for :math:`T = L` steps fires
:math:`\lfloor xT/\lambda + \tfrac12\rfloor` times (clipped to ``[0, T]``), so its average output
equals :math:`h(x)` exactly for constant inputs and the conversion error vanishes in expectation
for any :math:`T` (the shift :math:`\varphi = 1/2` is what the pre-charge implements).

Use: ``model = qcfs(model, levels=4, calib=x)``; fine-tune ``model`` as an ordinary ANN; then
:func:`neurokit.convert.convert` reads each :math:`\lambda` as that layer's normalization scale.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neurokit.errors import InvalidInputError


class _FloorSTE(torch.autograd.Function):
    """``floor`` forward, identity backward (straight-through estimator)."""

    @staticmethod
    def forward(ctx: object, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return torch.floor(x)

    @staticmethod
    def backward(ctx: object, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return grad


class QCFS(nn.Module):
    r"""QCFS activation :math:`\frac{\lambda}{L}\mathrm{clip}(\lfloor xL/\lambda + \varphi\rfloor, 0, L)`."""

    def __init__(self, levels: int = 4, lam: float = 8.0, shift: float = 0.5) -> None:
        super().__init__()
        if int(levels) != levels or levels < 1:
            raise InvalidInputError(f"QCFS levels must be a whole number >= 1, got {levels!r}", fix="e.g. levels=4")
        if not lam > 0:
            raise InvalidInputError(f"QCFS threshold lambda must be > 0, got {lam!r}", fix="e.g. lam=8.0")
        self.levels = int(levels)
        self.shift = float(shift)
        self.lam = nn.Parameter(torch.tensor(float(lam)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lam = self.lam.abs() + 1e-6
        q = _FloorSTE.apply(x * (self.levels / lam) + self.shift)
        return torch.clamp(q, 0, self.levels) * (lam / self.levels)

    def extra_repr(self) -> str:
        return f"levels={self.levels}, lam={float(self.lam.detach()):.4g}, shift={self.shift}"


_RELU_FUNCS = (F.relu, torch.relu, torch.relu_)


def qcfs(model: nn.Module, levels: int = 4, *, calib: torch.Tensor | None = None, percentile: float = 99.9,
         lam: float = 8.0) -> nn.Module:
    r"""A copy of ``model`` with every ReLU (module or functional) replaced by a :class:`QCFS`.

    Each :math:`\lambda` starts at the ``percentile`` of that ReLU's outputs on ``calib`` (when
    given), else at ``lam``. ReLU modules are swapped in place in a deep copy (the class and
    ``state_dict`` keys stay, plus ``<relu>.lam``); functional ReLUs make the result a
    ``torch.fx.GraphModule``. Fine-tune the result, then convert it.
    """
    from .normalize import relu_activations

    model = copy.deepcopy(model).eval()
    init: dict[str, float] = {}
    if calib is not None:
        from .trace import symbolic_trace

        gm = symbolic_trace(model)
        acts = relu_activations(gm, calib)
        modules = dict(gm.named_modules())
        for node in gm.graph.nodes:
            if node.name in acts and node.op == "call_module" and isinstance(modules[node.target], nn.ReLU):
                value = float(np.percentile(acts[node.name], percentile))
                init[node.target] = max(init.get(node.target, 0.0), value)
            elif node.name in acts:
                init[node.name] = float(np.percentile(acts[node.name], percentile))

    def start(key: str) -> float:
        v = init.get(key, lam)
        return v if v > 0 else lam

    for name, m in list(model.named_modules()):
        if isinstance(m, nn.ReLU):
            model.set_submodule(name, QCFS(levels, start(name)))
    from .trace import symbolic_trace

    gm = symbolic_trace(model)
    functional = [n for n in gm.graph.nodes if (n.op == "call_function" and n.target in _RELU_FUNCS)
                  or (n.op == "call_method" and n.target in ("relu", "relu_"))]
    if not functional:
        return model
    for n in functional:
        target = f"qcfs_{n.name}"
        gm.add_submodule(target, QCFS(levels, start(n.name)))
        with gm.graph.inserting_after(n):
            new = gm.graph.call_module(target, (n.args[0],))
        n.replace_all_uses_with(new)
        gm.graph.erase_node(n)
    gm.graph.lint()
    gm.recompile()
    return gm


__all__ = ["QCFS", "qcfs"]
