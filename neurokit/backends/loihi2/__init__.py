"""Loihi 2 backend through Lava (lava-nc 0.10, Python 3.10, run out of process).

:mod:`~neurokit.backends.loihi2.runtime` creates and finds the Lava runtime venv;
:mod:`~neurokit.backends.loihi2.fixed_point` is neurokit's bit-accurate Loihi mode;
:mod:`~neurokit.backends.loihi2.check` decides what maps (every problem up front),
:mod:`~neurokit.backends.loihi2.quantize` quantizes to the chip's CUBA neuron,
:mod:`~neurokit.backends.loihi2.board` runs artifacts in Lava, :mod:`~neurokit.backends.loihi2.report`
prints them, and :mod:`~neurokit.backends.loihi2.backend` ties them into the backend.
"""

from __future__ import annotations

from typing import Any

from .backend import Loihi2Backend, LoihiBoard, deploy_report, quantize_layer, run_lava, run_lava_many
from .runtime import runtime_status

BACKEND = Loihi2Backend()


def status() -> dict[str, Any]:
    """Readiness for ``neurokit doctor``."""
    return runtime_status()


__all__ = ["BACKEND", "Loihi2Backend", "LoihiBoard", "deploy_report", "quantize_layer", "run_lava", "run_lava_many",
           "status"]
