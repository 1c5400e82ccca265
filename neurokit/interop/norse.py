r"""Import models from Norse and export models Norse can load, with the same numbers.

Norse's exporter (``norse.torch.utils.export_nir``, Norse 1.1) writes ``tau = dt / tau_mem_inv``.
That is the time constant only when ``dt = 1``: for the default ``dt = 1e-3`` a 10 ms membrane
is written as 10 µs. Rather than copying that quirk, :func:`from_norse` calls the exporter with
``dt=1.0`` (so ``tau = 1 / tau_mem_inv`` exactly) and carries the real ``dt`` in the execution
profile. Norse integrates with forward Euler, reset to ``v_reset`` and ``v > v_th``, so the
imported profile is ``integration="euler", reset="zero", spike_rule=">"``.

Norse's ``LIFCell`` (NIR ``CubaLIF``) adds the input to the current as a jump, ``i <- i + x``,
where the NIR equation :math:`\tau_{syn} \dot I = -I + w_{in} x` integrated by Euler adds
``(dt/tau_syn) w_in x``. Both then use the new current in the membrane update, so Norse's cell is
exactly neurokit's Euler ``CubaLIF`` with ``w_in = tau_syn / dt``; :func:`from_norse` sets that.
"""

from __future__ import annotations

import warnings

import numpy as np

from neurokit.dynamics.discretisation import refuse_nondefault_semantics
from neurokit.errors import InvalidInputError
from neurokit.ir import CubaLIF, Graph, Profile, from_nir, to_nir


def from_norse(module: object, sample: object, *, dt: float = 1e-3) -> Graph:
    """Export a Norse module (``SequentialState`` of Linear/LIFBoxCell/LIBoxCell/LIFCell/IAFCell…)
    through ``norse.torch.to_nir`` and convert it into an IR graph with Norse's semantics."""
    import norse.torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ng = norse.torch.to_nir(module, sample, dt=1.0)  # dt=1.0: see the module docstring
    profile = Profile(dt=dt, integration="euler", reset="zero", spike_rule=">")
    graph = from_nir(ng, profile=profile)
    return _norse_cuba_to_nir_cuba(graph)


def _norse_cuba_to_nir_cuba(graph: Graph) -> Graph:
    dt = graph.profile.dt
    nodes = dict(graph.nodes)
    for name, node in graph.nodes.items():
        if isinstance(node, CubaLIF):
            nodes[name] = node.replace(w_in=np.asarray(node.w_in) * np.asarray(node.tau_syn) / dt)
    return Graph(nodes=nodes, edges=graph.edges, profile=graph.profile, metadata=graph.metadata)


#: Node types ``norse.torch.from_nir`` (Norse 1.1) turns into modules; it skips others silently.
NORSE_IMPORTS = frozenset({"Input", "Output", "Affine", "Linear", "SparseLinear", "Conv2d", "Flatten", "IF", "LIF",
                           "CubaLIF", "SumPool2d"})


def to_norse(graph: Graph) -> object:
    """A Norse module (via ``norse.torch.from_nir``) for ``graph``; refuses profiles Norse cannot run."""
    import norse.torch

    p = graph.profile
    refuse_nondefault_semantics(p, "Norse", fix="export with reset_timing='same_step', multi_spike=false, no v_min")
    if p.integration != "euler" or p.reset != "zero" or p.spike_rule != ">" or p.synapse_latency:
        raise InvalidInputError(
            f"Norse runs euler integration, reset to v_reset, spike rule '>' and no synapse latency; this graph's "
            f"profile is {p}", fix="use graph.with_profile(Profile(dt=..., integration='euler')) knowingly")
    unsupported = [f"{k} ({n.type_name})" for k, n in graph.flatten().nodes.items()
                   if type(n).__name__ not in NORSE_IMPORTS]
    if unsupported:
        raise InvalidInputError(f"norse.torch.from_nir cannot load {unsupported} (Norse 1.1 silently drops them)",
                                fix=f"Norse imports {sorted(NORSE_IMPORTS)}; run other nodes in neurokit.sim")
    cubas = [k for k, n in graph.flatten().nodes.items() if isinstance(n, CubaLIF)]
    if cubas:
        raise InvalidInputError(f"Norse's LIFCell reads w_in differently (see neurokit.interop.norse): {cubas}",
                                fix="export LIF/LI/IF models to Norse, or run CubaLIF models in neurokit.sim")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return norse.torch.from_nir(to_nir(graph), dt=p.dt)
