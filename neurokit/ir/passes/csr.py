"""Lowering of stateless linear nodes to CSR-by-presynaptic form (the event-driven representation).

A pass shared by the simulator, the backends, conversion and synaptic-operation counts. Every linear node (Linear, Affine, SparseLinear, Conv1d/2d, SumPool2d/AvgPool2d) becomes rows
``pre -> (post indices, weights[, delays])``: when input ``i`` is non-zero in a step, only row
``i`` is touched — for a convolution that row is the kernel footprint of that input position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import nodes as N
from .latency import delay_steps


#: The built-in ``linear`` node types, all of which :func:`node_to_csr` lowers (code asks ``node.linear``).
LINEAR_TYPES = N.node_types(linear=True)


@dataclass(frozen=True)
class CSR:
    """Rows = presynaptic inputs. ``delay`` in whole steps (or ``None``), ``bias`` per output."""

    n_pre: int
    n_post: int
    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    delay: np.ndarray | None
    bias: np.ndarray | None


def _from_triplets(n_pre: int, n_post: int, pre: np.ndarray, post: np.ndarray, w: np.ndarray,
                   delay: np.ndarray | None = None, bias: np.ndarray | None = None) -> CSR:
    order = np.lexsort((post, pre))
    pre, post, w = pre[order], post[order], w[order]
    counts = np.bincount(pre, minlength=n_pre)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return CSR(n_pre=n_pre, n_post=n_post, indptr=indptr, indices=post.astype(np.int32), weight=w.astype(np.float64),
               delay=None if delay is None else delay[order].astype(np.int64), bias=bias)


def _rows_sorted(indptr: np.ndarray, indices: np.ndarray) -> bool:
    """Whether the targets within every row are non-decreasing (checked in chunks of rows)."""
    step = 1 << 20
    for lo in range(0, len(indices), step):
        chunk = indices[lo:lo + step + 1].astype(np.int64)
        drops = np.nonzero(np.diff(chunk) < 0)[0] + lo + 1  # positions k with indices[k] < indices[k - 1]
        if len(drops) and not np.all(np.isin(drops, indptr)):  # a drop is allowed only at a row start
            return False
    return True


def dense_to_csr(weight: np.ndarray, bias: np.ndarray | None = None) -> CSR:
    """Dense ``(out, in)`` weight (zeros dropped)."""
    w = np.asarray(weight, dtype=np.float64)
    post, pre = np.nonzero(w)
    return _from_triplets(w.shape[1], w.shape[0], pre, post, w[post, pre], bias=bias)


def sparse_to_csr(node: N.SparseLinear, dt: float) -> CSR:
    """The node's own CSR (rows by presynaptic neuron). Without delays and with each row's targets
    already ascending, its arrays are used as they are (no copy: a 10M-synapse network is held
    once); otherwise the rows are sorted."""
    if node.delay is None and _rows_sorted(node.indptr, node.indices):
        return CSR(n_pre=node.n_pre, n_post=node.n_post, indptr=node.indptr, indices=node.indices, weight=node.weight,
                   delay=None, bias=None)
    pre = np.repeat(np.arange(node.n_pre), np.diff(node.indptr))
    delay = None if node.delay is None else delay_steps(node.delay, dt)
    return _from_triplets(node.n_pre, node.n_post, pre, np.asarray(node.indices, dtype=np.int64),
                          np.asarray(node.weight, dtype=np.float64), delay=delay)


def _conv_triplets(node: N.Conv1d | N.Conv2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nd = len(in_shape) - 1
    w = np.asarray(node.weight, dtype=np.float64)
    c_out, c_in_g = w.shape[:2]
    g = node.groups
    o_per_g = c_out // g
    in_sp, out_sp = in_shape[1:], out_shape[1:]
    pres, posts, ws = [], [], []
    out_pos = np.stack(np.meshgrid(*[np.arange(s) for s in out_sp], indexing="ij"), -1).reshape(-1, nd)
    for k in np.ndindex(*w.shape[2:]):
        src = out_pos * np.array(node.stride) + np.array(k) * np.array(node.dilation) - np.array(node.pads)
        valid = np.all((src >= 0) & (src < np.array(in_sp)), axis=1)
        src_flat = np.ravel_multi_index(tuple(src[valid].T), in_sp) if valid.any() else np.zeros(0, np.int64)
        dst_flat = np.nonzero(valid)[0]
        for o in range(c_out):
            gi = o // o_per_g
            for ci in range(c_in_g):
                wv = w[(o, ci, *k)]
                if wv == 0.0:
                    continue
                c = gi * c_in_g + ci
                pres.append(c * int(np.prod(in_sp)) + src_flat)
                posts.append(o * int(np.prod(out_sp)) + dst_flat)
                ws.append(np.full(len(dst_flat), wv))
    cat = lambda a, dt: np.concatenate(a).astype(dt) if a else np.zeros(0, dt)  # noqa: E731
    return cat(pres, np.int64), cat(posts, np.int64), cat(ws, np.float64)


def conv_to_csr(node: N.Conv1d | N.Conv2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> CSR:
    """Unroll a convolution: each input position's row is its kernel footprint."""
    pre, post, w = _conv_triplets(node, in_shape, out_shape)
    per_channel = int(np.prod(out_shape[1:]))
    bias = np.repeat(np.asarray(node.bias, dtype=np.float64), per_channel)
    return _from_triplets(int(np.prod(in_shape)), int(np.prod(out_shape)), pre, post, w, bias=bias)


def pool_to_csr(node: N.SumPool2d | N.AvgPool2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> CSR:
    """Pooling as a sparse linear map (weight 1, or 1/(kh kw) for average pooling)."""
    c, h, w = in_shape
    _, oh, ow = out_shape
    (kh, kw), (sh, sw), (ph, pw) = node.kernel_size, node.stride, node.padding
    value = 1.0 / (kh * kw) if isinstance(node, N.AvgPool2d) else 1.0
    pres, posts = [], []
    oy, ox = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    for i in range(kh):
        for j in range(kw):
            y, x = oy * sh + i - ph, ox * sw + j - pw
            ok = (y >= 0) & (y < h) & (x >= 0) & (x < w)
            for ch in range(c):
                pres.append(ch * h * w + (y[ok] * w + x[ok]))
                posts.append(ch * oh * ow + (oy[ok] * ow + ox[ok]))
    pre, post = np.concatenate(pres), np.concatenate(posts)
    return _from_triplets(c * h * w, c * oh * ow, pre, post, np.full(len(pre), value))


def node_to_csr(node: N.Node, in_shape: tuple[int, ...], out_shape: tuple[int, ...], dt: float) -> CSR:
    """The CSR form of any linear IR node."""
    if isinstance(node, N.Linear):
        return dense_to_csr(node.weight)
    if isinstance(node, N.Affine):
        return dense_to_csr(node.weight, bias=np.asarray(node.bias, dtype=np.float64))
    if isinstance(node, N.SparseLinear):
        return sparse_to_csr(node, dt)
    if isinstance(node, (N.Conv1d, N.Conv2d)):
        return conv_to_csr(node, in_shape, out_shape)
    if isinstance(node, (N.SumPool2d, N.AvgPool2d)):
        return pool_to_csr(node, in_shape, out_shape)
    raise TypeError(f"{node.type_name} is not linear")
