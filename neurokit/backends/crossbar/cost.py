r"""Energy and latency per inference of a crossbar deployment, from counted operations.

The emulator counts, per inference, the operations an event-driven crossbar performs (see
:class:`~neurokit.backends.crossbar.mapping.TiledLayer`): analog cell multiply-accumulates
:math:`N_{mac}` (driven row x column), row drives :math:`N_{dac}`, column conversions
:math:`N_{adc}`, and the digital neuron updates :math:`N_{neu}` (every neuron, every step). With
the per-operation figures of the device table (``hardware/<device>.toml``):

.. math::  E = e_{mac} N_{mac} + e_{dac} N_{dac} + e_{adc} N_{adc} + e_{neu} N_{neu}

.. math::  L = \sum_{t} \Big( \sum_{l \in \text{layers active at } t} t_{mvm} \;+\; t_{neu} \Big)

(tiles of one layer run in parallel; layers of one step run in sequence; a layer with no input
spike at a step costs nothing). The figures are stated per device in its table with their source;
they are order-of-magnitude estimates, not measurements of a chip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .devices import Device

#: the operations a board counts (summed over a batch; see :class:`~.mapping.TiledLayer`).
OPERATIONS = ("cell_macs", "dac", "adc", "tile_reads", "active_sample_steps")
FIGURES = ("energy_pj_per_mac", "energy_pj_per_dac", "energy_pj_per_adc", "energy_pj_per_neuron_update",
           "t_mvm_ns", "t_neuron_step_ns")


def cost_per_inference(counts: Mapping[str, Mapping[str, float]], neurons: int, steps: int, samples: int,
                       device: Device) -> dict[str, Any]:
    """Energy (pJ, by kind) and latency (µs) per inference from per-layer ``counts`` summed over
    ``samples`` samples of ``steps`` steps, with ``neurons`` digital neurons."""
    if samples < 1 or steps < 1:
        raise ValueError(f"samples and steps must be >= 1, got {samples}, {steps}")
    fig = {k: float(device.extra.get(k, getattr(device, k, 0.0))) for k in FIGURES}
    total = {k: sum(float(c.get(k, 0.0)) for c in counts.values()) / samples
             for k in OPERATIONS}
    neuron_updates = float(neurons * steps)
    energy = {"analog_mac": fig["energy_pj_per_mac"] * total["cell_macs"],
              "dac": fig["energy_pj_per_dac"] * total["dac"],
              "adc": fig["energy_pj_per_adc"] * total["adc"],
              "digital_neurons": fig["energy_pj_per_neuron_update"] * neuron_updates}
    energy["total"] = sum(energy.values())
    latency_ns = fig["t_mvm_ns"] * total["active_sample_steps"] + fig["t_neuron_step_ns"] * steps
    return {"energy_pj": energy, "latency_us": latency_ns / 1e3, "operations": {**total,
            "neuron_updates": neuron_updates}, "figures": fig, "source": device.extra.get("cost_source", "")}


def format_cost(cost: Mapping[str, Any]) -> str:
    """One paragraph for reports."""
    e = cost["energy_pj"]
    ops = cost["operations"]
    return (f"per inference: {e['total'] / 1e3:.3f} nJ (analog MACs {e['analog_mac'] / 1e3:.3f}, DAC {e['dac'] / 1e3:.3f}, "
            f"ADC {e['adc'] / 1e3:.3f}, digital neurons {e['digital_neurons'] / 1e3:.3f} nJ), latency "
            f"{cost['latency_us']:.2f} µs; {ops['cell_macs']:.0f} cell MACs, {ops['tile_reads']:.0f} tile reads")
