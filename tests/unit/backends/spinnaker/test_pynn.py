"""The PyNN export: a self-contained program (public PyNN names only, data in npz/json beside it)
with per-neuron parameters and biases as ``i_offset``; run on NEST (a simulator nobody here wrote)
and compared spike for spike with neurokit's float model; mapped by sPyNNaker on a virtual board."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.backends.spinnaker.pynn import (export_pynn, pynn_float_graph, run_pynn, simulator_python,
                                              spike_agreement, write_pynn_inputs)
from neurokit.backends.spinnaker.spynnaker import map_with_spynnaker
from neurokit.errors import InvalidInputError, MappingError

from .test_spinnaker import net

#: PyNN names the exported script may use (its public API).
PUBLIC_PYNN = {"setup", "Population", "SpikeSourceArray", "IF_curr_delta", "IF_curr_exp", "Projection", "FromListConnector",
               "StaticSynapse", "initialize", "record", "run", "get_data", "end"}
NEST_BOUND = 0.99  # exact up to float rounding of the propagators (see neurokit.backends.spinnaker.pynn)


def biased_net(seed: int = 0) -> ir.Graph:
    """A small net whose every parameter differs per neuron, with biases and inhibitory weights."""
    rng = np.random.default_rng(seed)
    n_in, h, o = 40, 30, 5
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.3, 0.5, (h, n_in)), bias=rng.normal(0.2, 0.3, h)),
        ir.LIF(tau=rng.uniform(0.005, 0.03, h), r=rng.uniform(0.5, 2, h), v_leak=rng.normal(0, 0.1, h),
               v_threshold=rng.uniform(0.5, 1.5, h), v_reset=rng.normal(0, 0.1, h), t_refrac=rng.integers(0, 4, h) * 1e-3),
        ir.Affine(weight=rng.normal(0.1, 0.4, (o, h)), bias=rng.normal(0, 0.1, o)),
        ir.LIF(tau=np.full(o, 0.02), r=np.ones(o), v_leak=np.zeros(o), v_threshold=np.full(o, 0.5)),
        names=["w1", "hidden", "w2", "out"], profile=ir.Profile(dt=1e-3))


def recurrent_net(seed: int = 0) -> ir.Graph:
    """Biased LIF layer with recurrent weights (a loop edge: previous step's spikes) and an IF read-out."""
    rng = np.random.default_rng(seed)
    n_in, h, o = 40, 30, 4
    nodes = {"in": ir.Input(shape=(n_in,)), "w1": ir.Affine(weight=rng.normal(0.2, 0.5, (h, n_in)), bias=rng.normal(0.1, 0.2, h)),
             "hidden": ir.LIF(tau=rng.uniform(0.01, 0.03, h), r=rng.uniform(0.5, 1.5, h), v_leak=np.zeros(h),
                              v_threshold=rng.uniform(0.6, 1.0, h), t_refrac=np.full(h, 2e-3)),
             "rec": ir.Linear(weight=rng.normal(0.0, 0.3, (h, h))),
             "w2": ir.Affine(weight=rng.normal(0.1, 0.3, (o, h)), bias=rng.normal(0, 0.1, o)),
             "out": ir.IF(r=np.full(o, 200.0), v_threshold=np.full(o, 1.0), v_reset=np.zeros(o)), "o": ir.Output(shape=(o,))}
    edges = (("in", "w1"), ("w1", "hidden"), ("hidden", "rec"), ("rec", "hidden"), ("hidden", "w2"), ("w2", "out"),
             ("out", "o"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3))


def spikes_in(steps: int = 60, batch: int = 2, n: int = 40, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).random((steps, batch, n)) < 0.1).astype(np.float64)


