"""The integer ``sI.F`` mode implements every profile rule of the float model: ``reset_timing``,
``multi_spike``, ``v_min``, spike rule, subtractive reset, and the discretisation's coefficients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.dynamics.discretisation import neuron_coefficients
from neurokit.dynamics.fixed import FixedFormat, FixedState, fixed_neuron, fixed_step
from neurokit.dynamics.reference import run_reference

FINE = "s8.23"  # 23 fraction bits: the integer mode is then the float model up to ~1e-7 per step
T, B = 60, 4


def chain(profile: ir.Profile) -> ir.Graph:
    """Input -> Affine -> LIF -> Linear -> IF -> Linear -> LI, thresholds above v_reset."""
    rng = np.random.default_rng(3)
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.4, 0.5, (10, 5)), bias=rng.normal(0.05, 0.05, 10)),
        ir.LIF(tau=rng.uniform(0.01, 0.05, 10), r=np.full(10, 8.0), v_leak=rng.normal(0, 0.1, 10),
               v_threshold=np.full(10, 0.5), v_reset=np.full(10, -0.1), t_refrac=np.where(np.arange(10) < 3, 2e-3, 0.0)),
        ir.Linear(weight=rng.normal(0.3, 0.4, (6, 10))),
        ir.IF(r=np.full(6, 400.0), v_threshold=np.full(6, 0.4), v_reset=np.zeros(6)),
        ir.Linear(weight=rng.normal(0.2, 0.3, (3, 6))),
        ir.LI(tau=np.full(3, 0.03), r=np.ones(3), v_leak=np.zeros(3)),
        names=["fc", "lif", "w2", "if", "w3", "li"], profile=profile)


def inputs() -> np.ndarray:
    rng = np.random.default_rng(4)
    return ((rng.random((T, B, 5)) < 0.4) * rng.integers(1, 4, (T, B, 5))).astype(np.float64)


RULES = list(itertools.product(["same_step", "next_step"], ["zero", "subtract"], [False, True], [-np.inf, -0.2]))


@pytest.mark.parametrize("reset_timing, reset, multi_spike, v_min", RULES)
def test_integer_mode_follows_the_float_model_under_every_rule(reset_timing: str, reset: str, multi_spike: bool,
                                                               v_min: float) -> None:
    prof = ir.Profile(dt=1e-3, reset=reset, reset_timing=reset_timing, multi_spike=multi_spike, v_min=v_min,
                      spike_rule=">=", synapse_latency=1)
    g = chain(prof)
    ref = run_reference(g, inputs(), record=("lif", "if"))
    fixed = sim.simulate(g.with_profile(prof.replace(numeric=FINE)), inputs())
    for name in ("lif", "if"):
        want = np.rint(ref.node_outputs[name]).astype(np.int64)
        got = fixed.spikes[name].astype(np.int64)
        assert got.dtype == np.int64 and want.sum() > 20, name
        assert np.mean(got == want) > 0.99, name  # a near-threshold step may round either way
        if multi_spike and reset == "subtract":
            assert want.max() > 1, "the case must produce multi-spike counts"
        v = fixed.traces[name]["v"]
        agree = (got == want).all(axis=(1, 2))
        first_miss = int(np.argmin(agree)) if not agree.all() else T
        np.testing.assert_allclose(v[:first_miss], ref.states[name]["v"][:first_miss], atol=5e-4)
        if v_min > -np.inf:
            assert v.min() >= v_min - 1e-6
            if name == "lif":  # the floor binds there
                assert np.isclose(v.min(), v_min) and np.isclose(ref.states[name]["v"].min(), v_min)
    np.testing.assert_allclose(fixed.outputs["output"][:10], ref.outputs["output"][:10], atol=1e-4)


FMT = FixedFormat(16, 15)


def _lif(profile: ir.Profile) -> tuple[ir.LIF, object]:
    node = ir.LIF(tau=np.full(2, 0.02), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.full(2, 1.0),
                  v_reset=np.zeros(2))
    return node, fixed_neuron(node, profile, FMT)


def test_coefficients_are_the_discretisations_quantized() -> None:
    for integration in ("exact", "euler"):
        prof = ir.Profile(dt=1e-3, integration=integration)
        node, p = _lif(prof)
        c = neuron_coefficients(node, prof)
        np.testing.assert_array_equal(p.a, FMT.to_fixed(c.a_mem))
        np.testing.assert_array_equal(p.k, FMT.to_fixed(c.gain_mem))
    node = ir.IF(r=np.array([3.0]), v_threshold=np.ones(1), v_reset=np.zeros(1))
    assert fixed_neuron(node, ir.Profile(dt=1e-3), FMT).dt_r[0] == FMT.to_fixed(3e-3)


def test_multi_spike_counts_exactly_and_subtracts_the_count() -> None:
    prof = ir.Profile(dt=1e-3, reset="subtract", multi_spike=True)
    node, p = _lif(prof)
    state = FixedState(v=FMT.to_fixed([[3.5, 0.5]]), refrac=np.zeros((1, 2), np.int64), pending=np.zeros((1, 2), np.int64))
    z, after = fixed_step(p, FMT, np.zeros((1, 2), np.int64), state, prof)
    v_int = FMT.mul(p.a, state.v)  # no input, v_leak = 0: the leak only
    np.testing.assert_array_equal(z, [[3, 0]])  # floor(3.33 / 1)
    np.testing.assert_array_equal(after.v, v_int - z * FMT.to_fixed(1.0))


def test_next_step_reset_keeps_the_spiking_membrane_and_resets_one_step_later() -> None:
    for reset in ("zero", "subtract"):
        prof = ir.Profile(dt=1e-3, reset=reset, reset_timing="next_step")
        node, p = _lif(prof)
        zeros = np.zeros((1, 2), np.int64)
        state = FixedState(v=FMT.to_fixed([[1.5, 0.2]]), refrac=zeros, pending=zeros)
        z, s1 = fixed_step(p, FMT, zeros, state, prof)
        np.testing.assert_array_equal(z, [[1, 0]])
        np.testing.assert_array_equal(s1.v, FMT.mul(p.a, state.v))  # not reset in the spiking step
        np.testing.assert_array_equal(s1.pending, z)
        z2, s2 = fixed_step(p, FMT, zeros, s1, prof)
        leak = FMT.mul(p.a, s1.v)
        want = np.where(z > 0, FMT.mul(p.a, p.v_reset), leak) if reset == "zero" else leak - z * FMT.to_fixed(1.0)
        np.testing.assert_array_equal(s2.v, want)
        np.testing.assert_array_equal(z2, [[0, 0]])


def test_v_min_floors_the_membrane_after_the_reset() -> None:
    prof = ir.Profile(dt=1e-3, v_min=-0.25)
    node, p = _lif(prof)
    zeros = np.zeros((1, 2), np.int64)
    z, after = fixed_step(p, FMT, FMT.to_fixed([[-100.0, 0.0]]), FixedState(v=zeros, refrac=zeros, pending=zeros), prof)
    np.testing.assert_array_equal(after.v, [[FMT.to_fixed(-0.25), 0]])
