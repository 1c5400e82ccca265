r"""neurokit extensions to NIR: node types the spike-driven transformer needs and NIR 1.0 lacks.

They are IR nodes like those of :mod:`neurokit.ir.nodes` (frozen, keyword-only, validated on
construction with :class:`~neurokit.errors.GraphError`, a ``ValueError``), with two rules of their own:

* they round-trip through neurokit's own files (:mod:`neurokit.ir.serialize`; each node owns its
  :meth:`~Extension.to_dict` / :meth:`~Extension.from_dict` and is registered by
  :func:`~neurokit.ir.nodes.register_node`), under their class name as NIR type;
* plain NIR cannot state them: writing them with ``plain=True`` (or :func:`neurokit.ir.to_nir`) is
  refused with one line (:func:`refuse_plain`), and a backend that has no lowering for them lists
  each one with :attr:`Extension.reason` and :attr:`Extension.fix`
  (:func:`neurokit.backends.base.unsupported_nodes`).

:mod:`neurokit.sim` runs them event-driven and :mod:`neurokit.dynamics` in NumPy:

=================  ======================================================  ==================
node               per step                                                sim
=================  ======================================================  ==================
``SpikeProduct``   :math:`y = \prod_k x^{(k)}` element-wise over its inputs  own op (non-zeros)
``TokenBroadcast`` :math:`y_{c,i,j} = x_{c,0,0}`                           CSR (copy)
``Unflatten``      :math:`y = \mathrm{reshape}(x, \mathrm{shape})`           identity
=================  ======================================================  ==================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurokit.errors import GraphError

from . import nodes as N
from .nodes import register_node
from .nodes.base import shape_tuple

Shape = tuple[int, ...]


def _shape(value: Any, node: str, field_name: str) -> Shape:
    return shape_tuple(value, node=node, field_name=field_name)


@dataclass(frozen=True, kw_only=True, eq=False)
class Extension(N.Node):
    """Base of the neurokit extension nodes (not NIR 1.0)."""

    #: why plain NIR and hardware without it cannot run the node (one line)
    reason: ClassVar[str] = ""
    #: what to do instead (one line)
    fix: ClassVar[str] = ("keep the neurokit file format (neurokit.ir.write without plain=True) and run it in "
                          "neurokit.sim, or use an architecture without this node")
    #: the fields written to a file, in order
    fields: ClassVar[tuple[str, ...]] = ()
    #: its outputs are events whose fan-out costs operations (the operation counter needs them recorded,
    #: :func:`event_sources`): neurons and inputs are counted anyway, these nodes are neither
    event_source: ClassVar[bool] = False

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        """The node as a NIR-layout dict (``type`` = class name, shapes as int64 arrays); ``plain``:
        refused in one line (:func:`refuse_plain`), plain NIR has no such node."""
        if plain:
            raise refuse_plain(self.type_name, self)
        return {"type": self.type_name, **{f: np.array(getattr(self, f), dtype=np.int64) for f in self.fields}}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "node", metadata: dict[str, Any] | None = None) -> Extension:
        """The node from :meth:`to_dict`'s layout (a missing field: :class:`GraphError` naming it)."""
        missing = [f for f in cls.fields if f not in d]
        if missing:
            raise GraphError(f"{cls.__name__} node lacks {missing}", where=where,
                             fix="re-write the file with neurokit.ir.write")
        return cls(**{f: d[f] for f in cls.fields}, metadata=dict(metadata or {}))


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class SpikeProduct(Extension):
    r"""Element-wise product of all inputs (each of ``shape``): :math:`y_e(t) = \prod_k x^{(k)}_e(t)`.

    On spikes this is a mask (logical AND): the spike-driven self-attention's :math:`Q \odot K`
    and :math:`m \odot V`. Unlike every NIR node, several edges into it multiply, not add."""

    reason: ClassVar[str] = "an element-wise product of two spike streams (NIR sums the edges into a node)"
    fields: ClassVar[tuple[str, ...]] = ("shape",)
    event_source: ClassVar[bool] = True
    shape: Shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, self.type_name, "shape"))

    def expected_input_shape(self) -> Shape:
        return self.shape


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class TokenBroadcast(Extension):
    r"""One value per channel copied to every token: input ``(C, 1, 1)``, output ``shape`` = ``(C, H, W)``,
    :math:`y_{c,i,j}(t) = x_{c,0,0}(t)` (the attention mask applied to all tokens)."""

    reason: ClassVar[str] = "a copy of one value per channel to every token (NIR has no broadcast)"
    fields: ClassVar[tuple[str, ...]] = ("shape",)
    shape: Shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, self.type_name, "shape"))
        if len(self.shape) != 3:
            raise GraphError(f"shape must be (C, H, W), got {self.shape}", where=self.type_name,
                             fix="give the channels and the token grid, e.g. (32, 4, 4)")

    def expected_input_shape(self) -> Shape:
        return (self.shape[0], 1, 1)

    def output_shape(self, input_shape: Shape) -> Shape:
        super().output_shape(input_shape)
        return self.shape

    def as_sparse_linear(self) -> N.SparseLinear:
        """The same map as a CSR copy (rows = channels, each to its ``H*W`` tokens, weight 1)."""
        c, h, w = self.shape
        per = h * w
        return N.SparseLinear(n_pre=c, n_post=c * per, indptr=np.arange(c + 1) * per,
                              indices=np.arange(c * per), weight=np.ones(c * per))


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Unflatten(Extension):
    r"""Reshape without moving data: :math:`y = \mathrm{reshape}(x, \mathrm{shape})` (e.g. ``(F,)`` to
    ``(1, 1, F)``, so that a 2-D patch embedding reads 1-D features); NIR's ``Flatten`` only merges axes."""

    reason: ClassVar[str] = "a reshape to more axes (NIR's Flatten only merges axes)"
    fields: ClassVar[tuple[str, ...]] = ("input_shape", "shape")
    event_source: ClassVar[bool] = True
    input_shape: Shape
    shape: Shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", _shape(self.input_shape, self.type_name, "input_shape"))
        object.__setattr__(self, "shape", _shape(self.shape, self.type_name, "shape"))
        if int(np.prod(self.input_shape)) != int(np.prod(self.shape)):
            raise GraphError(f"cannot reshape {self.input_shape} to {self.shape}: sizes differ", where=self.type_name,
                             fix="give a shape with as many elements as the input")

    def expected_input_shape(self) -> Shape:
        return self.input_shape

    def output_shape(self, input_shape: Shape) -> Shape:
        super().output_shape(input_shape)
        return self.shape


