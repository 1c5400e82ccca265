r"""Integer fixed-point neuron steps in the ``sI.F`` format (SpiNNaker: ``s16.15``).

A value :math:`x` is stored as the int :math:`X = \mathrm{round}(x\, 2^F)`; products are rounded
half up: :math:`X \otimes Y = (X Y + 2^{F-1}) \gg F`; results saturate to the format's range
:math:`[-2^{I+F}, 2^{I+F} - 1]`. Every coefficient is the float64 one of
:func:`neurokit.dynamics.discretisation.neuron_coefficients`, quantized once: decay :math:`A`, input
gain :math:`K` (``exact`` and ``fixed_point``: :math:`e^{-dt/\tau}`, :math:`1 - e^{-dt/\tau}`; Euler:
:math:`1 - dt/\tau`, :math:`dt/\tau`), :math:`R`, the IF gain :math:`(dt R)`, refractory steps and
the initial membrane :math:`V_0` (``v_leak``, ``v_reset`` for IF, or ``metadata["v_init"]``).

One step, in the order of :mod:`neurokit.dynamics.neurons` (:math:`D = V_{th} - V_{reset}`):

1. count down refractoriness (frozen while > 0);
2. ``reset_timing="next_step"``, ``reset="zero"``: a neuron that spiked last step starts from :math:`V_{reset}`;
3. integrate the non-frozen: LIF/LI :math:`V' = \mathrm{sat}(A \otimes V + K \otimes \mathrm{sat}(V_{leak} + R \otimes I))`,
   IF :math:`V' = \mathrm{sat}(V + (dt R) \otimes I)`;
4. ``next_step``, ``subtract``: :math:`V' \leftarrow \mathrm{sat}(V' - z_{t-1} D)`;
5. spike where :math:`V' \;\text{rule}\; V_{th}` (not frozen): :math:`z = 1`, or with ``multi_spike``
   :math:`z = \lfloor (V' - V_{reset}) / D \rfloor` (integer floor division: the exact count);
6. ``same_step``: reset (``zero``: :math:`V_{reset}`; ``subtract``: :math:`\mathrm{sat}(V' - z D)`);
   ``next_step``: keep :math:`V'` and carry :math:`z` as the pending reset;
7. refractory for ``refrac_steps``;
8. ``v_min``: :math:`V \leftarrow \max(V, \mathrm{round}(v_{min} 2^F))` (every type, LI too).

I (integrator readout): :math:`V' = \mathrm{sat}(V + (dt R) \otimes I)`, no spike (as LI, the output is :math:`V`).

CubaLIF / CubaLI: the synaptic current :math:`J` is a separate S16.15 state with a decay
:math:`D_s` and an input gain :math:`G_s` (the discretisation's ``a_syn``, ``gain_syn``), both unsigned
0.32 fractions as sPyNNaker's ``decay_t``, multiplied as :math:`x \odot d = (x\,d) \gg 32`
(``decay_s1615``, rounding down): :math:`J' = \mathrm{sat}(J \odot D_s + (W_{in} \otimes I) \odot G_s)`.
The membrane then integrates (steps 1-8, the LIF/LI update):

* Euler — with the new current, :math:`V' = \mathrm{sat}(A \otimes V + K \otimes \mathrm{sat}(V_{leak} + R \otimes J'))`:
  the IR's Euler CubaLIF, and exactly sPyNNaker's ``IF_curr_exp`` step (``neuron_impl_standard.h``:
  the ring-buffer input joins :math:`J` with ``exc_init``, the membrane sees :math:`J`, then
  :math:`J` decays by ``exc_decay``; ``synapse_types_exponential_impl.h``);
* exact — with the IR's coupling :math:`c` (:func:`~neurokit.dynamics.discretisation.cuba_coupling`),
  :math:`J_\infty = W_{in} \otimes I`:
  :math:`V' = \mathrm{sat}(A \otimes V + K \otimes \mathrm{sat}(V_{leak} + R \otimes J_\infty) + C \otimes (R \otimes (J - J_\infty)))`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from neurokit import ir
from neurokit.dynamics.discretisation import is_exact, neuron_coefficients
from neurokit.errors import InvalidInputError
from neurokit.ir.passes.quantize import FixedFormat


@dataclass(frozen=True)
class FixedNeuron:
    """Per-neuron fixed-point coefficients of an LIF/IF/LI population (integers in the format)."""

    kind: str  # "LIF", "IF", "LI"
    a: np.ndarray
    k: np.ndarray
    r: np.ndarray
    dt_r: np.ndarray
    v_leak: np.ndarray
    v_th: np.ndarray
    v_reset: np.ndarray
    refrac_steps: np.ndarray
    v_init: np.ndarray
    w_in: np.ndarray | None = None  # Cuba types: input weight (format units)
    coupling: np.ndarray | None = None  # Cuba types, exact: the current's weight c in the membrane (format units)
    d_syn: np.ndarray | None = None  # Cuba types: synaptic decay, unsigned 0.32
    g_syn: np.ndarray | None = None  # Cuba types: synaptic input gain, unsigned 0.32

    @property
    def is_cuba(self) -> bool:
        return ir.NODE_TYPES[self.kind].current_based

    @property
    def spiking(self) -> bool:
        return ir.NODE_TYPES[self.kind].spiking

    def rest(self, batch: int) -> FixedState:
        """The initial state of ``batch`` samples: ``v = V_0``, ``i = 0``, nothing refractory or pending."""
        v = np.broadcast_to(np.asarray(self.v_init, np.int64), (batch, np.size(self.v_init))).copy()
        return FixedState(v=v, refrac=np.zeros_like(v), pending=np.zeros_like(v), i=np.zeros_like(v))


class FixedState(NamedTuple):
    """Integer state: membrane ``v``, refractory steps left ``refrac``, ``pending``: the spike count
    of the previous step whose reset is still due (``reset_timing="next_step"``)."""

    v: np.ndarray
    refrac: np.ndarray
    pending: np.ndarray
    i: np.ndarray | None = None  # Cuba types: the synaptic current J (format units)


#: Neuron kinds the fixed-point model implements (the steps below).
FIXED_KINDS = ("LIF", "IF", "LI", "I", "CubaLIF", "CubaLI", "BetaLIF")
#: Scale of the unsigned 0.32 fractions of the synaptic decay and gain (sPyNNaker's ``decay_t``).
DECAY_ONE = 2**32


def to_decay(x: np.ndarray) -> np.ndarray:
    r"""A fraction in [0, 1] as sPyNNaker stores a ``decay_t``: :math:`\lfloor x\,2^{32} \rfloor` (``astype(uint32)``), at most :math:`2^{32}-1`."""
    return np.minimum(np.floor(np.asarray(x, np.float64) * DECAY_ONE), DECAY_ONE - 1).astype(np.int64)


def decay_mul(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    r"""``decay_s1615``: :math:`(x\,d) \gg 32` (rounding down), exact on int64 for :math:`|x| < 2^{31}`, :math:`d < 2^{32}`."""
    x = np.asarray(x, np.int64)
    d = np.asarray(d, np.int64)
    hi, lo = d >> 16, d & 0xFFFF  # x * d overflows int64 for |x| ~ 2^31: split d into 16-bit halves
    return ((x * hi) + ((x * lo) >> 16)) >> 16


def fixed_neuron(node: ir.Node, profile: ir.Profile, fmt: FixedFormat) -> FixedNeuron:
    """Quantize the discretisation's coefficients and initial state of a neuron node under ``profile``."""
    if node.type_name not in FIXED_KINDS:
        raise InvalidInputError(f"{node.type_name} has no fixed-point model here",
                                fix=f"use one of {', '.join(FIXED_KINDS)}")
    c = neuron_coefficients(node, profile)
    flat = lambda x: fmt.to_fixed(np.asarray(x, np.float64).ravel())  # noqa: E731
    cuba = {}
    if node.current_based:
        cuba = {"w_in": flat(c.w_in), "d_syn": to_decay(c.a_syn.ravel()), "g_syn": to_decay(c.gain_syn.ravel()),
                "coupling": flat(c.coupling)}
    return FixedNeuron(kind=node.type_name, a=flat(c.a_mem), k=flat(c.gain_mem), r=flat(c.r), dt_r=flat(c.dt_r),
                       v_leak=flat(c.v_leak), v_th=flat(np.minimum(c.v_threshold, 2.0**fmt.int_bits - 1)),
                       v_reset=flat(c.v_reset), refrac_steps=np.asarray(c.refrac_steps, np.int64).ravel(),
                       v_init=flat(c.v_init), **cuba)