def test_the_export_holds_per_neuron_parameters_biases_and_only_public_pynn(tmp_path: Path) -> None:
    g = biased_net()
    script = export_pynn(g, tmp_path)
    inputs = write_pynn_inputs(tmp_path, spikes_in())
    tree = ast.parse(script.read_text())
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "sim"}
    assert used - {"variable_map"} <= PUBLIC_PYNN, used - PUBLIC_PYNN
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
                and not n.attr.startswith("__")]
    assert "hidden" not in script.read_text()  # no user string pasted into code
    net_spec = json.loads((tmp_path / "network.json").read_text())
    assert [p["label"] for p in net_spec["populations"]] == ["input", "hidden", "out"]
    with np.load(tmp_path / "network.npz", allow_pickle=False) as f:
        lif = g.nodes["hidden"]
        np.testing.assert_allclose(f["pop1_i_offset"], g.nodes["w1"].bias)  # biases as i_offset, per neuron
        np.testing.assert_allclose(f["pop1_tau_m"], lif.tau * 1e3)
        np.testing.assert_allclose(f["pop1_cm"], lif.tau * 1e3 / lif.r)
        np.testing.assert_allclose(f["pop1_v_thresh"], lif.v_threshold)
        np.testing.assert_allclose(f["pop1_frozen_steps"], np.maximum(np.rint(lif.t_refrac / 1e-3) - 1, 0))
        exc = f["proj0_0_excitatory"]
        gain = (1 - np.exp(-1e-3 / lif.tau)) * lif.r
        w = g.nodes["w1"].weight
        np.testing.assert_allclose(exc[:, 2], w[exc[:, 1].astype(int), exc[:, 0].astype(int)] * gain[exc[:, 1].astype(int)])
        assert np.all(exc[:, 3] == 1.0)  # one step of latency, in ms
        assert "proj0_0_inhibitory" in f and np.all(f["proj0_0_inhibitory"][:, 2] > 0)
    with np.load(inputs, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["inputs"], spikes_in().astype(np.uint8))


def _nest_python() -> Path | None:
    """NEUROKIT_NEST_PYTHON, else the checkout's .venv-nest (make pynn-nest)."""
    return simulator_python("nest")


@pytest.mark.skipif(_nest_python() is None, reason="no NEST venv (make pynn-nest, or NEUROKIT_NEST_PYTHON)")
@pytest.mark.parametrize("make", [biased_net, recurrent_net])
def test_nest_runs_the_export_and_agrees_with_the_float_model(tmp_path: Path, make) -> None:
    g = make()
    x = spikes_in()
    script = export_pynn(g, tmp_path)
    write_pynn_inputs(tmp_path, x)
    theirs = run_pynn(script, "nest", python=_nest_python(), timeout_s=600)
    ours = sim.simulate(pynn_float_graph(g), x, x.shape[0])
    assert set(theirs["spikes"]) == {"hidden", "out"}
    for pop in ("hidden", "out"):
        agree = spike_agreement(ours.spikes[pop].reshape(theirs["spikes"][pop].shape), theirs["spikes"][pop])
        assert agree["spikes_ours"] > 0 and agree["jaccard"] >= NEST_BOUND, (pop, agree)


@pytest.mark.skipif(_nest_python() is None, reason="no NEST venv (make pynn-nest, or NEUROKIT_NEST_PYTHON)")
def test_a_non_spiking_readout_records_the_float_models_membrane_on_nest(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    g = ir.Graph.sequential(ir.Affine(weight=rng.normal(0.5, 0.5, (3, 4)), bias=np.array([0.3, 0.0, -0.2])),
                            ir.LI(tau=np.array([0.01, 0.02, 0.005]), r=np.array([1.0, 2.0, 0.5]),
                                  v_leak=np.array([0.0, 0.1, -0.1])),
                            names=["w", "readout"], profile=ir.Profile(dt=1e-3))
    x = (rng.random((20, 2, 4)) < 0.3).astype(np.float64)
    script = export_pynn(g, tmp_path)
    write_pynn_inputs(tmp_path, x)
    theirs = run_pynn(script, "nest", python=_nest_python(), timeout_s=600)["v"]["readout"]
    ours = sim.simulate(pynn_float_graph(g), x, 20).outputs["output"]
    assert theirs.shape == ours.shape and np.abs(ours).max() > 0.1
    np.testing.assert_allclose(theirs, ours, atol=1e-9)


def test_the_recurrent_projection_carries_the_loop_step(tmp_path: Path) -> None:
    export_pynn(recurrent_net(), tmp_path)
    spec = json.loads((tmp_path / "network.json").read_text())
    with np.load(tmp_path / "network.npz", allow_pickle=False) as f:
        delays = {p["synapse"]: set(f[p["array"]][:, 3].tolist()) for p in spec["projections"]}
        np.testing.assert_allclose(f["pop2_cm"], 1e3 / 200.0)  # IF: c_m = 1000 / R nF
        np.testing.assert_allclose(f["pop2_tau_m"], 1e9)
    assert delays == {"w1": {1.0}, "rec": {2.0}, "w2": {1.0}}  # latency 1, plus the loop edge's previous step


def conv_net(seed: int = 5) -> ir.Graph:
    """conv -> LIF -> avgpool -> conv -> LIF -> flatten -> dense -> LIF: pool + conv2 and flatten + dense
    are each one projection (the chain's matrices composed), the second arriving after two steps."""
    rng = np.random.default_rng(seed)
    shape1, shape2 = (4, 8, 8), (6, 4, 4)
    lif = lambda s, th: ir.LIF(tau=rng.uniform(0.01, 0.03, s), r=np.ones(s), v_leak=np.zeros(s),  # noqa: E731
                               v_threshold=np.full(s, th), t_refrac=np.full(s, 1e-3))
    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.4, 0.8, (4, 1, 3, 3)), bias=rng.normal(0.05, 0.05, 4), padding=1, input_shape=(8, 8)),
        lif(shape1, 0.3), ir.AvgPool2d(kernel_size=2, stride=2),
        ir.Conv2d(weight=rng.normal(0.3, 0.6, (6, 4, 3, 3)), bias=np.zeros(6), padding=1, input_shape=(4, 4)),
        lif(shape2, 0.2), ir.Flatten(input_shape=shape2, start_dim=0), ir.Linear(weight=rng.normal(0.2, 0.4, (5, 96))),
        lif((5,), 0.3), names=["conv1", "hidden", "pool", "conv2", "lif2", "flat", "fc", "out"],
        profile=ir.Profile(dt=1e-3))
    return g.replace_node("input", ir.Input(shape=(1, 8, 8)))


