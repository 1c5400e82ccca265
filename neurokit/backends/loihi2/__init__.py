"""Loihi 2 backend through Lava (lava-nc 0.10, Python 3.10, run out of process).

:mod:`~neurokit.backends.loihi2.runtime` creates and finds the Lava runtime venv.
"""

from __future__ import annotations

from typing import Any

from .runtime import runtime_status


def status() -> dict[str, Any]:
    """Readiness for ``neurokit doctor``."""
    return runtime_status()
