r"""Neuron populations, NIR's six types with NIR's field names, plus ``t_refrac`` (neurokit's
absolute refractory period in seconds, stored as ``metadata/neurokit_t_refrac``), and
:class:`BetaLIF` (snnTorch's ``Leaky``, the worked example of ``docs/dev/adding-a-node.md``). Their
discretisation for a given profile is :mod:`neurokit.dynamics.discretisation`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from neurokit.errors import GraphError

from .params import param_array, same_shapes
from .base import Node, Shape, register_node


def _neuron_init(node: Node, positive: tuple[str, ...], fields: tuple[str, ...],
                 defaults: dict[str, float] | None = None) -> None:
    name = node.type_name
    arrays = {}
    for f in fields:
        value = getattr(node, f)
        if value is None and defaults and f in defaults:
            ref = arrays.get("v_threshold", next(iter(arrays.values()), None))
            value = np.full(ref.shape if ref is not None else (), defaults[f],
                            dtype=ref.dtype if ref is not None else np.float64)
        arr = param_array(value, node=name, field=f, positive=f in positive,
                          allow_negative=f != "t_refrac")
        arrays[f] = arr
    shape = same_shapes(name, **arrays)
    for f, arr in arrays.items():
        object.__setattr__(node, f, arr)
    if len(shape) == 0:
        raise GraphError("neuron parameters must be arrays with one value per neuron, got scalars", where=name,
                         fix="wrap scalars as np.full((n,), value)")


@dataclass(frozen=True, kw_only=True, eq=False)
class _Neuron(Node):
    stateful: ClassVar[bool] = True
    neuron: ClassVar[bool] = True

    def expected_input_shape(self) -> Shape:
        return next(iter(self.arrays().values())).shape


@dataclass(frozen=True, kw_only=True, eq=False)
class _SpikingNeuron(_Neuron):
    spiking: ClassVar[bool] = True
    extension_fields: ClassVar[tuple[str, ...]] = ("t_refrac",)


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class I(_Neuron):  # noqa: E742 - NIR's name
    r"""Integrator :math:`\dot v = R\, I`."""

    r: np.ndarray

    def __post_init__(self) -> None:
        _neuron_init(self, (), ("r",))


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class LI(_Neuron):
    r"""Leaky integrator :math:`\tau \dot v = (v_{leak} - v) + R\, I`; outputs ``v``."""

    tau: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau",), ("tau", "r", "v_leak"))


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class IF(_SpikingNeuron):
    r"""Integrate-and-fire :math:`\dot v = R\, I`, spike :math:`z = H(v - v_{th})`, then reset."""

    r: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray | None = None
    t_refrac: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, (), ("r", "v_threshold", "v_reset", "t_refrac"), {"v_reset": 0.0, "t_refrac": 0.0})


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class LIF(_SpikingNeuron):
    r"""Leaky integrate-and-fire.

    :math:`\tau \dot v = (v_{leak} - v) + R\, I`, spike :math:`z = H(v - v_{th})`, reset per
    the profile (to ``v_reset``, or subtract ``v_threshold - v_reset``), then ``t_refrac``
    seconds during which ``v`` stays at ``v_reset``.
    """

    tau: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray | None = None
    t_refrac: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau",), ("tau", "r", "v_leak", "v_threshold", "v_reset", "t_refrac"),
                     {"v_reset": 0.0, "t_refrac": 0.0})


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class CubaLI(_Neuron):
    r"""Current-based leaky integrator.

    :math:`\tau_{syn} \dot I = -I + w_{in} x`, :math:`\tau_{mem} \dot v = (v_{leak} - v) + R\, I`.
    """

    current_based: ClassVar[bool] = True
    tau_syn: np.ndarray
    tau_mem: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    w_in: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau_syn", "tau_mem"), ("tau_syn", "tau_mem", "r", "v_leak", "w_in"), {"w_in": 1.0})


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class CubaLIF(_SpikingNeuron):
    r"""Current-based LIF.

    :math:`\tau_{syn} \dot I = -I + w_{in} x`, :math:`\tau_{mem} \dot v = (v_{leak} - v) + R\, I`,
    spike :math:`z = H(v - v_{th})`, reset and refractoriness as :class:`LIF`.
    """

    current_based: ClassVar[bool] = True
    tau_syn: np.ndarray
    tau_mem: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray | None = None
    w_in: np.ndarray | None = None
    t_refrac: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau_syn", "tau_mem"),
                     ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in", "t_refrac"),
                     {"v_reset": 0.0, "w_in": 1.0, "t_refrac": 0.0})


@register_node
@dataclass(frozen=True, kw_only=True, eq=False)
class BetaLIF(_SpikingNeuron):
    r"""LIF with a per-step decay (snnTorch's ``Leaky``): :math:`v_t = \beta v_{t-1} + x_t`, spike
    :math:`z = H(v - v_{th})`, then the profile's reset and ``t_refrac``; :math:`0 \le \beta \le 1`."""

    beta: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray | None = None
    t_refrac: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, (), ("beta", "v_threshold", "v_reset", "t_refrac"), {"v_reset": 0.0, "t_refrac": 0.0})
        if np.any((self.beta < 0) | (self.beta > 1)):
            raise GraphError("beta must lie in [0, 1]", where="BetaLIF", fix="clip beta to [0, 1] (snnTorch clamps it)")
