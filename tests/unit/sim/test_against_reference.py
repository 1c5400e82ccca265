"""The Numba simulator equals the NumPy reference on random graphs (float64: spikes identical,
states to 1e-12; float32: within float32 tolerance)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurokit import ir, sim
from neurokit.dynamics.reference import run_reference


def _neuron(kind: str, n: int, rng: np.random.Generator) -> ir.Node:
    tau = rng.uniform(2e-3, 3e-2, n)
    th = rng.uniform(0.3, 1.0, n)
    tr = rng.choice([0.0, 2e-3, 4e-3], n)
    if kind == "LIF":
        return ir.LIF(tau=tau, r=rng.uniform(0.5, 2, n), v_leak=rng.uniform(-0.1, 0.1, n), v_threshold=th,
                      v_reset=rng.uniform(-0.2, 0.1, n), t_refrac=tr)
    if kind == "IF":
        return ir.IF(r=rng.uniform(20, 200, n), v_threshold=th, v_reset=np.zeros(n), t_refrac=tr)
    if kind == "CubaLIF":
        return ir.CubaLIF(tau_syn=rng.uniform(2e-3, 1e-2, n), tau_mem=tau, r=rng.uniform(0.5, 2, n), v_leak=np.zeros(n),
                          v_threshold=th, v_reset=np.zeros(n), w_in=rng.uniform(0.5, 3, n), t_refrac=tr)
    if kind == "LI":
        return ir.LI(tau=tau, r=np.ones(n), v_leak=np.zeros(n))
    if kind == "CubaLI":
        return ir.CubaLI(tau_syn=rng.uniform(2e-3, 1e-2, n), tau_mem=tau, r=np.ones(n), v_leak=np.zeros(n),
                         w_in=np.ones(n))
    return ir.I(r=rng.uniform(1, 10, n))


@st.composite
def random_graph(draw: st.DrawFn, options: bool = False) -> tuple[ir.Graph, np.ndarray]:
    """A random feed-forward/recurrent graph; ``options`` also draws the profile's reset_timing,
    multi_spike and v_min."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n_in = draw(st.integers(1, 6))
    layers = draw(st.lists(st.sampled_from(["LIF", "IF", "CubaLIF", "LI", "CubaLI", "I"]), min_size=1, max_size=3))
    prof = ir.Profile(dt=1e-3, integration=draw(st.sampled_from(["exact", "euler"])),
                      reset=draw(st.sampled_from(["zero", "subtract", "none"])),
                      spike_rule=draw(st.sampled_from([">", ">="])), synapse_latency=draw(st.integers(0, 2)))
    if options:
        prof = prof.replace(reset_timing=draw(st.sampled_from(["same_step", "next_step"])),
                            multi_spike=draw(st.booleans()), v_min=draw(st.sampled_from([-np.inf, -0.3, 0.0])))
    nodes: dict[str, ir.Node] = {"in": ir.Input(shape=(n_in,))}
    edges = []
    prev, prev_n = "in", n_in
    for k, kind in enumerate(layers):
        n = draw(st.integers(1, 8))
        syn = draw(st.sampled_from(["Linear", "Affine", "Sparse", "SparseDelay"]))
        w = rng.normal(0.8, 1.0, (n, prev_n))
        if syn == "Linear":
            nodes[f"w{k}"] = ir.Linear(weight=w)
        elif syn == "Affine":
            nodes[f"w{k}"] = ir.Affine(weight=w, bias=rng.normal(0, 0.5, n))
        else:
            w[rng.random(w.shape) < 0.3] = 0.0
            sp = ir.SparseLinear.from_dense(w)
            if syn == "SparseDelay":
                sp = sp.replace(delay=rng.integers(0, 4, sp.nnz) * 1e-3)
            nodes[f"w{k}"] = sp
        nodes[f"n{k}"] = _neuron(kind, n, rng)
        edges += [(prev, f"w{k}"), (f"w{k}", f"n{k}")]
        if draw(st.booleans()) and kind in ("LIF", "IF", "CubaLIF"):
            nodes[f"rec{k}"] = ir.Linear(weight=rng.normal(0, 0.6, (n, n)))
            edges += [(f"n{k}", f"rec{k}"), (f"rec{k}", f"n{k}")]
        if draw(st.booleans()):
            nodes[f"d{k}"] = ir.Delay(delay=rng.integers(0, 3, n) * 1e-3)
            edges += [(f"n{k}", f"d{k}")]
            prev = f"d{k}"
        else:
            prev = f"n{k}"
        prev_n = n
    nodes["out"] = ir.Output(shape=(prev_n,))
    edges.append((prev, "out"))
    graph = ir.Graph(nodes=nodes, edges=tuple(edges), profile=prof)
    T, B = draw(st.integers(5, 40)), draw(st.integers(1, 3))
    x = (rng.random((T, B, n_in)) < 0.4) * rng.uniform(0.5, 3.0, (T, B, n_in))
    return graph, x


