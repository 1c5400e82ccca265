"""SpiNNaker backend: partition, place, route and compress onto a described machine (SpiNN-5 by
default), export per-core synaptic data, and emulate the export packet by packet (S16.15)."""

from __future__ import annotations

from typing import Any

from .backend import Emulator, SpiNNakerBackend, SpiNNakerBoard, deploy_report
from .machine import load_machine

BACKEND = SpiNNakerBackend()


def status() -> dict[str, Any]:
    from .pynn import simulator_python

    found = {b: simulator_python(b) for b in ("nest", "brian2", "spiNNaker")}
    have = ", ".join(f"{b}: {p}" for b, p in found.items() if p) or "none found (make pynn-nest installs NEST)"
    return {"ready": True, "detail": "machine-graph export + packet-level emulator built in; every artifact has "
                                     "pynn/model.py, a PyNN program: `python pynn/model.py nest|brian2|spiNNaker "
                                     "--inputs inputs.npz` in a venv with pyNN and that simulator (sPyNNaker: "
                                     f"virtual_board = True in ~/.spynnaker.cfg maps without a board); PyNN venvs: {have}"}


__all__ = ["BACKEND", "Emulator", "SpiNNakerBackend", "SpiNNakerBoard", "deploy_report", "load_machine", "status"]
