"""Graph passes shared by several stages (simulator, backends, conversion, training):

* :mod:`~neurokit.ir.passes.csr` — linear nodes lowered to CSR rows by presynaptic input;
* :mod:`~neurokit.ir.passes.latency` — delays and synaptic latency in whole steps;
* :mod:`~neurokit.ir.passes.operations` — the one operations counter (AC, MAC, dense equivalent,
  energy per operation) behind the training and conversion reports and ``Graph.stats()``;
* :mod:`~neurokit.ir.passes.quantize` — the ``sI.F`` fixed-point format parameters are quantized to;
* :mod:`~neurokit.ir.passes.timing` — a chip's synaptic latency as ``Delay`` nodes before its synapses.

Like the rest of :mod:`neurokit.ir` they depend on NumPy only.
"""

from .csr import CSR, LINEAR_TYPES, conv_to_csr, dense_to_csr, node_to_csr, pool_to_csr, sparse_to_csr
from .latency import delay_steps, synapse_delays
from .quantize import FixedFormat
from .timing import delay_spikes_into_synapses

__all__ = ["CSR", "LINEAR_TYPES", "FixedFormat", "conv_to_csr", "delay_steps", "dense_to_csr", "node_to_csr",
           "pool_to_csr", "sparse_to_csr", "synapse_delays"]
