"""neurokit's bit-accurate Loihi 2 mode: ``numeric = "loihi2"`` in the profile.

The graph is quantized exactly as the ``loihi2`` backend quantizes it for the chip
(:func:`neurokit.backends.loihi2.quantize.quantize_graph`: 8-bit weights with a shared exponent,
12-bit decays, thresholds and biases as mantissa/exponent) and run with the integer equations of
Lava's ``PyLifModelBitAcc`` / ``PyDenseModelBitAcc`` / ``DelayDense``
(:mod:`neurokit.backends.loihi2.fixed_point`): 24-bit wrapping current, saturating voltage,
one-step Dense latency, recurrence and synaptic delays. The tests hold it to real Lava, spike for
spike and state for state, so a model can be checked for the chip without Lava installed.
Outputs: spikes of the spiking layers; the readout's (``LI``, ``I``, ``CubaLI``) membrane divided by
its scale. Subtractive reset runs as Lava's ``ATRLIF`` (:func:`~.fixed_point.atrlif_step`).
:func:`neurokit.sim.simulate` runs ``numeric = "loihi2"`` profiles here.
"""

from __future__ import annotations

import numpy as np

from neurokit import ir
from neurokit.backends.output_stage import describe as describe_output_stage
from neurokit.sim.recording import Recording

from .board import integer_inputs, recording_from_raw
from .quantize import quantize_graph
from .fixed_point import run_layers


def simulate_loihi(graph: ir.Graph, inputs: np.ndarray, steps: int | None = None) -> Recording:
    """Run ``graph`` in Loihi 2 integer arithmetic on spike-count ``inputs`` ``(T, B, *shape)``."""
    params, layers, _ = quantize_graph(graph)
    g = graph.flatten()
    x = integer_inputs(np.asarray(inputs))
    x = x[: int(steps or x.shape[0])]
    manifest = {"dt": g.profile.dt, "layers": layers, "output": next(iter(g.outputs)),
                "output_stage": describe_output_stage(g, next(iter(g.outputs)))}
    return recording_from_raw(manifest, run_layers(params, x.reshape(x.shape[0], x.shape[1], -1)))
