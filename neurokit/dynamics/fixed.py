r"""Integer fixed-point neuron steps in the ``sI.F`` format (SpiNNaker: ``s16.15``).

A value :math:`x` is stored as the int :math:`X = \mathrm{round}(x\, 2^F)`; products are rounded
half up: :math:`X \otimes Y = (X Y + 2^{F-1}) \gg F`; results saturate to the format's range
:math:`[-2^{I+F}, 2^{I+F} - 1]`. One LIF step (exact or Euler coefficients, precomputed once):

:math:`V' = \mathrm{sat}(A \otimes V + K \otimes (V_{leak} + R \otimes I))` where :math:`A` is the decay
(:math:`e^{-dt/\tau}` or :math:`1 - dt/\tau`) and :math:`K = 1 - A` (exact) or :math:`dt/\tau` (Euler);
IF: :math:`V' = V + (dt R) \otimes I`. Spike :math:`V > V_{th}`; reset to :math:`V_{reset}` (or
subtract :math:`V_{th} - V_{reset}`); refractory steps as in :mod:`neurokit.dynamics.neurons`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurokit import ir
from neurokit.errors import InvalidInputError
from neurokit.ir.passes.quantize import FixedFormat


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


def fixed_neuron(node: ir.Node, profile: ir.Profile, fmt: FixedFormat) -> FixedNeuron:
    """Quantize a neuron node's parameters under ``profile`` (dt, integration)."""
    dt = profile.dt
    n = node.expected_input_shape()
    if isinstance(node, ir.IF):
        a, k = np.ones(n), np.full(n, dt)
        vleak = np.zeros(n)
    elif isinstance(node, (ir.LIF, ir.LI)):
        tau = np.asarray(node.tau, np.float64)
        a = np.exp(-dt / tau) if profile.integration == "exact" else 1 - dt / tau
        k = 1 - a if profile.integration == "exact" else dt / tau
        vleak = np.asarray(node.v_leak, np.float64)
    else:
        raise InvalidInputError(f"{node.type_name} has no fixed-point model here", fix="use LIF, IF or LI")
    spiking = isinstance(node, (ir.LIF, ir.IF))
    vth = np.asarray(node.v_threshold, np.float64) if spiking else np.full(n, math.inf)
    return FixedNeuron(kind=node.type_name, a=fmt.to_fixed(a), k=fmt.to_fixed(k), r=fmt.to_fixed(node.r),
                       v_leak=fmt.to_fixed(vleak), v_th=fmt.to_fixed(np.minimum(vth, 2.0**fmt.int_bits - 1)),
                       v_reset=fmt.to_fixed(node.v_reset if spiking else np.zeros(n)),
                       refrac_steps=(np.rint(np.asarray(getattr(node, "t_refrac", None) if getattr(node, "t_refrac", None) is not None else np.zeros(n)) / dt).astype(np.int64)))


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
