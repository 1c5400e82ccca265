"""Trace a torch ANN with ``torch.fx`` into a list of layers, folding BatchNorm and dropping Dropout.

Supported: Linear, Conv2d, ReLU (module or function), BatchNorm1d/2d (folded into the preceding
Linear/Conv2d), AvgPool2d, Flatten, Dropout (dropped). Anything else is refused with every
offending node listed (MaxPool2d included: spikes cannot be max-pooled without changing the rate
code; replace it by AvgPool2d and retrain).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from neurokit.errors import MappingError


@dataclass
class Layer:
    """One layer of the traced ANN: ``kind`` in {linear, conv, relu, avgpool, flatten}."""

    kind: str
    name: str
    weight: torch.Tensor | None = None
    bias: torch.Tensor | None = None
    module: nn.Module | None = None


def fold_bn(weight: torch.Tensor, bias: torch.Tensor | None, bn: nn.BatchNorm1d | nn.BatchNorm2d
            ) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Fold :math:`\gamma (Wx + b - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta` into one affine map."""
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    b = bias.detach() if bias is not None else torch.zeros_like(bn.running_mean)
    w = weight.detach() * scale.reshape(-1, *([1] * (weight.dim() - 1)))
    return w, (b - bn.running_mean) * scale + bn.bias.detach()


_RELU_FUNCS = {F.relu, torch.relu}


def trace(model: nn.Module) -> list[Layer]:
    """The layers of ``model`` in execution order (a chain), or a MappingError listing every refusal."""
    gm = fx.symbolic_trace(model.eval())
    modules = dict(gm.named_modules())
    layers: list[Layer] = []
    problems: list[str] = []
    for node in gm.graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        if node.op == "call_module":
            m = modules[node.target]
            if isinstance(m, nn.Linear):
                layers.append(Layer("linear", node.name, m.weight.detach(), None if m.bias is None else m.bias.detach(), m))
            elif isinstance(m, nn.Conv2d):
                layers.append(Layer("conv", node.name, m.weight.detach(), None if m.bias is None else m.bias.detach(), m))
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                if not layers or layers[-1].kind not in ("linear", "conv"):
                    problems.append(f"{node.name}: BatchNorm must follow a Linear or Conv2d to be folded")
                    continue
                prev = layers[-1]
                prev.weight, prev.bias = fold_bn(prev.weight, prev.bias, m)  # type: ignore[arg-type]
            elif isinstance(m, nn.ReLU):
                layers.append(Layer("relu", node.name, module=m))
            elif isinstance(m, nn.AvgPool2d):
                layers.append(Layer("avgpool", node.name, module=m))
            elif isinstance(m, nn.Flatten):
                layers.append(Layer("flatten", node.name, module=m))
            elif isinstance(m, nn.Dropout):
                continue
            elif isinstance(m, nn.MaxPool2d):
                problems.append(f"{node.name}: MaxPool2d has no rate-coded equivalent; replace it by AvgPool2d and retrain")
            else:
                problems.append(f"{node.name}: {type(m).__name__} is not supported")
        elif node.op == "call_function":
            if node.target in _RELU_FUNCS:
                layers.append(Layer("relu", node.name))
            elif node.target in (torch.flatten,):
                layers.append(Layer("flatten", node.name))
            elif node.target in (operator.add, torch.add):
                problems.append(f"{node.name}: residual additions are not converted in this version")
            else:
                problems.append(f"{node.name}: function {getattr(node.target, '__name__', node.target)} is not supported")
        elif node.op == "call_method":
            if node.target in ("view", "reshape", "flatten"):
                layers.append(Layer("flatten", node.name))
            elif node.target == "relu":
                layers.append(Layer("relu", node.name))
            else:
                problems.append(f"{node.name}: method .{node.target}() is not supported")
    if problems:
        raise MappingError("cannot convert this network", problems=problems,
                           fix="supported: Linear, Conv2d, ReLU, BatchNorm (folded), AvgPool2d, Flatten, Dropout")
    return layers


def relu_follows(layers: list[Layer], i: int) -> bool:
    return i + 1 < len(layers) and layers[i + 1].kind == "relu"


def describe(layers: list[Layer]) -> list[dict[str, Any]]:
    return [{"kind": L.kind, "name": L.name, "shape": None if L.weight is None else list(L.weight.shape)} for L in layers]
