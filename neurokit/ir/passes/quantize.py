r"""Quantization to the ``sI.F`` fixed-point format of a profile's ``numeric`` (SpiNNaker: ``s16.15``).

A value :math:`x` is stored as the int :math:`X = \mathrm{clip}(\mathrm{round}(x\, 2^F), -2^{I+F}, 2^{I+F} - 1)`;
products are rounded half up: :math:`X \otimes Y = (X Y + 2^{F-1}) \gg F`. Used by the fixed-point
neuron model (:mod:`neurokit.dynamics.fixed`), the simulator's integer mode and the SpiNNaker backend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurokit.errors import InvalidInputError

from ..profile import FIXED_FORMAT


@dataclass(frozen=True)
class FixedFormat:
    """``sI.F``: ``I`` integer bits, ``F`` fraction bits, plus sign."""

    int_bits: int
    frac_bits: int

    @classmethod
    def parse(cls, text: str) -> FixedFormat:
        """The format named ``text`` (``"s16.15"``)."""
        m = FIXED_FORMAT.match(str(text))
        if not m:
            raise InvalidInputError(f"not a fixed-point format: {text!r}", fix="use sI.F, e.g. s16.15")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def lo(self) -> int:
        """Smallest representable integer, :math:`-2^{I+F}`."""
        return -(2 ** (self.int_bits + self.frac_bits))

    @property
    def hi(self) -> int:
        """Largest representable integer, :math:`2^{I+F} - 1`."""
        return 2 ** (self.int_bits + self.frac_bits) - 1

    def to_fixed(self, x: np.ndarray | float) -> np.ndarray:
        """Quantize real values: :math:`\\mathrm{clip}(\\mathrm{round}(x 2^F))` as int64."""
        return np.clip(np.round(np.asarray(x, dtype=np.float64) * 2.0**self.frac_bits), self.lo, self.hi).astype(np.int64)

    def to_float(self, x: np.ndarray) -> np.ndarray:
        """Real values of fixed-point integers, :math:`X / 2^F`."""
        return np.asarray(x, dtype=np.float64) / 2.0**self.frac_bits

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Rounded (half up) fixed-point product."""
        return (a.astype(np.int64) * b.astype(np.int64) + (1 << (self.frac_bits - 1))) >> self.frac_bits

    def sat(self, x: np.ndarray) -> np.ndarray:
        """Saturate to the format's range."""
        return np.clip(x, self.lo, self.hi)
