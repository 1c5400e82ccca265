r"""Delays and synaptic latency in whole steps: the one conversion every stage uses.

A delay of :math:`d` seconds (a ``Delay`` node, a ``SparseLinear`` synapse) lasts
:math:`\mathrm{round}(d / dt)` steps. A weighted connection delivers what it receives at step
:math:`t` at step :math:`t + L + d_{ij}`, where :math:`L` is the profile's ``synapse_latency``
(Loihi 2's Dense process: 1; SpiNNaker: 1) and :math:`d_{ij}` the synapse's own delay in steps.
"""

from __future__ import annotations

import numpy as np

#: Longest delay in steps (a ring buffer of this depth is allocated per delayed neuron).
MAX_DELAY_STEPS = 2**31 - 1


def delay_steps(seconds: np.ndarray | float, dt: float) -> np.ndarray:
    r"""Delays in whole steps, :math:`\mathrm{round}(d / dt)` (int64, same shape as ``seconds``)."""
    steps = np.rint(np.asarray(seconds, dtype=np.float64) / dt)
    if steps.size and not (np.all(np.isfinite(steps)) and steps.max() <= MAX_DELAY_STEPS and steps.min() >= 0):
        from neurokit.errors import GraphError

        worst = float(np.nanmax(np.abs(steps))) if np.any(np.isfinite(steps)) else float("nan")
        raise GraphError(f"a delay of {worst:.3g} steps (dt = {dt:g} s) is outside [0, {MAX_DELAY_STEPS}] steps",
                         fix="check the delays (seconds, not steps?) or the profile's dt")
    return steps.astype(np.int64)


def synapse_delays(delays: np.ndarray | None, n_synapses: int, latency: int) -> np.ndarray:
    """Per-synapse delivery delay in steps: the synapses' own ``delays`` (``None``: all 0) plus the
    connection ``latency``."""
    own = np.zeros(n_synapses, np.int64) if delays is None else np.asarray(delays, dtype=np.int64)
    return own + int(latency)

