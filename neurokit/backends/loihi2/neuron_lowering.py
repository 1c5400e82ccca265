r"""The lowering of every neuron node to Loihi 2's CUBA neuron (before a layer's scale): decays, input
gain :math:`g_x`, constant drive :math:`g_0` and, for exact Cuba integration, the direct input gain
:math:`k` of neurokit's neuron program. All numbers come from
:func:`neurokit.dynamics.discretisation.neuron_coefficients`.

Exact (zero-order-hold) Cuba integration (:func:`neurokit.dynamics.neurons.cuba_membrane`) is, with
:math:`I_\infty = w_{in} x`, coupling :math:`c`, gains :math:`g_m = 1 - a_m`, :math:`g_s = 1 - a_s`,

.. math:: I' = a_s I + g_s w_{in} x, \qquad v' = a_m v + g_m v_{leak} + c R I + (g_m - c) R w_{in} x,

driven by the *old* current. Lava's neuron adds the *new* current :math:`u'` to ``v``; with
:math:`I = (I' - g_s w_{in} x)/a_s` the same update reads

.. math:: v' = a_m v + g_m v_{leak} + \tfrac{c}{a_s} R I' + \big(g_m - \tfrac{c}{a_s}\big) R w_{in} x,

so the current holds :math:`u = S \tfrac{c}{a_s} R I` (input gain :math:`g_x = \tfrac{c}{a_s} R g_s w_{in}`)
and the step's input also enters ``v`` directly, :math:`k` times what it adds to ``u``:
:math:`k = \tfrac{g_m a_s - c}{c\,g_s}` (the program's
:math:`v \mathrel{+}= \mathrm{round}(k_{in} (a \ll 6) / 2^{12})`, :math:`k_{in} = \mathrm{round}(2^{12} k)`,
:mod:`~neurokit.backends.loihi2.fixed_point`). Euler integration drives ``v`` with the new current
(:math:`g_x = c R g_s w_{in}`, :math:`k = 0`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurokit import ir
from neurokit.dynamics.discretisation import NeuronCoefficients, neuron_coefficients

DIRECT_SHIFT = 12  # k_in is k in units of 2^-12 (fixed_point.program_step, lava_neuron.ResetLIF)


@dataclass(frozen=True)
class NeuronProgram:
    r"""What Lava's CUBA neuron runs for one neuron node under a profile (before the layer's scale):
    :math:`d_u`, :math:`d_v` (12-bit decays), the float decays they round (``a_mem``, ``a_syn``), and
    per neuron the input weight :math:`g_x`, constant drive :math:`g_0` and direct input gain :math:`k`
    (module docstring; 0 but for exact Cuba integration)."""

    du: int
    dv: int
    du_per_neuron: np.ndarray
    dv_per_neuron: np.ndarray
    a_mem: float
    a_syn: float
    g_in: np.ndarray
    g_leak: np.ndarray
    coefficients: NeuronCoefficients
    k_direct: np.ndarray


def direct_input_gain(c: NeuronCoefficients) -> np.ndarray:
    r"""Per neuron :math:`k = (g_m a_s - c) / (c\,g_s)` of an exact Cuba node (module docstring),
    and 0 where the update has no direct input term (Euler, other types). Needs :math:`0 < a_s < 1`
    (:mod:`~neurokit.backends.loihi2.check` refuses the rest)."""
    if not (c.exact and c.kind in ("CubaLIF", "CubaLI")):
        return np.zeros(c.a_mem.size)
    a_s, g_s, g_m, cpl = (np.ravel(x) for x in (c.a_syn, c.gain_syn, c.gain_mem, c.coupling))
    return (g_m * a_s - cpl) / (cpl * g_s)


def neuron_program(neuron: ir.Node, profile: ir.Profile) -> NeuronProgram:
    r"""The lowering of every neuron node to Lava's LIF (CUBA) neuron, from the discretisation's
    coefficients: LIF/LI :math:`g_x = g R`, :math:`g_0 = g\,v_{leak}`; IF/I :math:`g_x = dt R`,
    :math:`g_0 = 0`, :math:`a = 1`; CubaLIF/CubaLI :math:`g_x = c R g_s w_{in}` (Euler) or
    :math:`\tfrac{c}{a_s} R g_s w_{in}` (exact, with the direct gain :math:`k`, module docstring),
    :math:`g_0 = g_m v_{leak}`, :math:`d_u = 4095 - \mathrm{round}(4096 a_s)`; :math:`d_v =
    \mathrm{round}(4096 (1 - a_m))`. One decay per layer (checked)."""
    c = neuron_coefficients(neuron, profile)
    cuba = neuron.current_based
    if isinstance(neuron, (ir.IF, ir.I)):
        g_in, g_leak, a = c.dt_r.ravel(), np.zeros(c.dt_r.size), 1.0
    elif cuba:
        coupling = c.coupling / c.a_syn if c.exact else c.coupling  # exact: u holds (c / a_s) R I
        g_in, g_leak = (coupling * c.r * c.gain_syn * c.w_in).ravel(), (c.gain_mem * c.v_leak).ravel()
        a = float(c.a_mem.ravel()[0])
    else:
        g_in, g_leak, a = (c.gain_mem * c.r).ravel(), (c.gain_mem * c.v_leak).ravel(), float(c.a_mem.ravel()[0])
    a_syn = float(c.a_syn.ravel()[0]) if cuba else 0.0
    n = g_in.size
    a_all = np.broadcast_to(np.ones(1) if isinstance(neuron, (ir.IF, ir.I)) else np.ravel(c.a_mem), (n,))
    s_all = np.broadcast_to(np.ravel(c.a_syn) if cuba else np.zeros(1), (n,))
    return NeuronProgram(du=int(np.clip(4095 - round(4096 * a_syn), 0, 4095)), dv=int(round(4096 * (1 - a))),
                         du_per_neuron=np.clip(4095 - np.round(4096 * s_all), 0, 4095).astype(np.int64),
                         dv_per_neuron=np.round(4096 * (1 - a_all)).astype(np.int64),
                         a_mem=a, a_syn=a_syn, g_in=g_in, g_leak=g_leak, coefficients=c,
                         k_direct=np.broadcast_to(direct_input_gain(c), (n,)).copy())