def cuba_net(seed: int = 0, n_in: int = 40, h: int = 30, o: int = 5) -> ir.Graph:
    """CubaLIF hidden layer (per-neuron tau_syn, tau_mem, w_in, biases) and a CubaLIF output."""
    rng = np.random.default_rng(seed)
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.5, 1.0, (h, n_in)), bias=rng.normal(0.1, 0.1, h)),
        ir.CubaLIF(tau_syn=rng.uniform(3e-3, 8e-3, h), tau_mem=rng.uniform(0.01, 0.03, h), r=rng.uniform(0.5, 1.5, h),
                   v_leak=np.zeros(h), v_threshold=rng.uniform(0.2, 0.4, h), w_in=rng.uniform(1.0, 3.0, h),
                   t_refrac=np.full(h, 2e-3)),
        ir.Affine(weight=rng.normal(0.4, 0.8, (o, h)), bias=rng.normal(0.0, 0.05, o)),  # a start current 2 steps late
        ir.CubaLIF(tau_syn=np.full(o, 5e-3), tau_mem=np.full(o, 2e-2), r=np.ones(o), v_leak=np.zeros(o),
                   v_threshold=np.full(o, 0.2), w_in=np.ones(o)),
        names=["w1", "hidden", "w2", "out"], profile=ir.Profile(dt=1e-3, integration="exact"))


def test_a_conv_pool_chain_is_one_projection_with_the_chains_latency(tmp_path: Path) -> None:
    g = conv_net()
    export_pynn(g, tmp_path)
    spec = json.loads((tmp_path / "network.json").read_text())
    assert [p["label"] for p in spec["populations"]] == ["input", "hidden", "lif2", "out"]
    with np.load(tmp_path / "network.npz", allow_pickle=False) as f:
        delays = {p["synapse"]: set(f[p["array"]][:, 3].tolist()) for p in spec["projections"]}
        chains = {p["synapse"]: p["chain"] for p in spec["projections"]}
        assert f["pop1_i_offset"].shape == (256,)  # conv bias per output neuron
        np.testing.assert_allclose(f["pop1_i_offset"].reshape(4, 64), np.repeat(g.nodes["conv1"].bias[:, None], 64, 1))
    assert chains == {"conv1": ["conv1"], "conv2": ["pool", "conv2"], "fc": ["fc"]}
    assert delays == {"conv1": {1.0}, "conv2": {2.0}, "fc": {1.0}}  # one step per weighted node


