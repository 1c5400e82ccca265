r"""Sinabs 3.1.3: ``sinabs.nir.to_nir`` / ``_extract_sinabs_module``.

What Sinabs runs (``sinabs/layers/functional/lif.py: lif_forward_single``, time in whole steps,
:math:`\alpha = e^{-1/\tau}`), with the defaults ``spike_fn=MultiSpike``,
``reset_fn=MembraneSubtract()``, ``min_v_mem=None``:

* integrate: ``LIF`` (``norm_input=True``) :math:`v' = \alpha v + (1-\alpha) x`; ``IAF``
  :math:`v' = v + x`; ``ExpLeak`` (``norm_input=False``) :math:`v' = \alpha v + x`, output :math:`v'`;
* spike: ``MultiSpike`` :math:`n = [v > 0]\,\mathrm{trunc}(v/\theta)` spikes (so :math:`n \ge 1`
  iff :math:`v \ge \theta`); ``SingleSpike`` :math:`[v - \theta \ge 0]`;
* reset: ``MembraneSubtract`` :math:`v \leftarrow v - n\theta`; ``MembraneReset`` :math:`v \leftarrow 0`;
* then the floor :math:`v \leftarrow \max(v, v_{min})` when ``min_v_mem`` is set.

What the exporter writes: ``IAF`` → ``IF(r = 1, v_threshold = θ)`` (NIR's ``v_reset = 0``);
``LIF`` → ``LIF(tau = tau_mem, r = 1, v_leak = 0, v_threshold = θ)`` (``tau_syn`` is dropped);
``ExpLeak`` → ``LI(tau = tau_mem, r = 1, v_leak = 0)``; ``Linear`` always as ``Affine``;
``Conv1d``/``Conv2d``, ``SumPool2d``, ``Flatten``. Neither ``spike_fn``, ``reset_fn``,
``min_v_mem`` nor ``norm_input`` is written.

Read with ``dt = 1`` (time constants are in steps) and exact integration: ``IF`` gives
:math:`v + x`, ``LIF`` gives :math:`\alpha v + (1-\alpha) x`, as Sinabs. The profile says
``spike_rule=">="``, ``multi_spike=True``, ``reset="subtract"``. One rewrite: ``LI`` ``r ←
r/(1-e^{-dt/\tau})``, since ``ExpLeak`` does not scale its input by :math:`1-\alpha` (Sinabs' own
``from_nir`` likewise builds ``ExpLeakSqueeze(norm_input=False)`` from an ``LI`` with ``r = 1``).
Other choices go in the profile: ``SingleSpike`` ``{"multi_spike": False}``, ``MembraneReset``
``{"reset": "zero"}``, ``min_v_mem`` ``{"v_min": ...}`` (Sinabs floors after the reset; neurokit
at the end of the step, the same place).
"""

from __future__ import annotations

import re

import numpy as np

from neurokit.ir import nodes as N
from neurokit.ir.graph import Graph
from neurokit.ir.profile import Profile

from ._signature import equals, neurons, node_types, replace_neurons, scalar_parameters
from .base import Producer

#: Node types Sinabs 3.1.3's exporter writes.
_WRITTEN = {N.Input, N.Output, N.Affine, N.Conv1d, N.Conv2d, N.SumPool2d, N.Flatten, N.IF, N.LIF, N.LI}


def rewrite(graph: Graph) -> Graph:
    r"""``ExpLeak`` adds its input unscaled: ``LI`` ``r ← r / (1 - e^{-dt/τ})`` at the graph's ``dt``."""
    dt = graph.profile.dt
    return replace_neurons(graph, N.LI, lambda n: {"r": np.asarray(n.r) / -np.expm1(-dt / np.asarray(n.tau))})


#: spyx names its nodes ``layer_<i>`` and writes the very same ``IF`` fields; Sinabs' nodes are
#: named by nirtorch after the torch modules (``0``, ``1``, ``fc1``, …).
_SPYX_NAMES = re.compile(r"^(input|output|layer_\d+)$")


def _sinabs_neuron(node: N.Node) -> bool:
    if not isinstance(node, (N.IF, N.LIF, N.LI)) or not equals(node.r, 1.0):
        return False
    if isinstance(node, (N.IF, N.LIF)) and not equals(node.v_reset, 0.0):
        return False
    if isinstance(node, (N.LIF, N.LI)):
        return equals(node.v_leak, 0.0) and bool((node.tau >= 1.0).all())
    return True


def detect(graph: Graph) -> bool:
    """Sinabs' signature: only node types its exporter writes (``Affine``, never ``Linear``), every
    neuron ``IF``/``LIF``/``LI`` with ``r = 1``, ``v_leak = v_reset = 0``, time constants of one
    step or more (``tau >= 1``: steps, not seconds), per-neuron arrays (Sinabs writes ``IF``
    parameters with the layer's shape, where Norse writes its defaults 0-d), and node names that
    are not spyx's ``layer_<i>`` (spyx writes the same ``IF`` fields)."""
    found = neurons(graph)
    return (bool(found) and not scalar_parameters(graph) and node_types(graph) <= _WRITTEN
            and all(_sinabs_neuron(n) for n in found)
            and not all(_SPYX_NAMES.match(name) for name in graph.flatten().nodes))


PRODUCER = Producer(
    name="sinabs",
    release="3.1.3",
    source="sinabs 3.1.3, sinabs/nir.py: _extract_sinabs_module, to_nir",
    profile=Profile(dt=1.0, integration="exact", reset="subtract", spike_rule=">=", multi_spike=True),
    summary="time in steps, IAF v + x, MultiSpike counts with MembraneSubtract; ExpLeak input unscaled",
    rewrite=rewrite,
    detect=detect,
    notes=(
        "spike_fn, reset_fn, min_v_mem and norm_input are not exported: SingleSpike needs "
        "profile={'multi_spike': False}, MembraneReset {'reset': 'zero'}, min_v_mem {'v_min': value}",
        "LIF(norm_input=False) and LIF(tau_syn=...) export the same LIF as the defaults: not reproducible",
        "Sinabs' own from_nir gives IF min_v_mem = -v_threshold, which the export does not state",
        "the plain IAF/LIF layers (not *Squeeze) write the time axis into the Input shape",
    ),
)
