"""The neurokit IR extensions (SpikeProduct, TokenBroadcast, Unflatten): validated on construction,
frozen, round-trip through neurokit's own files, refused in one line by plain NIR, and listed node
by node, with reason and fix, by every backend that cannot run them."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit import api, ir
from neurokit.backends import get_backend
from neurokit.errors import GraphError, MappingError
from neurokit.ir import extensions as X
from neurokit.train.model import SNNSpec
from neurokit.train.transformer import SpikeDrivenTransformer, TransformerSizes

PROFILE = ir.Profile(dt=0.01)


def _graph() -> ir.Graph:
    """input (F,) -> Unflatten (2, 2, 3) -> two LIFs -> SpikeProduct -> SumPool2d (2, 1, 1) ->
    TokenBroadcast -> output (2, 2, 3)."""
    lif = lambda: ir.LIF(tau=np.full((2, 2, 3), 0.02), r=np.ones((2, 2, 3)), v_leak=np.zeros((2, 2, 3)),  # noqa: E731
                         v_threshold=np.full((2, 2, 3), 0.3))
    nodes = {"input": ir.Input(shape=(12,)), "unflatten": X.Unflatten(input_shape=(12,), shape=(2, 2, 3)),
             "a": lif(), "b": lif(), "and": X.SpikeProduct(shape=(2, 2, 3)),
             "sum": ir.SumPool2d(kernel_size=(2, 3), stride=(2, 3), padding=(0, 0)),
             "wide": X.TokenBroadcast(shape=(2, 2, 3)), "output": ir.Output(shape=(2, 2, 3))}
    edges = [("input", "unflatten"), ("unflatten", "a"), ("unflatten", "b"), ("a", "and"), ("b", "and"),
             ("and", "sum"), ("sum", "wide"), ("wide", "output")]
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=PROFILE).validate()


def test_nodes_are_validated_frozen_and_state_their_equation() -> None:
    with pytest.raises(ValueError, match="shape must be positive whole numbers"):
        X.SpikeProduct(shape=(0, 3))
    with pytest.raises(GraphError, match=r"shape must be \(C, H, W\)"):
        X.TokenBroadcast(shape=(4, 4))
    with pytest.raises(GraphError, match="cannot reshape"):
        X.Unflatten(input_shape=(12,), shape=(5, 2))
    node = X.SpikeProduct(shape=(2, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.shape = (1,)  # type: ignore[misc]
    assert X.TokenBroadcast(shape=(3, 2, 2)).output_shape((3, 1, 1)) == (3, 2, 2)
    with pytest.raises(GraphError, match="does not match the expected"):
        X.TokenBroadcast(shape=(3, 2, 2)).output_shape((3, 2, 2))
    for cls in X.EXTENSION_TYPES.values():
        assert "math:" in (cls.__doc__ or "") and cls.reason


def test_the_extensions_compute_their_equations() -> None:
    a = np.array([[[1.0, 0.0], [1.0, 1.0]]])
    b = np.array([[[1.0, 1.0], [0.0, 1.0]]])
    np.testing.assert_array_equal(X.apply(X.SpikeProduct(shape=(2, 2)), [a, b]), a * b)
    m = np.array([[[[1.0]], [[0.0]]]])  # batch 1, (C=2, 1, 1)
    wide = X.apply(X.TokenBroadcast(shape=(2, 2, 3)), [m])
    assert wide.shape == (1, 2, 2, 3) and wide[0, 0].sum() == 6 and wide[0, 1].sum() == 0
    csr = X.TokenBroadcast(shape=(2, 2, 3)).as_sparse_linear().to_dense()
    np.testing.assert_array_equal(csr @ m.reshape(2), wide.reshape(-1))


def test_the_extensions_round_trip_through_neurokits_files(tmp_path: Path) -> None:
    g = _graph()
    ir.write(g, tmp_path / "ext.nir")
    back = ir.read(tmp_path / "ext.nir")
    assert set(back.nodes) == set(g.nodes) and set(back.edges) == set(g.edges)
    for name, node in g.nodes.items():
        assert back.nodes[name] == node, name
    x = (np.random.default_rng(0).random((6, 2, 12)) < 0.5).astype(np.float64)
    from neurokit import sim

    np.testing.assert_array_equal(sim.simulate(back, x).outputs["output"], sim.simulate(g, x).outputs["output"])


def test_a_trained_models_graph_round_trips_too(tmp_path: Path) -> None:
    torch.manual_seed(0)
    g = SpikeDrivenTransformer(SNNSpec(input_shape=(2, 8, 8), classes=3), TransformerSizes(embed_dim=4, patch=4,
                                                                                           mlp_hidden=4)).to_ir()
    buf = io.BytesIO()
    ir.write(g, buf)
    buf.seek(0)
    back = ir.read(buf)
    assert all(back.nodes[n] == node for n, node in g.nodes.items())


def test_plain_nir_refuses_them_in_one_line_naming_the_node() -> None:
    g = _graph()
    for write in (lambda: ir.write(g, io.BytesIO(), plain=True), lambda: ir.to_nir(g)):
        with pytest.raises(GraphError) as info:
            write()
        text = str(info.value)
        assert "\n" not in text and "node 'unflatten'" in text and "neurokit extension" in text
        assert "plain NIR cannot state it" in text and "fix:" in text


@pytest.mark.parametrize("target", ["loihi2", "spinnaker", "crossbar", "nest"])
def test_backends_list_every_extension_node_with_reason_and_fix(target: str, tmp_path: Path) -> None:
    g = _graph()
    problems = get_backend(target).check(g)
    flagged = {p.node for p in problems if p.message.startswith(tuple(X.EXTENSION_TYPES))}  # "SpikeProduct ..."
    assert flagged == {"unflatten", "and", "wide"}
    assert all(p.fix for p in problems if p.node in flagged)
    ir.write(g, tmp_path / "ext.nir")
    with pytest.raises(MappingError) as info:
        api.deploy(tmp_path / "ext.nir", target, tmp_path / "out")
    text = str(info.value)
    assert all(f"node {n!r}" in text for n in ("unflatten", "and", "wide")), text
