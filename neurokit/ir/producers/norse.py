r"""Norse 1.1.0: ``norse.torch.utils.export_nir.to_nir`` / ``_extract_norse_module``.

What Norse runs, per step of its cells' ``dt`` (default ``1e-3``), with :math:`k = dt\,\tau^{-1}`
(``norse/torch/functional/{lif_box,lif,iaf,leaky_integrator_box}.py``; spikes
``heaviside(v - v_th)`` = :math:`[v > v_{th}]`, reset to ``v_reset``, default 0, in the same step):

* ``LIFBoxCell``: :math:`v' = v + k_m (v_{leak} - v + x)`, spike, reset;
* ``LIFCell``: :math:`i \leftarrow i + x` (a jump), :math:`v' = v + k_m (v_{leak} - v + i)`,
  then :math:`i \leftarrow (1 - k_s) i`, spike, reset;
* ``IAFCell``: :math:`v' = v + x`, spike, reset; ``LIBoxCell``: :math:`v' = v + k_m (v_{leak} - v + x)`.

What the exporter writes with its own ``dt`` argument (default ``1e-3``): ``tau = dt / tau_inv``
(``LIF``, ``LI``; ``CubaLIF`` ``tau_mem``, ``tau_syn``), ``r = 1``, ``v_threshold``, ``v_leak``;
no ``v_reset`` and no ``w_in`` (NIR's defaults 0 and 1 apply); ``IF(r = 1, v_threshold)``;
``Linear`` always as ``Affine``; ``Conv2d``; nothing else (no Flatten, no pooling, no recurrent
cell). Parameters keep their torch shapes, so Norse's scalar defaults are written 0-d.

The file's ``tau`` is therefore ``export_dt × (real time constant)``, and Euler reproduces Norse's
step :math:`k = dt_{run}/\tau_{real}` when the profile's ``dt`` is ``export_dt × run_dt``: with both
defaults ``1e-6``. A file written with ``to_nir(..., dt=1)`` (real time constants, as the NIR
paper's ``lif_norse.nir``) is read with ``profile={"dt": run_dt}``. Two rewrites follow from
Norse's jumps, both at the profile's ``dt``: ``IF`` ``r ← r/dt`` (neurokit adds ``dt·r·x``),
``CubaLIF`` ``w_in ← w_in·tau_syn/dt`` (Euler adds ``(dt/τ_s) w_in x`` to the current; both then
use the new current, see :mod:`neurokit.interop.norse`).
"""

from __future__ import annotations

import numpy as np

from neurokit.ir import nodes as N
from neurokit.ir.graph import Graph
from neurokit.ir.profile import Profile

from ._signature import equals, neurons, node_types, replace_neurons, scalar_parameters
from .base import Producer

#: ``norse.torch.to_nir``'s default ``dt`` and Norse cells' default ``dt``.
EXPORT_DT = 1e-3
RUN_DT = 1e-3
#: The longest real time constant (1 s) a default export is recognised by: tau_file <= 1e-3.
_MAX_TAU = EXPORT_DT * 1.0
#: Node types Norse 1.1's exporter writes.
_WRITTEN = {N.Input, N.Output, N.Affine, N.Conv2d, N.LIF, N.CubaLIF, N.LI, N.IF}


def rewrite(graph: Graph) -> Graph:
    """Norse's input jumps at the graph's ``dt``: ``IF`` ``r/dt``, ``CubaLIF`` ``w_in·tau_syn/dt``."""
    dt = graph.profile.dt
    graph = replace_neurons(graph, N.IF, lambda n: {"r": np.asarray(n.r) / dt})
    return replace_neurons(graph, N.CubaLIF, lambda n: {"w_in": np.asarray(n.w_in) * np.asarray(n.tau_syn) / dt})


def _taus(node: N.Node) -> list[np.ndarray]:
    if isinstance(node, N.CubaLIF):
        return [node.tau_mem, node.tau_syn]
    return [node.tau] if isinstance(node, (N.LIF, N.LI)) else []


def _norse_neuron(node: N.Node) -> bool:
    if not isinstance(node, (N.LIF, N.CubaLIF, N.LI, N.IF)) or not equals(node.r, 1.0):
        return False
    if isinstance(node, (N.LIF, N.CubaLIF, N.IF)) and not equals(node.v_reset, 0.0):
        return False
    if isinstance(node, N.CubaLIF) and not equals(node.w_in, 1.0):
        return False
    return all(bool((t <= _MAX_TAU).all()) for t in _taus(node))


def detect(graph: Graph) -> bool:
    """Norse's signature: only node types its exporter writes (``Affine``, never ``Linear``), every
    neuron with ``r = 1``, ``v_reset = 0``, ``w_in = 1`` and ``tau = 1e-3/tau_inv <= 1e-3``, and
    either a leaky neuron (time constants that small) or 0-d parameters (an ``IF``-only net:
    Sinabs writes the same ``IF`` fields per neuron)."""
    found = neurons(graph)
    if not found or not node_types(graph) <= _WRITTEN or not all(_norse_neuron(n) for n in found):
        return False
    return scalar_parameters(graph) or any(_taus(n) for n in found)


PRODUCER = Producer(
    name="norse",
    release="1.1.0",
    source="norse 1.1.0, norse/torch/utils/export_nir.py: _extract_norse_module, to_nir (dt=1e-3 default)",
    profile=Profile(dt=EXPORT_DT * RUN_DT, integration="euler", reset="zero", spike_rule=">"),
    summary="tau written as export_dt/tau_inv, so dt = export_dt x run_dt = 1e-6; IF and CubaLIF inputs jump",
    rewrite=rewrite,
    detect=detect,
    notes=(
        "profile dt = exporter dt x Norse's step dt (1e-3 x 1e-3 by default); files exported with dt=1 "
        "(the NIR paper's lif_norse.nir) need profile={'dt': run_dt}",
        "v_reset, LIFBoxParameters.reset_method and recurrent cells are not exported",
        "Norse's own from_nir reads tau as 1/tau_inv: its default export round-trips 1000x too fast",
    ),
)