def test_cuba_populations_are_if_curr_exp_with_per_neuron_time_constants(tmp_path: Path) -> None:
    g = cuba_net()
    export_pynn(g, tmp_path)
    spec = json.loads((tmp_path / "network.json").read_text())
    assert [p["cell"] for p in spec["populations"]] == ["SpikeSourceArray", "IF_curr_exp", "IF_curr_exp", "CurrentStart"]
    n = g.nodes["hidden"]
    with np.load(tmp_path / "network.npz", allow_pickle=False) as f:
        np.testing.assert_allclose(f["pop1_tau_syn_E"], n.tau_syn * 1e3)
        np.testing.assert_allclose(f["pop1_tau_syn_I"], n.tau_syn * 1e3)
        np.testing.assert_allclose(f["pop1_tau_m"], n.tau_mem * 1e3)
        np.testing.assert_allclose(f["pop1_cm"], n.tau_mem * 1e3 / n.r)
        np.testing.assert_allclose(f["pop1_i_offset"], g.nodes["w1"].bias * n.w_in)  # the current's steady state
        early, late = f["proj0_0_excitatory"], f["proj0_1_excitatory"]  # every synapse twice: one step apart
        assert set(early[:, 3]) == {1.0} and set(late[:, 3]) == {2.0}  # the post's clock lags one step
        a_m, a_s = np.exp(-1e-3 / n.tau_mem), np.exp(-1e-3 / n.tau_syn)
        c = n.tau_syn / (n.tau_syn - n.tau_mem) * (a_s - a_m)
        j1 = (1 - a_m - c) * n.w_in / c
        for rows, gain in ((early, j1), (late, (1 - a_s) * n.w_in - a_s * j1)):
            post, pre = rows[:, 1].astype(int), rows[:, 0].astype(int)
            np.testing.assert_allclose(rows[:, 2], g.nodes["w1"].weight[post, pre] * gain[post])
    assert [p["lag"] for p in spec["populations"][:3]] == [0, 1, 2]


@pytest.mark.skipif(_nest_python() is None, reason="no NEST venv (make pynn-nest, or NEUROKIT_NEST_PYTHON)")
def test_a_cuba_readout_records_the_exact_float_models_membrane_on_nest(tmp_path: Path) -> None:
    """IF_curr_exp on NEST computes the exact CubaLI: membranes equal to float rounding, biases included."""
    rng = np.random.default_rng(0)
    g = ir.Graph.sequential(ir.Affine(weight=rng.normal(0.5, 0.5, (3, 4)), bias=np.array([0.2, 0.0, 0.3])),
                            ir.CubaLI(tau_syn=np.array([5e-3, 3e-3, 8e-3]), tau_mem=np.array([0.02, 0.01, 0.03]),
                                      r=np.array([1.0, 2.0, 0.5]), v_leak=np.array([0.0, 0.1, -0.1]),
                                      w_in=np.array([1.0, 2.0, 1.5])),
                            names=["w", "readout"], profile=ir.Profile(dt=1e-3, integration="exact"))
    x = (rng.random((30, 2, 4)) < 0.3).astype(np.float64)
    script = export_pynn(g, tmp_path)
    write_pynn_inputs(tmp_path, x)
    theirs = run_pynn(script, "nest", python=_nest_python(), timeout_s=600)["v"]["readout"]
    ours = sim.simulate(pynn_float_graph(g), x, 30).outputs["output"]
    assert theirs.shape == ours.shape and np.abs(ours).max() > 0.1
    np.testing.assert_allclose(theirs, ours, atol=1e-9)


@pytest.mark.skipif(_nest_python() is None, reason="no NEST venv (make pynn-nest, or NEUROKIT_NEST_PYTHON)")
def test_nest_runs_a_conv_pool_chain_and_agrees_with_the_float_model(tmp_path: Path) -> None:
    g = conv_net()
    x = (np.random.default_rng(2).random((40, 2, 1, 8, 8)) < 0.3).astype(np.float64)
    script = export_pynn(g, tmp_path)
    write_pynn_inputs(tmp_path, x)
    theirs = run_pynn(script, "nest", python=_nest_python(), timeout_s=600)
    ours = sim.simulate(pynn_float_graph(g), x, x.shape[0])
    for pop in ("hidden", "lif2", "out"):
        agree = spike_agreement(ours.spikes[pop].reshape(theirs["spikes"][pop].shape), theirs["spikes"][pop])
        assert agree["spikes_ours"] > 0 and agree["jaccard"] >= NEST_BOUND, (pop, agree)


@pytest.mark.skipif(_nest_python() is None, reason="no NEST venv (make pynn-nest, or NEUROKIT_NEST_PYTHON)")
def test_nest_runs_cuba_as_if_curr_exp_and_agrees_with_the_exact_float_model(tmp_path: Path) -> None:
    """NEST's iaf_psc_exp is the exact CubaLIF with the two jumps of ``nest_taps`` (one a step early,
    the post population's clock one step behind) and the bias as ``i_offset`` plus a start current:
    spikes agree up to float rounding (``NEST_BOUND``), as for IF_curr_delta."""
    g = cuba_net()
    x = spikes_in()
    script = export_pynn(g, tmp_path)
    write_pynn_inputs(tmp_path, x)
    theirs = run_pynn(script, "nest", python=_nest_python(), timeout_s=600)
    ours = sim.simulate(pynn_float_graph(g), x, x.shape[0])
    for pop in ("hidden", "out"):
        agree = spike_agreement(ours.spikes[pop].reshape(theirs["spikes"][pop].shape), theirs["spikes"][pop])
        assert agree["spikes_ours"] > 0 and agree["jaccard"] >= NEST_BOUND, (pop, agree)


