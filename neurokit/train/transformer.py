r"""A small spike-driven transformer (``arch = "transformer"``): Spike-driven Transformer V2 /
Meta-SpikeFormer style, built from neurokit's LIF layers and exported to the IR.

Per time step, on input spikes :math:`x` ``(C, H, W)`` (``(F,)`` and ``(C, F)`` inputs are read as ``(1, 1, F)``, ``(C, 1, F)``):

* patch embedding: :math:`u_0 = \mathrm{Conv}_{p \times p,\ \mathrm{stride}\ p}(x)`, a membrane
  stream of ``D`` channels over :math:`N = H' W'` tokens;
* per block, with membrane shortcuts (the residual adds currents, never spikes):

  .. math::
     s &= \mathrm{LIF}(u), \quad Q = \mathrm{LIF}(W_Q s), \quad K = \mathrm{LIF}(W_K s), \quad V = \mathrm{LIF}(W_V s) \\
     m_c &= \mathrm{LIF}\Big(\sum_{n} Q_{c,n} K_{c,n}\Big) \quad \text{(spike-driven self-attention, SDSA)} \\
     u &\leftarrow u + W_O (m \odot V), \qquad u \leftarrow u + W_2\,\mathrm{LIF}(W_1\,\mathrm{LIF}(u))

  :math:`W_\ast` are 1x1 convolutions (per-token linear maps); :math:`Q \odot K` and :math:`m \odot V`
  are products of spikes (AND: masks), the token sum is additions, so the attention needs no
  multiplication of real numbers;
* readout: :math:`\mathrm{LI}(W_r\,\mathrm{flatten}(\mathrm{LIF}(u)))`.

Every LIF is :class:`~neurokit.train.layers.LIFLayer` (the one LIF of neurokit, its surrogate
gradient). :meth:`SpikeDrivenTransformer.to_ir` writes ``Conv2d``, ``LIF``, ``SumPool2d`` (the
token sum), ``Flatten`` (the shortcut's sum point), ``Affine``, ``LI`` and the neurokit
extensions of :mod:`neurokit.ir.extensions` (``SpikeProduct``, ``TokenBroadcast``, ``Unflatten``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.errors import ConfigError
from neurokit.ir import extensions as ext

from .layers import LIFLayer, LILayer, init_linear
from .model import SNNSpec
from .sequential import layer_node

GAIN = 8.0  # spiking init bound GAIN/sqrt(fan_in): sparse event inputs need more than the MLP's 3


@dataclass(frozen=True)
class TransformerSizes:
    """Sizes of :class:`SpikeDrivenTransformer`: ``embed_dim`` channels ``D`` per token, ``blocks``
    transformer blocks, square patches of ``patch`` pixels (1-D inputs: ``patch`` features per token),
    ``mlp_hidden`` channels of the spiking MLP, ``attn_threshold`` of the attention-mask LIF."""

    embed_dim: int = 32
    blocks: int = 1
    patch: int = 4
    mlp_hidden: int = 64
    attn_threshold: float = 0.3  # below the input gain 1 - e^{-dt/tau}: one Q.K coincidence opens the mask

    def __post_init__(self) -> None:
        for name in ("embed_dim", "blocks", "patch", "mlp_hidden"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"transformer {name} must be a whole number >= 1, got {value!r}",
                                  fix=f"e.g. {name} = {getattr(TransformerSizes, name)}")
        if not self.attn_threshold > 0:
            raise ConfigError(f"attn_threshold must be > 0, got {self.attn_threshold!r}", fix="attn_threshold = 1.0")


class TokenLinear(nn.Linear):
    """A per-token linear map on ``(T, B, C, H, W)`` (one matmul over channels; exported as a 1x1 ``Conv2d``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x.movedim(2, -1)).movedim(-1, 2)

    def to_node(self, grid: tuple[int, ...]) -> ir.Conv2d:
        w = self.weight.detach().cpu().to(torch.float64).numpy()
        return ir.Conv2d(weight=w[:, :, None, None], bias=self.bias.detach().cpu().to(torch.float64).numpy(),
                         stride=1, padding=0, input_shape=tuple(grid[1:]))


class PatchEmbed(nn.Linear):
    r"""Non-overlapping ``ph x pw`` patches of ``(T, B, C, H, W)``, each mapped linearly to ``D`` channels:
    the convolution with kernel = stride = patch (computed as one matmul; exported as that ``Conv2d``)."""

    def __init__(self, c: int, d: int, patch: tuple[int, int], tokens: tuple[int, int]) -> None:
        super().__init__(c * patch[0] * patch[1], d)
        self.c, self.patch, self.tokens = c, patch, tokens

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (ph, pw), (th, tw) = self.patch, self.tokens
        T, B = x.shape[:2]
        p = x[..., :th * ph, :tw * pw].reshape(T, B, self.c, th, ph, tw, pw).permute(0, 1, 3, 5, 2, 4, 6)
        return super().forward(p.reshape(T, B, th, tw, -1)).movedim(-1, 2)

    def to_node(self, img: tuple[int, ...]) -> ir.Conv2d:
        w = self.weight.detach().cpu().to(torch.float64).numpy().reshape(self.out_features, self.c, *self.patch)
        return ir.Conv2d(weight=w, bias=self.bias.detach().cpu().to(torch.float64).numpy(), stride=self.patch,
                         padding=0, input_shape=tuple(img[1:]))


