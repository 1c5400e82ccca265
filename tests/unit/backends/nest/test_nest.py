"""The NEST target: IR -> PyNEST, run by NEST 3.10 itself (a simulator nobody here wrote) in its own
process, against neurokit's float64 model at NEST's timing (exact integration, one step of latency).

Tolerance: spikes equal (agreement 1.0) and membranes within 1e-9 on these nets; NEST's propagators
(``expm1``) and its order of adding (leak, then jumps) differ from neurokit's by float rounding only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.errors import ConfigError, InvalidInputError
from neurokit.sim.recording import Recording

V_TOL = 1e-9


def mixed_net(seed: int = 0) -> ir.Graph:
    """Per-neuron parameters everywhere: a biased LIF layer with refractoriness and recurrence, a
    sparse projection with per-synapse delays into a biased CubaLIF layer, and an LI read-out."""
    rng = np.random.default_rng(seed)
    n_in, h, c, o = 30, 24, 16, 5
    dense = rng.normal(1.0, 0.6, (c, h)) * (rng.random((c, h)) < 0.5)
    delay = (rng.integers(0, 4, dense.shape) * 1e-3).T[dense.T != 0]  # per synapse, in from_dense's CSR order
    nodes = {
        "in": ir.Input(shape=(n_in,)),
        "w1": ir.Affine(weight=rng.normal(0.3, 0.5, (h, n_in)), bias=rng.normal(0.2, 0.3, h)),
        "hidden": ir.LIF(tau=rng.uniform(0.005, 0.03, h), r=rng.uniform(0.5, 2, h), v_leak=rng.normal(0, 0.1, h),
                         v_threshold=rng.uniform(0.5, 1.5, h), v_reset=rng.normal(0, 0.1, h),
                         t_refrac=rng.integers(0, 4, h) * 1e-3),
        "rec": ir.Linear(weight=rng.normal(0.0, 0.3, (h, h))),
        "w2": ir.SparseLinear.from_dense(dense, delay=delay),
        "cuba": ir.CubaLIF(tau_syn=rng.uniform(0.003, 0.01, c), tau_mem=rng.uniform(0.01, 0.03, c), r=np.ones(c),
                           v_leak=np.zeros(c), v_threshold=rng.uniform(0.05, 0.2, c), v_reset=np.zeros(c)),
        "w3": ir.Affine(weight=rng.normal(0.2, 0.5, (o, c)), bias=rng.normal(0, 0.1, o)),
        "readout": ir.LI(tau=np.full(o, 0.02), r=np.ones(o), v_leak=np.zeros(o)),
        "out": ir.Output(shape=(o,))}
    edges = (("in", "w1"), ("w1", "hidden"), ("hidden", "rec"), ("rec", "hidden"), ("hidden", "w2"), ("w2", "cuba"),
             ("cuba", "w3"), ("w3", "readout"), ("readout", "out"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3)).validate()


def spikes_in(steps: int = 60, batch: int = 2, n: int = 30, seed: int = 1, p: float = 0.15) -> np.ndarray:
    return (np.random.default_rng(seed).random((steps, batch, n)) < p).astype(np.float64)


def reference(artifact_graph: ir.Graph, x: np.ndarray) -> Recording:
    from neurokit.backends.nest.lower import nest_float_graph

    return sim.simulate(nest_float_graph(artifact_graph), x, x.shape[0], record=("spikes", "readout"))


def test_check_refuses_what_nest_neurons_cannot_express_all_at_once() -> None:
    g = mixed_net()
    bad = g.with_profile(g.profile.replace(reset="subtract", multi_spike=True, synapse_latency=2))
    msgs = [str(p) for p in get_backend("nest").check(bad)]
    assert any("reset='subtract' cannot be expressed: NEST's iaf_psc_delta" in m for m in msgs)
    assert any("multi_spike=True" in m for m in msgs) and any("synapse_latency=2" in m for m in msgs)
    cuba_euler = g.with_profile(g.profile.replace(integration="euler", v_min=-1.0))
    msgs = [str(p) for p in get_backend("nest").check(cuba_euler)]
    assert any("node 'cuba'" in m and "integration='euler'" in m for m in msgs)
    assert any("node 'cuba'" in m and "no V_min" in m for m in msgs)


def test_a_bias_inside_a_chain_of_weighted_nodes_is_refused_not_started_early() -> None:
    """``Affine(bias) -> Affine -> LIF``: the first bias reaches the LIF a step after the second's
    (one step of latency per weighted node), which one onset per projection cannot give."""
    rng = np.random.default_rng(0)
    g = ir.Graph.sequential(ir.Affine(weight=rng.normal(size=(5, 6)), bias=np.full(5, 0.3)),
                            ir.Affine(weight=rng.normal(size=(5, 5)), bias=np.zeros(5)),
                            ir.LIF(tau=np.full(5, 0.02), r=np.ones(5), v_leak=np.zeros(5), v_threshold=np.ones(5)),
                            names=["a", "b", "lif"], profile=ir.Profile(dt=1e-3))
    msgs = [str(p) for p in get_backend("nest").check(g)]
    assert msgs == [m for m in msgs if m.startswith("node 'a': its bias passes 1 more weighted node(s)")] and msgs
    folded = g.replace_node("a", ir.Affine(weight=g.nodes["a"].weight, bias=np.zeros(5)))
    assert get_backend("nest").check(folded) == []


def test_options_are_declared_and_unknown_ones_refused(tmp_path: Path) -> None:
    be = get_backend("nest")
    assert set(be.options) == {"threads", "mpi_ranks", "mpirun", "timeout_s"}
    with pytest.raises(ConfigError, match="unknown nest option 'thread'"):
        be.lower(mixed_net(), tmp_path / "a", {"thread": 2})
    with pytest.raises(ConfigError, match="'threads' must be >= 1"):
        be.lower(mixed_net(), tmp_path / "a", {"threads": 0})
    with pytest.raises(ConfigError, match="unknown nest fault"):
        be.board(be.lower(mixed_net(), tmp_path / "a"), faults={"drop_packets": 0.1})


def test_lowering_uses_array_connections_and_states_the_profile(tmp_path: Path) -> None:
    art = get_backend("nest").lower(mixed_net(), tmp_path / "a")
    net = json.loads((art.path / "network.json").read_text())
    models = [p["model"] for p in net["populations"]]
    assert models == ["spike_generator", "iaf_psc_delta", "iaf_psc_exp", "iaf_psc_delta"]
    rules = {(p["synapse"], p["rule"]) for p in net["projections"]}
    assert ("w1", "all_to_all") in rules and ("w2", "one_to_one") in rules  # dense matrix / sparse arrays
    assert [p["tap"] for p in net["projections"] if p["synapse"] == "w2"] == ["early", "on_time"]
    cuba = net["populations"][2]
    assert cuba["lag"] >= 1 and net["profile"]["integration"] == "exact" and net["profile"]["synapse_latency"] == 1
    assert "synapse_latency=1" in get_backend("nest").report(art)


def test_graded_inputs_are_refused_with_the_fix(tmp_path: Path, nest_runtime: None) -> None:
    be = get_backend("nest")
    art = be.lower(mixed_net(), tmp_path / "a")
    with pytest.raises(InvalidInputError, match="whole spike counts"):
        be.board(art).run(np.full((5, 1, 30), 0.5), 5)


def test_nest_agrees_with_the_float_model_on_a_mixed_net(tmp_path: Path, nest_runtime: None) -> None:
    """LIF + recurrence + refractoriness, sparse delayed projection into an exact CubaLIF, LI read-out:
    every spike equal, the read-out's membrane within 1e-9; two threads give the same run."""
    g, x = mixed_net(), spikes_in()
    be = get_backend("nest")
    art = be.lower(g, tmp_path / "a")
    rec = be.board(art).run(x, x.shape[0])
    ref = reference(g, x)
    for pop in ("hidden", "cuba"):
        assert ref.spikes[pop].sum() > 20, pop
        np.testing.assert_array_equal(rec.spikes[pop], ref.spikes[pop], err_msg=pop)
    assert np.abs(rec.outputs["out"] - ref.outputs["out"]).max() < V_TOL
    assert rec.meta["connections"] > 0 and rec.meta["nest_threads"] == 1
    art2 = be.lower(g, tmp_path / "b", {"threads": 2})
    rec2 = be.board(art2).run(x, x.shape[0])
    assert rec2.meta["nest_threads"] == 2
    np.testing.assert_array_equal(rec2.spikes["cuba"], rec.spikes["cuba"])


