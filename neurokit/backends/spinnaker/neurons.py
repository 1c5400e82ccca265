r"""The neuron models the chip runs, as IR nodes and S16.15 registers.

LIF, IF, LI and I populations are sPyNNaker's ``IF_curr_delta`` (LI and I never reach a threshold);
CubaLIF and CubaLI are ``IF_curr_exp`` (:mod:`neurokit.dynamics.fixed` has its step). The chip
compares :math:`V \ge V_{th}` (``threshold_type_static.h``). :func:`chip_model` gives every
population's node as the chip holds it and the profile it runs under; :func:`exact_taps` the two
synaptic taps that make ``IF_curr_exp`` compute the IR's exact Cuba neuron.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.dynamics.discretisation import is_exact, neuron_coefficients
from neurokit.dynamics.fixed import FixedNeuron, fixed_neuron
from neurokit.ir.passes import FixedFormat

from .check import NEURONS

FMT = FixedFormat(16, 15)
CHIP_SPIKE_RULE = ">="  # sPyNNaker's static threshold: V >= V_th


def input_weight(node: ir.Node) -> np.ndarray | None:
    """A Cuba neuron's input weight :math:`w_{in}` per neuron (flat), which the lowering multiplies
    into its synapses and bias (sPyNNaker's ``IF_curr_exp`` has none); ``None`` for other types."""
    if not isinstance(node, (ir.CubaLIF, ir.CubaLI)):
        return None
    n = int(np.prod(node.expected_input_shape() or (1,)))
    return np.ones(n) if node.w_in is None else np.broadcast_to(np.asarray(node.w_in, np.float64).ravel(), (n,)).copy()


def chip_node(node: ir.Node) -> ir.Node:
    """The neuron as the chip holds it: a Cuba neuron's :math:`w_{in}` is 1 (it is in the synapses)."""
    return node.replace(w_in=np.ones(np.shape(node.w_in))) if isinstance(node, (ir.CubaLIF, ir.CubaLI)) else node


def chip_neuron(node: ir.Node, profile: ir.Profile) -> FixedNeuron:
    r"""The S16.15 registers of a population (:func:`neurokit.dynamics.fixed.fixed_neuron` of
    :func:`chip_node`); the chip compares :math:`V \ge V_{th}` (``threshold_type_static.h``), so the
    rule ``">"`` is stored as the threshold :math:`V_{th} + 2^{-15}`. A custom neuron model
    (:func:`~.check.custom_model_reasons`: its reset subtracts :math:`V_{th} - V_{reset}`, which the
    shifted threshold would change) compares by the profile's own rule and keeps :math:`V_{th}`."""
    p = fixed_neuron(chip_node(node), profile, FMT)
    return p if chip_spike_rule(profile) == profile.spike_rule else dataclasses.replace(p, v_th=p.v_th + 1)


def chip_spike_rule(profile: ir.Profile) -> str:
    r"""The comparison the populations run: the standard cells' :math:`V \ge V_{th}`, or a custom
    model's own (the profile's rule)."""
    from .check import custom_model_reasons

    return profile.spike_rule if custom_model_reasons(profile) else CHIP_SPIKE_RULE


def chip_semantics(g: ir.Graph) -> ir.Graph:
    r"""The neurons the chip runs, in IR terms. A Cuba neuron is ``IF_curr_exp``, whose step is the
    IR's **Euler** CubaLIF (:mod:`neurokit.dynamics.fixed`) with exponential decays
    :math:`e^{-dt/\tau} = 1 - dt/\tau'`, :math:`\tau' = dt / (1 - e^{-dt/\tau})`. So a graph with Cuba
    neurons and exact integration runs as this Euler graph (every leaky neuron's :math:`\tau`
    stretched so that its decay is unchanged), and the synapses into its Cuba neurons get two taps
    (:func:`exact_taps`) that restore the exact coupling; every other graph runs as given."""
    cuba = any(isinstance(n, (ir.CubaLIF, ir.CubaLI)) for n in g.nodes.values())
    if not (cuba and is_exact(g.profile.integration)):
        return g

    def stretched(tau: Any) -> np.ndarray:
        return g.profile.dt / -np.expm1(-g.profile.dt / np.asarray(tau, np.float64))

    out = g
    for name, node in g.nodes.items():
        if isinstance(node, (ir.LIF, ir.LI)):
            out = out.replace_node(name, node.replace(tau=stretched(node.tau)))
        elif isinstance(node, (ir.CubaLIF, ir.CubaLI)):
            out = out.replace_node(name, node.replace(tau_syn=stretched(node.tau_syn), tau_mem=stretched(node.tau_mem)))
    return out.with_profile(g.profile.replace(integration="euler"))


def exact_taps(node: ir.Node, profile: ir.Profile) -> tuple[np.ndarray, np.ndarray] | None:
    r"""The two synaptic taps that make ``IF_curr_exp`` compute the IR's **exact** Cuba neuron.

    The chip's step (:func:`chip_semantics`) answers an input :math:`u` with the membrane terms
    :math:`P u_t` now and :math:`a_s^{k-1} a_s P u_{t-k}` later, :math:`P = (1-a_m) R g`; the exact
    neuron answers :math:`x` with :math:`D = R (1 - a_m - c) w_{in}` now and :math:`a_s^{k-1} E` later,
    :math:`E = R c (1 - a_s) w_{in}` (coupling :math:`c`). With :math:`g = 1 - a_s` and every synapse
    sent twice, :math:`u_t = \alpha x_t + \beta x_{t-1}` (the second copy one step later), both agree
    exactly for :math:`\alpha = D / ((1-a_m)(1-a_s) R)`, :math:`\beta = c\,w_{in}/(1-a_m) - \alpha a_s`.
    Per neuron (flat); ``None`` unless ``node`` is CubaLIF/CubaLI under exact integration."""
    if not (isinstance(node, (ir.CubaLIF, ir.CubaLI)) and is_exact(profile.integration)):
        return None
    c = neuron_coefficients(node, profile)
    a_s, a_m, cpl, w_in = (np.asarray(v, np.float64).ravel() for v in (c.a_syn, c.a_mem, c.coupling, c.w_in))
    alpha = (1 - a_m - cpl) * w_in / ((1 - a_m) * (1 - a_s))
    return alpha, cpl * w_in / (1 - a_m) - alpha * a_s


def chip_model(g: ir.Graph) -> tuple[dict[str, ir.Node], ir.Profile]:
    """The populations' nodes as the chip holds them (:func:`chip_semantics`, then :func:`chip_node`:
    a Cuba neuron's :math:`w_{in}` moved into its synapses) and the profile they run under."""
    h = chip_semantics(g)
    return {name: chip_node(node) for name, node in h.nodes.items() if isinstance(node, NEURONS)}, h.profile