def image_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """The ``(C, H, W)`` the patch embedding reads: image inputs as they are, ``(F,)`` as ``(1, 1, F)``,
    ``(C, F)`` (e.g. spoken-digits' ``(1, 700)``) as ``(C, 1, F)``."""
    if len(input_shape) == 3:
        return tuple(int(s) for s in input_shape)  # type: ignore[return-value]
    if len(input_shape) in (1, 2):
        c, f = (1, *input_shape) if len(input_shape) == 1 else input_shape
        return (int(c), 1, int(f))
    raise ConfigError(f"arch 'transformer' reads (C, H, W), (C, F) or (F,) inputs; this dataset gives {input_shape}",
                      fix="use arch = 'mlp' for this dataset")


class SDSABlock(nn.Module):
    """One block: spike-driven self-attention and a spiking MLP, each added to the membrane stream."""

    def __init__(self, d: int, tokens: tuple[int, int], hidden: int, lif: dict[str, object], attn_threshold: float):
        super().__init__()
        n = d * tokens[0] * tokens[1]
        self.d, self.tokens = d, tokens
        self.lif_in, self.lif_mlp_in = LIFLayer(n, **lif), LIFLayer(n, **lif)  # type: ignore[arg-type]
        self.q, self.k, self.v, self.o = (TokenLinear(d, d) for _ in range(4))
        self.lif_q, self.lif_k, self.lif_v = (LIFLayer(n, **lif) for _ in range(3))  # type: ignore[arg-type]
        self.lif_mask = LIFLayer(d, **{**lif, "v_threshold": attn_threshold})  # type: ignore[arg-type]
        self.fc1, self.fc2 = TokenLinear(d, hidden), TokenLinear(hidden, d)
        self.lif_hidden = LIFLayer(hidden * tokens[0] * tokens[1], **lif)  # type: ignore[arg-type]
        for c in (self.q, self.k, self.v, self.fc1):
            init_linear(c, GAIN)
        for c in (self.o, self.fc2):
            init_linear(c, 1.0)

    def forward(self, u: torch.Tensor, spikes: list[torch.Tensor]) -> torch.Tensor:
        """``u`` ``(T, B, D, H', W')`` membrane stream -> the stream after the block; appends every
        LIF's spikes to ``spikes``."""
        s = neurons(self.lif_in, u)
        q, k, v = (neurons(lif, conv(s)) for lif, conv in ((self.lif_q, self.q), (self.lif_k, self.k),
                                                            (self.lif_v, self.v)))
        mask = neurons(self.lif_mask, (q * k).sum(dim=(-2, -1), keepdim=True))  # (T, B, D, 1, 1)
        u = u + self.o(mask.expand_as(v) * v)
        s2 = neurons(self.lif_mlp_in, u)
        h = neurons(self.lif_hidden, self.fc1(s2))
        spikes += [s, q, k, v, mask, s2, h]
        return u + self.fc2(h)


def neurons(lif: LIFLayer, x: torch.Tensor) -> torch.Tensor:
    """``lif`` on every element of ``x`` ``(T, B, *shape)`` (the layer runs on ``(T, B, n)``)."""
    return lif(x.reshape(x.shape[0], x.shape[1], -1)).reshape(x.shape)


