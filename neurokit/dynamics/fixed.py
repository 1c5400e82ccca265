r"""Integer fixed-point neuron steps in the ``sI.F`` format (SpiNNaker: ``s16.15``).

A value :math:`x` is stored as the int :math:`X = \mathrm{round}(x\, 2^F)`; products are rounded
half up: :math:`X \otimes Y = (X Y + 2^{F-1}) \gg F`; results saturate to the format's range
:math:`[-2^{I+F}, 2^{I+F} - 1]`. One LIF step (exact or Euler coefficients, precomputed once):

:math:`V' = \mathrm{sat}(A \otimes V + K \otimes (V_{leak} + R \otimes I))` where :math:`A` is the decay
(:math:`e^{-dt/\tau}` or :math:`1 - dt/\tau`) and :math:`K = 1 - A` (exact) or :math:`dt/\tau` (Euler);
IF: :math:`V' = V + (dt R) \otimes I`. Spike :math:`V > V_{th}`; reset to :math:`V_{reset}` (or
subtract :math:`V_{th} - V_{reset}`); refractory steps as in :mod:`neurokit.dynamics.neurons`.
``integration = "fixed_point"`` uses the exact coefficients (the profile's definition). Every
neuron starts from the float model's initial state, quantized: :math:`V_0 = \mathrm{round}(v_0 2^F)`
(:func:`neurokit.dynamics.neurons.initial_state`: ``v_leak``, ``v_reset`` for IF, or
``metadata["v_init"]``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from neurokit import ir
from neurokit.dynamics.neurons import initial_state
from neurokit.errors import InvalidInputError


@dataclass(frozen=True)
class FixedFormat:
    """``sI.F``: ``I`` integer bits, ``F`` fraction bits, plus sign."""

    int_bits: int
    frac_bits: int

    @classmethod
    def parse(cls, text: str) -> FixedFormat:
        m = re.fullmatch(r"s(\d+)\.(\d+)", text)
        if not m:
            raise InvalidInputError(f"not a fixed-point format: {text!r}", fix="use sI.F, e.g. s16.15")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def lo(self) -> int:
        return -(2 ** (self.int_bits + self.frac_bits))

    @property
    def hi(self) -> int:
        return 2 ** (self.int_bits + self.frac_bits) - 1

    def to_fixed(self, x: np.ndarray | float) -> np.ndarray:
        return np.clip(np.round(np.asarray(x, dtype=np.float64) * 2.0**self.frac_bits), self.lo, self.hi).astype(np.int64)

    def to_float(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) / 2.0**self.frac_bits

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Rounded (half up) fixed-point product."""
        return (a.astype(np.int64) * b.astype(np.int64) + (1 << (self.frac_bits - 1))) >> self.frac_bits

    def sat(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.lo, self.hi)


@dataclass(frozen=True)
class FixedNeuron:
    """Per-neuron fixed-point coefficients of an LIF/IF/LI population."""

    kind: str  # "LIF", "IF", "LI"
    a: np.ndarray
    k: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    v_th: np.ndarray
    v_reset: np.ndarray
    refrac_steps: np.ndarray
    v_init: np.ndarray

    def rest(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """Initial ``(v, refrac)`` of ``batch`` samples: ``v = V_0``, no refractoriness."""
        v = np.broadcast_to(np.asarray(self.v_init, np.int64), (batch, np.size(self.v_init))).copy()
        return v, np.zeros_like(v)


def fixed_neuron(node: ir.Node, profile: ir.Profile, fmt: FixedFormat) -> FixedNeuron:
    """Quantize a neuron node's parameters under ``profile`` (dt, integration) and its initial state."""
    dt = profile.dt
    n = node.expected_input_shape()
    if isinstance(node, ir.IF):
        a, k = np.ones(n), np.full(n, dt)
        vleak = np.zeros(n)
    elif isinstance(node, (ir.LIF, ir.LI)):
        tau = np.asarray(node.tau, np.float64)
        exact = profile.integration != "euler"  # "fixed_point" is exact, computed in integers
        a = np.exp(-dt / tau) if exact else 1 - dt / tau
        k = 1 - a if exact else dt / tau
        vleak = np.asarray(node.v_leak, np.float64)
    else:
        raise InvalidInputError(f"{node.type_name} has no fixed-point model here", fix="use LIF, IF or LI")
    spiking = isinstance(node, (ir.LIF, ir.IF))
    vth = np.asarray(node.v_threshold, np.float64) if spiking else np.full(n, math.inf)
    t_refrac = getattr(node, "t_refrac", None)
    return FixedNeuron(kind=node.type_name, a=fmt.to_fixed(a), k=fmt.to_fixed(k), r=fmt.to_fixed(node.r),
                       v_leak=fmt.to_fixed(vleak), v_th=fmt.to_fixed(np.minimum(vth, 2.0**fmt.int_bits - 1)),
                       v_reset=fmt.to_fixed(node.v_reset if spiking else np.zeros(n)),
                       refrac_steps=np.rint(np.asarray(t_refrac if t_refrac is not None else np.zeros(n)) / dt)
                       .astype(np.int64),
                       v_init=fmt.to_fixed(initial_state(node).v).ravel())


def fixed_step(p: FixedNeuron, fmt: FixedFormat, current: np.ndarray, v: np.ndarray, refrac: np.ndarray, *,
               reset: str = "zero") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step on integer state; ``current`` is the summed synaptic input (fixed point). Returns
    (spikes bool, v, refrac)."""
    refrac = np.maximum(refrac - 1, 0)
    frozen = refrac > 0
    if p.kind == "IF":
        v_new = fmt.sat(v + fmt.mul(fmt.mul(p.k, p.r), current))
    else:
        drive = fmt.sat(p.v_leak + fmt.mul(p.r, current))
        v_new = fmt.sat(fmt.mul(p.a, v) + fmt.mul(p.k, drive))
    v_new = np.where(frozen, v, v_new)
    if p.kind == "LI":
        return np.zeros(v.shape, bool), v_new, refrac
    s = (v_new > p.v_th) & ~frozen
    if reset == "zero":
        v_new = np.where(s, p.v_reset, v_new)
    elif reset == "subtract":
        v_new = np.where(s, v_new - (p.v_th - p.v_reset), v_new)
    refrac = np.where(s, p.refrac_steps, refrac)
    return s, v_new, refrac
