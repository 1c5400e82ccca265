"""Graph ports (``Input``, ``Output``) and the nodes that move values without computing:
``Identity`` (a sum / fan-out point) and ``Flatten``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurokit.errors import GraphError

from .base import Node, Shape, dataset, one_int, register_node, shape_of, shape_tuple


@dataclass(frozen=True, kw_only=True, eq=False)
class _Port(Node):
    port: ClassVar[bool] = True
    shape: Shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", shape_tuple(self.shape, node=self.type_name, field_name="shape"))

    def expected_input_shape(self) -> Shape:
        return self.shape

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        return {"type": self.type_name, "shape": np.array(self.shape, dtype=np.int64)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        shape = d.get("shape", None)
        if shape is None:  # NIR 0.x wrote input_type/output_type
            shape = d.get("input_type", d.get("output_type"))
        if isinstance(shape, dict):
            shape = next(iter(shape.values()))
        given = {"shape": shape} if shape is not None else {}
        return cls(shape=shape_of(dataset(given, "shape", where, cls.__name__)), metadata=metadata)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Input(_Port):
    """Graph input: ``y(t) = x(t)``; ``shape`` excludes batch and time."""


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Output(_Port):
    """Graph output: ``y(t) = x(t)``; ``shape`` excludes batch and time."""


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Flatten(Node):
    """Flatten dims ``start_dim..end_dim`` of the (batch-free) input shape."""

    index_map: ClassVar[bool] = True
    input_shape: Shape | None = None
    start_dim: int = 0
    end_dim: int = -1

    def __post_init__(self) -> None:
        if self.input_shape is not None:
            object.__setattr__(self, "input_shape",
                               shape_tuple(self.input_shape, node="Flatten", field_name="input_shape"))
        object.__setattr__(self, "start_dim", int(self.start_dim))
        object.__setattr__(self, "end_dim", int(self.end_dim))

    def expected_input_shape(self) -> Shape | None:
        return self.input_shape

    def output_shape(self, input_shape: Shape) -> Shape:
        input_shape = tuple(input_shape)
        super().output_shape(input_shape)
        n = len(input_shape)
        s = self.start_dim + n if self.start_dim < 0 else self.start_dim
        e = self.end_dim + n if self.end_dim < 0 else self.end_dim
        if not (0 <= s <= e < n):
            raise GraphError(f"start_dim={self.start_dim}, end_dim={self.end_dim} do not fit input {input_shape}",
                             where="Flatten", fix="dims index the shape without the batch dimension")
        return (*input_shape[:s], int(np.prod(input_shape[s:e + 1])), *input_shape[e + 1:])

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "Flatten", "start_dim": np.int64(self.start_dim),
                             "end_dim": np.int64(self.end_dim)}
        if self.input_shape is not None:
            d["input_type"] = np.array(self.input_shape, dtype=np.int64)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        it = d.get("input_type")
        if isinstance(it, dict):
            it = it.get("input")
        return cls(input_shape=None if it is None else shape_of(it), start_dim=one_int(d.get("start_dim", 1), "start_dim"),
                   end_dim=one_int(d.get("end_dim", -1), "end_dim"), metadata=metadata)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Identity(Node):
    r"""Identity :math:`y(t) = x(t)`: a point where several edges are summed, or one fans out.

    ``shape`` (optional) fixes the input shape. Plain NIR has no identity node: files carry a
    stand-in that computes the same (a ``Flatten`` of a 1-D shape, else a ``Scale`` by ones)
    plus ``metadata/neurokit_type = "Identity"``; older neurokit files used such a ``Flatten``
    and still read (as ``Flatten``, which computes the same).
    """

    index_map: ClassVar[bool] = True
    shape: Shape | None = None

    def __post_init__(self) -> None:
        if self.shape is not None:
            object.__setattr__(self, "shape", shape_tuple(self.shape, node="Identity", field_name="shape"))

    def expected_input_shape(self) -> Shape | None:
        return self.shape

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        shape = self.shape if self.shape is not None or not plain else in_shape
        if shape is None and in_shape is not None and len(in_shape) > 1:
            shape = in_shape  # a Flatten would change the shape: the Scale stand-in needs it
        if shape is None or len(shape) == 1:
            d: dict[str, Any] = {"type": "Flatten", "start_dim": np.int64(0), "end_dim": np.int64(-1)}
            if shape is not None:
                d["input_type"] = np.array(shape, dtype=np.int64)
            return d
        return {"type": "Scale", "scale": np.ones(shape)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        if "scale" in d:
            return cls(shape=np.shape(d["scale"]), metadata=metadata)
        it = d.get("input_type")
        if isinstance(it, dict):
            it = it.get("input")
        return cls(shape=None if it is None else shape_of(it), metadata=metadata)
