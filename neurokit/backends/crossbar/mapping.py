r"""Weights onto tiles of a crossbar: differential conductance pairs, tiles with partial sums,
DAC/ADC quantization, first-order IR drop, global drift compensation.

For a layer with weights :math:`W` (out x in): :math:`G^\pm = \max(\pm W, 0)\, g_{max} / w_{max}`,
:math:`w_{max} = \max |W|`. A tile holds ``rows x cols`` cells; an input vector drives only the
rows whose input is non-zero (event-driven); each tile's column currents are digitised by an ADC
of ``adc_bits`` over :math:`\pm` ``adc_range`` x rows x :math:`g_{max}`, then summed digitally:

:math:`y = \alpha\, \frac{w_{max}}{g_{max}} \sum_{tiles} \mathrm{ADC}(x_{rows} (G^+ - G^-)_{rows, cols}) + b`

with :math:`\alpha` the global drift compensation (read of a reference input at ``t0`` vs now).
IR drop (``ir_drop`` > 0): a cell's effective conductance is reduced by
:math:`1/(1 + \rho\, (i + j)/(R + C))` with :math:`i, j` its row and column in the tile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .cost import OPERATIONS
from .devices import Device


@dataclass(frozen=True)
class Periphery:
    """Converter precisions and non-idealities of the tile periphery."""

    tile_rows: int = 256
    tile_cols: int = 256
    adc_bits: int = 0          # 0 = infinite precision
    adc_range: float = 0.25    # full scale as a fraction of rows x g_max
    dac_bits: int = 0          # 0 = infinite precision (spikes are exact at any precision)
    ir_drop: float = 0.0
    drift_compensation: bool = True


def target_conductances(weight: np.ndarray, device: Device) -> tuple[np.ndarray, np.ndarray, float]:
    """``(G+, G-, w_max)`` for a weight matrix ``(out, in)``; stored transposed ``(in, out)``."""
    w = np.asarray(weight, dtype=np.float64).T
    w_max = float(np.abs(w).max()) or 1.0
    if device.kind == "ideal":  # conductance units = weight units: the mapping is exactly invertible
        return np.clip(w, 0, None), np.clip(-w, 0, None), device.g_max
    scale = device.g_max / w_max
    return np.clip(w, 0, None) * scale, np.clip(-w, 0, None) * scale, w_max


def ir_drop_factor(rows: int, cols: int, rho: float) -> np.ndarray:
    """Attenuation of each cell of a tile by the first-order IR-drop model."""
    if rho <= 0:
        return np.ones((rows, cols))
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return 1.0 / (1.0 + rho * (i + j) / (rows + cols))


def quantize(x: np.ndarray, bits: int, full_scale: float) -> np.ndarray:
    """Symmetric uniform quantizer with ``2^bits - 1`` levels over ``±full_scale`` (clipping)."""
    if bits <= 0:
        return x
    step = 2 * full_scale / (2**bits - 2)
    return np.clip(np.round(x / step) * step, -full_scale, full_scale)


@dataclass
class TiledLayer:
    """A programmed layer: effective conductances per tile and the digital scale/bias."""

    g_eff: np.ndarray           # (in, out) G+ - G- at the read time, IR drop applied
    w_max: float
    g_max: float
    bias: np.ndarray | None
    periph: Periphery
    alpha: float = 1.0
    counts: dict[str, float] = field(default_factory=dict)

    def reset_counts(self) -> None:
        """Zero the operation counters (see :meth:`__call__`)."""
        self.counts = dict.fromkeys(OPERATIONS, 0.0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Event-driven MVM of a batch ``(B, in)``.

        Counts, summed over the samples of the batch: ``cell_macs`` (driven row x column),
        ``dac`` (driven rows, per column tile), ``adc`` (columns converted by tiles with a driven
        row), ``tile_reads`` (tiles with a driven row), ``active_sample_steps`` (samples for which
        the layer had any input this step: each costs one tile-MVM latency)."""
        p = self.periph
        if not self.counts:
            self.reset_counts()
        if p.dac_bits > 0:
            xmax = float(np.abs(x).max()) or 1.0
            x = quantize(x, p.dac_bits, xmax)
        nonzero = x != 0
        active = np.nonzero(np.any(nonzero, axis=0))[0]
        n_in, n_out = self.g_eff.shape
        col_tiles = -(-n_out // p.tile_cols)
        self.counts["active_sample_steps"] += float(np.any(nonzero, axis=1).sum())
        y = np.zeros((x.shape[0], n_out))
        for r0 in range(0, n_in, p.tile_rows):
            driven = nonzero[:, r0:r0 + p.tile_rows].sum(axis=1)
            self.counts["cell_macs"] += float(driven.sum()) * n_out
            self.counts["dac"] += float(driven.sum()) * col_tiles
            self.counts["adc"] += float((driven > 0).sum()) * n_out
            self.counts["tile_reads"] += float((driven > 0).sum()) * col_tiles
            rows = active[(active >= r0) & (active < r0 + p.tile_rows)]
            if len(rows) == 0:
                continue
            full = p.adc_range * min(p.tile_rows, n_in - r0) * self.g_max
            for c0 in range(0, n_out, p.tile_cols):
                part = x[:, rows] @ self.g_eff[rows, c0:c0 + p.tile_cols]
                y[:, c0:c0 + p.tile_cols] += quantize(part, p.adc_bits, full)
        y = y * (self.alpha * self.w_max / self.g_max)
        return y + self.bias if self.bias is not None else y