def test_euler_lif_runs_as_the_exact_neuron_with_eulers_decay(tmp_path: Path, nest_runtime: None) -> None:
    rng = np.random.default_rng(3)
    g = ir.Graph.sequential(ir.Affine(weight=rng.normal(0.5, 0.5, (8, 30)), bias=rng.normal(0.1, 0.1, 8)),
                            ir.LIF(tau=rng.uniform(0.005, 0.02, 8), r=np.ones(8), v_leak=np.zeros(8),
                                   v_threshold=np.ones(8), v_reset=np.zeros(8)),
                            names=["w", "lif"], profile=ir.Profile(dt=1e-3, integration="euler", spike_rule=">="))
    x = spikes_in()
    be = get_backend("nest")
    rec = be.board(be.lower(g, tmp_path / "a")).run(x, x.shape[0])
    ref = sim.simulate(be.timed_float_model(g), x, x.shape[0])
    assert ref.spikes["lif"].sum() > 20
    np.testing.assert_array_equal(rec.spikes["lif"], ref.spikes["lif"])


def test_deploy_cli_runs_on_nest_and_the_harness_finds_both_seams_exact(tmp_path: Path, nest_runtime: None) -> None:
    from neurokit.cli import main
    from neurokit.hil import run_hil

    g, x = mixed_net(), spikes_in(batch=1)
    ir.write(g, tmp_path / "m.nir")
    np.save(tmp_path / "x.npy", x)
    assert main(["deploy", str(tmp_path / "m.nir"), "--target", "nest", "--run", str(tmp_path / "x.npy"),
                 "--option", "threads=2", "--out", str(tmp_path / "art")]) == 0
    rec = Recording.from_hdf5(tmp_path / "art" / "recording.h5")
    np.testing.assert_array_equal(rec.spikes["cuba"], reference(g, x).spikes["cuba"])
    report = run_hil(g, ["nest"], x, out_dir=tmp_path / "hil")
    res = report.targets[0]
    assert res.status == "ok", res.error
    assert res.own_mode.spike_agreement == 1.0 and res.float_model.spike_agreement == 1.0  # type: ignore[union-attr]
    assert res.float_model.profile_changes == {"synapse_latency": [0, 1]}  # type: ignore[union-attr]
    assert res.float_model.output_max_abs_diff < V_TOL  # type: ignore[union-attr, operator]
    assert res.counters["connections"] > 0


