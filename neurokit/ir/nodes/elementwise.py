"""Elementwise nodes, one parameter per element: ``Scale``, ``Delay`` (stateful) and ``Threshold`` (spiking)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Node, Shape, register_node
from .params import param_array


@dataclass(frozen=True, kw_only=True, eq=False)
class _Elementwise(Node):
    #: the array field holding one value per element (it fixes the input shape)
    parameter: ClassVar[str]
    non_negative: ClassVar[bool] = False

    def __post_init__(self) -> None:
        value = param_array(getattr(self, self.parameter), node=self.type_name, field=self.parameter,
                            allow_negative=not self.non_negative)
        object.__setattr__(self, self.parameter, value)

    def expected_input_shape(self) -> Shape:
        return getattr(self, self.parameter).shape  # type: ignore[no-any-return]


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Scale(_Elementwise):
    r"""Elementwise scaling :math:`y(t) = s \odot x(t)`."""

    parameter: ClassVar[str] = "scale"
    scale: np.ndarray


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Delay(_Elementwise):
    r"""Per-element delay :math:`y_i(t) = x_i(t - d_i)`, ``delay`` in seconds (whole steps)."""

    stateful: ClassVar[bool] = True
    parameter: ClassVar[str] = "delay"
    non_negative: ClassVar[bool] = True
    delay: np.ndarray


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Threshold(_Elementwise):
    r"""Heaviside :math:`z = H(x - \theta)` (``>`` or ``>=`` per the profile's spike rule)."""

    spiking: ClassVar[bool] = True
    parameter: ClassVar[str] = "threshold"
    threshold: np.ndarray