def test_what_the_export_cannot_express_is_refused_with_the_node(tmp_path: Path) -> None:
    readout = ir.Graph.sequential(ir.Linear(weight=np.ones((3, 2))), ir.I(r=np.ones(3)),
                                  names=["w", "n"], profile=ir.Profile(dt=1e-3))
    with pytest.raises(MappingError, match="'n'"):
        export_pynn(readout, tmp_path)
    with pytest.raises(InvalidInputError, match="0/1"):
        write_pynn_inputs(tmp_path, np.full((5, 1, 2), 2.0))


def test_spynnaker_maps_the_export_on_a_virtual_board(tmp_path: Path) -> None:
    art = get_backend("spinnaker").lower(net(), tmp_path)
    assert (tmp_path / "pynn" / "model.py").is_file() and (tmp_path / "pynn" / "network.npz").is_file()
    theirs = map_with_spynnaker(art, timeout_s=600)
    ours = art.manifest["report"]
    print(json.dumps({"neurokit": {k: ours[k] for k in ("cores", "chips", "routing_entries_before",
                                                         "routing_entries_after")}, "spynnaker": theirs}))
    assert set(theirs["cores_by_population"]) == {"input", "pop1", "readout"}
    assert theirs["cores_by_population"]["readout"] == 1 and theirs["cores_by_population"]["pop1"] >= 1
    assert abs(theirs["cores"] - ours["cores"]) <= 3  # same order of magnitude: both cut populations per core
    assert theirs["routing_entries"] >= 1 and ours["routing_entries_after"] >= 1


@pytest.mark.skipif(_nest_python() is None, reason="no NEST venv (make pynn-nest, or NEUROKIT_NEST_PYTHON)")
def test_deploy_with_run_inputs_leaves_a_script_that_runs_with_no_other_step(tmp_path: Path) -> None:
    """`neurokit deploy --target spinnaker --run INPUTS` writes pynn/inputs.npz beside the script, so
    `python pynn/model.py nest` (its default --inputs) runs as is, here on a Cuba net."""
    from neurokit import api

    g = cuba_net()
    ir.write(g, tmp_path / "model.nir")
    x = spikes_in(40, 2)
    np.save(tmp_path / "x.npy", x)
    result = api.deploy(tmp_path / "model.nir", "spinnaker", tmp_path / "art", run_inputs=tmp_path / "x.npy")
    pynn_dir = tmp_path / "art" / "pynn"
    assert result["pynn_inputs"] == str(pynn_dir / "inputs.npz")
    theirs = run_pynn(pynn_dir / "model.py", "nest", python=_nest_python(), timeout_s=600)  # no --inputs given
    ours = sim.simulate(pynn_float_graph(g), x, 40)
    agree = spike_agreement(ours.spikes["hidden"].reshape(theirs["spikes"]["hidden"].shape), theirs["spikes"]["hidden"])
    assert agree["spikes_ours"] > 0 and agree["jaccard"] >= NEST_BOUND, agree
    graded = tmp_path / "g.npy"
    np.save(graded, x * 2)  # the board takes spike counts; a SpikeSourceArray only 0/1: said, not written
    result = api.deploy(tmp_path / "model.nir", "spinnaker", tmp_path / "art2", run_inputs=graded)
    assert "0/1" in result["pynn_inputs_refused"] and not (tmp_path / "art2" / "pynn" / "inputs.npz").exists()


def test_the_nest_venv_is_there_when_make_test_names_it() -> None:
    """`make test` sets NEUROKIT_NEST_PYTHON: then the NEST runs above must not skip for a missing venv."""
    import os

    named = os.environ.get("NEUROKIT_NEST_PYTHON")
    if named is None:
        assert _nest_python() is None or _nest_python().is_file()
        return
    assert Path(named).is_file(), f"NEUROKIT_NEST_PYTHON={named} does not exist: run `make pynn-nest`"
    assert _nest_python() == Path(os.path.abspath(named))
