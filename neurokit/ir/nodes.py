r"""IR primitives: one frozen, keyword-only dataclass per node type.

Every node of NIR 1.0 is here with NIR's field names (``tau``, ``r``, ``v_leak``,
``v_threshold`` …), plus two neurokit extensions that plain NIR cannot express:

* ``SparseLinear`` — CSR connectivity with optional per-synapse delays;
* ``t_refrac`` on spiking neurons — an absolute refractory period in seconds.

Parameters are read-only NumPy arrays, validated on construction: NaN/inf, negative time
constants and mismatched shapes raise :class:`neurokit.errors.GraphError`. Edits return new
objects (``node.replace(tau=...)``). The dynamics of each neuron are defined once, for a given
execution profile, in :mod:`neurokit.dynamics`.

Signals are time-stepped with step ``dt`` (from the :class:`~neurokit.ir.profile.Profile`);
the value on an edge during a step is held constant over that step (a spike is a box of
height 1 and length ``dt``), which is the convention of the NIR paper's reference traces.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from neurokit.errors import GraphError

from ._params import int_tuple, param_array, same_shapes

Shape = tuple[int, ...]


def _shape(value: Any, *, node: str, field_name: str) -> Shape:
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind not in "iuf" or np.any(arr != np.round(arr)) or np.any(arr < 1):
        raise GraphError(f"{field_name} must be positive whole numbers, got {value!r}", where=node,
                         fix="give shapes as tuples of positive ints, e.g. (10,) or (2, 16, 16)")
    return tuple(int(v) for v in arr)


@dataclass(frozen=True, kw_only=True, eq=False)
class Node:
    """Base class of all IR nodes. ``stateful`` nodes may close recurrent loops."""

    stateful: ClassVar[bool] = False
    spiking: ClassVar[bool] = False
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


# ----------------------------------------------------------------------------- graph ports
@dataclass(frozen=True, kw_only=True, eq=False)
class Input(Node):
    """Graph input: ``y(t) = x(t)``; ``shape`` excludes batch and time."""

    shape: Shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, node="Input", field_name="shape"))

    def expected_input_shape(self) -> Shape:
        return self.shape


@dataclass(frozen=True, kw_only=True, eq=False)
class Output(Node):
    """Graph output: ``y(t) = x(t)``; ``shape`` excludes batch and time."""

    shape: Shape

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, node="Output", field_name="shape"))

    def expected_input_shape(self) -> Shape:
        return self.shape


# ----------------------------------------------------------------------------- synapses
def _check_matrix(weight: np.ndarray, node: str) -> None:
    if weight.ndim != 2:
        raise GraphError(f"weight must be 2-D (out, in), got shape {weight.shape}", where=node,
                         fix="reshape the weight to (n_out, n_in)")


@dataclass(frozen=True, kw_only=True, eq=False)
class Linear(Node):
    r"""Linear map :math:`y(t) = W x(t)`, ``weight`` of shape (out, in)."""

    weight: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", param_array(self.weight, node=self.type_name, field="weight"))
        _check_matrix(self.weight, self.type_name)

    def expected_input_shape(self) -> Shape:
        return (self.weight.shape[1],)

    def output_shape(self, input_shape: Shape) -> Shape:
        super().output_shape(input_shape)
        return (self.weight.shape[0],)


@dataclass(frozen=True, kw_only=True, eq=False)
class Affine(Node):
    r"""Affine map :math:`y(t) = W x(t) + b`; ``weight`` (out, in), ``bias`` (out,)."""

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


@dataclass(frozen=True, kw_only=True, eq=False)
class SparseLinear(Node):
    r"""Sparse linear map in CSR form, rows = presynaptic neurons (neurokit extension).

    :math:`y_j(t) = \sum_{i} \sum_{k \in \text{row}(i), \text{indices}_k = j} w_k\, x_i(t - d_k)`

    ``indptr`` (n_pre + 1,), ``indices`` (nnz,) postsynaptic targets, ``weight`` (nnz,), and an
    optional per-synapse ``delay`` (nnz,) in seconds (rounded to whole steps by the simulator).
    Rows by *presynaptic* neuron make event-driven propagation a contiguous read per spike.
    """

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

    @classmethod
    def from_dense(cls, weight: np.ndarray, **kw: Any) -> SparseLinear:
        """CSR (rows = pre) from a dense (out, in) weight, keeping the non-zeros."""
        w = np.asarray(weight)
        wt = w.T
        mask = wt != 0
        indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
        indices = np.nonzero(mask)[1]
        return cls(n_pre=w.shape[1], n_post=w.shape[0], indptr=indptr, indices=indices, weight=wt[mask], **kw)


@dataclass(frozen=True, kw_only=True, eq=False)
class Scale(Node):
    r"""Elementwise scaling :math:`y(t) = s \odot x(t)`."""

    scale: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", param_array(self.scale, node=self.type_name, field="scale"))

    def expected_input_shape(self) -> Shape:
        return self.scale.shape


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
                               _shape(self.input_shape, node=name, field_name="input_shape"))
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


@dataclass(frozen=True, kw_only=True, eq=False)
class Conv1d(_ConvNd):
    r"""1-D convolution :math:`y = W * x + b`; ``weight`` (C_out, C_in/groups, K)."""

    ndim: ClassVar[int] = 1


@dataclass(frozen=True, kw_only=True, eq=False)
class Conv2d(_ConvNd):
    r"""2-D convolution :math:`y = W * x + b`; ``weight`` (C_out, C_in/groups, K_h, K_w)."""

    ndim: ClassVar[int] = 2


@dataclass(frozen=True, kw_only=True, eq=False)
class _Pool2d(Node):
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


@dataclass(frozen=True, kw_only=True, eq=False)
class SumPool2d(_Pool2d):
    r"""Sum pooling: :math:`y_{c,i,j} = \sum_{(m,n) \in \text{window}(i,j)} x_{c,m,n}`."""


@dataclass(frozen=True, kw_only=True, eq=False)
class AvgPool2d(_Pool2d):
    r"""Average pooling: the sum pooling divided by the window size :math:`k_h k_w`."""


@dataclass(frozen=True, kw_only=True, eq=False)
class Flatten(Node):
    """Flatten dims ``start_dim..end_dim`` of the (batch-free) input shape."""

    input_shape: Shape | None = None
    start_dim: int = 0
    end_dim: int = -1

    def __post_init__(self) -> None:
        if self.input_shape is not None:
            object.__setattr__(self, "input_shape",
                               _shape(self.input_shape, node="Flatten", field_name="input_shape"))
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


@dataclass(frozen=True, kw_only=True, eq=False)
class Delay(Node):
    r"""Per-element delay :math:`y_i(t) = x_i(t - d_i)`, ``delay`` in seconds (whole steps)."""

    stateful: ClassVar[bool] = True
    delay: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "delay", param_array(self.delay, node="Delay", field="delay", allow_negative=False))

    def expected_input_shape(self) -> Shape:
        return self.delay.shape


@dataclass(frozen=True, kw_only=True, eq=False)
class Threshold(Node):
    r"""Heaviside :math:`z = H(x - \theta)` (``>`` or ``>=`` per the profile's spike rule)."""

    spiking: ClassVar[bool] = True
    threshold: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", param_array(self.threshold, node="Threshold", field="threshold"))

    def expected_input_shape(self) -> Shape:
        return self.threshold.shape


# ----------------------------------------------------------------------------- neurons
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

    def expected_input_shape(self) -> Shape:
        return next(iter(self.arrays().values())).shape


@dataclass(frozen=True, kw_only=True, eq=False)
class I(_Neuron):  # noqa: E742 - NIR's name
    r"""Integrator :math:`\dot v = R\, I`."""

    r: np.ndarray

    def __post_init__(self) -> None:
        _neuron_init(self, (), ("r",))


@dataclass(frozen=True, kw_only=True, eq=False)
class LI(_Neuron):
    r"""Leaky integrator :math:`\tau \dot v = (v_{leak} - v) + R\, I`; outputs ``v``."""

    tau: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau",), ("tau", "r", "v_leak"))


@dataclass(frozen=True, kw_only=True, eq=False)
class IF(_Neuron):
    r"""Integrate-and-fire :math:`\dot v = R\, I`, spike :math:`z = H(v - v_{th})`, then reset."""

    spiking: ClassVar[bool] = True
    r: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray | None = None
    t_refrac: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, (), ("r", "v_threshold", "v_reset", "t_refrac"), {"v_reset": 0.0, "t_refrac": 0.0})


