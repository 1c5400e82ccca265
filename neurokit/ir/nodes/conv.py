"""Convolutions (``Conv1d``, ``Conv2d``) and pooling (``SumPool2d``, ``AvgPool2d``), NIR's fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurokit.errors import GraphError

from .params import int_tuple, param_array
from .base import Node, Shape, as_str, dataset, one_int, register_node, shape_of, shape_tuple


def _conv_out(size: int, kernel: int, stride: int, pad: int, dil: int) -> int:
    return (size + 2 * pad - dil * (kernel - 1) - 1) // stride + 1


def _resolve_padding(padding: Any, kernel: tuple[int, ...], dilation: tuple[int, ...], node: str
                     ) -> tuple[int, ...] | str:
    if isinstance(padding, (bytes, np.bytes_)):
        padding = padding.decode()
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise GraphError(f"padding must be 'same', 'valid' or ints, got {padding!r}", where=node,
                             fix="use padding='same', 'valid' or whole numbers")
        return padding
    return int_tuple(padding, len(kernel), node=node, field="padding")


def _padding_values(padding: tuple[int, ...] | str, kernel: tuple[int, ...], dilation: tuple[int, ...]
                    ) -> tuple[int, ...]:
    if padding == "valid":
        return tuple(0 for _ in kernel)
    if padding == "same":
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return padding  # type: ignore[return-value]


@dataclass(frozen=True, kw_only=True, eq=False)
class _ConvNd(Node):
    linear: ClassVar[bool] = True
    weighted: ClassVar[bool] = True

    weight: np.ndarray
    bias: np.ndarray
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    input_shape: Shape | None = None  # spatial input size, as NIR's ``input_shape``

    ndim: ClassVar[int] = 1

    def __post_init__(self) -> None:
        name = self.type_name
        w = param_array(self.weight, node=name, field="weight")
        object.__setattr__(self, "weight", w)
        if w.ndim != 2 + self.ndim:
            raise GraphError(f"weight must have {2 + self.ndim} dims (C_out, C_in/groups, kernel…), got {w.shape}",
                             where=name, fix="check the exporter's weight layout")
        b = param_array(self.bias, node=name, field="bias")
        if b.ndim == 0:
            b = param_array(np.full(w.shape[0], float(b), dtype=w.dtype), node=name, field="bias")
        if b.shape != (w.shape[0],):
            raise GraphError(f"bias shape {b.shape} must be ({w.shape[0]},)", where=name,
                             fix="give one bias per output channel")
        object.__setattr__(self, "bias", b)
        kernel = w.shape[2:]
        object.__setattr__(self, "stride", int_tuple(self.stride, self.ndim, node=name, field="stride", minimum=1))
        object.__setattr__(self, "dilation", int_tuple(self.dilation, self.ndim, node=name, field="dilation", minimum=1))
        object.__setattr__(self, "padding", _resolve_padding(self.padding, kernel, self.dilation, name))
        if self.padding == "same" and max(self.stride) > 1:
            raise GraphError("padding='same' is ambiguous with stride > 1", where=name,
                             fix="give explicit integer padding (as PyTorch requires too)")
        if self.padding == "same" and any(d * (k - 1) % 2 for k, d in zip(kernel, self.dilation)):
            raise GraphError("padding='same' with an even kernel extent needs asymmetric padding", where=name,
                             fix="use an odd kernel size, or explicit padding")
        groups = int(self.groups)
        if groups < 1 or w.shape[0] % groups:
            raise GraphError(f"groups={self.groups} must be >= 1 and divide C_out={w.shape[0]}", where=name,
                             fix="use a groups value that divides the channel counts")
        object.__setattr__(self, "groups", groups)
        if self.input_shape is not None:
            object.__setattr__(self, "input_shape",
                               shape_tuple(self.input_shape, node=name, field_name="input_shape"))
            if len(self.input_shape) != self.ndim:
                raise GraphError(f"input_shape must have {self.ndim} entries, got {self.input_shape}",
                                 where=name, fix="give the spatial input size without the channel")

    @property
    def in_channels(self) -> int:
        return int(self.weight.shape[1] * self.groups)

    @property
    def pads(self) -> tuple[int, ...]:
        """Padding as explicit integers per spatial dimension."""
        return _padding_values(self.padding, self.weight.shape[2:], self.dilation)

    def expected_input_shape(self) -> Shape | None:
        if self.input_shape is None:
            return None
        return (self.in_channels, *self.input_shape)

    def output_shape(self, input_shape: Shape) -> Shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 1 + self.ndim or input_shape[0] != self.in_channels:
            raise GraphError(f"input shape {input_shape} must be (C_in={self.in_channels}, {self.ndim} spatial dims)",
                             where=self.type_name, fix="check the preceding node's output shape")
        super().output_shape(input_shape)
        spatial = tuple(_conv_out(s, k, st, p, d) for s, k, st, p, d in
                        zip(input_shape[1:], self.weight.shape[2:], self.stride, self.pads, self.dilation))
        if min(spatial) < 1:
            raise GraphError(f"output would be empty for input {input_shape}", where=self.type_name,
                             fix="use a smaller kernel/stride or a larger input")
        return (int(self.weight.shape[0]), *spatial)

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        node = self
        if plain and in_shape is not None and self.input_shape is None:  # nir needs the input shape
            node = self.replace(input_shape=tuple(in_shape[1:]))  # type: ignore[assignment]
        one = self.ndim == 1  # NIR's Conv1d holds scalars
        d = {"type": self.type_name, "weight": self.weight, "bias": self.bias,
             "stride": np.int64(self.stride[0]) if one else np.array(self.stride),
             "dilation": np.int64(self.dilation[0]) if one else np.array(self.dilation),
             "groups": np.int64(self.groups),
             "padding": self.padding if isinstance(self.padding, str) else
             (np.int64(self.padding[0]) if one else np.array(self.padding))}
        if node.input_shape is not None:
            d["input_shape"] = np.int64(node.input_shape[0]) if one else np.array(node.input_shape, dtype=np.int64)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        pad = d.get("padding", 0)
        pad = as_str(pad) if isinstance(pad, (bytes, str, np.bytes_)) else pad
        ishape = d.get("input_shape")
        return cls(weight=dataset(d, "weight", where, cls.__name__), bias=d.get("bias", 0.0),
                   stride=d.get("stride", 1), padding=pad, dilation=d.get("dilation", 1),
                   groups=one_int(d.get("groups", 1), "groups"),
                   input_shape=None if ishape is None else shape_of(ishape, "input_shape"), metadata=metadata)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Conv1d(_ConvNd):
    r"""1-D convolution :math:`y = W * x + b`; ``weight`` (C_out, C_in/groups, K)."""

    ndim: ClassVar[int] = 1


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Conv2d(_ConvNd):
    r"""2-D convolution :math:`y = W * x + b`; ``weight`` (C_out, C_in/groups, K_h, K_w)."""

    ndim: ClassVar[int] = 2


@dataclass(frozen=True, kw_only=True, eq=False)
class _Pool2d(Node):
    linear: ClassVar[bool] = True

    kernel_size: Any
    stride: Any = None
    padding: Any = 0

    def __post_init__(self) -> None:
        name = self.type_name
        k = int_tuple(self.kernel_size, 2, node=name, field="kernel_size", minimum=1)
        object.__setattr__(self, "kernel_size", k)
        stride = k if self.stride is None else self.stride
        object.__setattr__(self, "stride", int_tuple(stride, 2, node=name, field="stride", minimum=1))
        object.__setattr__(self, "padding", int_tuple(self.padding, 2, node=name, field="padding"))

    def output_shape(self, input_shape: Shape) -> Shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise GraphError(f"input shape {input_shape} must be (C, H, W)", where=self.type_name,
                             fix="pool a 3-D (channel, height, width) signal")
        spatial = tuple(_conv_out(s, k, st, p, 1) for s, k, st, p in
                        zip(input_shape[1:], self.kernel_size, self.stride, self.padding))
        if min(spatial) < 1:
            raise GraphError(f"output would be empty for input {input_shape}", where=self.type_name,
                             fix="use a smaller kernel or stride")
        return (input_shape[0], *spatial)

    def to_dict(self, *, plain: bool = False, max_dense: int = 50_000_000,
                in_shape: Shape | None = None) -> dict[str, Any]:
        return {"type": self.type_name, "kernel_size": np.array(self.kernel_size), "stride": np.array(self.stride),
                "padding": np.array(self.padding)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str, metadata: dict[str, Any]) -> Node:
        return cls(kernel_size=dataset(d, "kernel_size", where, cls.__name__), stride=d.get("stride"),
                   padding=d.get("padding", 0), metadata=metadata)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class SumPool2d(_Pool2d):
    r"""Sum pooling: :math:`y_{c,i,j} = \sum_{(m,n) \in \text{window}(i,j)} x_{c,m,n}`."""


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class AvgPool2d(_Pool2d):
    r"""Average pooling: the sum pooling divided by the window size :math:`k_h k_w`."""
