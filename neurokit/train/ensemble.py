r"""Ensembles of compact SNNs (after the region-specific ensembles for place recognition, Hussaini
et al. 2023): several small LIF networks, each on a part of the input or of the class space, whose
readouts are summed into one LI membrane.

Member :math:`k` is an :class:`~neurokit.train.model.SNNClassifier` without its readout membrane;
with :math:`P_k` the selection of its input region and :math:`M_k` the mask of its classes,

.. math::  y_t = \mathrm{LI}\Big(\sum_k M_k \odot (W^{out}_k z^{(k)}_t + b^{out}_k)\Big), \qquad
           z^{(k)} = \mathrm{member}_k(P_k x)

* ``split = "input"``: the flattened input's regions along its first spatial axis (rows of an
  event frame, bands of cochlear channels), one contiguous region per member, every member all classes;
* ``split = "classes"``: every member the whole input, its own contiguous block of the classes.

The export (:meth:`SNNEnsemble.to_ir`) is one graph: the members' nodes side by side (prefixed
``m<k>.``), each first Affine reading the whole flattened input (the columns outside its region
zero: no connection), each readout Affine (the rows outside its classes zero) into the one ``li``
node, which sums its inputs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.errors import ConfigError

from .layers import LILayer, time_linear
from .model import SNNClassifier, SNNSpec, project, recurrent_lif, to_ir

SPLITS = ("input", "classes")


def input_regions(input_shape: tuple[int, ...], members: int) -> list[np.ndarray]:
    """Flat indices of each member's region: contiguous blocks along the first spatial axis (axis 1
    of ``(C, H, ...)``, axis 0 of a 1-D input), every channel of them."""
    shape = tuple(input_shape)
    axis = 1 if len(shape) >= 2 else 0
    if members > shape[axis]:
        raise ConfigError(f"{members} members cannot split an input axis of {shape[axis]} elements",
                          fix=f"members <= {shape[axis]}")
    index = np.arange(int(np.prod(shape))).reshape(shape)
    return [np.sort(np.take(index, part, axis=axis).ravel()) for part in np.array_split(np.arange(shape[axis]), members)]


def class_blocks(classes: int, members: int) -> list[np.ndarray]:
    """Each member's classes: contiguous blocks."""
    if members > classes:
        raise ConfigError(f"{members} members cannot split {classes} classes", fix=f"members <= {classes}")
    return np.array_split(np.arange(classes), members)