@dataclass(frozen=True, kw_only=True, eq=False)
class LIF(_Neuron):
    r"""Leaky integrate-and-fire.

    :math:`\tau \dot v = (v_{leak} - v) + R\, I`, spike :math:`z = H(v - v_{th})`, reset per
    the profile (to ``v_reset``, or subtract ``v_threshold - v_reset``), then ``t_refrac``
    seconds during which ``v`` stays at ``v_reset``.
    """

    spiking: ClassVar[bool] = True
    tau: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray | None = None
    t_refrac: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau",), ("tau", "r", "v_leak", "v_threshold", "v_reset", "t_refrac"),
                     {"v_reset": 0.0, "t_refrac": 0.0})


@dataclass(frozen=True, kw_only=True, eq=False)
class CubaLI(_Neuron):
    r"""Current-based leaky integrator.

    :math:`\tau_{syn} \dot I = -I + w_{in} x`, :math:`\tau_{mem} \dot v = (v_{leak} - v) + R\, I`.
    """

    tau_syn: np.ndarray
    tau_mem: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    w_in: np.ndarray | None = None

    def __post_init__(self) -> None:
        _neuron_init(self, ("tau_syn", "tau_mem"), ("tau_syn", "tau_mem", "r", "v_leak", "w_in"), {"w_in": 1.0})


@dataclass(frozen=True, kw_only=True, eq=False)
class CubaLIF(_Neuron):
    r"""Current-based LIF.

    :math:`\tau_{syn} \dot I = -I + w_{in} x`, :math:`\tau_{mem} \dot v = (v_{leak} - v) + R\, I`,
    spike :math:`z = H(v - v_{th})`, reset and refractoriness as :class:`LIF`.
    """

    spiking: ClassVar[bool] = True
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


NEURON_TYPES: tuple[type[Node], ...] = (I, LI, IF, LIF, CubaLI, CubaLIF)
SYNAPSE_TYPES: tuple[type[Node], ...] = (Linear, Affine, SparseLinear, Conv1d, Conv2d)
Integration = Literal["euler", "exact", "fixed_point"]
