"""The reference (and the Numba simulator) against traces produced by the real snnTorch ``Leaky``
(``reset_delay=True``) and Sinabs ``IAF``/``LIF`` (``MultiSpike``, ``MembraneSubtract``,
``min_v_mem``); the traces were recorded by ``tools/golden/make_library_traces.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.dynamics.reference import run_reference

CASES = json.loads((Path(__file__).resolve().parents[2] / "golden" / "library_traces.json").read_text())["cases"]
DT = 1e-3


def _graph(name: str, case: dict[str, Any], n: int) -> ir.Graph:
    ones, zeros = np.ones(n), np.zeros(n)
    thr = np.full(n, case["threshold"])
    if name.startswith("snntorch"):  # mem = beta mem + x: exact LIF with r = 1 / (1 - beta)
        beta = case["beta"]
        node: ir.Node = ir.LIF(tau=np.full(n, -DT / np.log(beta)), r=np.full(n, 1 / (1 - beta)), v_leak=zeros,
                               v_threshold=thr)
        prof = ir.Profile(dt=DT, reset=case["reset"], reset_timing="next_step")
    elif name.startswith("sinabs_iaf"):  # v = v + x: IF with dt r = 1
        node = ir.IF(r=np.full(n, 1 / DT), v_threshold=thr)
        prof = ir.Profile(dt=DT, reset="subtract", spike_rule=">=", multi_spike=True,
                          v_min=-np.inf if case["v_min"] is None else case["v_min"])
    else:  # Sinabs LIF, norm_input: v = alpha v + (1 - alpha) x
        node = ir.LIF(tau=np.full(n, -DT / np.log(case["alpha"])), r=ones, v_leak=zeros, v_threshold=thr)
        prof = ir.Profile(dt=DT, reset="subtract", spike_rule=">=", multi_spike=True, v_min=case["v_min"])
    return ir.Graph(nodes={"in": ir.Input(shape=(n,)), "n": node, "out": ir.Output(shape=(n,))},
                    edges=(("in", "n"), ("n", "out")), profile=prof)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_and_simulator_reproduce_the_library(name: str) -> None:
    case = CASES[name]
    x, spikes, v = (np.asarray(case[k], dtype=np.float64) for k in ("x", "spikes", "v"))
    g = _graph(name, case, x.shape[2])
    assert spikes.sum() >= 20
    ref = run_reference(g, x, record=("n",))
    np.testing.assert_array_equal(ref.outputs["out"], spikes)
    np.testing.assert_allclose(ref.states["n"]["v"], v, rtol=1e-12, atol=1e-12)
    rec = sim.simulate(g, x, record=("spikes", "v"))
    np.testing.assert_array_equal(rec.outputs["out"], spikes)
    np.testing.assert_allclose(rec.traces["n"]["v"], v, rtol=1e-12, atol=1e-12)
