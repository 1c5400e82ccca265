r"""Delays and synaptic latency in whole steps: the one conversion every stage uses.

A delay of :math:`d` seconds (a ``Delay`` node, a ``SparseLinear`` synapse) lasts
:math:`\mathrm{round}(d / dt)` steps. A weighted connection delivers what it receives at step
:math:`t` at step :math:`t + L + d_{ij}`, where :math:`L` is the profile's ``synapse_latency``
(Loihi 2's Dense process: 1; SpiNNaker: 1) and :math:`d_{ij}` the synapse's own delay in steps.
"""

from __future__ import annotations

import numpy as np


def delay_steps(seconds: np.ndarray | float, dt: float) -> np.ndarray:
    r"""Delays in whole steps, :math:`\mathrm{round}(d / dt)` (int64, same shape as ``seconds``)."""
    return np.rint(np.asarray(seconds, dtype=np.float64) / dt).astype(np.int64)


def synapse_delays(delays: np.ndarray | None, n_synapses: int, latency: int) -> np.ndarray:
    """Per-synapse delivery delay in steps: the synapses' own ``delays`` (``None``: all 0) plus the
    connection ``latency``."""
    own = np.zeros(n_synapses, np.int64) if delays is None else np.asarray(delays, dtype=np.int64)
    return own + int(latency)

