r"""ANN -> SNN: IF neurons with reset by subtraction, data-based normalization, half-threshold pre-charge.

For layer :math:`l` with ReLU activations :math:`a_l` on calibration data, :math:`\lambda_l` is the
``percentile`` (default 99.9) of :math:`a_l` (per layer, or per output channel). Weights and
biases become :math:`W_l' = W_l \lambda_{l-1} / \lambda_l`, :math:`b_l' = b_l / \lambda_l` (per channel:
:math:`\lambda` indexed by output and input channel), so every IF neuron has threshold 1. IF neurons
integrate :math:`v' = v + dt\,r\,x` with :math:`r = 1/dt` (one unit of pre-activation per step),
start at :math:`v_0 = 0.5` (stored as node metadata ``v_init``, honoured by the reference and the
simulator) and subtract the threshold when they spike, so the spike rate approximates
:math:`\mathrm{clip}(a_l / \lambda_l, 0, 1)`. The output layer integrates without spiking (an ``I``
node); the class is the argmax of its membrane. Inputs are analog currents (the image at every step).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.errors import InvalidInputError

from .trace import Layer, relu_follows, trace


def _activations(model: nn.Module, layers: list[Layer], calib: torch.Tensor) -> dict[str, np.ndarray]:
    """ReLU outputs of ``model`` on ``calib`` by layer name."""
    from torch import fx

    gm = fx.symbolic_trace(model.eval())
    relu_names = {L.name for L in layers if L.kind == "relu"}
    acts: dict[str, np.ndarray] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n: fx.Node) -> Any:
            out = super().run_node(n)
            if n.name in relu_names:
                acts[n.name] = out.detach().cpu().numpy()
            return out

    with torch.no_grad():
        Recorder(gm).run(calib)
    return acts


def _scale(act: np.ndarray, percentile: float, channelwise: bool) -> np.ndarray:
    if channelwise and act.ndim >= 2:
        moved = np.moveaxis(act, 1, 0).reshape(act.shape[1], -1)
        lam = np.percentile(moved, percentile, axis=1)
    else:
        lam = np.array([np.percentile(act, percentile)])
    return np.maximum(lam, 1e-6)


def convert(model: nn.Module, calib: torch.Tensor, *, input_shape: tuple[int, ...], percentile: float = 99.9,
            channelwise: bool = False, dt: float = 1e-3, v_init: float = 0.5) -> ir.Graph:
    """Convert a traced ANN into an IR graph of IF neurons (see the module docstring)."""
    layers = trace(model)
    acts = _activations(model, layers, calib)
    nodes: dict[str, ir.Node] = {"input": ir.Input(shape=tuple(input_shape))}
    edges: list[tuple[str, str]] = []
    prev = "input"
    shape = tuple(input_shape)
    lam_prev = np.ones(1)
    weighted = [i for i, L in enumerate(layers) if L.kind in ("linear", "conv")]
    if not weighted:
        raise InvalidInputError("the network has no Linear or Conv2d layer", fix="convert a trained classifier")
    for i, L in enumerate(layers):
        name = f"{L.kind}{i}"
        if L.kind in ("linear", "conv"):
            w = L.weight.detach().double().numpy()  # type: ignore[union-attr]
            b = (L.bias.detach().double().numpy() if L.bias is not None else np.zeros(w.shape[0]))
            is_last = i == weighted[-1]
            if relu_follows(layers, i):
                lam = _scale(acts[layers[i + 1].name], percentile, channelwise)
            elif is_last:
                lam = np.ones(1)
            else:
                raise InvalidInputError(f"layer {L.name} is not followed by a ReLU", fix="convert ReLU networks")
            lam_out = lam if lam.size == w.shape[0] else np.full(w.shape[0], lam[0])
            lam_in = lam_prev
            if L.kind == "linear":
                if lam_in.size > 1 and lam_in.size != w.shape[1]:
                    lam_in = np.repeat(lam_in, w.shape[1] // lam_in.size)
                w2 = w * lam_in.reshape(1, -1) / lam_out.reshape(-1, 1)
                node: ir.Node = ir.Affine(weight=w2, bias=b / lam_out)
            else:
                conv: nn.Conv2d = L.module  # type: ignore[assignment]
                w2 = w * lam_in.reshape(1, -1, 1, 1) / lam_out.reshape(-1, 1, 1, 1) if lam_in.size > 1 else \
                    w * lam_in[0] / lam_out.reshape(-1, 1, 1, 1)
                node = ir.Conv2d(weight=w2, bias=b / lam_out, stride=conv.stride, padding=conv.padding,
                                 dilation=conv.dilation, groups=conv.groups)
            nodes[name] = node
            edges.append((prev, name))
            prev = name
            shape = node.output_shape(shape)
            n = shape
            neuron_name = f"if{i}" if not is_last else "readout"
            if is_last:
                nodes[neuron_name] = ir.I(r=np.full(n, 1.0 / dt))
            else:
                nodes[neuron_name] = ir.IF(r=np.full(n, 1.0 / dt), v_threshold=np.ones(n), v_reset=np.zeros(n),
                                           metadata={"v_init": np.full(n, v_init)})
            edges.append((prev, neuron_name))
            prev = neuron_name
            lam_prev = lam_out if lam_out.size > 1 and channelwise else np.array([lam_out[0]]) if not channelwise else lam_out
        elif L.kind == "avgpool":
            pool: nn.AvgPool2d = L.module  # type: ignore[assignment]
            node = ir.AvgPool2d(kernel_size=pool.kernel_size, stride=pool.stride, padding=pool.padding)
            nodes[name] = node
            edges.append((prev, name))
            prev = name
            shape = node.output_shape(shape)
        elif L.kind == "flatten":
            node = ir.Flatten(input_shape=shape, start_dim=0)
            nodes[name] = node
            edges.append((prev, name))
            prev = name
            shape = node.output_shape(shape)
            if lam_prev.size > 1:  # channel-wise scales spread over the flattened positions
                lam_prev = np.repeat(lam_prev, int(np.prod(shape)) // lam_prev.size)
    nodes["output"] = ir.Output(shape=shape)
    edges.append((prev, "output"))
    profile = ir.Profile(dt=dt, integration="euler", reset="subtract", spike_rule=">")
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile).validate()


def snn_accuracy(graph: ir.Graph, images: np.ndarray, labels: np.ndarray, timesteps: list[int]) -> dict[str, Any]:
    """Accuracy after each number of steps (one simulation of ``max(timesteps)`` steps) and the
    synaptic operations per inference: for every linear node, the non-zero inputs of each step times
    their fan-out (the work an event-driven chip does)."""
    from neurokit import sim
    from neurokit.sim.lowering import node_to_csr

    flat = graph.flatten()
    shapes = flat.infer_shapes()
    linear = [n for n, node in flat.nodes.items() if isinstance(node, (ir.Affine, ir.Linear, ir.Conv2d, ir.AvgPool2d))]
    feeders = {n: flat.predecessors(n)[0] for n in linear}
    T = max(timesteps)
    x = np.broadcast_to(images[None].astype(np.float64), (T, *images.shape)).copy()
    rec = sim.simulate(flat, x, record=("spikes", "readout", *[f for f in feeders.values() if f != "input"]))
    v = rec.traces["readout"]["v"]  # integrated output currents
    acc = {str(t): float(np.mean(v[t - 1].reshape(len(labels), -1).argmax(1) == labels)) for t in timesteps}
    synops = {str(t): 0.0 for t in timesteps}
    for n in linear:
        f = feeders[n]
        if f == "input":
            continue  # the analog input layer is a dense MAC layer, not event-driven
        vals = rec.spikes.get(f, rec.values.get(f))
        fan = np.diff(node_to_csr(flat.nodes[n], shapes[n][0], shapes[n][1], flat.profile.dt).indptr)
        events = (vals.reshape(vals.shape[0], vals.shape[1], -1) != 0)
        per_step = (events * fan).sum(axis=(1, 2)) / len(labels)
        for t in timesteps:
            synops[str(t)] += float(per_step[:t].sum())
    return {"accuracy": acc, "synops": synops}
