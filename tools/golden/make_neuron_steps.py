"""Regenerate ``tests/golden/neuron_steps.json``: reference step traces of every neuron type.

The golden file freezes the meaning of each neuron under each profile. Regenerate it only when
a semantic change is intended, and say so in the commit:

    .venv/bin/python tools/golden/make_neuron_steps.py
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.dynamics.neurons import initial_state, neuron_step
from neurokit.util.atomic import atomic_write_text

OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "neuron_steps.json"
STEPS = 40


def neurons() -> dict[str, ir.Node]:
    n = 3
    tau = np.array([0.005, 0.01, 0.02])
    ones = np.ones(n)
    return {
        "I": ir.I(r=np.array([1.0, 2.0, 0.5])),
        "LI": ir.LI(tau=tau, r=ones, v_leak=np.array([0.0, 0.1, -0.1])),
        "IF": ir.IF(r=np.array([50.0, 100.0, 200.0]), v_threshold=ones, v_reset=np.zeros(n), t_refrac=np.array([0, 2e-3, 4e-3])),
        "LIF": ir.LIF(tau=tau, r=ones, v_leak=np.zeros(n), v_threshold=np.full(n, 0.5), v_reset=np.array([0.0, -0.1, 0.1]),
                      t_refrac=np.array([0, 2e-3, 4e-3])),
        "CubaLI": ir.CubaLI(tau_syn=np.array([0.002, 0.01, 0.01]), tau_mem=tau, r=ones, v_leak=np.zeros(n), w_in=ones),
        "CubaLIF": ir.CubaLIF(tau_syn=np.array([0.002, 0.01, 0.01]), tau_mem=tau, r=ones, v_leak=np.zeros(n),
                              v_threshold=np.full(n, 0.3), v_reset=np.zeros(n), w_in=np.array([1.0, 2.0, 0.5]),
                              t_refrac=np.array([0, 1e-3, 3e-3])),
    }


def inputs() -> np.ndarray:
    rng = np.random.default_rng(1234)
    return rng.uniform(0.0, 2.5, (STEPS, 3)) * (rng.random((STEPS, 3)) < 0.6)


def traces() -> dict[str, Any]:
    x = inputs()
    out: dict[str, Any] = {"inputs": x.tolist(), "cases": {}}
    for (name, node), integ, reset, rule in itertools.product(neurons().items(), ("exact", "euler"),
                                                              ("zero", "subtract", "none"), (">", ">=")):
        prof = ir.Profile(dt=1e-3, integration=integ, reset=reset, spike_rule=rule)
        st = initial_state(node, (1,))
        ys, vs = [], []
        for t in range(STEPS):
            y, st = neuron_step(node, x[t][None], st, prof)
            ys.append(y[0].tolist())
            vs.append(st.v[0].tolist())
        out["cases"][f"{name}/{integ}/{reset}/{rule}"] = {"out": ys, "v": vs}
    return out


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(traces(), indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")
