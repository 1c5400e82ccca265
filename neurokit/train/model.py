"""A feed-forward SNN classifier (Linear + LIF blocks, LI readout) and its IR export/import.

``to_ir(model)`` writes ``Input -> Flatten -> (Affine -> LIF)* -> Affine -> LI -> Output`` under a
profile with the model's ``dt``, integration, reset and spike rule; ``from_ir`` rebuilds the
model from such a graph (e.g. to fine-tune an imported ``.nir``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.errors import InvalidInputError

from .delays import DelayedLinear, to_ir_branches
from .layers import LIFLayer, LILayer, init_linear, time_linear


def project(fc: nn.Module, h: torch.Tensor) -> torch.Tensor:
    """A projection over all steps ``(T, B, n)``: one matmul, or the delayed convolution."""
    return fc(h) if isinstance(fc, DelayedLinear) else time_linear(fc, h)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SNNSpec:
    """Architecture and neuron settings of :class:`SNNClassifier`."""

    input_shape: tuple[int, ...]
    hidden: tuple[int, ...] = (128,)
    classes: int = 10
    dt: float = 0.01
    tau_mem: float = 0.02
    tau_out: float = 0.05
    v_threshold: float = 1.0
    integration: str = "exact"
    reset: str = "zero"
    spike_rule: str = ">"
    surrogate: str = "fast_sigmoid"
    surrogate_scale: float = 10.0
    mode: str = "bptt"
    max_delay: int = 0  # > 0: every hidden projection has learnable delays of 0..max_delay steps (DCLS)
    readout: str = "li"  # "li": membrane readout; "lif": spiking readout (spike-count / first-spike losses)
    extra: dict[str, float] = field(default_factory=dict)
    reset_timing: str = "same_step"  # "next_step": snnTorch's reset_delay=True
    multi_spike: bool = False  # spike counts per step (Sinabs' MultiSpike)
    v_min: float = -math.inf  # floor on every membrane (Sinabs' min_v_mem)
    learn_neuron: str = "none"  # "layer" | "neuron": trained tau and threshold (neurokit.train.neuron_params)
    recurrent: bool = False  # every hidden LIF layer also receives its own spikes of the previous step

    @property
    def profile(self) -> ir.Profile:
        return ir.Profile(dt=self.dt, integration=self.integration, reset=self.reset, spike_rule=self.spike_rule,
                          reset_timing=self.reset_timing, multi_spike=self.multi_spike, v_min=self.v_min)

    @property
    def rules(self) -> dict[str, Any]:
        """The profile's spike/reset rules as keyword arguments of the LIF layers."""
        return {"reset": self.reset, "spike_rule": self.spike_rule, "reset_timing": self.reset_timing,
                "multi_spike": self.multi_spike, "v_min": self.v_min}


class SNNClassifier(nn.Module):
    """``(T, B, *input_shape)`` -> LI readout membrane ``(T, B, classes)``."""

    def __init__(self, spec: SNNSpec) -> None:
        super().__init__()
        self.spec = spec
        sizes = [int(np.prod(spec.input_shape)), *spec.hidden]
        self.fc = nn.ModuleList(DelayedLinear(a, b, spec.max_delay, seed=k) if spec.max_delay else nn.Linear(a, b)
                                for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])))
        self.lif = nn.ModuleList(LIFLayer(n, tau=spec.tau_mem, v_threshold=spec.v_threshold, dt=spec.dt,
                                          integration=spec.integration, surrogate=spec.surrogate,
                                          scale=spec.surrogate_scale, mode=spec.mode, learn=spec.learn_neuron,
                                          **spec.rules)
                                 for n in spec.hidden)
        self.readout = nn.Linear(sizes[-1], spec.classes)
        #: recurrent weights (no bias) of each hidden layer: I_t = W x_t + U z_{t-1} + b
        self.rec = nn.ModuleList(nn.Linear(n, n, bias=False) for n in spec.hidden) if spec.recurrent else None
        if spec.readout not in ("li", "lif"):
            raise InvalidInputError(f"readout must be 'li' or 'lif', got {spec.readout!r}", fix="readout='li'")
        self.output_neurons: LILayer | LIFLayer = (
            LILayer(spec.classes, tau=spec.tau_out, dt=spec.dt, integration=spec.integration, v_min=spec.v_min)
            if spec.readout == "li"
            else LIFLayer(spec.classes, tau=spec.tau_out, v_threshold=spec.v_threshold, dt=spec.dt,
                          integration=spec.integration, surrogate=spec.surrogate, scale=spec.surrogate_scale,
                          **spec.rules))
        for layer in self.fc:
            init_linear(layer, gain=3.0)
        for layer in self.rec or ():
            init_linear(layer, gain=1.0)
        init_linear(self.readout, gain=1.0)

    def forward(self, x: torch.Tensor, *, return_spikes: bool = False) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        h = x.reshape(x.shape[0], x.shape[1], -1)
        spikes = []
        for k, (fc, lif) in enumerate(zip(self.fc, self.lif)):
            h = lif(project(fc, h)) if self.rec is None else recurrent_lif(lif, self.rec[k], project(fc, h))
            spikes.append(h)
        out = self.output_neurons(time_linear(self.readout, h))
        return (out, spikes) if return_spikes else out


