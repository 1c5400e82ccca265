r"""Energy and latency per inference of a crossbar deployment, from counted operations.

Where the work happens: each array converts its own column currents with its own column ADCs
(one per bit line, as in IBM's HERMES chip); the partial sums of the arrays of one column stripe
(a layer taller than one array) and the sum-pooling windows are added in the digital periphery,
which also updates the neurons. The emulator counts, per inference, the operations an
event-driven crossbar performs (see :class:`~neurokit.backends.crossbar.mapping.TiledLayer`):
analog cell multiply-accumulates :math:`N_{mac}` (driven row x column), row drives
:math:`N_{dac}`, column conversions :math:`N_{adc}`, digital additions :math:`N_{add}`
(partial sums and pooling), array reads, sequential MVMs :math:`N_{mvm}` (one per input vector:
per step for a dense layer, per active receptive field for a convolution) with the adder-tree
depth :math:`D` of each, and the digital neuron updates :math:`N_{neu}` (every neuron, every
step). With the per-operation figures of the device table (``hardware/<device>.toml``):

.. math::  E = e_{mac} N_{mac} + e_{dac} N_{dac} + e_{adc} N_{adc} + e_{add} N_{add} + e_{neu} N_{neu}

.. math::  L = t_{mvm} N_{mvm} + t_{add} \sum_{mvm} D + t_{neu} T

(arrays of one layer run in parallel; the MVMs of a layer, and the layers of a step, in sequence;
an input vector with no spike costs nothing). The figures are stated per device in its table
with their source; they are order-of-magnitude estimates, not measurements of a chip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .devices import Device

#: the operations a board counts (summed over a batch; see :class:`~.mapping.TiledLayer`).
OPERATIONS = ("cell_macs", "dac", "adc", "digital_adds", "tile_reads", "mvms", "accumulate_levels")
FIGURES = ("energy_pj_per_mac", "energy_pj_per_dac", "energy_pj_per_adc", "energy_pj_per_add",
           "energy_pj_per_neuron_update", "t_mvm_ns", "t_add_ns", "t_neuron_step_ns")


def cost_per_inference(counts: Mapping[str, Mapping[str, float]], neurons: int, steps: int, samples: int,
                       device: Device) -> dict[str, Any]:
    """Energy (pJ, by kind) and latency (µs) per inference from per-layer ``counts`` summed over
    ``samples`` samples of ``steps`` steps, with ``neurons`` digital neurons."""
    if samples < 1 or steps < 1:
        raise ValueError(f"samples and steps must be >= 1, got {samples}, {steps}")
    fig = {k: float(device.extra.get(k, getattr(device, k, 0.0))) for k in FIGURES}
    total = {k: sum(float(c.get(k, 0.0)) for c in counts.values()) / samples for k in OPERATIONS}
    neuron_updates = float(neurons * steps)
    energy = {"analog_mac": fig["energy_pj_per_mac"] * total["cell_macs"],
              "dac": fig["energy_pj_per_dac"] * total["dac"],
              "adc": fig["energy_pj_per_adc"] * total["adc"],
              "digital_adds": fig["energy_pj_per_add"] * total["digital_adds"],
              "digital_neurons": fig["energy_pj_per_neuron_update"] * neuron_updates}
    energy["total"] = sum(energy.values())
    latency_ns = (fig["t_mvm_ns"] * total["mvms"] + fig["t_add_ns"] * total["accumulate_levels"]
                  + fig["t_neuron_step_ns"] * steps)
    return {"energy_pj": energy, "latency_us": latency_ns / 1e3, "operations": {**total,
            "neuron_updates": neuron_updates}, "figures": fig, "source": device.extra.get("cost_source", "")}


def format_cost(cost: Mapping[str, Any]) -> str:
    """One paragraph for reports."""
    e = cost["energy_pj"]
    ops = cost["operations"]
    arrays = f" on {cost['arrays']} array(s)" if "arrays" in cost else ""
    return (f"per inference{arrays}: {e['total'] / 1e3:.3f} nJ (analog MACs {e['analog_mac'] / 1e3:.3f}, "
            f"DAC {e['dac'] / 1e3:.3f}, ADC {e['adc'] / 1e3:.3f}, digital adds {e['digital_adds'] / 1e3:.3f}, "
            f"digital neurons {e['digital_neurons'] / 1e3:.3f} nJ), latency {cost['latency_us']:.2f} µs; "
            f"{ops['cell_macs']:.0f} cell MACs, {ops['tile_reads']:.0f} array reads, {ops['mvms']:.0f} MVMs")
