"""Read an ONNX classifier into a torch module that :func:`neurokit.convert.trace` understands.

Only the ``onnx`` package is needed (optional dependency group ``onnx``). Each ONNX node becomes
the torch layer that computes the same thing, in a :class:`torch.fx.GraphModule`:

=========================  ==============================================================
ONNX                       torch
=========================  ==============================================================
Gemm (``transA=0``)        ``nn.Linear`` with ``W = alpha * (B if transB else B.T)``, ``b = beta * C``
MatMul (+ Add constant)    ``nn.Linear`` (the added constant becomes its bias)
Conv (2-D)                 ``nn.Conv2d`` (symmetric pads, strides, dilations, groups)
BatchNormalization         ``nn.BatchNorm2d``/``1d`` in eval mode (folded later by the converter)
Relu / Add / Flatten       ``nn.ReLU`` / ``x + y`` / ``nn.Flatten`` (axis 1)
Reshape to ``(N, -1)``     ``nn.Flatten``
AveragePool / MaxPool      ``nn.AvgPool2d`` / ``nn.MaxPool2d``; GlobalAveragePool: ``nn.AdaptiveAvgPool2d(1)``
Dropout / Identity         dropped (as the converter drops ``nn.Dropout``)
=========================  ==============================================================

Anything else is refused with every offending node listed. (``onnx2torch`` would be the general
route, but it imports torchvision, which has no CPU build on PyPI to match a CPU torch.)
"""

from __future__ import annotations

import operator
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import fx, nn

from neurokit.errors import DataNotFoundError, FileFormatError, MappingError

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Conv", "BatchNormalization", "Relu", "Flatten", "Reshape", "AveragePool",
                 "MaxPool", "GlobalAveragePool", "Dropout", "Identity", "Constant")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise MappingError("reading ONNX files needs the `onnx` package",
                           fix='pip install "neurokit[onnx]" (or pip install onnx)') from None
    return onnx