def recurrent_lif(lif: LIFLayer, rec: nn.Linear, drive: torch.Tensor) -> torch.Tensor:
    r"""Spikes ``(T, B, n)`` of ``lif`` driven by ``drive`` plus its own previous spikes:
    :math:`I_t = \mathrm{drive}_t + U z_{t-1}` (:math:`z_{-1} = 0`), step by step with the layer's own
    :meth:`LIFLayer.advance` (the IR's loop edge carries the previous step's spikes the same way)."""
    dtype = drive.dtype
    params = lif.params(dtype)
    v = lif.v_leak.to(dtype).expand(drive.shape[1], lif.n)
    z = torch.zeros(drive.shape[1], lif.n, dtype=dtype, device=drive.device)
    pending = None
    out = []
    for xt in drive.unbind(0):
        z, v, pending = lif.advance(xt + rec(z), v, params, pending)
        out.append(z)
    return torch.stack(out)


def to_ir(model: SNNClassifier) -> ir.Graph:
    """The IR graph computing what ``model`` computes (float64 parameters)."""
    s = model.spec
    d = lambda t: t.detach().cpu().to(torch.float64).numpy()  # noqa: E731
    nodes: dict[str, ir.Node] = {"input": ir.Input(shape=tuple(s.input_shape)),
                                 "flatten": ir.Flatten(input_shape=tuple(s.input_shape), start_dim=0)}
    prev = "flatten"
    edges = [("input", "flatten")]
    for k, (fc, lif) in enumerate(zip(model.fc, model.lif)):
        nodes[f"lif{k}"] = ir.LIF(tau=d(lif.tau), r=d(lif.r), v_leak=d(lif.v_leak), v_threshold=d(lif.v_threshold),
                                  v_reset=d(lif.v_reset))
        if isinstance(fc, DelayedLinear):  # rounded delays: Delay(k) -> Linear per lag, summed into the LIF
            branch_nodes, branch_edges, entry, exits = to_ir_branches(fc, f"fc{k}", s.dt)
            nodes.update(branch_nodes)
            edges += [(prev, entry), *branch_edges, *[(e, f"lif{k}") for e in exits]]
        else:
            nodes[f"fc{k}"] = ir.Affine(weight=d(fc.weight), bias=d(fc.bias))
            edges += [(prev, f"fc{k}"), (f"fc{k}", f"lif{k}")]
        if model.rec is not None:  # loop edge: the previous step's spikes
            nodes[f"rec{k}"] = ir.Linear(weight=d(model.rec[k].weight))
            edges += [(f"lif{k}", f"rec{k}"), (f"rec{k}", f"lif{k}")]
        prev = f"lif{k}"
    n = s.classes
    nodes["readout"] = ir.Affine(weight=d(model.readout.weight), bias=d(model.readout.bias))
    if isinstance(model.output_neurons, LIFLayer):  # spiking readout
        out = model.output_neurons
        nodes["li"] = ir.LIF(tau=d(out.tau), r=d(out.r), v_leak=d(out.v_leak), v_threshold=d(out.v_threshold),
                             v_reset=d(out.v_reset))
    else:
        nodes["li"] = ir.LI(tau=d(model.output_neurons.tau), r=np.ones(n), v_leak=np.zeros(n))
    nodes["output"] = ir.Output(shape=(n,))
    edges += [(prev, "readout"), ("readout", "li"), ("li", "output")]
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=s.profile).validate()


def from_ir(graph: ir.Graph, **overrides: object) -> SNNClassifier:
    """Rebuild an :class:`SNNClassifier` from a graph of the shape :func:`to_ir` writes."""
    g = graph.flatten()
    order = [n for n in g.topological_order() if not isinstance(g.nodes[n], (ir.Input, ir.Output, ir.Flatten))]
    kinds = [type(g.nodes[n]) for n in order]
    pattern_ok = (len(kinds) >= 2 and kinds[-1] is ir.LI and all(k in (ir.Affine, ir.Linear) for k in kinds[0:-1:2])
                  and all(k is ir.LIF for k in kinds[1:-1:2]))
    if not pattern_ok:
        raise InvalidInputError(f"graph is not (Affine -> LIF)* -> Affine -> LI: {[k.__name__ for k in kinds]}",
                                fix="from_ir rebuilds feed-forward LIF classifiers without delays; build other "
                                    "models with the layers")
    inp = next(iter(g.inputs.values()))
    lifs = [g.nodes[n] for n in order[1:-1:2]]
    p = g.profile
    spec = SNNSpec(input_shape=inp.shape, hidden=tuple(int(n.tau.size) for n in lifs),
                   classes=int(g.nodes[order[-1]].tau.size), dt=p.dt, integration=p.integration, reset=p.reset,
                   spike_rule=p.spike_rule, reset_timing=p.reset_timing, multi_spike=p.multi_spike, v_min=p.v_min,
                   **overrides)  # type: ignore[arg-type]
    model = SNNClassifier(spec)
    with torch.no_grad():
        for k, name in enumerate(order[0:-1:2]):
            node = g.nodes[name]
            layer = model.fc[k] if k < len(lifs) else model.readout
            layer.weight.copy_(torch.tensor(np.array(node.weight)))
            layer.bias.copy_(torch.tensor(np.array(getattr(node, "bias", np.zeros(node.weight.shape[0])))))
        for lif_module, node in zip(model.lif, lifs):
            for fld in ("tau", "v_threshold", "v_reset", "v_leak", "r"):
                getattr(lif_module, fld).copy_(torch.tensor(np.array(getattr(node, fld), dtype=np.float64)))
        model.output_neurons.tau.copy_(torch.tensor(np.array(g.nodes[order[-1]].tau, dtype=np.float64)))
    return model