def _compare(graph: ir.Graph, x: np.ndarray, dtype: str) -> None:
    g = graph.with_profile(graph.profile.replace(numeric=dtype))
    neurons = [n for n, node in g.nodes.items() if isinstance(node, ir.NEURON_TYPES)]
    ref = run_reference(g, x, record=tuple(neurons))
    rec = sim.simulate(g, x, record=("spikes", "v"))
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(rec.outputs["out"], ref.outputs["out"], **tol)
    for n in neurons:
        np.testing.assert_allclose(rec.traces[n]["v"], ref.states[n]["v"], **tol, err_msg=n)
        np.testing.assert_allclose(rec.traces[n]["i"], ref.states[n]["i"], **tol, err_msg=n)
        if g.nodes[n].spiking:
            expected = ref.node_outputs[n].astype(np.int64) if g.profile.multi_spike else ref.node_outputs[n] > 0.5
            np.testing.assert_array_equal(rec.spikes[n], expected, err_msg=n)


@settings(max_examples=40, deadline=None)
@given(random_graph())
def test_random_graphs_float64_match_reference(case: tuple[ir.Graph, np.ndarray]) -> None:
    _compare(*case, "float64")


@settings(max_examples=40, deadline=None)
@given(random_graph(options=True))
def test_random_graphs_with_profile_options_float64_match_reference(case: tuple[ir.Graph, np.ndarray]) -> None:
    """reset_timing, multi_spike and v_min: the Numba kernels equal the reference."""
    _compare(*case, "float64")


@settings(max_examples=15, deadline=None)
@given(random_graph() | random_graph(options=True))
def test_random_graphs_float32_match_reference(case: tuple[ir.Graph, np.ndarray]) -> None:
    graph, x = case
    g = graph.with_profile(graph.profile.replace(numeric="float32"))
    rec = sim.simulate(g, x)
    ref = run_reference(g, x)
    # spikes can legitimately flip near threshold in float32; compare outputs where both agree closely
    diff = np.abs(rec.outputs["out"].astype(np.float64) - ref.outputs["out"].astype(np.float64))
    assert np.mean(diff <= 1e-4 + 1e-4 * np.abs(ref.outputs["out"])) >= 0.97


def test_conv_pool_flatten_graph_matches_reference() -> None:
    rng = np.random.default_rng(0)
    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.3, 0.5, (4, 2, 3, 3)), bias=rng.normal(0, 0.1, 4), stride=1, padding=1,
                  input_shape=(8, 8)),
        ir.LIF(tau=np.full((4, 8, 8), 0.01), r=np.ones((4, 8, 8)), v_leak=np.zeros((4, 8, 8)), v_threshold=np.full((4, 8, 8), 0.5)),
        ir.SumPool2d(kernel_size=2, stride=2, padding=0),
        ir.Conv2d(weight=rng.normal(0.2, 0.5, (6, 2, 3, 3)), bias=np.zeros(6), stride=2, padding=0, groups=2),
        ir.Flatten(start_dim=0),
        ir.Affine(weight=rng.normal(0, 0.5, (5, 6)), bias=np.zeros(5)),
        ir.IF(r=np.full(5, 100.0), v_threshold=np.ones(5)),
        profile=ir.Profile(dt=1e-3, reset="subtract"))
    x = (rng.random((20, 2, 2, 8, 8)) < 0.3).astype(float)
    ref = run_reference(g, x)
    rec = sim.simulate(g, x)
    np.testing.assert_allclose(rec.outputs["output"], ref.outputs["output"], rtol=1e-12, atol=1e-12)