class SpikeDrivenTransformer(nn.Module):
    """``(T, B, *input_shape)`` -> readout membrane ``(T, B, classes)`` (see the module docstring)."""

    def __init__(self, spec: SNNSpec, sizes: TransformerSizes = TransformerSizes()) -> None:
        super().__init__()
        if spec.max_delay or spec.mode != "bptt" or spec.recurrent:
            raise ConfigError("arch 'transformer' trains with mode = 'bptt', no learnable delays, no recurrence",
                              fix="set mode = 'bptt', max_delay = 0 and recurrent = false")
        self.spec, self.sizes = spec, sizes
        c, h, w = image_shape(tuple(spec.input_shape))
        ph, pw = min(sizes.patch, h), min(sizes.patch, w)
        self.tokens = ((h - ph) // ph + 1, (w - pw) // pw + 1)
        d = sizes.embed_dim
        lif = dict(tau=spec.tau_mem, v_threshold=spec.v_threshold, dt=spec.dt, integration=spec.integration,
                   surrogate=spec.surrogate, scale=spec.surrogate_scale, learn=spec.learn_neuron, **spec.rules)
        self.embed = PatchEmbed(c, d, (ph, pw), self.tokens)
        init_linear(self.embed, GAIN)
        self.blocks = nn.ModuleList(SDSABlock(d, self.tokens, sizes.mlp_hidden, lif, sizes.attn_threshold)
                                    for _ in range(sizes.blocks))
        n = d * self.tokens[0] * self.tokens[1]
        self.lif_out = LIFLayer(n, **lif)  # type: ignore[arg-type]
        self.readout = nn.Linear(n, spec.classes)
        init_linear(self.readout, gain=1.0)
        self.output_neurons: LILayer | LIFLayer = (
            LILayer(spec.classes, tau=spec.tau_out, dt=spec.dt, integration=spec.integration, v_min=spec.v_min)
            if spec.readout == "li" else LIFLayer(spec.classes, **{**lif, "tau": spec.tau_out, "learn": "none"}))  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor, *, return_spikes: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        T, B = x.shape[:2]
        u = self.embed(x.reshape(T, B, *image_shape(tuple(self.spec.input_shape))))
        spikes: list[torch.Tensor] = []
        for block in self.blocks:
            u = block(u, spikes)
        s = neurons(self.lif_out, u)
        spikes.append(s)
        out = self.output_neurons(self.readout(s.reshape(T, B, -1)))
        return (out, spikes) if return_spikes else out

    def to_ir(self) -> ir.Graph:
        """The IR graph computing what :meth:`forward` computes (see the module docstring)."""
        return transformer_to_ir(self)


def from_config(spec: SNNSpec, cfg: Any) -> SpikeDrivenTransformer:
    """The model a :class:`~neurokit.train.TrainConfig` asks for (``embed_dim``, ``blocks``, ``patch``, ``mlp_hidden``)."""
    return SpikeDrivenTransformer(spec, TransformerSizes(embed_dim=cfg.embed_dim, blocks=cfg.blocks, patch=cfg.patch,
                                                         mlp_hidden=cfg.mlp_hidden))


def transformer_to_ir(model: SpikeDrivenTransformer) -> ir.Graph:
    """Export: ``Input [-> Unflatten] -> Conv2d -> (block)* -> LIF -> Flatten -> Affine -> LI -> Output``;
    a block's SDSA is ``LIF_Q, LIF_K -> SpikeProduct -> SumPool2d -> LIF -> TokenBroadcast ->
    SpikeProduct(., LIF_V) -> Conv2d``, its shortcuts ``Flatten`` sum points (two edges in)."""
    nodes: dict[str, ir.Node] = {}
    edges: list[tuple[str, str]] = []

    def add(name: str, node: ir.Node, *sources: str) -> str:
        nodes[name] = node
        edges.extend((s, name) for s in sources)
        return name

    in_shape = tuple(int(s) for s in model.spec.input_shape)
    img = image_shape(in_shape)
    prev = add("input", ir.Input(shape=in_shape))
    if img != in_shape:
        prev = add("unflatten", ext.Unflatten(input_shape=in_shape, shape=img), prev)
    d = model.sizes.embed_dim
    th, tw = model.tokens
    grid = (d, th, tw)
    u = add("embed", model.embed.to_node(img), prev)
    for b, blk in enumerate(model.blocks):
        p = f"b{b}_"
        s = add(p + "lif_in", layer_node(blk.lif_in, grid), u)
        q, k, v = (add(p + f"lif_{x}", layer_node(lif, grid), add(p + x, conv.to_node(grid), s))
                   for x, conv, lif in (("q", blk.q, blk.lif_q), ("k", blk.k, blk.lif_k), ("v", blk.v, blk.lif_v)))
        qk = add(p + "qk", ext.SpikeProduct(shape=grid), q, k)
        col = add(p + "token_sum", ir.SumPool2d(kernel_size=(th, tw), stride=(th, tw), padding=(0, 0)), qk)
        mask = add(p + "lif_mask", layer_node(blk.lif_mask, (d, 1, 1)), col)
        wide = add(p + "mask_tokens", ext.TokenBroadcast(shape=grid), mask)
        att = add(p + "attention", ext.SpikeProduct(shape=grid), wide, v)
        u = add(p + "shortcut_attn", ir.Flatten(input_shape=grid, start_dim=0, end_dim=0), u,
                add(p + "o", blk.o.to_node(grid), att))
        s2 = add(p + "lif_mlp_in", layer_node(blk.lif_mlp_in, grid), u)
        hid = add(p + "lif_hidden", layer_node(blk.lif_hidden, (blk.fc1.out_features, th, tw)),
                  add(p + "fc1", blk.fc1.to_node(grid), s2))
        u = add(p + "shortcut_mlp", ir.Flatten(input_shape=grid, start_dim=0, end_dim=0), u,
                add(p + "fc2", blk.fc2.to_node((blk.fc1.out_features, th, tw)), hid))
    s = add("lif_out", layer_node(model.lif_out, grid), u)
    flat = add("flatten", ir.Flatten(input_shape=grid, start_dim=0, end_dim=-1), s)
    ro = add("readout", layer_node(model.readout, ()), flat)
    li = add("li", layer_node(model.output_neurons, (model.spec.classes,)), ro)
    add("output", ir.Output(shape=(model.spec.classes,)), li)
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=model.spec.profile).validate()


def parameter_count(model: nn.Module) -> int:
    """Trainable parameters (weights and biases)."""
    return int(sum(np.prod(p.shape) for p in model.parameters() if p.requires_grad))
