"""Resistive-memory crossbar backend: weights on analog tiles (PCM, RRAM, ideal devices from
``hardware/``), neurons in the digital periphery, event-driven row activation, seeded noise."""

from __future__ import annotations

from typing import Any

from .backend import CrossbarBackend, CrossbarBoard, deploy_report
from .devices import Device, load_device
from .mapping import Periphery
from .sweeps import sweep

BACKEND = CrossbarBackend()


def status() -> dict[str, Any]:
    return {"ready": True, "detail": "emulator built in (devices: hardware/pcm.toml, rram.toml, ideal.toml)"}


__all__ = ["BACKEND", "CrossbarBackend", "CrossbarBoard", "Device", "Periphery", "deploy_report", "load_device",
           "status", "sweep"]
