r"""What the NEST target can run (the backend's ``check``): every problem at once.

The network structure is SpiNNaker's (:func:`neurokit.backends.spinnaker.check.structure`): one
``Input`` (a ``spike_generator`` per channel), neuron **populations**, and **projections** = chains
of linear nodes between two populations, multiplied into one synapse list. What NEST's neurons
cannot express is refused here, with the reason:

* ``reset`` must be ``"zero"`` (``iaf_psc_delta`` / ``iaf_psc_exp`` set :math:`V_m` to
  :math:`V_{reset}`), ``reset_timing`` ``"same_step"``, ``multi_spike`` false;
* ``v_min``: ``iaf_psc_delta``'s ``V_min`` clips the membrane *before* the threshold test, neurokit
  *after* the reset; both agree when :math:`v_{min} \le v_{reset}` (a reset is never lifted) and
  :math:`v_{min} < v_{th}`; ``iaf_psc_exp`` has no ``V_min``;
* ``integration="euler"``: LIF/LI/IF/I run as exact neurons whose decay is Euler's,
  :math:`e^{-dt/\tau'} = 1 - dt/\tau` (the two steps are then the same equation); Euler CubaLIF /
  CubaLI are refused (``iaf_psc_exp``'s exact coupling of current into membrane is not Euler's);
* a bias before another weighted node of a chain (it would arrive a step later per node than the
  chain's own bias; the lowering starts a projection's biases together);
* ``synapse_latency`` above 1 (NEST's minimum delay is one step, which the target realises);
* fixed-point ``numeric`` profiles are run as float64 (NEST computes in double precision), and so
  is ``float32``: the reference is the float64 model (:func:`~.lower.nest_float_graph`).
"""

from __future__ import annotations

import numpy as np

from neurokit import ir
from neurokit.backends.base import Problem
from neurokit.backends.spinnaker.check import NEURONS, SYNAPSES, Structure, structure
from neurokit.ir.passes import LINEAR_TYPES

CUBA = (ir.CubaLIF, ir.CubaLI)


def profile_problems(graph: ir.Graph) -> list[Problem]:
    """The profile options NEST's ``iaf_psc_delta`` / ``iaf_psc_exp`` cannot express."""
    prof, problems = graph.profile, []
    if prof.reset != "zero":
        problems.append(Problem("<profile>", f"reset={prof.reset!r} cannot be expressed: NEST's iaf_psc_delta and "
                                             "iaf_psc_exp set V_m to V_reset after a spike", "use reset='zero'"))
    if prof.reset_timing != "same_step":
        problems.append(Problem("<profile>", f"reset_timing={prof.reset_timing!r} cannot be expressed: NEST's neurons "
                                             "reset in the step they spike", "use reset_timing='same_step'"))
    if prof.multi_spike:
        problems.append(Problem("<profile>", "multi_spike=True cannot be expressed: a NEST neuron emits at most one "
                                             "spike per step (on-grid)", "use multi_spike=False"))
    if prof.synapse_latency > 1:
        problems.append(Problem("<profile>", f"synapse_latency={prof.synapse_latency} is not realised: the NEST target "
                                             "gives every weighted connection NEST's minimum delay of one step",
                                "use synapse_latency 0 or 1 (or per-synapse delays)"))
    neurons = {n: node for n, node in graph.nodes.items() if isinstance(node, NEURONS)}
    for name, node in neurons.items():
        if isinstance(node, CUBA) and prof.integration == "euler":
            problems.append(Problem(name, f"{node.type_name} with integration='euler' cannot be expressed: NEST's "
                                          "iaf_psc_exp couples its current into the membrane exactly",
                                    "use integration='exact' for current-based neurons"))
        if prof.v_min > -np.inf:
            if isinstance(node, CUBA):
                problems.append(Problem(name, f"v_min={prof.v_min!r} cannot be expressed: NEST's iaf_psc_exp has no "
                                              "V_min", "leave v_min at -inf"))
            elif node.spiking:
                v_reset = np.asarray(node.v_reset, np.float64)  # type: ignore[attr-defined]
                v_th = np.asarray(node.v_threshold, np.float64)  # type: ignore[attr-defined]
                if np.any(prof.v_min > v_reset) or np.any(prof.v_min >= v_th):
                    problems.append(Problem(name, f"v_min={prof.v_min!r} above v_reset cannot be expressed: NEST's "
                                                  "iaf_psc_delta clips V_m before the threshold test, so a reset below "
                                                  "V_min is not lifted to it", "use v_min <= v_reset"))
    return problems


def early_bias_problems(graph: ir.Graph, found: Structure) -> list[Problem]:
    """A bias before another weighted node of a projection's chain reaches the population one step
    later per such node (each carries a step of latency), while the lowering gives a projection's
    summed bias one onset (neurokit's step 1): refused rather than started early."""
    problems = []
    for proj in found.projections:
        weighted = [n for n in proj.chain if isinstance(graph.nodes[n], LINEAR_TYPES)]
        for name in weighted[:-1]:
            bias = getattr(graph.nodes[name], "bias", None)
            if bias is not None and np.any(np.asarray(bias) != 0):
                problems.append(Problem(name, f"its bias passes {len(weighted) - 1 - weighted.index(name)} more weighted "
                                              f"node(s) of the projection into {proj.post!r} and arrives later than the "
                                              "projection's own bias; the NEST lowering starts a projection's biases "
                                              "together", "fold the bias into the last weighted node of the chain "
                                                          "(b = W_2 b_1 + b_2), or put a neuron population between"))
    return problems


def check_graph(graph: ir.Graph) -> list[Problem]:
    """Every problem at once: node types, network structure, biases inside chains, profile."""
    g = graph.flatten()
    found = structure(g)
    problems = [Problem(p.node, p.message.replace("SpiNNaker graphs here", "NEST graphs here")
                        .replace("has no SpiNNaker lowering", "has no NEST lowering"), p.fix)
                for p in found.problems if p.node != "<profile>"]  # the chip's profile rules are not NEST's
    return problems + early_bias_problems(g, found) + profile_problems(g)


__all__ = ["CUBA", "NEURONS", "SYNAPSES", "check_graph", "early_bias_problems", "profile_problems"]
