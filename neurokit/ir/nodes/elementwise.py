"""Elementwise nodes with state or spikes but no weights: ``Delay`` and ``Threshold``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .params import param_array
from .base import Node, Shape, register_node


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Delay(Node):
    r"""Per-element delay :math:`y_i(t) = x_i(t - d_i)`, ``delay`` in seconds (whole steps)."""

    stateful: ClassVar[bool] = True
    delay: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "delay", param_array(self.delay, node="Delay", field="delay", allow_negative=False))

    def expected_input_shape(self) -> Shape:
        return self.delay.shape


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class Threshold(Node):
    r"""Heaviside :math:`z = H(x - \theta)` (``>`` or ``>=`` per the profile's spike rule)."""

    spiking: ClassVar[bool] = True
    threshold: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", param_array(self.threshold, node="Threshold", field="threshold"))

    def expected_input_shape(self) -> Shape:
        return self.threshold.shape
