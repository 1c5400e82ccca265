"""The torch layers train the models of snnTorch and Sinabs: on the traces recorded from the real
libraries (snnTorch 1.0.0 ``Leaky`` with ``reset_delay``, Sinabs 3.1.3 ``IAF``/``LIF`` with
``MultiSpike``, ``MembraneSubtract``, ``min_v_mem``; ``tests/golden/library_traces.json``, written
by ``tools/golden/make_library_traces.py``) they give the same spikes and membranes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from neurokit.train.layers import LIFLayer
from neurokit.train.sequential import IFLayer

CASES = json.loads((Path(__file__).resolve().parents[2] / "golden" / "library_traces.json").read_text())["cases"]
DT = 1e-3


def _layer(name: str, case: dict[str, Any], n: int, fused: bool) -> torch.nn.Module:
    thr = float(case["threshold"])
    v_min = -np.inf if case.get("v_min") is None else float(case["v_min"])
    if name.startswith("snntorch"):  # mem = beta mem + x: exact LIF with r = 1 / (1 - beta), reset next step
        beta = case["beta"]
        return LIFLayer(n, tau=-DT / np.log(beta), r=1 / (1 - beta), v_threshold=thr, dt=DT, reset=case["reset"],
                        reset_timing="next_step", fused=fused)
    if name.startswith("sinabs_iaf"):  # v = v + x: IF with dt r = 1, counts, subtract, spike where v >= thr
        return IFLayer(n, r=1 / DT, v_threshold=thr, dt=DT, reset="subtract", spike_rule=">=", multi_spike=True,
                       v_min=v_min)
    return LIFLayer(n, tau=-DT / np.log(case["alpha"]), v_threshold=thr, dt=DT, reset="subtract", spike_rule=">=",
                    multi_spike=True, v_min=v_min, fused=fused)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_torch_layers_reproduce_the_library(name: str, fused: bool) -> None:
    case = CASES[name]
    x, spikes, v = (torch.tensor(case[k], dtype=torch.float64) for k in ("x", "spikes", "v"))
    layer = _layer(name, case, x.shape[2], fused)
    assert spikes.sum() >= 20
    if isinstance(layer, LIFLayer):
        z, v_last = layer.run(x)
        torch.testing.assert_close(v_last, v[-1], rtol=1e-12, atol=1e-12)
        if not fused:  # the step loop: the whole membrane trace
            a, g, k = layer._coefficients(torch.float64)
            params = (a, g, k, layer.v_leak, layer.r, layer.v_threshold, layer.v_reset)
            state, pending, trace = layer.v_leak.expand(x.shape[1], -1), None, []
            for xt in x.unbind(0):
                _, state, pending = layer.advance(xt, state, params, pending)
                trace.append(state)
            torch.testing.assert_close(torch.stack(trace), v, rtol=1e-12, atol=1e-12)
    else:
        z = layer(x)
    torch.testing.assert_close(z, spikes, rtol=0, atol=0)
    if "multispike" in name:
        assert spikes.max() > 1
