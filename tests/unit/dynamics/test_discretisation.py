"""The discretisation layer: each coefficient against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from neurokit import ir
from neurokit.dynamics import discretisation as d
from neurokit.errors import InvalidInputError


def test_decay_and_gain_exact_euler_and_fixed_point() -> None:
    tau, dt = np.array([0.01, 0.02]), 1e-3
    np.testing.assert_array_equal(d.decay(tau, dt, "exact"), np.exp(-dt / tau))
    np.testing.assert_array_equal(d.input_gain(tau, dt, "exact"), 1 - np.exp(-dt / tau))
    np.testing.assert_array_equal(d.decay(tau, dt, "euler"), 1 - dt / tau)
    np.testing.assert_array_equal(d.input_gain(tau, dt, "euler"), dt / tau)
    # fixed_point integration means the exact coefficients (quantised by the integer modes)
    np.testing.assert_array_equal(d.decay(tau, dt, "fixed_point"), d.decay(tau, dt, "exact"))
    np.testing.assert_array_equal(d.input_gain(tau, dt, "fixed_point"), d.input_gain(tau, dt, "exact"))


def test_cuba_coupling_is_continuous_at_equal_time_constants() -> None:
    tm, dt = 0.01, 1e-3
    near = d.cuba_coupling(np.array([tm * (1 + 1e-7)]), np.array([tm]), dt, "exact")[0]
    at = d.cuba_coupling(np.array([tm]), np.array([tm]), dt, "exact")[0]
    assert at == pytest.approx(dt / tm * math.exp(-dt / tm), rel=1e-15)
    assert near == pytest.approx(at, rel=1e-6)
    ts = 0.003
    general = d.cuba_coupling(np.array([ts]), np.array([tm]), dt, "exact")[0]
    assert general == pytest.approx(ts / (ts - tm) * (math.exp(-dt / ts) - math.exp(-dt / tm)), rel=1e-15)


def test_coefficients_are_differentiable_in_torch() -> None:
    tau = torch.tensor([0.01, 0.01], dtype=torch.float64, requires_grad=True)
    ts = torch.tensor([0.01, 0.003], dtype=torch.float64, requires_grad=True)
    total = d.decay(tau, 1e-3, "exact", xp=torch).sum() + d.cuba_coupling(ts, tau, 1e-3, "exact", xp=torch).sum()
    total.backward()
    assert torch.isfinite(tau.grad).all() and torch.isfinite(ts.grad).all()  # no NaN from the tau_s = tau_m limit
    assert d.decay(tau, 1e-3, "exact", xp=torch).detach().numpy() == pytest.approx(np.exp(-0.1))


def test_steps_round_to_the_nearest_step() -> None:
    assert d.refractory_steps(np.array([0.0, 2e-3, 2.4e-3, 2.6e-3]), 1e-3).tolist() == [0, 2, 2, 3]
    assert d.delay_steps(np.array([1e-3, 1.49e-3, 3e-3]), 1e-3).tolist() == [1, 1, 3]
    prof = ir.Profile(dt=1e-3, synapse_latency=1)
    assert d.synapse_delay_steps(None, 2, prof).tolist() == [1, 1]
    assert d.synapse_delay_steps(np.array([0.0, 2e-3]), 2, prof).tolist() == [1, 3]


def test_initial_membrane_per_type_and_v_init() -> None:
    lif = ir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.array([0.1, 0.2]), v_threshold=np.ones(2))
    assert d.initial_membrane(lif).tolist() == [0.1, 0.2]
    iff = ir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.array([-0.3, 0.0]))
    assert d.initial_membrane(iff).tolist() == [-0.3, 0.0]
    assert d.initial_membrane(ir.I(r=np.ones(2))).tolist() == [0.0, 0.0]
    pre = iff.replace(metadata={"v_init": 0.5})
    assert d.initial_membrane(pre).tolist() == [0.5, 0.5]
    with pytest.raises(InvalidInputError, match="not a neuron"):
        d.initial_membrane(ir.Linear(weight=np.ones((2, 2))))


def test_neuron_coefficients_pack_every_number() -> None:
    node = ir.CubaLIF(tau_syn=np.array([0.005]), tau_mem=np.array([0.01]), r=np.array([2.0]), v_leak=np.array([0.0]),
                      v_threshold=np.array([1.0]), w_in=np.array([3.0]), t_refrac=np.array([3e-3]))
    c = d.neuron_coefficients(node, ir.Profile(dt=1e-3))
    assert c.exact and c.spiking and c.refrac_steps.tolist() == [3]
    assert c.a_mem[0] == math.exp(-0.1) and c.a_syn[0] == math.exp(-0.2) and c.w_in[0] == 3.0
    assert c.dt_r[0] == pytest.approx(2e-3)


def test_nondefault_semantics_are_named_in_the_refusal() -> None:
    assert d.nondefault_semantics(ir.Profile()) == []
    prof = ir.Profile(reset_timing="next_step", v_min=-1.0)
    assert d.nondefault_semantics(prof) == ["reset_timing", "v_min"]
    with pytest.raises(InvalidInputError, match="reset_timing='next_step', v_min=-1.0"):
        d.refuse_nondefault_semantics(prof, "the X backend", fix="use the float simulator")
    d.refuse_nondefault_semantics(ir.Profile(), "the X backend", fix="-")
