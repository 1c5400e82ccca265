"""SpiNNaker backend: partition, place, route and compress onto a described machine (SpiNN-5 by
default), export per-core synaptic data, and emulate the export packet by packet (S16.15)."""

from __future__ import annotations

from typing import Any

from .backend import Emulator, SpiNNakerBackend, SpiNNakerBoard, deploy_report
from .machine import load_machine

BACKEND = SpiNNakerBackend()


def status() -> dict[str, Any]:
    return {"ready": True, "detail": "machine-graph export + packet-level emulator built in (PyNN/sPyNNaker path: "
                                     "not in this version)"}


__all__ = ["BACKEND", "Emulator", "SpiNNakerBackend", "SpiNNakerBoard", "deploy_report", "load_machine", "status"]