def test_a_loop_into_current_based_neurons_without_room_for_the_early_tap_is_refused(tmp_path: Path) -> None:
    n = 4
    nodes = {"in": ir.Input(shape=(n,)), "w": ir.Linear(weight=np.eye(n)),
             "c": ir.CubaLIF(tau_syn=np.full(n, 0.005), tau_mem=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n),
                             v_threshold=np.ones(n), v_reset=np.zeros(n)),
             "rec": ir.Linear(weight=np.full((n, n), 0.1)), "o": ir.Output(shape=(n,))}
    edges = (("in", "w"), ("w", "c"), ("c", "rec"), ("rec", "c"), ("c", "o"))
    g = ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3)).validate()
    art = get_backend("nest").lower(g, tmp_path / "a")  # a loop of two steps leaves room: lowered
    assert art.manifest["synapses"] == 2 * (n + n * n)


def test_mpi_ranks_without_an_mpi_launcher_is_a_clear_error(tmp_path: Path, nest_runtime: None) -> None:
    """The cluster path (``mpi_ranks > 1``) needs an MPI launcher and an MPI-built NEST; neither is
    here, so the board names the missing launcher instead of running N unconnected copies."""
    from neurokit.errors import BackendUnavailableError

    be = get_backend("nest")
    art = be.lower(mixed_net(), tmp_path / "a", {"mpi_ranks": 2, "mpirun": "neurokit-no-such-mpirun"})
    with pytest.raises(BackendUnavailableError, match="needs an MPI launcher, 'neurokit-no-such-mpirun' is not on PATH"):
        be.board(art).run(spikes_in(steps=5, batch=1), 5)