EXTENSION_TYPES: dict[str, type[Extension]] = {t.__name__: t for t in (SpikeProduct, TokenBroadcast, Unflatten)}


def event_sources(graph: Any) -> tuple[str, ...]:
    """Names of the extension nodes of ``graph`` whose outputs the operation counter needs
    (:mod:`neurokit.ir.passes.operations`: record them with the spikes)."""
    return tuple(n for n, node in graph.flatten().nodes.items() if getattr(node, "event_source", False))


def refuse_plain(name: str, node: Extension) -> GraphError:
    """The one-line refusal of writing ``node`` to plain NIR."""
    return GraphError(f"{node.type_name} is a neurokit extension, {node.reason}: plain NIR cannot state it",
                      where=f"node {name!r}", fix=node.fix)


def apply(node: Extension, inputs: list[np.ndarray]) -> np.ndarray:
    """The node's output for one step (batch first): what :mod:`neurokit.dynamics` and the sim compute."""
    if isinstance(node, SpikeProduct):
        out = inputs[0].copy()
        for x in inputs[1:]:
            out = out * x
        return out
    x = inputs[0]
    for extra in inputs[1:]:
        x = x + extra
    if isinstance(node, TokenBroadcast):
        return np.broadcast_to(x, (x.shape[0], *node.shape)).copy()
    return x.reshape(x.shape[0], *node.shape)
