r"""Trace a torch ANN with ``torch.fx`` into a small DAG of conversion ops.

Supported (everything else is refused with **every** offending node listed in one
:class:`~neurokit.errors.MappingError`):

* ``nn.Linear``, ``nn.Conv2d`` (zero padding mode) — weighted ops;
* ``nn.BatchNorm1d/2d`` directly after a Linear/Conv2d whose output feeds only the BatchNorm —
  folded: :math:`W' = \gamma W / \sigma`, :math:`b' = \gamma (b - \mu)/\sigma + \beta`,
  :math:`\sigma = \sqrt{\mathrm{var} + \epsilon}`;
* ReLU (module, ``F.relu``, ``torch.relu``, ``.relu()``) and :class:`~neurokit.convert.qcfs.QCFS`;
* ``nn.AvgPool2d`` / ``F.avg_pool2d`` (no ``ceil_mode``, padding only with ``count_include_pad``),
  ``nn.AdaptiveAvgPool2d`` when the input size is a multiple of the output size;
* ``nn.Flatten`` / ``torch.flatten`` / ``.view``/``.reshape``/``.flatten`` that flatten all but the batch;
* ``nn.Dropout*``, ``nn.Identity``, ``F.dropout``, ``.contiguous()`` — dropped;
* residual additions ``a + b`` / ``torch.add(a, b)`` of two tensors;
* ``nn.MaxPool2d`` / ``F.max_pool2d``: refused by default (the max of spike trains is not the
  spike train of the max); with ``maxpool="avg"`` replaced by an average pool of the same
  window, with a :class:`ConversionApproximationWarning` and a note in the graph metadata.
"""

from __future__ import annotations

import copy
import operator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from neurokit.errors import MappingError
from neurokit.util.warn import warn_user

from .qcfs import QCFS

SUPPORTED = ("Linear, Conv2d, ReLU, QCFS, BatchNorm1d/2d (after Linear/Conv2d, folded), AvgPool2d, "
             "AdaptiveAvgPool2d (integer ratio), Flatten, Dropout (dropped), residual additions; "
             "MaxPool2d only with maxpool='avg'")

MaxPoolMode = Literal["refuse", "avg"]


class ConversionApproximationWarning(UserWarning):
    """The converted SNN computes an approximation of the ANN (e.g. MaxPool2d -> AvgPool2d)."""


@dataclass(frozen=True)
class Op:
    """One op of the traced ANN.

    ``kind``: ``input``, ``linear``, ``conv``, ``relu``, ``avgpool``, ``flatten``, ``add``, ``output``.
    Shapes are per sample (no batch). ``weight``/``bias`` hold the (BN-folded) parameters of
    weighted ops as float64 arrays; ``params`` the geometry (stride, padding, ...); ``qcfs`` the
    ``(lambda, levels)`` of a QCFS activation.
    """

    name: str
    kind: str
    inputs: tuple[str, ...]
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)
    qcfs: tuple[float, int] | None = None


@dataclass(frozen=True)
class Traced:
    """The op DAG in execution order plus what the tracer changed."""

    ops: tuple[Op, ...]
    module: fx.GraphModule
    approximations: tuple[str, ...] = ()

    def by_name(self) -> dict[str, Op]:
        return {op.name: op for op in self.ops}


def fold_bn(weight: torch.Tensor, bias: torch.Tensor | None, bn: nn.BatchNorm1d | nn.BatchNorm2d
            ) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Fold :math:`\gamma (Wx + b - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta` into one affine map."""
    gamma = bn.weight.detach() if bn.weight is not None else torch.ones_like(bn.running_mean)
    beta = bn.bias.detach() if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = gamma / torch.sqrt(bn.running_var + bn.eps)
    b = bias.detach() if bias is not None else torch.zeros_like(bn.running_mean)
    w = weight.detach() * scale.reshape(-1, *([1] * (weight.dim() - 1)))
    return w, (b - bn.running_mean) * scale + beta


class _Tracer(fx.Tracer):
    """``torch.fx`` tracer that keeps QCFS activations as leaf modules."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, QCFS) or super().is_leaf_module(m, qualname)


def symbolic_trace(model: nn.Module) -> fx.GraphModule:
    """``torch.fx`` trace of ``model`` (eval mode) with QCFS modules as leaves."""
    model = model.eval()
    try:
        graph = _Tracer().trace(model)
    except Exception as exc:  # noqa: BLE001 - fx raises many types for untraceable code
        raise MappingError(f"torch.fx cannot trace {type(model).__name__}: {str(exc).splitlines()[0]}",
                           fix="remove data-dependent control flow from forward(), or convert the layers "
                               "one by one") from None
    return fx.GraphModule(model, graph)


