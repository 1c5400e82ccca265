"""Every IR node type round-trips losslessly through .nir files (ours and the nir package's)."""

from __future__ import annotations

import io
import warnings

import nir
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurokit import ir
from neurokit.errors import GraphError

from .strategies import any_node, neuron


def _single_node_graph(node: ir.Node) -> ir.Graph:
    """Wrap a node as input -> node -> output with shapes that fit it."""
    profile = ir.Profile(dt=1e-3, integration="euler", reset="subtract", spike_rule=">=", synapse_latency=1)
    if isinstance(node, ir.Input):
        return ir.Graph(nodes={"n": node, "out": ir.Output(shape=node.shape)}, edges=(("n", "out"),), profile=profile)
    if isinstance(node, ir.Output):
        return ir.Graph(nodes={"in": ir.Input(shape=node.shape), "n": node}, edges=(("in", "n"),), profile=profile)
    shape = node.expected_input_shape()
    if shape is None:
        if isinstance(node, (ir.Conv1d, ir.Conv2d)):
            shape = (node.in_channels, *([10] * (node.weight.ndim - 2)))
        else:
            shape = (2, 6, 6)
    out = node.output_shape(shape)
    return ir.Graph(nodes={"in": ir.Input(shape=shape), "n": node, "out": ir.Output(shape=out)},
                    edges=(("in", "n"), ("n", "out")), profile=profile)


def _roundtrip(graph: ir.Graph, **kw: object) -> ir.Graph:
    buf = io.BytesIO()
    ir.write(graph, buf, **kw)
    buf.seek(0)
    return ir.read(buf)


@given(any_node())
def test_every_node_type_roundtrips_losslessly(node: ir.Node) -> None:
    g = _single_node_graph(node)
    back = _roundtrip(g)
    assert back.nodes["n"] == node
    assert back.profile == g.profile
    assert set(back.edges) == set(g.edges)
    for name, arr in node.arrays().items():
        assert back.nodes["n"].arrays()[name].dtype == arr.dtype, name


@given(any_node())
def test_files_we_write_load_in_nir_and_back(node: ir.Node) -> None:
    if isinstance(node, ir.SparseLinear):
        node = node.replace(delay=None)
    g = _single_node_graph(node)
    ng = ir.to_nir(g)
    assert isinstance(ng, nir.NIRGraph)
    back = ir.from_nir(ng, profile=g.profile)
    expected = ir.Linear(weight=node.to_dense()) if isinstance(node, ir.SparseLinear) else node
    got = back.nodes["n"]
    if isinstance(node, (ir.LIF, ir.IF, ir.CubaLIF)) and node.t_refrac is not None and np.any(node.t_refrac > 0):
        expected = expected.replace(t_refrac=None)  # plain NIR cannot carry refractoriness
    if isinstance(node, (ir.Conv1d, ir.Conv2d)) and node.input_shape is None:
        expected = expected.replace(input_shape=g.infer_shapes()["n"][0][1:])  # nir requires it: stated on export
    assert got == expected


@given(neurons=st.lists(neuron(n=3), min_size=1, max_size=4), dt=st.floats(1e-5, 1e-2))
def test_chains_with_profile_roundtrip_through_files(neurons: list[ir.Node], dt: float, tmp_path_factory: pytest.TempPathFactory) -> None:
    nodes: list[ir.Node] = []
    for n in neurons:
        nodes += [ir.Linear(weight=np.eye(3)), n]
    g = ir.Graph.sequential(*nodes, profile=ir.Profile(dt=dt, reset="none"))
    path = tmp_path_factory.mktemp("rt") / "chain.nir"
    ir.write(g, path)
    back = ir.read(path)
    assert back.profile == g.profile
    assert list(back.nodes) == list(g.nodes)  # insertion order is kept
    for k in g.nodes:
        assert back.nodes[k] == g.nodes[k]


def test_nested_graph_roundtrips_and_flattens() -> None:
    lif = ir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    inner = ir.Graph(nodes={"i": ir.Input(shape=(2,)), "w": ir.Linear(weight=np.eye(2)), "lif": lif,
                            "o": ir.Output(shape=(2,))}, edges=(("i", "w"), ("w", "lif"), ("lif", "o")))
    outer = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "sub": inner, "out": ir.Output(shape=(2,))},
                     edges=(("in", "sub.i"), ("sub.o", "out")))
    back = _roundtrip(outer)
    assert isinstance(back.nodes["sub"], ir.Graph)
    flat = back.flatten()
    assert set(flat.nodes) == {"in", "sub.w", "sub.lif", "out"}
    assert set(flat.edges) == {("in", "sub.w"), ("sub.w", "sub.lif"), ("sub.lif", "out")}


def test_plain_export_densifies_sparse_and_drops_profile() -> None:
    w = np.array([[0.0, 2.0], [1.0, 0.0], [0.0, 0.0]])
    g = ir.Graph.sequential(ir.SparseLinear.from_dense(w))
    buf = io.BytesIO()
    ir.write(g, buf, plain=True)
    buf.seek(0)
    ng = nir.read(buf)
    node = next(n for n in ng.nodes.values() if isinstance(n, nir.Linear))
    np.testing.assert_array_equal(node.weight, w)
    buf.seek(0)
    with pytest.warns(ir.ProfileDefaultsWarning, match="assumed dt=0.001"):
        ir.read(buf)


def test_plain_export_size_guard() -> None:
    sp = ir.SparseLinear(n_pre=5000, n_post=5000, indptr=np.zeros(5001, dtype=np.int64), indices=[], weight=[])
    g = ir.Graph.sequential(sp)
    with pytest.raises(GraphError, match="densifying"):
        ir.write(g, io.BytesIO(), plain=True, max_dense=1000)


def test_write_is_atomic_and_keeps_old_file_on_failure(tmp_path) -> None:
    path = tmp_path / "m.nir"
    g = ir.Graph.sequential(ir.Linear(weight=np.eye(2)))
    ir.write(g, path)
    before = path.read_bytes()
    bad = ir.Graph(nodes={"in": ir.Input(shape=(2,)), "out": ir.Output(shape=(3,))}, edges=(("in", "out"),))
    with pytest.raises(ValueError):
        ir.write(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.nir"]


def test_edits_return_new_objects() -> None:
    lif = ir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    faster = lif.replace(tau=np.full(2, 0.005))
    assert lif.tau[0] == 0.01 and faster.tau[0] == 0.005
    with pytest.raises(ValueError):
        lif.tau[0] = 1.0  # read-only arrays
    g = ir.Graph.sequential(lif)
    g2 = g.replace_node("0_lif", faster)
    assert g.nodes["0_lif"] is lif and g2.nodes["0_lif"] is faster
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g2.with_profile(ir.Profile(dt=1e-4)).profile.dt == 1e-4