def fixed_step(p: FixedNeuron, fmt: FixedFormat, current: np.ndarray, state: FixedState, profile: ir.Profile
               ) -> tuple[np.ndarray, FixedState]:
    """One step (steps 1-8 of the module docstring) on integer state; ``current`` is the summed
    synaptic input (fixed point). Returns (spike counts int64 — 0/1 unless ``multi_spike`` —, state)."""
    if p.is_cuba:  # the input joins the synaptic current, which drives the membrane
        j_old = state.i if state.i is not None else np.zeros_like(state.v)
        j_inf = fmt.mul(p.w_in, current)
        j_new = fmt.sat(decay_mul(j_old, p.d_syn) + decay_mul(j_inf, p.g_syn))
        if not is_exact(profile.integration):
            z, after = _step(_as_lif(p), fmt, j_new, state, profile)
        else:
            extra = fmt.mul(p.coupling, fmt.mul(p.r, fmt.sat(j_old - j_inf)))
            z, after = _step(_as_lif(p), fmt, j_inf, state, profile, extra)
        return z, after._replace(i=j_new)
    return _step(p, fmt, current, state, profile)


def _step(p: FixedNeuron, fmt: FixedFormat, current: np.ndarray, state: FixedState, profile: ir.Profile,
          extra: np.ndarray | int = 0) -> tuple[np.ndarray, FixedState]:
    """Steps 1-8 for LIF, IF, LI, I; ``extra`` is added to the leaky membrane update (the exact Cuba coupling)."""
    refrac = np.maximum(state.refrac - 1, 0)
    frozen = refrac > 0
    next_step = profile.reset_timing == "next_step"
    v0 = state.v
    if next_step and profile.reset == "zero":
        v0 = np.where(state.pending > 0, p.v_reset, v0)
    if p.kind in ("IF", "I"):
        v_new = fmt.sat(v0 + fmt.mul(p.dt_r, current))
    else:
        drive = fmt.sat(p.v_leak + fmt.mul(p.r, current))
        v_new = fmt.sat(fmt.mul(p.a, v0) + fmt.mul(p.k, drive) + extra)
    v_floor = None if profile.v_min == -np.inf else int(fmt.to_fixed(profile.v_min))
    if not p.spiking:
        v_new = v_new if v_floor is None else np.maximum(v_new, v_floor)
        return np.zeros(v_new.shape, np.int64), state._replace(v=v_new, refrac=refrac)
    v_new = np.where(frozen, v0, v_new)
    step = p.v_th - p.v_reset
    if next_step and profile.reset == "subtract":
        v_new = fmt.sat(v_new - state.pending * step)
    fired = ((v_new >= p.v_th) if profile.spike_rule == ">=" else (v_new > p.v_th)) & ~frozen
    z = np.where(fired, (v_new - p.v_reset) // step, 0) if profile.multi_spike else fired.astype(np.int64)
    if not next_step:
        if profile.reset == "zero":
            v_new = np.where(fired, p.v_reset, v_new)
        elif profile.reset == "subtract":
            v_new = fmt.sat(v_new - z * step)
    refrac = np.where(fired, p.refrac_steps, refrac)
    if v_floor is not None:
        v_new = np.maximum(v_new, v_floor)
    return z, state._replace(v=v_new, refrac=refrac, pending=z if next_step else np.zeros_like(z))


def _as_lif(p: FixedNeuron) -> FixedNeuron:
    """The membrane part of a Cuba neuron: LIF (CubaLIF) or LI (CubaLI) with the same coefficients."""
    return dataclasses.replace(p, kind="LIF" if p.kind == "CubaLIF" else "LI", w_in=None, d_syn=None, g_syn=None,
                               coupling=None)
