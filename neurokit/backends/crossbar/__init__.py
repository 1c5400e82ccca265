"""Resistive-memory crossbar backend: weights on analog tiles (PCM, RRAM, ideal devices from
``hardware/``), neurons in the digital periphery, event-driven row activation, seeded noise."""

from __future__ import annotations

from .backend import CrossbarBackend, CrossbarBoard, deploy_report
from .devices import Device, load_device
from .mapping import Periphery
from .sweeps import sweep

BACKEND = CrossbarBackend()


__all__ = ["BACKEND", "CrossbarBackend", "CrossbarBoard", "Device", "Periphery", "deploy_report", "load_device",
           "sweep"]
