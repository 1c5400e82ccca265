"""The reference step functions: golden traces, hand-computed values, and the equations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.dynamics.neurons import NeuronState, initial_state, neuron_step
from neurokit.dynamics.reference import run_reference
from tools.golden.make_neuron_steps import traces

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "neuron_steps.json"


def test_golden_traces_unchanged() -> None:
    golden = json.loads(GOLDEN.read_text())
    now = traces()
    assert set(golden["cases"]) == set(now["cases"])
    for key, case in golden["cases"].items():
        np.testing.assert_allclose(now["cases"][key]["v"], case["v"], rtol=1e-14, atol=1e-15, err_msg=key)
        np.testing.assert_array_equal(np.asarray(now["cases"][key]["out"]) > 0.5 if key.startswith(("IF", "LIF", "CubaLIF"))
                                      else now["cases"][key]["out"],
                                      np.asarray(case["out"]) > 0.5 if key.startswith(("IF", "LIF", "CubaLIF"))
                                      else case["out"], err_msg=key)


def _lif(**kw: float) -> ir.LIF:
    p = {"tau": 0.0025, "r": 1.0, "v_leak": 0.0, "v_threshold": 0.1, "v_reset": 0.0, "t_refrac": 0.0}
    p.update(kw)
    return ir.LIF(**{k: np.array([v]) for k, v in p.items()})


def test_exact_lif_step_is_zero_order_hold() -> None:
    node = _lif()
    st = initial_state(node, (1,))
    _, st = neuron_step(node, np.ones((1, 1)), st, ir.Profile(dt=1e-4, integration="exact"))
    assert st.v[0, 0] == pytest.approx(1 - math.exp(-0.04), rel=1e-15)
    _, st = neuron_step(node, np.zeros((1, 1)), st, ir.Profile(dt=1e-4, integration="exact"))
    assert st.v[0, 0] == pytest.approx((1 - math.exp(-0.04)) * math.exp(-0.04), rel=1e-15)


def test_euler_lif_step() -> None:
    node = _lif()
    st = initial_state(node, (1,))
    _, st = neuron_step(node, np.ones((1, 1)), st, ir.Profile(dt=1e-4, integration="euler"))
    assert st.v[0, 0] == pytest.approx(0.04, rel=1e-15)


@pytest.mark.parametrize("reset,expected", [("zero", -0.2), ("subtract", 1.5 - (1.0 - -0.2)), ("none", 1.5)])
def test_reset_modes(reset: str, expected: float) -> None:
    node = ir.IF(r=np.array([1.0]), v_threshold=np.array([1.0]), v_reset=np.array([-0.2]))
    st = NeuronState(v=np.array([[0.0]]), i=np.zeros((1, 1)), refrac=np.zeros((1, 1), dtype=np.int64))
    z, st = neuron_step(node, np.array([[1500.0]]), st, ir.Profile(dt=1e-3, reset=reset))
    assert z[0, 0] == 1.0
    assert st.v[0, 0] == pytest.approx(expected)


def test_spike_rule_at_equality() -> None:
    node = ir.IF(r=np.array([1.0]), v_threshold=np.array([1.0]))
    st = initial_state(node, (1,))
    for rule, spikes in ((">", 0.0), (">=", 1.0)):
        z, _ = neuron_step(node, np.array([[1000.0]]), st, ir.Profile(dt=1e-3, spike_rule=rule))
        assert z[0, 0] == spikes


def test_refractory_period_freezes_membrane_like_brian2() -> None:
    """t_refrac = 3 steps: after a spike at step s the membrane is frozen at steps s+1, s+2."""
    node = ir.IF(r=np.array([1000.0]), v_threshold=np.array([0.5]), t_refrac=np.array([3e-3]))
    st = initial_state(node, (1,))
    prof = ir.Profile(dt=1e-3)
    zs = []
    for _ in range(8):
        z, st = neuron_step(node, np.array([[1.0]]), st, prof)
        zs.append(int(z[0, 0]))
    assert zs == [1, 0, 0, 1, 0, 0, 1, 0]


def test_cuba_exact_matches_fine_euler() -> None:
    """The closed form of the exact CubaLIF step equals a very fine Euler integration."""
    node = ir.CubaLI(tau_syn=np.array([0.003, 0.01]), tau_mem=np.array([0.01, 0.01]), r=np.array([2.0, 1.0]),
                     v_leak=np.array([0.1, -0.2]), w_in=np.array([1.5, 1.0]))
    st = NeuronState(v=np.array([[0.3, 0.1]]), i=np.array([[0.5, -0.2]]), refrac=np.zeros((1, 2), dtype=np.int64))
    _, exact = neuron_step(node, np.array([[0.7, 1.3]]), st, ir.Profile(dt=1e-3, integration="exact"))
    fine = st
    for _ in range(10000):
        _, fine = neuron_step(node, np.array([[0.7, 1.3]]), fine, ir.Profile(dt=1e-7, integration="euler"))
    np.testing.assert_allclose(exact.v, fine.v, rtol=1e-5, atol=2e-6)  # Euler error is O(dt)
    np.testing.assert_allclose(exact.i, fine.i, rtol=1e-5, atol=2e-6)


def test_reference_runner_loop_and_latency_semantics() -> None:
    """A self-exciting neuron: the loop edge carries last step's spike; synapse_latency adds steps."""
    lif = ir.IF(r=np.array([1000.0]), v_threshold=np.array([0.5]))
    g = ir.Graph(nodes={"in": ir.Input(shape=(1,)), "w": ir.Linear(weight=np.array([[1.0]])), "n": lif,
                        "rec": ir.Linear(weight=np.array([[1.0]])), "out": ir.Output(shape=(1,))},
                 edges=(("in", "w"), ("w", "n"), ("n", "rec"), ("rec", "n"), ("n", "out")),
                 profile=ir.Profile(dt=1e-3))
    x = np.zeros((6, 1, 1))
    x[0] = 1.0
    z = run_reference(g, x).outputs["out"][:, 0, 0]
    assert z.tolist() == [1, 1, 1, 1, 1, 1]  # input at 0, then each spike re-excites the next step
    z2 = run_reference(g.with_profile(g.profile.replace(synapse_latency=1)), x).outputs["out"][:, 0, 0]
    assert z2.tolist() == [0, 1, 0, 1, 0, 1]  # input arrives 1 step late; the loop takes 1 (loop) + 1 (latency)
