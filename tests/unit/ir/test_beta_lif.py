r"""``BetaLIF``, the worked example of ``docs/dev/adding-a-node.md`` (snnTorch's ``Leaky``:
:math:`v_t = \beta v_{t-1} + x_t`, spike :math:`H(v - v_{th})`, the profile's reset), implemented
by its node class, the discretisation and the implementations that run it, and nothing else:
the simulator equals the reference spike for spike, and both equal an ordinary LIF with the
equivalent time constant and the equation written out by hand; files, ``Graph.stats``, the
operations counter and the backends handle it from its class."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import BACKENDS, get_backend
from neurokit.dynamics import run_reference
from neurokit.dynamics.discretisation import decay, input_gain
from neurokit.errors import GraphError, InvalidInputError
from neurokit.ir.nodes.neurons import BetaLIF
from neurokit.ir.passes.operations import FOLDED, operation_sources, run_operations

DT = 1e-3
BETA = np.array([0.875, 0.9, 0.5, 0.75])
V_TH = np.array([1.0, 1.25, 0.75, 1.0])


def _net(neuron: ir.Node, *, recurrent: bool, integration: str = "exact", reset: str = "subtract",
         numeric: str = "float64") -> ir.Graph:
    """Input(3) -> Linear -> neuron(4) -> Output, with ``recurrent`` a Linear loop on the neuron."""
    rng = np.random.default_rng(0)
    nodes: dict[str, ir.Node] = {"input": ir.Input(shape=(3,)),
                                 "fc": ir.Linear(weight=np.round(rng.normal(0.5, 0.5, (4, 3)) * 8) / 8),
                                 "neuron": neuron, "output": ir.Output(shape=(4,))}
    edges = [("input", "fc"), ("fc", "neuron"), ("neuron", "output")]
    if recurrent:
        nodes["rec"] = ir.Linear(weight=np.round(rng.normal(0.0, 0.4, (4, 4)) * 8) / 8)
        edges += [("neuron", "rec"), ("rec", "neuron")]
    profile = ir.Profile(dt=DT, integration=integration, reset=reset, numeric=numeric)
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile)


def _beta_lif(**kw: object) -> BetaLIF:
    return BetaLIF(beta=BETA, v_threshold=V_TH, **kw)  # type: ignore[arg-type]


def _equivalent_lif(integration: str) -> ir.LIF:
    r"""The LIF whose discretised step is BetaLIF's :math:`v' = \beta v + x`: decay :math:`a = \beta`
    (exact :math:`\tau = -dt/\ln\beta`, Euler :math:`\tau = dt/(1-\beta)`), :math:`v_{leak} = 0` and
    :math:`R = 1/g` so that the input enters with weight :math:`g R = 1`."""
    tau = -DT / np.log(BETA) if integration == "exact" else DT / (1.0 - BETA)
    np.testing.assert_allclose(decay(tau, DT, integration), BETA, rtol=1e-12)  # as the discretisation computes it
    r = 1.0 / input_gain(tau, DT, integration)
    return ir.LIF(tau=tau, r=r, v_leak=np.zeros(4), v_threshold=V_TH)


def _inputs(T: int = 60, B: int = 3) -> np.ndarray:
    return (np.random.default_rng(1).random((T, B, 3)) < 0.4).astype(np.float64)


def _by_hand(graph: ir.Graph, x: np.ndarray) -> np.ndarray:
    r"""The equation of the docs page, written out: :math:`v \leftarrow \beta v + W x (+ W_{rec} z_{t-1})`,
    :math:`z = [v > v_{th}]`, subtract reset :math:`v \leftarrow v - z\,v_{th}`."""
    w = graph.nodes["fc"].weight
    w_rec = graph.nodes["rec"].weight if "rec" in graph.nodes else np.zeros((4, 4))
    v, z = np.zeros((x.shape[1], 4)), np.zeros((x.shape[1], 4))
    spikes = np.zeros((x.shape[0], x.shape[1], 4), bool)
    for t in range(x.shape[0]):
        v = BETA * v + x[t] @ w.T + z @ w_rec.T
        z = (v > V_TH).astype(np.float64)
        v = v - z * V_TH
        spikes[t] = z > 0
    return spikes


@pytest.mark.parametrize("integration", ["exact", "euler"])
@pytest.mark.parametrize("recurrent", [False, True])
def test_simulator_reference_equivalent_lif_and_the_equation_agree_spike_for_spike(recurrent: bool,
                                                                                   integration: str) -> None:
    x = _inputs()
    beta_net = _net(_beta_lif(), recurrent=recurrent, integration=integration)
    rec = sim.simulate(beta_net, x)
    ref = run_reference(beta_net, x, record=("neuron",))
    np.testing.assert_array_equal(rec.spikes["neuron"], ref.node_outputs["neuron"] > 0.5)
    assert 0.05 < rec.spikes["neuron"].mean() < 0.9  # it spikes, and not always
    lif = sim.simulate(_net(_equivalent_lif(integration), recurrent=recurrent, integration=integration), x)
    np.testing.assert_array_equal(rec.spikes["neuron"], lif.spikes["neuron"])
    np.testing.assert_array_equal(rec.spikes["neuron"], _by_hand(beta_net, x))


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_refractoriness_and_reset_follow_the_profile_in_both_implementations(reset: str) -> None:
    x = _inputs(40, 2)
    net = _net(_beta_lif(v_reset=np.array([0.0, -0.25, 0.0, 0.125]), t_refrac=np.array([0.0, 2e-3, 3e-3, 0.0])),
               recurrent=True, reset=reset)
    rec = sim.simulate(net, x)
    ref = run_reference(net, x, record=("neuron",))
    np.testing.assert_array_equal(rec.spikes["neuron"], ref.node_outputs["neuron"] > 0.5)
    np.testing.assert_allclose(rec.outputs["output"], ref.outputs["output"])


def test_fixed_point_run_equals_the_float_run_on_exact_numbers() -> None:
    """beta, weights and thresholds are multiples of 1/8: the s16.15 run computes them without rounding."""
    x = _inputs()
    floats = sim.simulate(_net(_beta_lif(), recurrent=True), x)
    fixed = sim.simulate(_net(_beta_lif(), recurrent=True, numeric="s16.15"), x)
    np.testing.assert_array_equal(fixed.spikes["neuron"], floats.spikes["neuron"])


def test_nir_file_round_trip(tmp_path: Path) -> None:
    graph = _net(_beta_lif(t_refrac=np.array([0.0, 2e-3, 0.0, 1e-3])), recurrent=True)
    ir.write(graph, tmp_path / "beta.nir")
    with h5py.File(tmp_path / "beta.nir") as f:
        group = f["node/nodes/neuron"]
        assert group["type"][()].decode() == "BetaLIF"
        assert sorted(group) == ["beta", "metadata", "type", "v_reset", "v_threshold"]
        np.testing.assert_array_equal(group["metadata/neurokit_t_refrac"][()], [0.0, 2e-3, 0.0, 1e-3])
    with pytest.raises(GraphError, match="node 'neuron': BetaLIF is not a NIR 1.0 type"):
        ir.to_nir(graph)  # plain NIR has no such type: refused, not written for nir to reject
    back = ir.read(tmp_path / "beta.nir")
    assert isinstance(back.nodes["neuron"], BetaLIF) and dict(back.nodes) == dict(graph.nodes)
    np.testing.assert_array_equal(sim.simulate(back, _inputs()).spikes["neuron"],
                                  sim.simulate(graph, _inputs()).spikes["neuron"])


def test_stats_and_operations_count_it_as_a_neuron() -> None:
    x = _inputs()
    beta_net, lif_net = _net(_beta_lif(), recurrent=True), _net(_equivalent_lif("exact"), recurrent=True)
    stats = beta_net.stats()
    assert stats["neurons"] == 4 and stats["node_types"]["BetaLIF"] == 1
    assert "neuron" in operation_sources(beta_net, FOLDED)
    spikes = sim.simulate(beta_net, x).spikes["neuron"].astype(np.float64)
    ops, dense = run_operations(beta_net, x, {"neuron": spikes})
    assert (ops, dense) == run_operations(lif_net, x, {"neuron": spikes})
    input_only, _ = run_operations(beta_net, x, {"neuron": np.zeros_like(spikes)})
    assert ops > input_only > 0  # its spikes cost the recurrent connections' operations


@pytest.mark.parametrize("target", sorted(set(BACKENDS) - {"crossbar"}))
def test_backends_without_it_refuse_it_by_name(target: str) -> None:
    problems = get_backend(target).check(_net(_beta_lif(), recurrent=False))
    assert any(p.node == "neuron" and "BetaLIF" in p.message for p in problems), problems


def test_the_crossbar_maps_it_without_an_edit_and_equals_the_float_model(tmp_path: Path) -> None:
    net, x = _net(_beta_lif(), recurrent=False), _inputs()
    be = get_backend("crossbar")
    assert be.check(net) == []
    rec = be.board(be.lower(net, tmp_path, {"device": "ideal"})).run(x, x.shape[0])
    np.testing.assert_array_equal(rec.spikes["neuron"], sim.simulate(net, x).spikes["neuron"])


def test_invalid_beta_is_refused() -> None:
    with pytest.raises(GraphError, match=r"beta must lie in \[0, 1\]"):
        BetaLIF(beta=np.array([0.5, 1.5]), v_threshold=np.ones(2))
    one = _net(BetaLIF(beta=np.ones(4), v_threshold=V_TH), recurrent=False, integration="euler")
    with pytest.raises(InvalidInputError, match="Euler integration needs beta < 1"):
        sim.simulate(one, _inputs())
    exact = _net(BetaLIF(beta=np.ones(4), v_threshold=V_TH), recurrent=False)  # a perfect integrator
    assert sim.simulate(exact, _inputs()).spikes["neuron"].any()
