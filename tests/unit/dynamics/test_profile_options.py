"""reset_timing, multi_spike and v_min in the reference, against the update rules of snnTorch
(``Leaky`` with ``reset_delay=True``) and Sinabs (``MultiSpike``, ``MembraneSubtract``,
``min_v_mem``), written out here with NumPy from those libraries' source."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir
from neurokit.dynamics.neurons import initial_state, neuron_step
from neurokit.errors import InvalidInputError


def _run(node: ir.Node, x: np.ndarray, prof: ir.Profile) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and membranes ``(T, n)`` of one neuron node driven by ``x`` ``(T, n)``."""
    st = initial_state(node, (1,))
    zs, vs = [], []
    for xt in x:
        z, st = neuron_step(node, xt[None], st, prof)
        zs.append(z[0])
        vs.append(st.v[0])
    return np.array(zs), np.array(vs)


def _snntorch_lif(beta: float, thr: float, reset: str, n: int) -> tuple[ir.LIF, ir.Profile]:
    """An LIF whose exact step is snnTorch's ``mem = beta * mem + x``: r = 1 / (1 - beta)."""
    dt = 1e-3
    tau = -dt / np.log(beta)
    lif = ir.LIF(tau=np.full(n, tau), r=np.full(n, 1 / (1 - beta)), v_leak=np.zeros(n), v_threshold=np.full(n, thr))
    return lif, ir.Profile(dt=dt, integration="exact", reset=reset, reset_timing="next_step")


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_next_step_reset_is_snntorch_reset_delay(reset: str) -> None:
    """snnTorch Leaky (reset_delay=True): reset = H(mem_prev - thr); subtract:
    mem = beta mem + x - reset thr; zero: mem = beta (1 - reset) mem + x; spk = H(mem - thr)."""
    rng = np.random.default_rng(3)
    beta, thr, n, T = 0.8, 1.0, 5, 30
    x = rng.uniform(-0.2, 0.9, (T, n))
    mem = np.zeros(n)
    spk_expected, mem_expected = [], []
    for t in range(T):
        reset_now = (mem - thr > 0).astype(float)
        if reset == "subtract":
            mem = beta * mem + x[t] - reset_now * thr
        else:
            mem = beta * ((1 - reset_now) * mem) + x[t]
        spk_expected.append((mem - thr > 0).astype(float))
        mem_expected.append(mem)
    lif, prof = _snntorch_lif(beta, thr, reset, n)
    z, v = _run(lif, x, prof)
    assert np.sum(spk_expected) >= 10  # the case exercises the reset
    np.testing.assert_array_equal(z, np.array(spk_expected))
    np.testing.assert_allclose(v, np.array(mem_expected), rtol=1e-12, atol=1e-12)


def test_same_step_reset_differs_from_next_step_only_in_timing_of_the_reset() -> None:
    """IF with gain 1, threshold 0.5, v_reset -0.1, 2 refractory steps, input 0.4 per step, by hand."""
    node = ir.IF(r=np.array([1000.0]), v_threshold=np.array([0.5]), v_reset=np.array([-0.1]), t_refrac=np.array([2e-3]))
    x = np.full((5, 1), 0.4)
    z_same, v_same = _run(node, x, ir.Profile(dt=1e-3))
    z_next, v_next = _run(node, x, ir.Profile(dt=1e-3, reset_timing="next_step"))
    assert z_same[:, 0].tolist() == z_next[:, 0].tolist() == [0, 1, 0, 0, 1]
    np.testing.assert_allclose(v_same[:, 0], [0.3, -0.1, -0.1, 0.3, -0.1], atol=1e-12)
    np.testing.assert_allclose(v_next[:, 0], [0.3, 0.7, -0.1, 0.3, 0.7], atol=1e-12)  # reset lands one step later


