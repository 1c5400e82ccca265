"""Hardware targets. Each backend is a folder with a ``{node type: lowering function}`` table
behind the small :class:`~neurokit.backends.base.Backend` protocol; :func:`get_backend` looks
one up by name from an explicit table (no plugin scanning, no global active device)."""

from __future__ import annotations

import importlib

from neurokit.errors import BackendUnavailableError, InvalidInputError

from .base import Artifact, Backend, Board, Problem

#: name -> module that defines ``BACKEND`` (an object implementing :class:`Backend`).
BACKENDS: dict[str, str] = {
    "loihi2": "neurokit.backends.loihi2",
    "spinnaker": "neurokit.backends.spinnaker",
    "crossbar": "neurokit.backends.crossbar",
}


def get_backend(name: str) -> Backend:
    """The backend registered under ``name`` (``"crossbar:pcm"`` selects a device option)."""
    base = name.split(":", 1)[0]
    if base not in BACKENDS:
        raise InvalidInputError(f"unknown target {name!r}", fix=f"choose one of {sorted(BACKENDS)}")
    module = importlib.import_module(BACKENDS[base])
    backend = getattr(module, "BACKEND", None)
    if backend is None:
        raise BackendUnavailableError(f"target {base!r} has no lowering in this version of neurokit",
                                      fix="see `neurokit doctor` for the targets that are ready")
    return backend


__all__ = ["BACKENDS", "Artifact", "Backend", "Board", "Problem", "get_backend"]