def test_the_events_of_several_mpi_ranks_are_merged_into_one_recording(tmp_path: Path) -> None:
    """What each rank of an MPI run writes (the events of its own neurons, ``result.rank<r>.npz``)
    becomes one recording; a rank file missing is an error. (Files written here: no MPI NEST.)"""
    from neurokit.backends.nest.board import _merge_ranks, recording
    from neurokit.errors import BoardError

    art = get_backend("nest").lower(mixed_net(), tmp_path / "a")
    meta = {"nest": "3.10.0", "processes": 2, "rank": 0, "threads": 1, "connections": 7, "build_s": [0.1],
            "simulate_s": [0.2], "steps": 4, "samples": 1}
    for rank, neurons in ((0, [0, 2]), (1, [1, 3])):  # round-robin: each rank holds every other neuron
        n = len(neurons)
        np.savez(tmp_path / f"result.rank{rank}.npz", meta=np.array(json.dumps({**meta, "rank": rank})),
                 spk1_sample=np.zeros(n, np.int64), spk1_step=np.array([1, 3]), spk1_neuron=np.array(neurons),
                 vm3_sample=np.zeros(n, np.int64), vm3_step=np.array([0, 0]), vm3_neuron=np.array(neurons),
                 vm3_value=np.array([0.5, -0.5]) + rank)
    events, merged_meta = _merge_ranks(tmp_path / "result.npz", 2)
    assert merged_meta["connections"] == 14
    rec = recording(art, events, merged_meta, samples=1, steps=4)
    assert sorted(map(tuple, np.argwhere(rec.spikes["hidden"][:, 0]))) == [(1, 0), (1, 1), (3, 2), (3, 3)]
    np.testing.assert_array_equal(rec.traces["readout"]["v"][0, 0, :4], [0.5, 1.5, -0.5, 0.5])
    (tmp_path / "result.rank1.npz").unlink()
    with pytest.raises(BoardError, match="1 result file"):
        _merge_ranks(tmp_path / "result.npz", 2)


@pytest.mark.parametrize("net", ["conv", "cuba"])
def test_conv_pool_chains_and_cuba_layers_agree_with_the_float_model(net: str, tmp_path: Path,
                                                                     nest_runtime: None) -> None:
    """The PyNN export's test nets (``tests/unit/backends/spinnaker/test_pynn.py``) through the nest
    target: conv -> pool -> conv chains composed into one ``one_to_one`` array each (the second
    arriving after two steps), and per-neuron CubaLIF layers with w_in and biases; spikes equal."""
    from tests.unit.backends.spinnaker.test_pynn import conv_net, cuba_net

    g = conv_net() if net == "conv" else cuba_net()
    shape = g.nodes["input"].shape
    x = (np.random.default_rng(2).random((40, 2, *shape)) < 0.3).astype(np.float64)
    be = get_backend("nest")
    rec = be.board(be.lower(g, tmp_path / "a")).run(x, x.shape[0])
    ref = sim.simulate(be.timed_float_model(g), x, x.shape[0])
    assert set(rec.spikes) == set(ref.spikes)
    for pop, z in ref.spikes.items():
        assert z.sum() > 0, pop
        np.testing.assert_array_equal(rec.spikes[pop], z.reshape(rec.spikes[pop].shape), err_msg=pop)