@pytest.mark.parametrize("v_min", [-np.inf, -0.5])
def test_multi_spike_is_sinabs_iaf(v_min: float) -> None:
    """Sinabs IAF(spike_fn=MultiSpike, reset_fn=MembraneSubtract(), min_v_mem): v = v + x;
    s = (v > 0) * trunc(v / thr); v = v - s thr; v = relu(v - min_v_mem) + min_v_mem."""
    rng = np.random.default_rng(5)
    thr, n, T = 1.0, 4, 25
    x = rng.uniform(-1.5, 3.5, (T, n))
    v = np.zeros(n)
    s_expected, v_expected = [], []
    for t in range(T):
        v = v + x[t]
        s = (v > 0) * np.trunc(v / thr)
        v = v - s * thr
        if v_min > -np.inf:
            v = np.maximum(v - v_min, 0) + v_min
        s_expected.append(s)
        v_expected.append(v)
    node = ir.IF(r=np.full(n, 1000.0), v_threshold=np.full(n, thr))
    prof = ir.Profile(dt=1e-3, reset="subtract", spike_rule=">=", multi_spike=True, v_min=v_min)
    z, vs = _run(node, x, prof)
    assert np.max(s_expected) >= 3  # counts above one occur
    np.testing.assert_array_equal(z, np.array(s_expected))
    np.testing.assert_allclose(vs, np.array(v_expected), rtol=1e-12, atol=1e-12)


def test_multi_spike_count_with_v_reset_and_zero_reset() -> None:
    """n = floor((v - v_reset) / (v_th - v_reset)) where v > v_th; the zero reset goes to v_reset."""
    node = ir.IF(r=np.full(3, 1000.0), v_threshold=np.full(3, 1.0), v_reset=np.full(3, -0.5))
    st = initial_state(node, (1,))  # v = v_reset = -0.5
    prof = ir.Profile(dt=1e-3, multi_spike=True)
    z, st = neuron_step(node, np.array([[1.4, 2.9, 5.1]]), st, prof)  # v = 0.9, 2.4, 4.6
    assert z[0].tolist() == [0.0, 1.0, 3.0]  # floor(2.9 / 1.5) = 1, floor(5.1 / 1.5) = 3
    np.testing.assert_allclose(st.v[0], [0.9, -0.5, -0.5])
    z, st = neuron_step(node, np.array([[0.0, 0.0, 0.0]]), initial_state(node, (1,)), prof.replace(reset="subtract"))
    assert z[0].tolist() == [0.0, 0.0, 0.0]


def test_v_min_floors_leaky_integrators() -> None:
    """LI: v' = max(a v + (1 - a) r x, v_min)."""
    node = ir.LI(tau=np.array([0.01]), r=np.array([2.0]), v_leak=np.array([0.0]))
    x = np.array([[1.0], [-3.0], [-3.0], [0.5], [0.0]])
    a = np.exp(-0.1)
    v, expected = 0.0, []
    for xt in x[:, 0]:
        v = max(a * v + (1 - a) * 2.0 * xt, -0.4)
        expected.append(v)
    out, vs = _run(node, x, ir.Profile(dt=1e-3, v_min=-0.4))
    np.testing.assert_allclose(vs[:, 0], expected, rtol=1e-14)
    np.testing.assert_array_equal(out, vs)
    assert min(expected) == -0.4


def test_v_min_applies_after_the_reset_like_sinabs() -> None:
    """Zero reset to v_reset = -1 below v_min = -0.3: the floor acts at the end of the step."""
    node = ir.IF(r=np.array([1000.0]), v_threshold=np.array([0.5]), v_reset=np.array([-1.0]))
    z, v = _run(node, np.array([[1.6], [0.0]]), ir.Profile(dt=1e-3, v_min=-0.3))
    assert z[:, 0].tolist() == [1.0, 0.0]
    np.testing.assert_allclose(v[:, 0], [-0.3, -0.3])


def test_multi_spike_needs_threshold_above_reset() -> None:
    node = ir.IF(r=np.array([1.0]), v_threshold=np.array([0.0]), v_reset=np.array([0.0]))
    with pytest.raises(InvalidInputError, match="v_threshold > v_reset"):
        neuron_step(node, np.zeros((1, 1)), initial_state(node, (1,)), ir.Profile(multi_spike=True))