class SNNEnsemble(nn.Module):
    """``members`` :class:`SNNClassifier` of ``spec.hidden`` each, on regions of the input or blocks
    of the classes (``split``), readouts summed into one LI membrane ``(T, B, classes)``."""

    def __init__(self, spec: SNNSpec, *, members: int = 4, split: str = "input") -> None:
        super().__init__()
        if split not in SPLITS:
            raise ConfigError(f"ensemble split must be one of {list(SPLITS)}, got {split!r}", fix="split = 'input'")
        if spec.max_delay or spec.readout != "li":
            raise ConfigError("an ensemble's members are LIF MLPs without delays, read out by one LI membrane",
                              fix="set max_delay = 0 and loss = 'mean_membrane' or 'max_membrane'")
        self.spec, self.split = spec, split
        n_in = int(np.prod(spec.input_shape))
        regions = input_regions(spec.input_shape, members) if split == "input" else [np.arange(n_in)] * members
        blocks = class_blocks(spec.classes, members) if split == "classes" else [np.arange(spec.classes)] * members
        self.members = nn.ModuleList(SNNClassifier(dataclasses.replace(spec, input_shape=(len(r),))) for r in regions)
        for k, (r, b) in enumerate(zip(regions, blocks)):
            self.register_buffer(f"region{k}", torch.tensor(r, dtype=torch.long))
            mask = torch.zeros(spec.classes, dtype=torch.float64)
            mask[torch.tensor(b, dtype=torch.long)] = 1.0
            self.register_buffer(f"classes{k}", mask)
        self.output_neurons = LILayer(spec.classes, tau=spec.tau_out, dt=spec.dt, integration=spec.integration, v_min=spec.v_min)

    def member_buffers(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        return getattr(self, f"region{k}"), getattr(self, f"classes{k}")

    def forward(self, x: torch.Tensor, *, return_spikes: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        total, spikes = None, []
        for k, member in enumerate(self.members):
            region, mask = self.member_buffers(k)
            h = flat[..., region]
            for j, (fc, lif) in enumerate(zip(member.fc, member.lif)):
                h = lif(project(fc, h)) if member.rec is None else recurrent_lif(lif, member.rec[j], project(fc, h))
                spikes.append(h)
            part = time_linear(member.readout, h) * mask.to(h.dtype)
            total = part if total is None else total + part
        out = self.output_neurons(total)
        return (out, spikes) if return_spikes else out

    def to_ir(self, merged: bool = False) -> ir.Graph:
        """One graph: the members' exports (:func:`~neurokit.train.model.to_ir`) side by side under
        ``m<k>.``, their first Affine widened to the whole input, their readouts summed in ``li``.
        ``merged``: the same network as one chain (:meth:`merged_ir`) for targets that lower no branches."""
        if merged:
            return self.merged_ir()
        s = self.spec
        n_in = int(np.prod(s.input_shape))
        nodes: dict[str, ir.Node] = {"input": ir.Input(shape=tuple(s.input_shape)),
                                     "flatten": ir.Flatten(input_shape=tuple(s.input_shape), start_dim=0)}
        edges: list[tuple[str, str]] = [("input", "flatten")]
        for k, member in enumerate(self.members):
            region, mask = (b.cpu().numpy() for b in self.member_buffers(k))
            g = to_ir(member)
            keep = {n for n in g.nodes if n not in ("input", "flatten", "li", "output")}
            for name in keep:
                node = g.nodes[name]
                if name == "fc0":  # reads the whole flattened input; the columns outside its region are zero
                    wide = np.zeros((node.weight.shape[0], n_in))
                    wide[:, region] = node.weight
                    node = ir.Affine(weight=wide, bias=np.asarray(node.bias))
                elif name == "readout":  # only its classes
                    node = ir.Affine(weight=np.asarray(node.weight) * mask[:, None], bias=np.asarray(node.bias) * mask)
                nodes[f"m{k}.{name}"] = node
            rename = {"flatten": "flatten", "li": "li", **{n: f"m{k}.{n}" for n in keep}}
            edges += [(rename[a], rename[b]) for a, b in g.edges if a != "input" and b != "output"]
        nodes["li"] = ir.LI(tau=self.output_neurons.tau.detach().cpu().numpy().astype(np.float64), r=np.ones(s.classes),
                            v_leak=np.zeros(s.classes))
        nodes["output"] = ir.Output(shape=(s.classes,))
        edges.append(("li", "output"))
        return ir.Graph(nodes=nodes, edges=tuple(edges), profile=s.profile).validate()

    def merged_ir(self) -> ir.Graph:
        r"""The ensemble as one chain ``Input -> Flatten -> (Affine -> LIF)* -> Affine -> LI -> Output``:
        layer :math:`j` holds every member's layer :math:`j` side by side (block-diagonal weights, the
        first layer's rows reading each member's region, recurrent weights block-diagonal too), the
        readout :math:`[M_1 \odot W^{out}_1, \dots]` with the biases summed: the sum of the readouts as
        one matrix product. The same function as :meth:`to_ir`'s branches (for targets such as Loihi 2
        that lower one source layer per neuron layer)."""
        import scipy.linalg

        s = self.spec
        graphs = [to_ir(m) for m in self.members]
        n_in = int(np.prod(s.input_shape))
        nodes: dict[str, ir.Node] = {"input": ir.Input(shape=tuple(s.input_shape)),
                                     "flatten": ir.Flatten(input_shape=tuple(s.input_shape), start_dim=0)}
        edges: list[tuple[str, str]] = [("input", "flatten")]
        prev = "flatten"
        for j in range(len(s.hidden)):
            parts = [g.nodes[f"fc{j}"] for g in graphs]
            if j == 0:
                blocks = []
                for k, node in enumerate(parts):
                    wide = np.zeros((node.weight.shape[0], n_in))
                    wide[:, self.member_buffers(k)[0].cpu().numpy()] = node.weight
                    blocks.append(wide)
                weight = np.vstack(blocks)
            else:
                weight = scipy.linalg.block_diag(*[np.asarray(p.weight) for p in parts])
            nodes[f"fc{j}"] = ir.Affine(weight=weight, bias=np.concatenate([np.asarray(p.bias) for p in parts]))
            lifs = [g.nodes[f"lif{j}"] for g in graphs]
            nodes[f"lif{j}"] = ir.LIF(**{f: np.concatenate([np.asarray(getattr(n, f)) for n in lifs])
                                         for f in ("tau", "r", "v_leak", "v_threshold", "v_reset")})
            edges += [(prev, f"fc{j}"), (f"fc{j}", f"lif{j}")]
            if s.recurrent:
                nodes[f"rec{j}"] = ir.Linear(weight=scipy.linalg.block_diag(*[np.asarray(g.nodes[f"rec{j}"].weight)
                                                                              for g in graphs]))
                edges += [(f"lif{j}", f"rec{j}"), (f"rec{j}", f"lif{j}")]
            prev = f"lif{j}"
        masks = [self.member_buffers(k)[1].cpu().numpy() for k in range(len(graphs))]
        readouts = [g.nodes["readout"] for g in graphs]
        nodes["readout"] = ir.Affine(weight=np.hstack([np.asarray(r.weight) * m[:, None] for r, m in zip(readouts, masks)]),
                                     bias=np.sum([np.asarray(r.bias) * m for r, m in zip(readouts, masks)], axis=0))
        nodes["li"] = ir.LI(tau=self.output_neurons.tau.detach().cpu().numpy().astype(np.float64), r=np.ones(s.classes),
                            v_leak=np.zeros(s.classes))
        nodes["output"] = ir.Output(shape=(s.classes,))
        edges += [(prev, "readout"), ("readout", "li"), ("li", "output")]
        return ir.Graph(nodes=nodes, edges=tuple(edges), profile=s.profile).validate()
