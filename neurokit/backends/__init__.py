"""Hardware targets. Each backend is a folder with a ``{node type: lowering function}`` table
behind the :class:`~neurokit.backends.base.Backend` protocol (declared options and faults, report,
counters, cost, the run in its own numeric mode; see :mod:`neurokit.backends.base`); :func:`get_backend`
looks one up by name from an explicit table (no plugin scanning, no global active device)."""

from __future__ import annotations

import importlib

from neurokit.errors import BackendUnavailableError, InvalidInputError

from .base import Artifact, Backend, BackendBase, Board, Option, Problem, as_backend

#: name -> module that defines ``BACKEND`` (an object implementing :class:`Backend`).
BACKENDS: dict[str, str] = {
    "loihi2": "neurokit.backends.loihi2",
    "spinnaker": "neurokit.backends.spinnaker",
    "crossbar": "neurokit.backends.crossbar",
    "nest": "neurokit.backends.nest",
}


def get_backend(name: str) -> Backend:
    """The backend registered under ``name`` (``"crossbar:pcm"`` selects a device option), with
    every member of the :class:`Backend` protocol."""
    base = name.split(":", 1)[0] if isinstance(name, str) else name
    if base not in BACKENDS:
        raise InvalidInputError(f"unknown target {name!r}", fix=f"choose one of {sorted(BACKENDS)}")
    if ":" in name:  # a device or machine from the fixed table in hardware/, never a path
        from neurokit.util.hardware import available, check_name, device_tables

        device = check_name(name.split(":", 1)[1], f"target {base!r} device")
        if base == "crossbar" and device not in device_tables():
            from neurokit.errors import DataNotFoundError

            raise DataNotFoundError(f"target {name!r}: no device table {device!r}",
                                    fix=f"choose one of {device_tables()} (hardware/*.toml with a 'kind')")
        if device not in available():
            from neurokit.errors import DataNotFoundError

            raise DataNotFoundError(f"target {name!r}: no hardware description {device!r}",
                                    fix=f"choose one of {available()} (hardware/*.toml)")
    module = importlib.import_module(BACKENDS[base])
    backend = getattr(module, "BACKEND", None)
    if backend is None:
        raise BackendUnavailableError(f"target {base!r} has no lowering in this version of neurokit",
                                      fix="see `neurokit doctor` for the targets that are ready")
    return as_backend(backend, module)


__all__ = ["BACKENDS", "Artifact", "Backend", "BackendBase", "Board", "Option", "Problem", "get_backend"]
