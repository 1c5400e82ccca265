"""The node base class: the facts every package asks of a node type, its ``.nir`` form, and the
registry of node types by the name written to files (see :mod:`neurokit.ir.nodes` for how to add one)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from neurokit.errors import FileFormatError, GraphError

Shape = tuple[int, ...]
NodeType = TypeVar("NodeType", bound="type[Node]")

#: Every registered node type by the name written to ``.nir`` files (:func:`register_node`).
NODE_TYPES: dict[str, type[Node]] = {}


def register_node(cls: NodeType) -> NodeType:
    """Class decorator: make ``cls`` readable from files under its class name (its ``type``
    dataset, or the ``neurokit_type`` metadata of a NIR stand-in, see :meth:`Node.to_dict`)."""
    name = cls.__name__
    if name in NODE_TYPES and NODE_TYPES[name] is not cls:
        raise GraphError(f"node type {name!r} is registered twice ({NODE_TYPES[name].__module__} and {cls.__module__})",
                         fix="give the new node class another name")
    NODE_TYPES[name] = cls
    return cls


def node_types(**facts: bool) -> tuple[type[Node], ...]:
    """The registered node types with the given class facts, e.g. ``node_types(neuron=True)``."""
    return tuple(t for t in NODE_TYPES.values() if all(getattr(t, k) == v for k, v in facts.items()))


def shape_tuple(value: Any, *, node: str, field_name: str) -> Shape:
    """``value`` as a shape: a tuple of positive whole numbers (a one-line ``GraphError`` otherwise)."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind not in "iuf" or np.any(arr != np.round(arr)) or np.any(arr < 1):
        raise GraphError(f"{field_name} must be positive whole numbers, got {value!r}", where=node,
                         fix="give shapes as tuples of positive ints, e.g. (10,) or (2, 16, 16)")
    return tuple(int(v) for v in arr)


# ------------------------------------------------------------------------- reading file datasets
#: Field names of NIR 0.0.x (July 2023), before NIR 0.1 renamed them.
OLD_FIELD_NAMES = {"weight": "weights", "v_threshold": "theta"}
OLD_LAYOUT_FIX = "re-export the model with nir >= 1.0 (load it in the tool that wrote it, then nir.write)"


def dataset(d: dict[str, Any], key: str, where: str, type_name: str) -> Any:
    """``d[key]``, or a one-line ``FileFormatError`` naming the missing dataset (and NIR 0.0.x names)."""
    if key not in d:
        old = OLD_FIELD_NAMES.get(key)
        if old in d:
            raise FileFormatError(f"{type_name} node has {old!r}, the NIR 0.0.x name of {key!r}: the file predates "
                                  f"NIR 0.1", where=where, fix=OLD_LAYOUT_FIX)
        raise FileFormatError(f"{type_name} node lacks dataset {key!r}", where=where,
                              fix="re-export the model; the file is incomplete or from an incompatible tool")
    return d[key]


def as_str(value: Any) -> str:
    """A text dataset (bytes, 0-d array, str) as ``str``."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode()
    if isinstance(value, np.ndarray) and value.shape == ():
        return as_str(value[()])
    return str(value)


def whole(value: Any, field_name: str) -> np.ndarray:
    """``value`` as int64, refusing anything that is not a finite whole number (``inf``, ``2.5``,
    complex, text) instead of truncating it."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind not in "iuf" or (arr.dtype.kind == "f" and not np.all(np.isfinite(arr))) \
            or np.any(arr != np.round(arr)) or np.any(np.abs(arr) > 2**62):
        shown = arr.tolist() if arr.size <= 8 and arr.dtype.kind in "iufcb" else f"{arr.dtype} array {arr.shape}"
        raise GraphError(f"{field_name} must hold whole numbers, got {shown}", fix=f"write {field_name} as integers")
    return arr.astype(np.int64)


def shape_of(value: Any, field_name: str = "shape") -> Shape:
    """A shape dataset as a tuple of ints."""
    return tuple(int(v) for v in whole(value, field_name).ravel())


