"""NEST target: an IR graph lowered to PyNEST (``iaf_psc_delta`` for LIF/LI/IF/I, ``iaf_psc_exp``
for CubaLIF/CubaLI, ``spike_generator`` inputs, array connections), run by NEST's own Python in
its own process (threads here; MPI ranks with an MPI-built NEST).

:mod:`.check` decides what maps, :mod:`.lower` writes the network (and states the profile NEST
realises), :mod:`.runner` builds and runs it inside NEST, :mod:`.board` drives the runner and
:mod:`.backend` ties them together. The cluster path and the scale estimates: ``docs/nest.md``.
"""

from __future__ import annotations

from typing import Any

from .backend import NestBackend
from .board import NestBoard

BACKEND = NestBackend()


def status() -> dict[str, Any]:
    """Readiness for ``neurokit doctor``."""
    return BACKEND.status()


__all__ = ["BACKEND", "NestBackend", "NestBoard", "status"]
