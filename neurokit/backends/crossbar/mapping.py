r"""Weights onto the arrays of a crossbar chip: the stationary matrix of each layer, tiled over
arrays of ``rows x cols`` cells; differential conductance pairs, DAC/ADC quantization, first-order
IR drop and drift compensation applied per array; partial sums added digitally.

**Stationary matrix.** A layer keeps one matrix on its arrays and applies input vectors to it:

* a dense layer (``Linear``, ``Affine``, ``SparseLinear``) its weights, ``rows = in``,
  ``cols = out``, one input vector per step;
* a convolution its kernel matrix (as ``im2col`` in aihwkit's analog convolutions and in IBM's
  HERMES chip): per group, ``rows = C_in/groups x prod(kernel)``, ``cols = C_out/groups``; each
  step every output position's receptive-field patch is one input vector (one MVM), applied one
  after another to the same arrays (weight-stationary, no kernel replication).

**Tiling.** The matrix of group ``g`` is cut into ``ceil(rows/R) x ceil(cols/C)`` arrays
(:func:`arrays_needed`). An input vector drives only the rows whose input is non-zero
(event-driven); every array with a driven row converts its ``C`` column currents with its own
column ADCs (``adc_bits`` over :math:`\pm` ``adc_range`` x rows-of-the-array x :math:`g_{max}`),
and the digital periphery adds the partial sums of the arrays of one column stripe:

:math:`y = \frac{w_{max}}{g_{max}} \sum_{r} \alpha_{r,c}\, \mathrm{ADC}\big(x_{rows_r} (G^+ - G^-)_{rows_r, cols_c}\big) + b`

with :math:`G^\pm = \max(\pm W, 0)\, g_{max} / w_{max}`, :math:`w_{max} = \max |W|` over the layer,
and :math:`\alpha_{r,c}` the drift compensation of array ``(r, c)`` (its conductance sum at
programming over its sum now). IR drop (``ir_drop`` :math:`\rho > 0`): a cell at row ``i``, column
``j`` of its array conducts :math:`1/(1 + \rho\, (i + j)/(R + C))` of its value.

On an ideal device with ideal converters every step above is exact; tiling only regroups the
sum (bit-identical when the products and partial sums are exact in float64, e.g. dyadic weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from neurokit import ir

from .cost import OPERATIONS
from .devices import Device

#: nodes whose weights go onto arrays
DENSE = (ir.Linear, ir.Affine, ir.SparseLinear)
CONV = (ir.Conv1d, ir.Conv2d)


@dataclass(frozen=True)
class Periphery:
    """Array geometry, converter precisions and non-idealities of the array periphery."""

    tile_rows: int = 256
    tile_cols: int = 256
    adc_bits: int = 0          # 0 = infinite precision
    adc_range: float = 0.25    # full scale as a fraction of rows x g_max
    dac_bits: int = 0          # 0 = infinite precision (spikes are exact at any precision)
    ir_drop: float = 0.0
    drift_compensation: bool = True


@dataclass(frozen=True)
class StationaryMatrix:
    """A linear node as its arrays see it.

    ``weight`` ``(G, rows, cols)``; ``patches`` ``(G, P, rows)``: indices into the flattened
    input of each of the ``P`` input vectors (``n_in`` = a zero: padding); ``outputs``
    ``(G, P, cols)``: where each column of each vector lands in the flattened output; ``bias``
    per flattened output (digital) or ``None``."""

    weight: np.ndarray
    patches: np.ndarray
    outputs: np.ndarray
    n_in: int
    n_out: int
    bias: np.ndarray | None

    @property
    def groups(self) -> int:
        return int(self.weight.shape[0])


def stationary_matrix(node: ir.Node, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
                      dt: float) -> StationaryMatrix:
    """The matrix a dense layer or a convolution keeps on its arrays, and how inputs meet it."""
    n_in, n_out = int(np.prod(in_shape)), int(np.prod(out_shape))
    if isinstance(node, CONV):
        return _conv_matrix(node, tuple(in_shape), tuple(out_shape))
    if not isinstance(node, DENSE):
        raise TypeError(f"{node.type_name} is not a dense layer or a convolution")
    from neurokit.ir.passes import node_to_csr

    csr = node_to_csr(node, in_shape, out_shape, dt)
    w = np.zeros((csr.n_pre, csr.n_post))
    pre = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
    np.add.at(w, (pre, csr.indices), csr.weight)
    return StationaryMatrix(weight=w[None], patches=np.arange(n_in)[None, None, :],
                            outputs=np.arange(n_out)[None, None, :], n_in=n_in, n_out=n_out, bias=csr.bias)


def _conv_matrix(node: ir.Conv1d | ir.Conv2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
                 ) -> StationaryMatrix:
    w = np.asarray(node.weight, dtype=np.float64)
    c_out, c_in_g, kernel = w.shape[0], w.shape[1], w.shape[2:]
    groups, nd = node.groups, len(kernel)
    o_per_g = c_out // groups
    in_sp, out_sp = in_shape[1:], out_shape[1:]
    n_in, n_pos = int(np.prod(in_shape)), int(np.prod(out_sp))
    pos = np.stack(np.meshgrid(*[np.arange(s) for s in out_sp], indexing="ij"), -1).reshape(-1, nd)
    offsets = np.stack(np.meshgrid(*[np.arange(k) for k in kernel], indexing="ij"), -1).reshape(-1, nd)
    src = (pos[:, None, :] * np.array(node.stride) + offsets[None, :, :] * np.array(node.dilation)
           - np.array(node.pads))                                                     # (P, K, nd)
    valid = np.all((src >= 0) & (src < np.array(in_sp)), axis=2)
    spatial = np.ravel_multi_index(tuple(np.where(valid[..., None], src, 0).transpose(2, 0, 1)), in_sp)  # (P, K)
    per_channel = int(np.prod(in_sp))
    weights, patches, outputs = [], [], []
    for g in range(groups):
        channels = g * c_in_g + np.arange(c_in_g)
        idx = channels[None, :, None] * per_channel + spatial[:, None, :]           # (P, c_in_g, K)
        patches.append(np.where(valid[:, None, :], idx, n_in).reshape(n_pos, -1))
        wg = w[g * o_per_g:(g + 1) * o_per_g].reshape(o_per_g, c_in_g * len(offsets))
        weights.append(wg.T)                                                        # (c_in_g K, o_per_g)
        outs = (g * o_per_g + np.arange(o_per_g))[None, :] * n_pos + np.arange(n_pos)[:, None]
        outputs.append(outs)                                                        # (P, o_per_g)
    bias = np.repeat(np.asarray(node.bias, dtype=np.float64), n_pos)
    return StationaryMatrix(weight=np.stack(weights), patches=np.stack(patches), outputs=np.stack(outputs),
                            n_in=n_in, n_out=int(np.prod(out_shape)), bias=bias if np.any(bias) else None)


def matrix_shape(node: ir.Node, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(G, rows, cols)`` of :func:`stationary_matrix` without building it."""
    if isinstance(node, CONV):
        w = node.weight
        return int(node.groups), int(w.shape[1] * np.prod(w.shape[2:])), int(w.shape[0] // node.groups)
    return 1, int(np.prod(in_shape)), int(np.prod(out_shape))


def arrays_needed(weight_shape: tuple[int, ...], periph: Periphery) -> int:
    """Arrays of ``tile_rows x tile_cols`` a ``(G, rows, cols)`` stationary matrix occupies."""
    groups, rows, cols = weight_shape
    return int(groups * math.ceil(rows / periph.tile_rows) * math.ceil(cols / periph.tile_cols))


def target_conductances(weight: np.ndarray, device: Device) -> tuple[np.ndarray, np.ndarray, float]:
    """``(G+, G-, w_max)`` for a stationary matrix (any shape, inputs along the rows)."""
    w = np.asarray(weight, dtype=np.float64)
    w_max = float(np.abs(w).max()) if w.size else 1.0
    w_max = w_max or 1.0
    if device.kind == "ideal":  # conductance units = weight units: the mapping is exactly invertible
        return np.clip(w, 0, None), np.clip(-w, 0, None), device.g_max
    scale = device.g_max / w_max
    return np.clip(w, 0, None) * scale, np.clip(-w, 0, None) * scale, w_max


def ir_drop_factor(rows: int, cols: int, rho: float) -> np.ndarray:
    """Attenuation of each cell of an array by the first-order IR-drop model."""
    if rho <= 0:
        return np.ones((rows, cols))
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return 1.0 / (1.0 + rho * (i + j) / (rows + cols))


def per_array(shape: tuple[int, ...], periph: Periphery) -> list[tuple[int, slice, slice]]:
    """``(group, row slice, column slice)`` of every array of a ``(G, rows, cols)`` matrix."""
    groups, rows, cols = shape
    return [(g, slice(r0, min(r0 + periph.tile_rows, rows)), slice(c0, min(c0 + periph.tile_cols, cols)))
            for g in range(groups) for r0 in range(0, rows, periph.tile_rows) for c0 in range(0, cols, periph.tile_cols)]


def quantize(x: np.ndarray, bits: int, full_scale: float) -> np.ndarray:
    """Symmetric uniform quantizer with ``2^bits - 1`` levels over ``±full_scale`` (clipping)."""
    if bits <= 0:
        return x
    step = 2 * full_scale / (2**bits - 2)
    return np.clip(np.round(x / step) * step, -full_scale, full_scale)


@dataclass
class TiledLayer:
    """A programmed layer: effective conductances ``(G, rows, cols)`` (IR drop applied), the
    per-array drift compensation ``alpha`` (same shape, constant over each array), the patches."""

    g_eff: np.ndarray
    w_max: float
    g_max: float
    matrix: StationaryMatrix
    periph: Periphery
    alpha: np.ndarray | None = None
    counts: dict[str, float] = field(default_factory=dict)

    def reset_counts(self) -> None:
        """Zero the operation counters (see :meth:`__call__`)."""
        self.counts = dict.fromkeys(OPERATIONS, 0.0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        r"""Event-driven tiled MVMs of a batch ``(B, n_in)`` -> ``(B, n_out)``.

        Counts, summed over the batch (an *MVM* is one input vector with a non-zero entry:
        one per step for a dense layer, one per active receptive field for a convolution):
        ``mvms`` (sequential array reads of the layer), ``cell_macs`` (driven row x column),
        ``dac`` (driven rows x arrays along the row), ``adc`` (columns of arrays with a driven
        row), ``tile_reads`` (arrays with a driven row), ``digital_adds`` (partial sums of one
        column added to another: arrays read in a column stripe minus one, per column) and
        ``accumulate_levels`` (depth of that adder tree, :math:`\lceil \log_2 n \rceil` for
        ``n`` arrays read in a stripe, per MVM)."""
        p, m = self.periph, self.matrix
        if not self.counts:
            self.reset_counts()
        if p.dac_bits > 0:
            xmax = float(np.abs(x).max()) or 1.0
            x = quantize(x, p.dac_bits, xmax)
        batch = x.shape[0]
        xpad = np.concatenate([x, np.zeros((batch, 1), dtype=x.dtype)], axis=1)
        y = np.zeros((batch, m.n_out))
        groups, rows, cols = self.g_eff.shape
        scale = self.w_max / self.g_max
        for g in range(groups):
            vec = xpad[:, m.patches[g]].reshape(-1, rows)                 # (B * P, rows)
            nonzero = vec != 0
            self.counts["mvms"] += float(np.any(nonzero, axis=1).sum())
            out = np.zeros((vec.shape[0], cols))
            stripes = np.zeros(vec.shape[0])
            for r0 in range(0, rows, p.tile_rows):
                r1 = min(r0 + p.tile_rows, rows)
                driven = nonzero[:, r0:r1].sum(axis=1)
                read = driven > 0
                stripes += read
                self.counts["cell_macs"] += float(driven.sum()) * cols
                self.counts["dac"] += float(driven.sum()) * math.ceil(cols / p.tile_cols)
                self.counts["adc"] += float(read.sum()) * cols
                self.counts["tile_reads"] += float(read.sum()) * math.ceil(cols / p.tile_cols)
                active_rows = r0 + np.nonzero(np.any(nonzero[:, r0:r1], axis=0))[0]
                if len(active_rows) == 0:
                    continue
                full = p.adc_range * (r1 - r0) * self.g_max
                for c0 in range(0, cols, p.tile_cols):
                    c1 = min(c0 + p.tile_cols, cols)
                    part = quantize(vec[:, active_rows] @ self.g_eff[g, active_rows, c0:c1], p.adc_bits, full)
                    if self.alpha is not None:
                        part = part * self.alpha[g, r0, c0]
                    out[:, c0:c1] += part
            self.counts["digital_adds"] += float(np.clip(stripes - 1, 0, None).sum()) * cols
            self.counts["accumulate_levels"] += float(np.ceil(np.log2(np.maximum(stripes, 1))).sum())
            y[:, m.outputs[g].reshape(-1)] = (out * scale).reshape(batch, -1)
        return y + m.bias if m.bias is not None else y


@dataclass
class DigitalPool:
    """Sum/average pooling in the digital periphery (no arrays); counts one ``digital_adds`` per
    non-zero input per window it falls in."""

    node: ir.SumPool2d | ir.AvgPool2d
    in_shape: tuple[int, ...]
    counts: dict[str, float] = field(default_factory=dict)

    def reset_counts(self) -> None:
        self.counts = dict.fromkeys(OPERATIONS, 0.0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        from neurokit.dynamics.synapses import pool

        if not self.counts:
            self.reset_counts()
        windows = math.prod(math.ceil(k / s) for k, s in zip(self.node.kernel_size, self.node.stride))
        self.counts["digital_adds"] += float(np.count_nonzero(x)) * windows
        y = pool(x.reshape(x.shape[0], *self.in_shape), self.node)
        return y.reshape(x.shape[0], -1)