_RELU_FUNCS = (F.relu, torch.relu, torch.relu_)
_ADD_FUNCS = (operator.add, operator.iadd, torch.add)
_DROP_FUNCS = (F.dropout, F.dropout2d, F.dropout1d, torch.dropout)
_MAXPOOL_FUNCS = (F.max_pool2d, torch.max_pool2d)
_AVGPOOL_FUNCS = (F.avg_pool2d, torch._C._nn.avg_pool2d)
_SHAPE_METHODS = ("size", "dim")


def _fname(target: Any) -> str:
    return getattr(target, "__name__", str(target))


def _shape(n: fx.Node) -> tuple[int, ...] | None:
    meta = n.meta.get("tensor_meta")
    return tuple(int(s) for s in meta.shape[1:]) if meta is not None and hasattr(meta, "shape") else None


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def trace(model: nn.Module, sample: torch.Tensor, *, maxpool: MaxPoolMode = "refuse") -> Traced:
    """The conversion ops of ``model`` run on ``sample`` (a batch, e.g. two calibration inputs).

    Raises :class:`MappingError` listing every unsupported node; warns with
    :class:`ConversionApproximationWarning` for each MaxPool2d replaced under ``maxpool="avg"``.
    """
    if maxpool not in ("refuse", "avg"):
        raise MappingError(f"maxpool must be 'refuse' or 'avg', got {maxpool!r}", fix="use maxpool='avg' or 'refuse'")
    gm = symbolic_trace(model)
    with torch.no_grad():
        ShapeProp(gm).propagate(sample)
    modules = dict(gm.named_modules())
    ops: dict[str, Op] = {}
    alias: dict[str, str] = {}
    problems: list[str] = []
    approximations: list[str] = []
    shape_helpers: set[str] = set()

    def src(a: Any) -> str:
        return alias.get(a.name, a.name)

    def tensor_args(node: fx.Node) -> list[fx.Node]:
        return [a for a in node.args if isinstance(a, fx.Node)]

    def add_op(node: fx.Node, kind: str, inputs: list[fx.Node], **kw: Any) -> None:
        names = tuple(src(a) for a in inputs)
        missing = [a for a in names if a not in ops]
        if missing:
            return  # an input was refused already; that refusal is listed
        ops[node.name] = Op(node.name, kind, names, ops[names[0]].out_shape, _shape(node) or (), **kw)

    def weighted(node: fx.Node, m: nn.Linear | nn.Conv2d) -> None:
        w = m.weight.detach().double().numpy().copy()
        b = m.bias.detach().double().numpy().copy() if m.bias is not None else np.zeros(w.shape[0])
        if isinstance(m, nn.Linear):
            add_op(node, "linear", tensor_args(node)[:1], weight=w, bias=b)
            op = ops.get(node.name)
            if op is not None and len(op.in_shape) != 1:
                problems.append(f"{node.name}: Linear on a {len(op.in_shape) + 1}-D input; flatten it first")
            return
        if m.padding_mode != "zeros":
            problems.append(f"{node.name}: Conv2d padding_mode={m.padding_mode!r} (only 'zeros' is supported)")
            return
        add_op(node, "conv", tensor_args(node)[:1], weight=w, bias=b,
               params={"stride": m.stride, "padding": m.padding, "dilation": m.dilation, "groups": m.groups})

    def avgpool(node: fx.Node, kernel: Any, stride: Any, padding: Any, ceil_mode: bool, include_pad: bool,
                divisor: Any, what: str = "AvgPool2d") -> None:
        k = _pair(kernel)
        s = k if stride is None or stride == [] or stride == () else _pair(stride)
        p = _pair(padding)
        if ceil_mode or divisor is not None or (not include_pad and max(p) > 0):
            problems.append(f"{node.name}: {what} with ceil_mode, divisor_override or count_include_pad=False and "
                            "padding is not supported")
            return
        add_op(node, "avgpool", tensor_args(node)[:1], params={"kernel_size": k, "stride": s, "padding": p})

    def maxpool_node(node: fx.Node, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool) -> None:
        if maxpool == "refuse":
            problems.append(f"{node.name}: MaxPool2d has no exact rate-coded equivalent; pass maxpool='avg' "
                            "(approximation: AvgPool2d of the same window, accuracy may drop) or replace it by "
                            "AvgPool2d and retrain")
            return
        if _pair(dilation) != (1, 1):
            problems.append(f"{node.name}: MaxPool2d with dilation cannot be approximated by AvgPool2d")
            return
        note = f"{node.name}: MaxPool2d replaced by AvgPool2d of the same window (approximation)"
        warn_user(note, ConversionApproximationWarning)
        approximations.append(note)
        avgpool(node, kernel, stride, padding, ceil_mode, True, None, what="MaxPool2d")

    def flatten(node: fx.Node, inp: fx.Node) -> None:
        ins, outs = _shape(inp), _shape(node)
        if ins is None or outs is None or outs != (int(np.prod(ins)),):
            problems.append(f"{node.name}: reshape {ins} -> {outs} is not a flatten of all but the batch dimension")
            return
        if len(ins) == 1:
            alias[node.name] = src(inp)
            return
        add_op(node, "flatten", [inp])

    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        problems.append(f"forward() takes {len(placeholders)} tensors; conversion needs exactly one input")
    for node in gm.graph.nodes:
        args = tensor_args(node)
        if node.op == "placeholder":
            ops[node.name] = Op(node.name, "input", (), _shape(node) or (), _shape(node) or ())
        elif node.op == "output":
            out = node.args[0]
            if not isinstance(out, fx.Node):
                problems.append("output: forward() must return one tensor (not a tuple, list or dict)")
            elif src(out) in ops:
                ops["output"] = Op("output", "output", (src(out),), ops[src(out)].out_shape, ops[src(out)].out_shape)
        elif node.op == "get_attr":
            problems.append(f"{node.name}: direct use of parameter/buffer {node.target!r} is not supported")
        elif node.op == "call_module":
            m = modules[node.target]
            kind = type(m).__name__
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                weighted(node, m)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                prev = args[0] if args else None
                prev_op = ops.get(src(prev)) if prev is not None else None
                if m.running_mean is None or m.running_var is None:
                    problems.append(f"{node.name}: {kind} without running statistics cannot be folded")
                elif prev_op is None or prev_op.kind not in ("linear", "conv"):
                    problems.append(f"{node.name}: {kind} must directly follow a Linear or Conv2d to be folded")
                elif len(prev.users) != 1:  # type: ignore[union-attr]
                    problems.append(f"{node.name}: the {prev_op.kind} before this {kind} is also used elsewhere; "
                                    "it cannot be folded")
                else:
                    w, b = fold_bn(torch.from_numpy(prev_op.weight), torch.from_numpy(prev_op.bias),  # type: ignore[arg-type]
                                   copy.deepcopy(m).double())
                    ops[prev_op.name] = Op(prev_op.name, prev_op.kind, prev_op.inputs, prev_op.in_shape,
                                           prev_op.out_shape, w.numpy(), b.numpy(), prev_op.params)
                    alias[node.name] = prev_op.name
            elif isinstance(m, nn.ReLU):
                add_op(node, "relu", args[:1])
            elif isinstance(m, QCFS):
                add_op(node, "relu", args[:1], qcfs=(float(m.lam.detach().abs()), int(m.levels)))
            elif isinstance(m, nn.AvgPool2d):
                avgpool(node, m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad,
                        m.divisor_override)
            elif isinstance(m, nn.AdaptiveAvgPool2d):
                ins, outs = _shape(args[0]), _shape(node)
                if ins is None or outs is None or len(ins) != 3 or ins[1] % outs[1] or ins[2] % outs[2]:
                    problems.append(f"{node.name}: AdaptiveAvgPool2d {ins} -> {outs} is not an integer-ratio pool")
                else:
                    k = (ins[1] // outs[1], ins[2] // outs[2])
                    avgpool(node, k, k, 0, False, True, None)
            elif isinstance(m, nn.Flatten):
                if m.start_dim != 1 or m.end_dim != -1:
                    problems.append(f"{node.name}: Flatten(start_dim={m.start_dim}, end_dim={m.end_dim}) "
                                    "(only start_dim=1, end_dim=-1)")
                else:
                    flatten(node, args[0])
            elif isinstance(m, (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)):
                alias[node.name] = src(args[0])
            elif isinstance(m, nn.MaxPool2d):
                maxpool_node(node, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
            else:
                problems.append(f"{node.name}: {kind} ({node.target}) is not supported")
        elif node.op == "call_function":
            t = node.target
            if t in _RELU_FUNCS:
                add_op(node, "relu", args[:1])
            elif t in _ADD_FUNCS:
                if len(args) != 2 or len(node.args) != 2 or node.kwargs.get("alpha", 1) != 1:
                    problems.append(f"{node.name}: addition with a constant or alpha (only tensor + tensor)")
                else:
                    add_op(node, "add", args)
            elif t is torch.flatten:
                start = node.args[1] if len(node.args) > 1 else node.kwargs.get("start_dim", 0)
                end = node.args[2] if len(node.args) > 2 else node.kwargs.get("end_dim", -1)
                if start != 1 or end != -1:
                    problems.append(f"{node.name}: torch.flatten(start_dim={start}, end_dim={end}) (only 1, -1)")
                else:
                    flatten(node, args[0])
            elif t in _DROP_FUNCS:
                alias[node.name] = src(args[0])
            elif t in _AVGPOOL_FUNCS:
                a = list(node.args) + [None] * 7
                kw = node.kwargs
                avgpool(node, kw.get("kernel_size", a[1]), kw.get("stride", a[2]), kw.get("padding", a[3] or 0),
                        bool(kw.get("ceil_mode", a[4] or False)),
                        bool(kw.get("count_include_pad", True if a[5] is None else a[5])),
                        kw.get("divisor_override", a[6]))
            elif t in _MAXPOOL_FUNCS:
                a = list(node.args) + [None] * 6
                kw = node.kwargs
                maxpool_node(node, kw.get("kernel_size", a[1]), kw.get("stride", a[2]), kw.get("padding", a[3] or 0),
                             kw.get("dilation", a[4] or 1), bool(kw.get("ceil_mode", a[5] or False)))
            elif t in (getattr, operator.getitem) and args and (args[0].name in shape_helpers
                                                                 or (t is getattr and node.args[1] == "shape")):
                shape_helpers.add(node.name)
            else:
                problems.append(f"{node.name}: function {_fname(t)} is not supported")
        elif node.op == "call_method":
            t = node.target
            if t in ("view", "reshape", "flatten"):
                flatten(node, args[0])
            elif t == "relu":
                add_op(node, "relu", args[:1])
            elif t == "add" and len(args) == 2 and not node.kwargs:
                add_op(node, "add", args)
            elif t in ("contiguous",):
                alias[node.name] = src(args[0])
            elif t in _SHAPE_METHODS:
                shape_helpers.add(node.name)
            else:
                problems.append(f"{node.name}: method .{t}() is not supported")
    for name in sorted(shape_helpers):
        node = next(n for n in gm.graph.nodes if n.name == name)
        for user in node.users:
            if user.name not in shape_helpers and not (user.op == "call_method" and user.target in ("view", "reshape")):
                problems.append(f"{name}: a tensor's shape is used by {user.name} (only view/reshape may use it)")
    if problems:
        raise MappingError("cannot convert this network", problems=list(dict.fromkeys(problems)),
                           fix=f"supported: {SUPPORTED}")
    if not any(op.kind in ("linear", "conv") for op in ops.values()):
        raise MappingError("the network has no Linear or Conv2d layer", fix="convert a trained classifier")
    used = _reachable(ops)
    return Traced(ops=tuple(op for op in ops.values() if op.name in used), module=gm,
                  approximations=tuple(approximations))


def _reachable(ops: dict[str, Op]) -> set[str]:
    """Names of ops the output depends on (dead branches are dropped)."""
    seen: set[str] = set()
    stack = ["output"] if "output" in ops else []
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(ops[n].inputs)
    return seen


def fold_batchnorm(model: nn.Module) -> fx.GraphModule:
    """A copy of ``model`` (eval mode) with every foldable BatchNorm folded into the Linear/Conv2d
    before it (``torch.nn.utils.fusion``); the ANN computes the same function."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

    gm = symbolic_trace(copy.deepcopy(model))
    modules = dict(gm.named_modules())
    for node in list(gm.graph.nodes):
        if node.op != "call_module" or not isinstance(modules[node.target], (nn.BatchNorm1d, nn.BatchNorm2d)):
            continue
        prev = node.args[0]
        if not (isinstance(prev, fx.Node) and prev.op == "call_module" and len(prev.users) == 1):
            continue
        layer, bn = modules[prev.target], modules[node.target]
        if isinstance(layer, nn.Conv2d):
            fused: nn.Module = fuse_conv_bn_eval(layer, bn)
        elif isinstance(layer, nn.Linear):
            fused = fuse_linear_bn_eval(layer, bn)
        else:
            continue
        gm.set_submodule(prev.target, fused)
        node.replace_all_uses_with(prev)
        gm.graph.erase_node(node)
    gm.graph.lint()
    gm.recompile()
    gm.delete_all_unused_submodules()
    return gm
