"""Synaptic operations of a training run: the folded count of :mod:`neurokit.ir.passes.operations`.

The rules (pool→conv chains folded, graded LI sources every step, events counted) and the
equation are stated once there; this module adapts a simulator recording to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurokit import ir
from neurokit.errors import InvalidInputError
from neurokit.ir.passes.operations import FOLDED, dense_operations, fan_out, run_operations

__all__ = ["dense_operations", "fan_out", "synaptic_operations"]


def synaptic_operations(graph: ir.Graph, recording: Any, inputs: np.ndarray, steps: int) -> tuple[float, float]:
    """``(synaptic operations per sample, dense multiply-accumulates per sample)`` of a run of
    ``graph`` on ``inputs`` ``(T, B, *shape)`` whose spikes ``recording`` holds (and, in its ``values``, the
    outputs of other recorded nodes, e.g. the spike products of :mod:`neurokit.ir.extensions`)."""
    if inputs.shape[0] != steps:
        raise InvalidInputError(f"inputs have {inputs.shape[0]} steps, not {steps}", fix="pass inputs as (T, B, ...)")
    return run_operations(graph, inputs, {**recording.spikes, **getattr(recording, "values", {})}, rules=FOLDED)