def one_int(value: Any, field_name: str) -> int:
    """A dataset holding one whole number, as ``int``."""
    arr = whole(value, field_name)
    if arr.size != 1:
        raise GraphError(f"{field_name} must be one whole number, got shape {np.shape(value)}",
                         fix=f"write one {field_name}")
    return int(arr.ravel()[0])


# ------------------------------------------------------------------------- the base class
@dataclass(frozen=True, kw_only=True, eq=False)
class Node:
    """Base class of all IR nodes: frozen, keyword-only, validated on construction.

    The class facts below are the only place that says what a node type is; simulators,
    backends, passes and counters ask them (``node.neuron``, ``type(node).linear``) instead of
    listing node types.
    """

    #: keeps state from one step to the next; only such a node may close a loop.
    stateful: ClassVar[bool] = False
    #: its output is spikes (0/1 per step, or counts under ``multi_spike``).
    spiking: ClassVar[bool] = False
    #: a neuron population; its dynamics are discretised in :mod:`neurokit.dynamics.discretisation`.
    neuron: ClassVar[bool] = False
    #: has a synaptic current state ``I`` besides the membrane (CUBA neurons).
    current_based: ClassVar[bool] = False
    #: a fixed linear map ``y = A x (+ b)``, lowered to CSR by :func:`neurokit.ir.passes.node_to_csr`.
    linear: ClassVar[bool] = False
    #: holds synaptic weights (counted as synapses by ``Graph.stats`` and weight quantisation).
    weighted: ClassVar[bool] = False
    #: passes values on unchanged, at most reordered (Flatten, Identity): nothing to compute.
    index_map: ClassVar[bool] = False
    #: a graph port (Input, Output).
    port: ClassVar[bool] = False
    #: array fields plain NIR has no dataset for; written as ``metadata/neurokit_<field>`` when not all zero.
    extension_fields: ClassVar[tuple[str, ...]] = ()

    metadata: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def type_name(self) -> str:
        """The node type as written to ``.nir`` files (e.g. ``"LIF"``)."""
        return type(self).__name__

    def replace(self, **changes: Any) -> Node:
        """Return a copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def arrays(self) -> dict[str, np.ndarray]:
        """All array-valued fields (parameters), by name."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                out[f.name] = v
        return out

    def expected_input_shape(self) -> Shape | None:
        """Input shape implied by the parameters alone, or ``None`` if it must be inferred."""
        return None

    def output_shape(self, input_shape: Shape) -> Shape:
        """Output shape for a given input shape; raises ``GraphError`` if they do not fit."""
        expected = self.expected_input_shape()
        if expected is not None and tuple(input_shape) != expected:
            raise GraphError(f"input shape {tuple(input_shape)} does not match the expected {expected}",
                             where=self.type_name,
                             fix="check the preceding node's output size and this node's parameters")
        return tuple(input_shape)

    # ------------------------------------------------------------------ the .nir form
    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        """The node's datasets in NIR's layout, ``{"type": name, field: value, ...}`` without
        ``metadata`` (:mod:`neurokit.ir.serialize` adds it). ``plain``: only what plain NIR can
        read; ``in_shape``: the inferred input shape, when known. A type plain NIR lacks may
        return a NIR *stand-in* (another ``type`` that computes the same); the file then records
        the real type in ``metadata/neurokit_type``. Default: every array field but the
        :attr:`extension_fields`."""
        skip = {"metadata", *self.extension_fields}
        return {"type": self.type_name, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                                           if f.name not in skip and getattr(self, f.name) is not None}}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        """The node from its datasets ``d`` (what :meth:`to_dict` wrote, read back; the
        :attr:`extension_fields` found in the metadata are already in ``d``). Default: every
        dataclass field from its dataset; a field with a default may be missing."""
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "metadata":
                continue
            if f.name in d:
                kwargs[f.name] = d[f.name]
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                dataset(d, f.name, where, cls.__name__)  # raises: a required dataset is missing
        return cls(**kwargs, metadata=metadata)

    def __eq__(self, other: object) -> bool:  # structural equality, arrays compared exactly
        if type(other) is not type(self):
            return NotImplemented
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
                    return False
                if a.shape != b.shape or a.dtype != b.dtype or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]