def load_onnx(path: str | os.PathLike[str]) -> fx.GraphModule:
    """The ONNX model at ``path`` as an eval-mode ``fx.GraphModule`` of torch layers (see the table)."""
    onnx = _onnx()
    from onnx import numpy_helper

    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"ONNX file {str(path)!r} not found", fix="check the path")
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises its own ValidationError / DecodeError types
        raise FileFormatError(f"not a valid ONNX model ({str(exc).splitlines()[0][:200]})", where=str(path),
                              fix="export with torch.onnx.export(model, sample, 'model.onnx')") from None
    g = model.graph
    consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs = [i.name for i in g.input if i.name not in consts]
    problems = [f"{n.name or n.op_type}: ONNX op {n.op_type} is not supported" for n in g.node
                if n.op_type not in SUPPORTED_OPS]
    if len(inputs) != 1:
        problems.append(f"the model has {len(inputs)} inputs; conversion needs exactly one")
    if len(g.output) != 1:
        problems.append(f"the model has {len(g.output)} outputs; conversion needs exactly one")
    if problems:
        raise MappingError("cannot import this ONNX model", problems=problems,
                           fix=f"export a classifier made of {', '.join(SUPPORTED_OPS)}")
    root = nn.Module()
    graph = fx.Graph()
    values: dict[str, fx.Node] = {inputs[0]: graph.placeholder("x")}
    users = {name: sum(name in n.input for n in g.node) for n in g.node for name in n.output}

    def add_module(node: Any, module: nn.Module, arg: fx.Node) -> fx.Node:
        name = f"{node.op_type.lower()}{len(list(root.children()))}"
        root.add_module(name, module)
        return graph.call_module(name, (arg,))

    for node in g.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        where = node.name or node.op_type

        def refuse(why: str, where: str = where) -> None:
            problems.append(f"{where}: {why}")

        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(attrs["value"])
            continue
        x = values.get(node.input[0]) if node.input else None
        if x is None and node.op_type != "Constant":
            refuse("its input is a constant or unknown tensor (only the network input flows through layers)")
            continue
        out: fx.Node | None = None
        if node.op_type == "Gemm":
            w, c = consts.get(node.input[1]), consts.get(node.input[2]) if len(node.input) > 2 else None
            if attrs.get("transA", 0) or w is None:
                refuse("Gemm with transA or a non-constant weight")
                continue
            w = float(attrs.get("alpha", 1.0)) * (w if attrs.get("transB", 0) else w.T)
            lin = nn.Linear(w.shape[1], w.shape[0], bias=c is not None)
            lin.weight.data = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
            if c is not None:
                lin.bias.data = torch.from_numpy(np.broadcast_to(float(attrs.get("beta", 1.0)) * c, (w.shape[0],))
                                                 .astype(np.float32))
            out = add_module(node, lin, x)
        elif node.op_type == "MatMul":
            w = consts.get(node.input[1])
            if w is None or w.ndim != 2:
                refuse("MatMul of two activations (only activation x constant matrix)")
                continue
            lin = nn.Linear(w.shape[0], w.shape[1], bias=False)
            lin.weight.data = torch.from_numpy(np.ascontiguousarray(w.T, dtype=np.float32))
            out = add_module(node, lin, x)
        elif node.op_type == "Add":
            other = values.get(node.input[1])
            const = consts.get(node.input[1])
            if other is not None:
                out = graph.call_function(operator.add, (x, other))
            elif (const is not None and x.op == "call_module" and isinstance(getattr(root, str(x.target)), nn.Linear)
                  and getattr(root, str(x.target)).bias is None and users.get(node.input[0]) == 1):
                lin = getattr(root, str(x.target))
                lin.bias = nn.Parameter(torch.from_numpy(np.broadcast_to(const, (lin.out_features,))
                                                         .astype(np.float32).copy()))
                out = x
            else:
                refuse("Add of a constant that is not a MatMul's bias")
                continue
        elif node.op_type == "Conv":
            w = consts.get(node.input[1])
            b = consts.get(node.input[2]) if len(node.input) > 2 else None
            pads = list(attrs.get("pads", [0, 0, 0, 0]))
            if w is None or w.ndim != 4 or pads[:2] != pads[2:] or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET",
                                                                                                          "NOTSET"):
                refuse("Conv that is not 2-D with a constant weight and symmetric explicit pads")
                continue
            conv = nn.Conv2d(w.shape[1] * int(attrs.get("group", 1)), w.shape[0], tuple(w.shape[2:]),
                             stride=tuple(attrs.get("strides", [1, 1])), padding=tuple(pads[:2]),
                             dilation=tuple(attrs.get("dilations", [1, 1])), groups=int(attrs.get("group", 1)),
                             bias=b is not None)
            conv.weight.data = torch.from_numpy(w.astype(np.float32))
            if b is not None:
                conv.bias.data = torch.from_numpy(b.astype(np.float32))
            out = add_module(node, conv, x)
        elif node.op_type == "BatchNormalization":
            scale, bias, mean, var = (consts.get(n) for n in node.input[1:5])
            if any(v is None for v in (scale, bias, mean, var)):
                refuse("BatchNormalization with non-constant statistics")
                continue
            prev = getattr(root, str(x.target)) if x.op == "call_module" else None
            bn = (nn.BatchNorm2d if isinstance(prev, nn.Conv2d) else nn.BatchNorm1d)(len(scale),  # type: ignore[arg-type]
                                                                                      eps=float(attrs.get("epsilon", 1e-5)))
            for attr, value in (("weight", scale), ("bias", bias), ("running_mean", mean), ("running_var", var)):
                getattr(bn, attr).data = torch.from_numpy(np.asarray(value, dtype=np.float32))
            out = add_module(node, bn.eval(), x)
        elif node.op_type == "Relu":
            out = add_module(node, nn.ReLU(), x)
        elif node.op_type == "Flatten":
            if int(attrs.get("axis", 1)) != 1:
                refuse(f"Flatten(axis={attrs.get('axis')}) (only axis 1)")
                continue
            out = add_module(node, nn.Flatten(), x)
        elif node.op_type == "Reshape":
            shape = consts.get(node.input[1])
            if shape is None or len(shape) != 2 or not (int(shape[1]) == -1 or int(shape[0]) in (-1, 0)):
                refuse(f"Reshape to {None if shape is None else shape.tolist()} (only flattening to (N, -1))")
                continue
            out = add_module(node, nn.Flatten(), x)
        elif node.op_type in ("AveragePool", "MaxPool"):
            pads = list(attrs.get("pads", [0, 0, 0, 0]))
            k = tuple(attrs["kernel_shape"])
            if len(k) != 2 or pads[:2] != pads[2:] or attrs.get("dilations", [1, 1]) not in ([1, 1], (1, 1)):
                refuse(f"{node.op_type} that is not 2-D with symmetric pads and no dilation")
                continue
            kw: dict[str, Any] = dict(kernel_size=k, stride=tuple(attrs.get("strides", k)), padding=tuple(pads[:2]),
                                      ceil_mode=bool(attrs.get("ceil_mode", 0)))
            if node.op_type == "AveragePool":
                pool: nn.Module = nn.AvgPool2d(count_include_pad=bool(attrs.get("count_include_pad", 0)), **kw)
            else:
                pool = nn.MaxPool2d(**kw)
            out = add_module(node, pool, x)
        elif node.op_type == "GlobalAveragePool":
            out = add_module(node, nn.AdaptiveAvgPool2d(1), x)
        elif node.op_type in ("Dropout", "Identity"):
            out = x
        if out is not None:
            values[node.output[0]] = out
    if problems:
        raise MappingError("cannot import this ONNX model", problems=problems,
                           fix=f"export a classifier made of {', '.join(SUPPORTED_OPS)}")
    if g.output[0].name not in values:
        raise MappingError("the ONNX model's output is not computed from its input", fix="export a classifier")
    graph.output(values[g.output[0].name])
    return fx.GraphModule(root, graph, class_name="OnnxModel").eval()
