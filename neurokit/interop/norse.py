r"""Import models from Norse and export models Norse can load, with the same numbers.

Norse's exporter (``norse.torch.utils.export_nir``, Norse 1.1) writes ``tau = dt / tau_mem_inv``.
That is the time constant only when ``dt = 1``: for the default ``dt = 1e-3`` a 10 ms membrane
is written as 10 µs. Rather than copying that quirk, :func:`from_norse` calls the exporter with
``dt=1.0`` (so ``tau = 1 / tau_mem_inv`` exactly) and reads the result with the Norse producer
entry (:mod:`neurokit.ir.producers.norse`) at the real ``dt``: the entry's profile ``dt`` is
export ``dt`` × Norse's step ``dt``, here ``1 × dt``. The entry says the rest: forward Euler,
reset to ``v_reset``, ``v > v_th``; ``IAFCell`` adds ``x`` (``IF`` ``r = 1/dt``) and ``LIFCell``
jumps its current by ``x`` (``CubaLIF`` ``w_in = tau_syn/dt``; both then use the new current, so
Norse's cell is exactly neurokit's Euler ``CubaLIF`` with that ``w_in``).
"""

from __future__ import annotations

import warnings

from neurokit.dynamics.discretisation import refuse_nondefault_semantics
from neurokit.errors import InvalidInputError
from neurokit.ir import CubaLIF, Graph, from_nir, to_nir


def from_norse(module: object, sample: object, *, dt: float = 1e-3) -> Graph:
    """Export a Norse module (``SequentialState`` of Linear/LIFBoxCell/LIBoxCell/LIFCell/IAFCell…)
    through ``norse.torch.to_nir`` and convert it into an IR graph with Norse's semantics."""
    import norse.torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ng = norse.torch.to_nir(module, sample, dt=1.0)  # dt=1.0: see the module docstring
    return from_nir(ng, producer="norse", profile={"dt": dt})


#: Node types ``norse.torch.from_nir`` (Norse 1.1) turns into modules; it skips others silently.
#: (``Identity``, the sum point of ``neurokit.train``'s delay branches, reaches it as its 1-D ``Flatten`` stand-in.)
NORSE_IMPORTS = frozenset({"Input", "Output", "Affine", "Linear", "SparseLinear", "Conv2d", "Flatten", "Identity", "IF",
                           "LIF", "CubaLIF", "SumPool2d"})


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
