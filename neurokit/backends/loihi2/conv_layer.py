"""Which convolution layers run as Lava's ``Conv`` process instead of an unrolled ``Dense``
(deploy option ``conv_process``), and their integer kernel: the unrolled matrix's integers, read back
as one kernel (Lava's Conv applies it as given; the weight exponent is folded in by the runner)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.ir.passes import node_to_csr

from .check import LayerPlan

Shapes = tuple[tuple[int, ...], tuple[int, ...]]
CONV_AUTO_ENTRIES = 2**22  # conv_process="auto": Lava's Conv where the unrolled Dense would hold more (n_out n_in)


def conv_lowered(g: ir.Graph, plan: LayerPlan, shapes: dict, mode: str) -> bool:
    """Whether the layer's synapse runs as Lava's ``Conv`` process (option ``conv_process``): only a
    layer whose composed synapses are one ``Conv2d`` (no pool folded in, no delay); ``"always"``
    every such layer, ``"auto"`` those whose unrolled Dense would have more than
    :data:`CONV_AUTO_ENTRIES` entries (:math:`n_{out} n_{in}`), ``"never"`` none."""
    if mode == "never" or len(plan.synapses) != 1 or plan.branch_delays is not None or plan.chain_delay is not None:
        return False
    if not isinstance(g.nodes[plan.synapses[0]], ir.Conv2d):
        return False
    in_shape, out_shape = shapes[plan.synapses[0]]
    return mode == "always" or math.prod(in_shape) * math.prod(out_shape) > CONV_AUTO_ENTRIES


def conv_kernel_params(node: ir.Conv2d, shapes: Shapes, w_int: np.ndarray) -> dict[str, Any] | None:
    """The integer kernel ``conv_kernel`` (C_out, C_in/groups, K_h, K_w) whose unrolling is exactly the
    quantized Dense ``w_int``, with the convolution's geometry (``conv_*``: input (C, H, W), stride,
    padding, dilation, groups; neurokit's order, the runner permutes to Lava's (W, H, C)); ``None``
    where no one kernel unrolls to ``w_int`` (per-neuron scales differing within a channel). Each
    kernel entry is found through an unrolling of the entry numbers 1, 2, ..., K."""
    ids = np.arange(1, node.weight.size + 1, dtype=np.float64).reshape(node.weight.shape)
    csr = node_to_csr(node.replace(weight=ids, bias=np.zeros(node.weight.shape[0])), shapes[0], shapes[1], 1.0)
    pre = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
    entry = np.rint(csr.weight).astype(np.int64) - 1
    values = np.asarray(w_int, np.int64)[csr.indices, pre]
    kernel = np.zeros(node.weight.size, np.int64)
    kernel[entry] = values
    if np.any(kernel[entry] != values):
        return None
    kernel_size = tuple(node.weight.shape[2:])
    return {"conv_kernel": kernel.reshape(node.weight.shape), "conv_in_shape": np.asarray(shapes[0], np.int64),
            "conv_stride": np.asarray(node.stride, np.int64), "conv_dilation": np.asarray(node.dilation, np.int64),
            "conv_padding": np.asarray(node.pads, np.int64),
            "conv_groups": int(node.groups)}