def test_initial_state_and_recording_roundtrip(tmp_path: pytest.TempPathFactory) -> None:
    g = ir.Graph.sequential(ir.Linear(weight=np.eye(3)),
                            ir.LIF(tau=np.full(3, 0.02), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3)),
                            names=["w", "lif"])
    v0 = np.array([[0.99, 0.5, 0.0], [0.0, 0.0, 0.999]])
    rec = sim.simulate(g, np.zeros((3, 2, 3)) + 10.0, initial={"lif": {"v": v0}}, record=("spikes", "v"))
    assert rec.spikes["lif"][0].tolist() == [[True, False, False], [False, False, True]]
    path = tmp_path / "rec.h5"  # type: ignore[operator]
    rec.to_hdf5(path)
    back = sim.Recording.from_hdf5(path)
    np.testing.assert_array_equal(back.spikes["lif"], rec.spikes["lif"])
    np.testing.assert_array_equal(back.traces["lif"]["v"], rec.traces["lif"]["v"])


@settings(max_examples=25, deadline=None)
@given(random_graph(options=True), st.integers(1, 7))
def test_a_run_in_chunks_equals_one_run(case: tuple[ir.Graph, np.ndarray], chunk: int) -> None:
    """State (membranes, refractory counts, delay rings, loop buffers, spike lists) carries over
    between chunks exactly, so a long run can report progress."""
    graph, x = case
    program = sim.compile(graph)
    whole = sim.run(program, x, record=("spikes", "v"))
    parts = sim.run(program, x, x.shape[0] + 3, record=("spikes", "v"), chunk_steps=chunk)
    T = x.shape[0]
    np.testing.assert_array_equal(parts.outputs["out"][:T], whole.outputs["out"])
    for n, z in whole.spikes.items():
        np.testing.assert_array_equal(parts.spikes[n][:T], z)
    for n, tr in whole.traces.items():
        np.testing.assert_array_equal(parts.traces[n]["v"][:T], tr["v"])


@pytest.mark.parametrize("integration", ["exact", "euler"])
@pytest.mark.parametrize("reset", ["zero", "subtract", "none"])
@pytest.mark.parametrize("rule", [">", ">="])
def test_uniform_parameter_fast_path_matches_reference(integration: str, reset: str, rule: str) -> None:
    """Nodes whose neurons share every parameter run with scalar coefficients: same numbers."""
    rng = np.random.default_rng(7)
    n = 40
    lif = ir.LIF(tau=np.full(n, 0.01), r=np.full(n, 1.3), v_leak=np.full(n, 0.1), v_threshold=np.full(n, 0.5),
                 v_reset=np.full(n, -0.1), t_refrac=np.full(n, 2e-3))
    g = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.4, 1.0, (n, 6))), lif,
                            ir.Linear(weight=rng.normal(0.0, 0.5, (3, n))),
                            ir.LI(tau=np.full(3, 0.02), r=np.ones(3), v_leak=np.zeros(3)),
                            names=["w", "lif", "ro", "li"],
                            profile=ir.Profile(dt=1e-3, integration=integration, reset=reset, spike_rule=rule))
    program = sim.compile(g)
    uniform = program.arrays.uniform_parameters
    assert uniform[program.index("lif")] and uniform[program.index("li")]
    x = (rng.random((50, 2, 6)) < 0.5) * 1.5
    rec = sim.run(program, x, record=("spikes", "v"))
    ref = run_reference(g, x, record=("lif", "li"))
    np.testing.assert_array_equal(rec.spikes["lif"], ref.node_outputs["lif"] > 0.5)
    assert rec.spikes["lif"].any()
    np.testing.assert_allclose(rec.traces["lif"]["v"], ref.states["lif"]["v"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rec.outputs["output"], ref.outputs["output"], rtol=1e-12, atol=1e-12)
