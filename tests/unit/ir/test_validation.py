"""Validation errors name the node and the fault, and are ValueErrors (never asserts)."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir
from neurokit.errors import ConfigError, GraphError


def lif(n: int = 2, **kw: object) -> ir.LIF:
    p = dict(tau=np.full(n, 0.01), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n))
    p.update(kw)
    return ir.LIF(**p)  # type: ignore[arg-type]


def test_nan_parameter_is_refused_with_its_name() -> None:
    with pytest.raises(GraphError, match=r"LIF: parameter 'v_threshold' has 1 NaN/inf"):
        lif(v_threshold=np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="weight"):
        ir.Linear(weight=np.array([[np.inf]]))


def test_negative_time_constant_is_refused() -> None:
    with pytest.raises(GraphError, match=r"'tau' must be > 0"):
        lif(tau=np.array([0.01, -0.01]))
    with pytest.raises(GraphError, match=r"'tau_syn' must be > 0"):
        ir.CubaLIF(tau_syn=np.zeros(1), tau_mem=np.ones(1), r=np.ones(1), v_leak=np.zeros(1), v_threshold=np.ones(1))


def test_mismatched_parameter_shapes() -> None:
    with pytest.raises(GraphError, match=r"parameter shapes differ: tau\(2,\), r\(3,\)"):
        ir.LIF(tau=np.full(2, 0.01), r=np.ones(3), v_leak=np.zeros(2), v_threshold=np.ones(2))
    with pytest.raises(GraphError, match="bias shape"):
        ir.Affine(weight=np.ones((3, 2)), bias=np.ones(2))


def test_unknown_edge_endpoint_is_named() -> None:
    g = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "out": ir.Output(shape=(2,))}, edges=(("in", "lif"), ("in", "out")))
    with pytest.raises(GraphError, match=r"edge \('in' -> 'lif'\) has unknown target 'lif'"):
        g.validate()


def test_cycle_without_state_is_refused() -> None:
    g = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "a": ir.Linear(weight=np.eye(2)), "b": ir.Scale(scale=np.ones(2)),
                       "out": ir.Output(shape=(2,))},
                 edges=(("in", "a"), ("a", "b"), ("b", "a"), ("b", "out")))
    with pytest.raises(GraphError, match=r"cycle without state through nodes \['a', 'b'\]"):
        g.validate()


def test_cycle_through_a_neuron_is_allowed_and_cut_after_the_neuron() -> None:
    g = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "w": ir.Linear(weight=np.eye(2)), "lif": lif(),
                       "rec": ir.Linear(weight=np.eye(2)), "out": ir.Output(shape=(2,))},
                 edges=(("in", "w"), ("w", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "out")))
    g.validate()
    assert g.loop_edges() == {("lif", "rec")}
    assert g.topological_order().index("rec") < g.topological_order().index("lif")


def test_delay_in_a_loop_is_the_cut_point() -> None:
    g = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "lif": lif(), "rec": ir.Linear(weight=np.eye(2)),
                       "d": ir.Delay(delay=np.full(2, 3e-3)), "out": ir.Output(shape=(2,))},
                 edges=(("in", "lif"), ("lif", "rec"), ("rec", "d"), ("d", "lif"), ("lif", "out")),
                 profile=ir.Profile(dt=1e-3))
    assert g.loop_edges() == {("d", "lif")}


def test_shape_mismatch_names_both_nodes() -> None:
    g = ir.Graph(nodes={"in": ir.Input(shape=(3,)), "w": ir.Linear(weight=np.ones((2, 4))), "out": ir.Output(shape=(2,))},
                 edges=(("in", "w"), ("w", "out")))
    with pytest.raises(GraphError, match=r"node 'w' \(Linear\).*input shape \(3,\) does not match the expected \(4,\)"):
        g.validate()


def test_summed_edges_must_agree_in_shape() -> None:
    g = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "a": ir.Linear(weight=np.ones((3, 2))), "b": ir.Linear(weight=np.ones((4, 2))),
                       "out": ir.Output(shape=(3,))},
                 edges=(("in", "a"), ("in", "b"), ("a", "out"), ("b", "out")))
    with pytest.raises(GraphError, match=r"edge \('b' -> 'out'\): 'b' outputs shape \(4,\)"):
        g.validate()


def test_missing_ports_and_dangling_nodes() -> None:
    with pytest.raises(GraphError, match="no Input"):
        ir.Graph(nodes={"out": ir.Output(shape=(1,))}, edges=()).validate()
    g = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "x": lif(), "out": ir.Output(shape=(2,))}, edges=(("in", "out"),))
    with pytest.raises(GraphError, match="node 'x' has no incoming edge"):
        g.validate()


def test_errors_are_value_errors_and_carry_a_fix() -> None:
    with pytest.raises(ValueError) as info:
        lif(tau=np.array([-1.0, 1.0]))
    assert info.value.fix  # type: ignore[attr-defined]


def test_profile_validation() -> None:
    with pytest.raises(ConfigError, match="reset must be one of"):
        ir.Profile(reset="hard")
    with pytest.raises(ConfigError, match="dt must be > 0"):
        ir.Profile(dt=0)
    with pytest.raises(ConfigError, match="does not fit"):
        ir.Profile(integration="fixed_point", numeric="float64")
    assert ir.Profile(numeric="s16.15", integration="fixed_point").is_fixed_point
    with pytest.raises(ConfigError, match=r"unknown profile key\(s\) \['tau'\]"):
        ir.Profile.from_dict({"tau": 1})


def test_conv_shapes() -> None:
    conv = ir.Conv2d(weight=np.ones((4, 2, 3, 3)), bias=np.zeros(4), stride=2, padding=1)
    assert conv.output_shape((2, 8, 8)) == (4, 4, 4)
    with pytest.raises(GraphError, match="C_in=2"):
        conv.output_shape((3, 8, 8))
    pool = ir.SumPool2d(kernel_size=2, stride=2, padding=0)
    assert pool.output_shape((4, 4, 4)) == (4, 2, 2)
    assert ir.Flatten(start_dim=0).output_shape((4, 2, 2)) == (16,)
