r"""Reference (NumPy) definitions of the stateless nodes: linear maps, convolutions, pooling.

All functions take a batch-first array ``x`` of shape ``(B, *node_input_shape)``.
"""

from __future__ import annotations

import numpy as np

from neurokit.ir import Affine, AvgPool2d, Conv1d, Conv2d, Linear, Node, Scale, SparseLinear, SumPool2d, Threshold


def linear(x: np.ndarray, node: Linear | Affine) -> np.ndarray:
    r""":math:`y = x W^T (+ b)`."""
    y = x @ np.asarray(node.weight, dtype=x.dtype).T
    if isinstance(node, Affine):
        y = y + np.asarray(node.bias, dtype=x.dtype)
    return y


def sparse_linear(x: np.ndarray, node: SparseLinear) -> np.ndarray:
    r""":math:`y_j = \sum_k w_k x_{pre(k)}` over synapses ``k`` with target ``j`` (no delays)."""
    pre = np.repeat(np.arange(node.n_pre), np.diff(node.indptr))
    y = np.zeros((x.shape[0], node.n_post), dtype=x.dtype)
    np.add.at(y.T, node.indices, (x[:, pre] * np.asarray(node.weight, dtype=x.dtype)).T)
    return y


def conv(x: np.ndarray, node: Conv1d | Conv2d) -> np.ndarray:
    r"""Cross-correlation :math:`y_{o,p} = b_o + \sum_{c,k} W_{o,c,k}\, x_{c,\,p s + k d - pad}` with groups."""
    nd = node.weight.ndim - 2
    pads = node.pads
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pads])
    w = np.asarray(node.weight, dtype=x.dtype)
    c_out, c_in_g = w.shape[:2]
    kernel = w.shape[2:]
    out_sp = tuple((xp.shape[2 + d] - node.dilation[d] * (kernel[d] - 1) - 1) // node.stride[d] + 1 for d in range(nd))
    y = np.zeros((x.shape[0], c_out, *out_sp), dtype=x.dtype)
    g = node.groups
    o_per_g = c_out // g
    for k in np.ndindex(*kernel):
        sl = tuple(slice(k[d] * node.dilation[d], k[d] * node.dilation[d] + node.stride[d] * (out_sp[d] - 1) + 1,
                         node.stride[d]) for d in range(nd))
        patch = xp[(slice(None), slice(None), *sl)]
        for gi in range(g):
            wk = w[gi * o_per_g:(gi + 1) * o_per_g, :, *k]  # (o_per_g, c_in_g)
            y[:, gi * o_per_g:(gi + 1) * o_per_g] += np.tensordot(
                patch[:, gi * c_in_g:(gi + 1) * c_in_g], wk, axes=([1], [1])).transpose(0, nd + 1, *range(1, nd + 1))
    return y + np.asarray(node.bias, dtype=x.dtype).reshape(1, c_out, *([1] * nd))


def pool(x: np.ndarray, node: SumPool2d | AvgPool2d) -> np.ndarray:
    r"""Sum pooling :math:`y = \sum_{window} x` (zero padding); average divides by :math:`k_h k_w`."""
    (kh, kw), (sh, sw), (ph, pw) = node.kernel_size, node.stride, node.padding
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    y = np.zeros((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            y += xp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    if isinstance(node, AvgPool2d):
        y = y / x.dtype.type(kh * kw)
    return y


def flatten(x: np.ndarray, node: Node) -> np.ndarray:
    """An ``index_map`` node (Flatten: dims ``start_dim..end_dim``, indices excluding the batch
    dimension; Identity: unchanged): ``x`` reshaped to the node's output shape."""
    shape = x.shape[1:]
    out = node.output_shape(shape)
    return x.reshape(x.shape[0], *out)


def stateless(node: Node, x: np.ndarray, spike_rule: str = ">") -> np.ndarray:
    """Apply a stateless node (linear maps, convolution, pooling, flatten/identity, scale, threshold)."""
    if isinstance(node, (Linear, Affine)):
        return linear(x, node)
    if isinstance(node, SparseLinear):
        return sparse_linear(x, node)
    if isinstance(node, (Conv1d, Conv2d)):
        return conv(x, node)
    if isinstance(node, (SumPool2d, AvgPool2d)):
        return pool(x, node)
    if node.index_map:
        return flatten(x, node)
    if isinstance(node, Scale):
        return x * np.asarray(node.scale, dtype=x.dtype)
    if isinstance(node, Threshold):
        th = np.asarray(node.threshold, dtype=x.dtype)
        return ((x >= th) if spike_rule == ">=" else (x > th)).astype(x.dtype)
    raise TypeError(f"{node.type_name} is not stateless")
