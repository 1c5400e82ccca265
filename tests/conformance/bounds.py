r"""How far an implementation may be from the float64 reference, derived from its number format.

All cases are one neuron layer ``v' = a v + k (v_leak + r I)`` fed by ``I = W x + b`` (plus
``W_{rec} z`` with recurrence). An implementation that rounds makes, in step :math:`t`, an error
:math:`\delta_t` in ``v`` (computed from the case's actual inputs :math:`x_t`); the leak forgets old
errors geometrically, so as long as both runs spike at the same steps the membranes differ by at most

.. math::  B = \max_t e_t, \qquad e_t = a\, e_{t-1} + \delta_t \quad \Big(\le \frac{\max \delta}{1 - a}\ (a < 1),\ \ \le T \max \delta\ (a = 1:\ IF,\ I)\Big)

(two cascaded leaks for CubaLIF/CubaLI; :math:`a` is the larger of the float and the quantised decay).
With the largest membrane :math:`V` (before a reset), drive :math:`D_t = |v_{leak}| + |r| I_t` and
input magnitude :math:`I_t = \sum_j |W_{ij}| x_{t,j} + |b_i| (+ \sum_j |W_{rec,ij}|)`:

* float (machine epsilon :math:`\varepsilon`): at most 8 roundings of relative size :math:`\varepsilon/2`
  on quantities up to :math:`V + k D_t` (the drive enters through the gain :math:`k`; Cuba types:
  :math:`V + D_t`): :math:`\delta_t = 4 \varepsilon (V + |v_{th}| + k D_t)`;
* s16.15 (step :math:`q = 2^{-15}`; IF: the coefficient :math:`dt\,R` errs by a constant, which
  scales the signed input integrated since the last reset: :math:`(V + |v_{reset}|)/(k r)` with reset to zero, else
  at most :math:`2 \max_t |\sum_{s \le t} I_s|`): the rounding of each coefficient to the step (the actual
  :math:`|\Delta a|, |\Delta k|, |\Delta r|, |\Delta v_{leak}|`), of each weight (:math:`|\Delta W|`:
  :math:`q/2` in neurokit.sim, :math:`2^{s-1} q` after SpiNNaker's 16-bit ring-buffer shift
  :math:`s`) and three rounded products: :math:`\delta_t = |\Delta a| V + |\Delta k| D_t + k(|\Delta r| I_t
  + |r| \Delta I + |\Delta v_{leak}|) + \tfrac{3}{2} q`;
* Loihi 2 (state step :math:`1/S`, the loihi2 quantizer's scale: :math:`S = 64\,v_{th,mant}/v_{th}`
  for spiking layers, :math:`2^{11}/\max|g_x W|` for an I readout, :math:`2^{16}` for LI/CubaLI), in
  integer units against the gains the quantizer rounds (:math:`S g_x W`, :math:`S (g_0 + g_x b)`):
  the current errs by :math:`\delta^u_t = \Delta I_{int,t} + F_t (+ |\Delta a_s| U_t + 1)` -- the even
  8-bit weight mantissas (:math:`\le 2^{e+6}` units per synapse, from the actual rounding), Dense's
  floor of :math:`(W s) \gg -e` for a weight exponent :math:`e < 0` (:math:`F_t \le 64 (1 - \gamma
  2^e)` units in a step with input, :math:`\gamma` the weights' common factor: 32 for even weights at
  :math:`e = -2`, the I readout's) and, Cuba types, the 12-bit current decay (:math:`|\Delta a_s| \le
  2^{-13}` on the current :math:`U_t`) and its truncation -- accumulated by the current's decay
  and handed to ``v`` through the coupling; the membrane errs by :math:`\delta^v = |\Delta a| V S + 1 +
  \Delta b_{int}` (12-bit decay, its truncation, the bias mantissa). For an I readout (:math:`a = 1`)
  all of it adds up over the steps: :math:`B = \sum_t (\delta^u_t + \delta^v) / S`.

Spikes are compared where the bound decides them (:func:`decidable_steps`): up to the first step at
which the reference's membrane before the reset comes within ``B`` of a level where the spike count
changes (or, with reset to a value, where the reference run with the threshold lowered and raised by
``B`` spikes differently), every spike count of the implementation must equal the reference's and
every membrane lie within ``B``. A bound that decides fewer than 5 steps fails the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.dynamics.fixed import FixedFormat, fixed_neuron
from neurokit.dynamics.discretisation import decay
from neurokit.dynamics.reference import run_reference

NEURON = "neuron"


@dataclass(frozen=True)
class Layer:
    """The float figures of the case's neuron layer (uniform parameters: first element) and, per step,
    sample and neuron, the input magnitude ``abs_in`` :math:`= \\sum_j |W_{ij}| x_j + |b_i|` (+ recurrent
    weights, spikes being 0 or 1)."""

    a: float
    a_syn: float  # Cuba types: the synaptic current's decay; else 0
    k: float
    r: float
    v_leak: float
    v_th: float
    abs_in: np.ndarray  # (T, B, n)

    @property
    def i_max(self) -> float:
        return float(self.abs_in.max())

    @property
    def drive(self) -> float:
        return abs(self.v_leak) + abs(self.r) * self.i_max


def _first(x: object, default: float = 0.0) -> float:
    return default if x is None else float(np.asarray(x).ravel()[0])


def _flat_weights(graph: ir.Graph) -> tuple[np.ndarray, np.ndarray]:
    syn = graph.nodes["syn"]
    if isinstance(syn, ir.SparseLinear):
        return syn.to_dense().astype(np.float64), np.zeros(syn.n_post)
    bias = np.asarray(syn.bias, np.float64) if isinstance(syn, ir.Affine) else np.zeros(syn.weight.shape[0])
    return np.asarray(syn.weight, np.float64), bias


def _recurrent_abs(graph: ir.Graph) -> float:
    rec = graph.nodes.get("rec")
    return float(np.abs(np.asarray(rec.weight)).sum(axis=1).max()) if rec is not None else 0.0


def layer_figures(graph: ir.Graph, x: np.ndarray) -> Layer:
    g = graph.flatten()
    node, prof = g.nodes[NEURON], g.profile
    w, b = _flat_weights(g)
    abs_in = np.abs(x).reshape(*x.shape[:2], -1) @ np.abs(w).T + np.abs(b) + _recurrent_abs(g)
    a_syn = 0.0
    if isinstance(node, (ir.CubaLIF, ir.CubaLI)):
        a_syn, a = (float(decay(_first(t), prof.dt, prof.integration)) for t in (node.tau_syn, node.tau_mem))
        r, tau = _first(node.r) * _first(node.w_in, 1.0), _first(node.tau_mem)
    elif isinstance(node, (ir.LIF, ir.LI)):
        a, r, tau = float(decay(_first(node.tau), prof.dt, prof.integration)), _first(node.r), _first(node.tau)
    else:  # IF, I: no leak
        a, r, tau = 1.0, _first(node.r), 1.0
    k = prof.dt if a == 1.0 else (1.0 - a if prof.integration == "exact" else prof.dt / tau)
    return Layer(a=a, a_syn=a_syn, k=k, r=r, v_leak=_first(getattr(node, "v_leak", None)),
                 v_th=_first(getattr(node, "v_threshold", None)), abs_in=abs_in)


def accumulate(delta: np.ndarray, a: float, a_syn: float = 0.0, delta_v: np.ndarray | float = 0.0) -> float:
    r""":math:`\max_t e_t` with :math:`e_t = a e_{t-1} + \delta_t` (through a second leak ``a_syn``
    first for Cuba types, :math:`e^{syn}_t = a_{syn} e^{syn}_{t-1} + \delta_t`, :math:`e_t = a e_{t-1} +
    e^{syn}_t + \delta^v_t`, where ``delta_v`` are errors made in the membrane itself): the largest
    accumulated error, ``delta`` per step ``(T, ...)``."""
    e_syn = np.zeros(delta.shape[1:])
    e = np.zeros(delta.shape[1:])
    dv = np.broadcast_to(np.asarray(delta_v, np.float64), delta.shape)
    worst = 0.0
    for d, d_v in zip(delta, dv):
        if a_syn:
            e_syn = a_syn * e_syn + d
            e = a * e + e_syn + d_v
        else:
            e = a * e + d + d_v
        worst = max(worst, float(e.max()))
    return worst


def float_bound(eps: float, L: Layer, v_max: float) -> float:
    """Float ``eps``: :math:`4 \\varepsilon (V + |v_{th}| + k D_t)` per step (Cuba types: :math:`D_t`,
    the current's own roundings reaching the membrane through the coupling), accumulated."""
    drive = abs(L.v_leak) + abs(L.r) * L.abs_in
    delta = 4.0 * eps * (v_max + abs(L.v_th) + (drive if L.a_syn else L.k * drive))
    return accumulate(delta, L.a, L.a_syn)


def s16_15_bound(graph: ir.Graph, L: Layer, v_max: float, weight_error: float, x: np.ndarray) -> float:
    """s16.15 with weights rounded by at most ``weight_error`` (real units)."""
    fmt = FixedFormat.parse("s16.15")
    q = 2.0**-fmt.frac_bits
    g = graph.flatten()
    fx = fixed_neuron(g.nodes[NEURON], g.profile, fmt)
    back = lambda v: float(fmt.to_float(np.asarray(v).ravel()[:1])[0])  # noqa: E731
    d_a, d_k = abs(back(fx.a) - L.a), abs(back(fx.k) - L.k)
    d_r, d_leak = abs(back(fx.r) - L.r), abs(back(fx.v_leak) - L.v_leak)
    w, b = _flat_weights(g)
    d_in = np.abs(x).reshape(*x.shape[:2], -1) @ (np.abs(w) > 0).T * weight_error + (q / 2 if np.any(b) else 0.0)
    if L.a == 1.0:  # IF: v' = v + (dt R) (x) I: the coefficient's error is systematic, so it
        # scales the signed input integrated since the last reset (at most twice the largest |sum|)
        d_kr = abs(back(fx.dt_r) - L.k * L.r)
        if g.profile.reset == "zero":  # since the last reset the reference integrated v - v_reset
            integrated = (v_max + abs(_first(getattr(g.nodes[NEURON], "v_reset", None)))) / abs(L.k * L.r)
        else:
            signed = np.asarray(x, np.float64).reshape(*x.shape[:2], -1) @ w.T + b
            integrated = float(np.abs(np.cumsum(signed, axis=0)).max())
        return d_kr * 2.0 * integrated + accumulate(L.k * abs(L.r) * d_in + q / 2, 1.0)
    a_q = back(fx.a)
    delta = d_a * v_max + d_k * (abs(L.v_leak) + abs(L.r) * L.abs_in) \
        + L.k * (d_r * L.abs_in + abs(L.r) * d_in + d_leak) + 1.5 * q
    return accumulate(delta, max(L.a, a_q))


def loihi2_bound(L: Layer, v_max: float, terms: dict[str, Any], d_in_int: np.ndarray) -> float:
    r"""Loihi 2 integer state on the scale ``S`` (``terms`` from ``tests.conformance.runners.loihi2_terms``:
    ``scale``, ``dv``, ``d_bias_int`` and, optional, ``du``, ``u_int``, ``dense_floor_int``; ``d_in_int``
    the input error per step ``(T, B, n)`` in integer units).

    Per step the current ``u`` errs by :math:`\delta^u_t = \Delta I_{int,t} + F_t + |\Delta a_s| U_t + 1_{Cuba}`
    (weight rounding; Dense's floor :math:`F_t` of :math:`(W s) \gg -e` when the weight exponent
    :math:`e < 0`; Cuba types: the 12-bit current decay :math:`(4095 - d_u)/4096` against :math:`a_s` on the
    current :math:`U_t` and the truncation of the decayed current), which the current's decay
    accumulates and the coupling (:math:`v' = a v + u'`, the coupling is folded into the weights)
    hands to ``v``; the membrane itself errs by :math:`\delta^v = |\Delta a| V S + 1 + \Delta b_{int}`
    per step (decay, its truncation, the bias mantissa and, exact Cuba, the direct input term
    ``d_direct_int``)."""
    S = terms["scale"]
    a_q = 1.0 - terms["dv"] / 4096.0
    d_a = abs(a_q - L.a)
    truncation = 1.0 if terms["dv"] else 0.0  # v (4096 - dv) >> 12 rounds toward zero; exact for dv = 0
    du = float(terms.get("du", 4095.0))
    a_syn_q = (4095.0 - du) / 4096.0  # Lava's u (4096 - (du + 1)) >> 12; du = 4095: no current memory
    cuba = du < 4095.0
    delta_u = d_in_int + terms.get("dense_floor_int", 0.0)
    if cuba:  # u (4095 - du) >> 12 rounds toward zero (1 unit) and its decay differs from a_syn
        delta_u = delta_u + abs(a_syn_q - L.a_syn) * terms["u_int"] + 1.0
    delta_v = d_a * v_max * S + truncation + terms["d_bias_int"] + terms.get("d_direct_int", 0.0)
    return accumulate(np.asarray(delta_u, np.float64) / S, max(L.a, a_q), max(L.a_syn, a_syn_q) if cuba else 0.0,
                      delta_v / S)


def decidable_steps(ref_graph: ir.Graph, x: np.ndarray, bound: float) -> int:
    """The number of leading steps whose spikes the bound decides.

    Where the membrane before the reset is known from the reference's record -- reset by
    subtraction or none (:math:`u_t = v_t + n_t (v_{th} - v_{reset})`), or ``reset_timing =
    "next_step"`` (the record is :math:`u_t`) -- a step is decided when :math:`u_t` is farther than
    the bound from every level at which the spike count changes (:math:`v_{th}`, and with
    ``multi_spike`` every :math:`v_{reset} + n (v_{th} - v_{reset})`). With reset to a value in the
    same step, the float64 reference is run again with the threshold lowered and raised by the
    bound: the steps up to the first where those two spike trains differ are decided."""
    node = ref_graph.nodes[NEURON]
    if not node.spiking:
        return x.shape[0]
    prof = ref_graph.profile
    if prof.reset_timing == "next_step" or prof.reset in ("subtract", "none"):
        res = run_reference(ref_graph, x, record=(NEURON,))
        v, z = res.states[NEURON]["v"], res.node_outputs[NEURON]
        vth, vreset = _first(node.v_threshold), _first(node.v_reset)
        theta = vth - vreset
        u = v if (prof.reset_timing == "next_step" or prof.reset == "none") else v + z * theta
        if prof.multi_spike:
            n = np.maximum(np.rint((u - vreset) / theta), 1.0)  # the nearest level at which the count changes
            margin = np.abs(u - vreset - n * theta)
        else:
            margin = np.abs(u - vth)
        close = np.nonzero(np.any(margin <= bound, axis=tuple(range(1, margin.ndim))))[0]
        return int(close[0]) if close.size else x.shape[0]
    trains = []
    for sign in (-1.0, 1.0):
        shifted = node.replace(v_threshold=np.asarray(node.v_threshold) + sign * bound)
        g = ir.Graph(nodes={**ref_graph.nodes, NEURON: shifted}, edges=ref_graph.edges, profile=ref_graph.profile)
        trains.append(run_reference(g, x, record=(NEURON,)).node_outputs[NEURON])
    differ = np.nonzero(np.any(trains[0] != trains[1], axis=tuple(range(1, trains[0].ndim))))[0]
    return int(differ[0]) if differ.size else x.shape[0]
