"""Weighted maps: ``Linear``, ``Affine``, ``SparseLinear`` (a neurokit extension), and ``Scale``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurokit.errors import GraphError

from .params import param_array
from .base import Node, Shape, dataset, one_int, register_node


def _check_matrix(weight: np.ndarray, node: str) -> None:
    if weight.ndim != 2:
        raise GraphError(f"weight must be 2-D (out, in), got shape {weight.shape}", where=node,
                         fix="reshape the weight to (n_out, n_in)")


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Linear(Node):
    r"""Linear map :math:`y(t) = W x(t)`, ``weight`` of shape (out, in)."""

    linear: ClassVar[bool] = True
    weighted: ClassVar[bool] = True
    weight: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", param_array(self.weight, node=self.type_name, field="weight"))
        _check_matrix(self.weight, self.type_name)

    def expected_input_shape(self) -> Shape:
        return (self.weight.shape[1],)

    def output_shape(self, input_shape: Shape) -> Shape:
        super().output_shape(input_shape)
        return (self.weight.shape[0],)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Affine(Node):
    r"""Affine map :math:`y(t) = W x(t) + b`; ``weight`` (out, in), ``bias`` (out,)."""

    linear: ClassVar[bool] = True
    weighted: ClassVar[bool] = True
    weight: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        name = self.type_name
        object.__setattr__(self, "weight", param_array(self.weight, node=name, field="weight"))
        object.__setattr__(self, "bias", param_array(self.bias, node=name, field="bias"))
        _check_matrix(self.weight, name)
        if self.bias.shape != (self.weight.shape[0],):
            raise GraphError(f"bias shape {self.bias.shape} does not match weight rows {self.weight.shape[0]}",
                             where=name, fix="give one bias per output neuron")

    def expected_input_shape(self) -> Shape:
        return (self.weight.shape[1],)

    def output_shape(self, input_shape: Shape) -> Shape:
        super().output_shape(input_shape)
        return (self.weight.shape[0],)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class SparseLinear(Node):
    r"""Sparse linear map in CSR form, rows = presynaptic neurons (neurokit extension).

    :math:`y_j(t) = \sum_{i} \sum_{k \in \text{row}(i), \text{indices}_k = j} w_k\, x_i(t - d_k)`

    ``indptr`` (n_pre + 1,), ``indices`` (nnz,) postsynaptic targets, ``weight`` (nnz,), and an
    optional per-synapse ``delay`` (nnz,) in seconds (rounded to whole steps by the simulator).
    Rows by *presynaptic* neuron make event-driven propagation a contiguous read per spike.
    Not in plain NIR: ``plain`` files hold it densified as a ``Linear`` (refused with delays).
    """

    linear: ClassVar[bool] = True
    weighted: ClassVar[bool] = True
    n_pre: int
    n_post: int
    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    delay: np.ndarray | None = None

    def __post_init__(self) -> None:
        name = self.type_name
        for fld in ("n_pre", "n_post"):
            v = getattr(self, fld)
            if int(v) != v or int(v) < 1:
                raise GraphError(f"{fld} must be a positive int, got {v!r}", where=name,
                                 fix="give the number of pre/post neurons")
            object.__setattr__(self, fld, int(v))
        indptr = param_array(self.indptr, node=name, field="indptr", dtype=np.int64, allow_negative=False)
        indices = param_array(self.indices, node=name, field="indices", dtype=np.int32, allow_negative=False)
        weight = param_array(self.weight, node=name, field="weight")
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "weight", weight)
        if indptr.shape != (self.n_pre + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise GraphError(f"indptr must be non-decreasing, start at 0 and have n_pre+1={self.n_pre + 1} entries",
                             where=name, fix="build the CSR arrays with scipy.sparse.csr_matrix(W.T)")
        nnz = int(indptr[-1])
        if indices.shape != (nnz,) or weight.shape != (nnz,):
            raise GraphError(f"indices {indices.shape} and weight {weight.shape} must both have nnz={nnz} entries",
                             where=name, fix="indices, weight (and delay) need one entry per synapse")
        if nnz and int(indices.max()) >= self.n_post:
            raise GraphError(f"a target index {int(indices.max())} is >= n_post={self.n_post}", where=name,
                             fix="postsynaptic indices must lie in [0, n_post)")
        if self.delay is not None:
            delay = param_array(self.delay, node=name, field="delay", allow_negative=False)
            if delay.shape != (nnz,):
                raise GraphError(f"delay shape {delay.shape} must be ({nnz},)", where=name,
                                 fix="give one delay (seconds) per synapse")
            object.__setattr__(self, "delay", delay)

    @property
    def nnz(self) -> int:
        """Number of synapses."""
        return int(self.indptr[-1])

    def expected_input_shape(self) -> Shape:
        return (self.n_pre,)

    def output_shape(self, input_shape: Shape) -> Shape:
        super().output_shape(input_shape)
        return (self.n_post,)

    def to_dense(self, max_elements: int = 50_000_000) -> np.ndarray:
        """Dense (n_post, n_pre) weight; refuses above ``max_elements`` (a size guard)."""
        if self.n_post * self.n_pre > max_elements:
            raise GraphError(f"densifying {self.n_post}x{self.n_pre} weights exceeds {max_elements} elements",
                             where=self.type_name,
                             fix="keep the neurokit file format (sparse), or raise max_elements knowingly")
        dense = np.zeros((self.n_post, self.n_pre), dtype=self.weight.dtype)
        pre = np.repeat(np.arange(self.n_pre), np.diff(self.indptr))
        np.add.at(dense, (self.indices, pre), self.weight)
        return dense

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        if plain:
            if self.delay is not None and np.any(self.delay > 0):
                raise GraphError("per-synapse delays cannot be written as plain NIR", where="SparseLinear",
                                 fix="write the neurokit format (plain=False)")
            return {"type": "Linear", "weight": self.to_dense(max_dense)}
        d = {"type": "SparseLinear", "n_pre": np.int64(self.n_pre), "n_post": np.int64(self.n_post),
             "indptr": self.indptr, "indices": self.indices, "weight": self.weight}
        if self.delay is not None:
            d["delay"] = self.delay
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        def get(key: str) -> Any:
            return dataset(d, key, where, "SparseLinear")

        return cls(n_pre=one_int(get("n_pre"), "n_pre"), n_post=one_int(get("n_post"), "n_post"),
                   indptr=get("indptr"), indices=get("indices"), weight=get("weight"), delay=d.get("delay"),
                   metadata=metadata)

    @classmethod
    def from_dense(cls, weight: np.ndarray, **kw: Any) -> SparseLinear:
        """CSR (rows = pre) from a dense (out, in) weight, keeping the non-zeros."""
        w = np.asarray(weight)
        wt = w.T
        mask = wt != 0
        indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
        indices = np.nonzero(mask)[1]
        return cls(n_pre=w.shape[1], n_post=w.shape[0], indptr=indptr, indices=indices, weight=wt[mask], **kw)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Scale(Node):
    r"""Elementwise scaling :math:`y(t) = s \odot x(t)`."""

    scale: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", param_array(self.scale, node=self.type_name, field="scale"))

    def expected_input_shape(self) -> Shape:
        return self.scale.shape
