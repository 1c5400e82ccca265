r"""ANN -> SNN: IF neurons with reset by subtraction, data-based normalization, half-threshold pre-charge.

Every ReLU :math:`l` becomes a layer of IF neurons with threshold 1. With :math:`\lambda_l` its scale
(:mod:`neurokit.convert.normalize`: activation percentile, layer- or channel-wise; or a QCFS
layer's learned :math:`\lambda`), the spike rate :math:`r_l \in [0, 1]` of the SNN codes the ANN
value :math:`a_l \approx \lambda_l r_l`. A weighted layer fed by scale :math:`\lambda_{in}` and
feeding a ReLU of scale :math:`\lambda_{out}` becomes

.. math::  W' = \operatorname{diag}(\lambda_{out})^{-1}\, W \operatorname{diag}(\lambda_{in}), \qquad
           b' = b / \lambda_{out}

(per channel; the scales move through average pools and flattens to the nearest weighted layer,
and a ``Scale`` node carries them only where nothing can absorb them, e.g. an identity shortcut
of a residual addition). The bias is a constant current added every step (``Affine``/``Conv2d``
bias). Several inputs of a neuron (residual additions) are summed edges.

IF neurons integrate :math:`v' = v + dt\,r\,x` with :math:`r = 1/dt`, so one step adds exactly the
ANN pre-activation :math:`x` (in units of :math:`\lambda_{out}`); the profile is
``reset="subtract"`` (:math:`v \leftarrow v - v_{th}` on a spike), ``integration="euler"``,
``spike_rule=">"``. The membrane starts pre-charged at :math:`v_0 = v_{th}/2` — stored as node
metadata ``v_init`` (travels in ``.nir`` files; :func:`neurokit.dynamics.neurons.initial_state`,
hence ``run_reference`` and ``neurokit.sim``, honour it; :func:`precharge` gives the same
values in the ``initial=`` form for runners that do not read metadata). With the pre-charge the
spike count after :math:`T` steps of a constant drive :math:`x` is
:math:`\lfloor xT + \tfrac12 \rfloor` clipped to :math:`[0, T]` (rounding instead of flooring,
Bu et al. 2022), and :math:`\lambda\,\text{rate} \to \mathrm{clip}(a, 0, \lambda)` within
:math:`\lambda/(2T)`.

The output layer integrates without spiking (an ``I`` node ``readout`` with scale 1): its membrane
after :math:`T` steps divided by :math:`T` approximates the ANN's logits; the class is its argmax.
Inputs are analog currents: the image, unchanged, at every step ("direct" encoding).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.errors import InvalidInputError

from .normalize import percentile_scale, relu_activations
from .trace import MaxPoolMode, Op, Traced, trace

WEIGHTED = ("linear", "conv")


@dataclass(frozen=True)
class Signal:
    """An IR node's output that carries an ANN tensor as ``value = output * scale`` (scale along dim 0)."""

    node: str
    scale: np.ndarray
    shape: tuple[int, ...]
    spiking: bool


@dataclass(frozen=True)
class Term:
    """``ops`` (weighted, pooling, flatten; applied in order) of a ``source`` signal."""

    source: Signal
    ops: tuple[Op, ...] = ()


Expr = tuple[Term, ...]  # an ANN tensor as a sum of terms (residual additions concatenate terms)


def _full(vec: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A per-channel vector (size 1 or ``shape[0]``) spread over a per-sample ``shape``."""
    v = np.asarray(vec, dtype=np.float64)
    if v.size == 1:
        return np.full(shape, float(v.reshape(-1)[0]))
    return np.broadcast_to(v.reshape(-1, *([1] * (len(shape) - 1))), shape).copy()


def _forward(s: np.ndarray, op: Op) -> np.ndarray:
    """Carry an input-side scale through a pooling or flatten op."""
    if op.kind == "flatten" and s.size > 1:
        return np.repeat(s, int(np.prod(op.in_shape[1:])))
    return s


def _backward(t: np.ndarray, op: Op) -> np.ndarray | None:
    """Carry an output-side scale back through a pooling or flatten op (None if it cannot)."""
    if op.kind != "flatten" or t.size == 1:
        return t
    per = t.reshape(op.in_shape[0], -1)
    return per[:, 0].copy() if np.allclose(per, per[:, :1], rtol=1e-12, atol=0) else None


def _scale_inputs(op: Op, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    if s.size == 1:
        return w * float(s[0])
    if op.kind == "linear":
        return w * s.reshape(1, -1)
    groups = int(op.params["groups"])
    cout, cin_g = w.shape[0], w.shape[1]
    group_of = np.arange(cout) // (cout // groups)
    S = s.reshape(groups, cin_g)[group_of]  # (C_out, C_in/groups)
    return w * S[:, :, None, None]


LABELS = {"linear": "fc", "conv": "conv", "avgpool": "pool", "flatten": "flatten", "relu": "if"}


def node_labels(traced: Traced) -> dict[str, str]:
    """IR node names for the traced ops: the torch name of the module or function (``conv1``,
    ``stem_0``, ``relu_1``) where the model names it, else — for the anonymous children of an
    ``nn.Sequential`` (torch.fx's ``_0, _1``) — kind and position: ``fc1, if1, conv1, pool1``."""
    count: dict[str, int] = {}
    out = {}
    for op in traced.ops:
        if op.kind in LABELS:
            count[op.kind] = count.get(op.kind, 0) + 1
            anonymous = op.name.startswith("_") and op.name[1:].isdigit()
            out[op.name] = f"{LABELS[op.kind]}{count[op.kind]}" if anonymous else op.name
    return out


class _Builder:
    def __init__(self, traced: Traced, scales: dict[str, np.ndarray], dt: float, v_init: float) -> None:
        self.traced, self.scales, self.dt, self.v_init = traced, scales, dt, v_init
        self.nodes: dict[str, ir.Node] = {}
        self.edges: list[tuple[str, str]] = []
        self.label = node_labels(traced)

    def unique(self, base: str) -> str:
        name, k = base, 2
        while name in self.nodes:
            name, k = f"{base}_{k}", k + 1
        return name

    def add(self, base: str, node: ir.Node, prev: str | None) -> str:
        name = self.unique(base)
        self.nodes[name] = node
        if prev is not None:
            self.edges.append((prev, name))
        return name

    def ir_op(self, op: Op, w: np.ndarray | None, b: np.ndarray | None) -> ir.Node:
        if op.kind == "linear":
            return ir.Affine(weight=w, bias=b)
        if op.kind == "conv":
            p = op.params
            return ir.Conv2d(weight=w, bias=b, stride=p["stride"], padding=p["padding"], dilation=p["dilation"],
                             groups=p["groups"])
        if op.kind == "avgpool":
            p = op.params
            return ir.AvgPool2d(kernel_size=p["kernel_size"], stride=p["stride"], padding=p["padding"])
        return ir.Flatten(input_shape=op.in_shape, start_dim=0)

    def emit(self, term: Term, target_scale: np.ndarray, target: str) -> None:
        """Nodes for ``term`` divided by ``target_scale`` (per channel of its end), edged into ``target``."""
        ops = term.ops
        params = {i: (o.weight.copy(), o.bias.copy()) for i, o in enumerate(ops) if o.kind in WEIGHTED}  # type: ignore[union-attr]
        widx = sorted(params)
        scale_after: dict[int, np.ndarray] = {}
        t = 1.0 / np.asarray(target_scale, dtype=np.float64)
        end_shape = ops[-1].out_shape if ops else term.source.shape
        if widx:
            s = term.source.scale
            for o in ops[:widx[0]]:
                s = _forward(s, o)
            w, b = params[widx[0]]
            params[widx[0]] = (_scale_inputs(ops[widx[0]], w, s), b)
            blocked = None
            for i in range(len(ops) - 1, widx[-1], -1):
                back = _backward(t, ops[i])
                if back is None:
                    blocked = i
                    break
                t = back
            if blocked is None:
                w, b = params[widx[-1]]
                tt = t.reshape(-1, *([1] * (w.ndim - 1)))
                params[widx[-1]] = (w * tt, b * t)
            else:
                scale_after[blocked] = _full(t, ops[blocked].out_shape)
        else:
            f = term.source.scale
            for o in ops:
                f = _forward(f, o)
            total = _full(f, end_shape) * _full(t, end_shape)
            if not np.allclose(total, 1.0, rtol=1e-12, atol=0):
                scale_after[len(ops) - 1] = total
        prev = term.source.node
        if -1 in scale_after:
            prev = self.add(f"{target}_scale", ir.Scale(scale=scale_after[-1]), prev)
        for i, o in enumerate(ops):
            w, b = params.get(i, (None, None))
            prev = self.add(self.label[o.name], self.ir_op(o, w, b), prev)
            if i in scale_after:
                prev = self.add(f"{self.label[o.name]}_scale", ir.Scale(scale=scale_after[i]), prev)
        self.edges.append((prev, target))

    def build(self) -> ir.Graph:
        reps: dict[str, Expr] = {}
        for op in self.traced.ops:
            if op.kind == "input":
                self.add("input", ir.Input(shape=op.out_shape), None)
                reps[op.name] = (Term(Signal("input", np.ones(1), op.out_shape, spiking=False)),)
            elif op.kind in WEIGHTED:
                terms = reps[op.inputs[0]]
                no_bias = dataclasses.replace(op, bias=np.zeros_like(op.bias))
                reps[op.name] = tuple(Term(t.source, (*t.ops, op if k == 0 else no_bias)) for k, t in enumerate(terms))
            elif op.kind in ("avgpool", "flatten"):
                reps[op.name] = tuple(Term(t.source, (*t.ops, op)) for t in reps[op.inputs[0]])
            elif op.kind == "add":
                reps[op.name] = reps[op.inputs[0]] + reps[op.inputs[1]]
            elif op.kind == "relu":
                terms = reps[op.inputs[0]]
                if len(terms) == 1 and not terms[0].ops and terms[0].source.spiking:
                    reps[op.name] = terms  # ReLU of spikes: nothing to do
                    continue
                lam = self.scales[op.name]
                n = op.out_shape
                name = self.add(self.label[op.name], ir.IF(r=np.full(n, 1.0 / self.dt), v_threshold=np.ones(n),
                                               v_reset=np.zeros(n), metadata={"v_init": np.full(n, self.v_init)}),
                                None)
                for t in terms:
                    self.emit(t, lam, name)
                reps[op.name] = (Term(Signal(name, lam, n, spiking=True)),)
            elif op.kind == "output":
                n = op.out_shape
                readout = self.add("readout", ir.I(r=np.full(n, 1.0 / self.dt)), None)
                for t in reps[op.inputs[0]]:
                    self.emit(t, np.ones(1), readout)
                self.add("output", ir.Output(shape=n), readout)
        profile = ir.Profile(dt=self.dt, integration="euler", reset="subtract", spike_rule=">")
        return ir.Graph(nodes=self.nodes, edges=tuple(self.edges), profile=profile)


def compute_scales(traced: Traced, calib: torch.Tensor, percentile: float = 99.9,
                   channelwise: bool = False) -> dict[str, np.ndarray]:
    r"""The scale :math:`\lambda` of every ReLU op: a QCFS layer's :math:`\lambda`, else the activation
    percentile on ``calib`` (see :mod:`neurokit.convert.normalize`)."""
    relus = [op for op in traced.ops if op.kind == "relu"]
    need = {op.name for op in relus if op.qcfs is None}
    acts = relu_activations(traced.module, calib, need) if need else {}
    scales: dict[str, np.ndarray] = {}
    for op in relus:
        if op.qcfs is not None:
            scales[op.name] = np.array([op.qcfs[0]])
        else:
            scales[op.name] = percentile_scale(acts[op.name], percentile, channelwise)
    return scales


def convert(model: nn.Module, calib: torch.Tensor | np.ndarray, *, input_shape: tuple[int, ...] | None = None,
            percentile: float = 99.9, channelwise: bool = False, dt: float = 1e-3, v_init: float = 0.5,
            maxpool: MaxPoolMode = "refuse") -> ir.Graph:
    """Convert a trained ANN into an IR graph of IF neurons (see the module docstring).

    ``calib``: calibration inputs ``(N, *input_shape)`` (a few hundred training samples);
    ``percentile``/``channelwise``: the normalization; ``v_init``: pre-charge as a fraction of the
    threshold (0.5; 0 disables it); ``maxpool``: ``"refuse"`` or ``"avg"`` (approximation, warned
    and listed in the graph metadata ``neurokit_conversion``).
    """
    calib_t = torch.as_tensor(np.asarray(calib) if not isinstance(calib, torch.Tensor) else calib).float()
    if calib_t.ndim < 2 or len(calib_t) == 0:
        raise InvalidInputError(f"calibration data must be a non-empty batch (N, ...), got shape {tuple(calib_t.shape)}",
                                fix="pass a few hundred training inputs")
    if input_shape is not None and tuple(calib_t.shape[1:]) != tuple(input_shape):
        raise InvalidInputError(f"calibration inputs have shape {tuple(calib_t.shape[1:])}, input_shape is "
                                f"{tuple(input_shape)}", fix="pass calibration data shaped like the model input")
    if not dt > 0:
        raise InvalidInputError(f"dt must be > 0, got {dt!r}", fix="e.g. dt=1e-3")
    traced = trace(model, calib_t[:2], maxpool=maxpool)
    scales = compute_scales(traced, calib_t, percentile, channelwise)
    builder = _Builder(traced, scales, dt, v_init)
    graph, labels = builder.build(), builder.label
    info = {"percentile": percentile, "channelwise": channelwise, "v_init": v_init,
            "scales": {labels[k]: [float(x) for x in v] for k, v in scales.items() if labels.get(k) in graph.nodes},
            "qcfs_levels": sorted({op.qcfs[1] for op in traced.ops if op.qcfs is not None}),
            "approximations": [_relabel(note, labels) for note in traced.approximations]}
    graph = dataclasses.replace(graph, metadata={"neurokit_conversion": json.dumps(info)})
    return graph.validate()


def _relabel(note: str, labels: dict[str, str]) -> str:
    """``"_2: MaxPool2d replaced ..."`` -> ``"pool1 (torch _2): MaxPool2d replaced ..."``."""
    head, sep, rest = note.partition(":")
    return f"{labels[head]} (torch {head}){sep}{rest}" if sep and labels.get(head, head) != head else note


def conversion_info(graph: ir.Graph) -> dict[str, Any]:
    """What :func:`convert` recorded: percentile, scales per IF layer (by node name), QCFS levels, approximations."""
    raw = graph.metadata.get("neurokit_conversion")
    if raw is None:
        return {}
    return json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))


def precharge(graph: ir.Graph) -> dict[str, dict[str, np.ndarray]]:
    """The pre-charge as ``{node: {"v": array}}`` (the ``initial=`` form of ``neurokit.sim.run``)."""
    return {name: {"v": np.asarray(node.metadata["v_init"], dtype=np.float64)}
            for name, node in graph.nodes.items() if "v_init" in node.metadata}
