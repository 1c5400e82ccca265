"""A node type is stated once, on its class: a new type defined here, outside neurokit, goes through
the file format, graph validation, ``Graph.stats``, the operations counter and every backend's
check without an edit elsewhere; the simulators refuse it by name. ``Identity`` (the sum point)
reads and writes as a NIR stand-in."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import h5py
import nir
import numpy as np
import pytest

from neurokit import ir
from neurokit.backends import BACKENDS, get_backend
from neurokit.dynamics import run_reference
from neurokit.errors import GraphError, InvalidInputError
from neurokit.ir.nodes.params import param_array
from neurokit.ir.passes.operations import FOLDED, operation_sources
from neurokit.sim import compile_graph

DT = 1e-3


def _define_toy_type() -> type[ir.Node]:
    @ir.register_node
    @dataclass(frozen=True, kw_only=True, eq=False)
    class ToySpiker(ir.Node):
        r"""A toy spiking neuron, :math:`v \leftarrow \beta v + x`, spike when :math:`v > 1` (only the class exists)."""

        stateful: ClassVar[bool] = True
        spiking: ClassVar[bool] = True
        neuron: ClassVar[bool] = True
        extension_fields: ClassVar[tuple[str, ...]] = ("t_refrac",)
        beta: np.ndarray
        t_refrac: np.ndarray | None = None

        def __post_init__(self) -> None:
            object.__setattr__(self, "beta", param_array(self.beta, node="ToySpiker", field="beta"))
            refrac = np.zeros_like(self.beta) if self.t_refrac is None else self.t_refrac
            object.__setattr__(self, "t_refrac", param_array(refrac, node="ToySpiker", field="t_refrac"))
            if self.t_refrac.shape != self.beta.shape:
                raise GraphError("t_refrac and beta differ in shape", where="ToySpiker", fix="one value per neuron")

        def expected_input_shape(self) -> tuple[int, ...]:
            return self.beta.shape

    return ToySpiker


@pytest.fixture
def toy() -> Iterator[type[ir.Node]]:
    """The toy type, registered for one test only (the registry is global)."""
    cls = _define_toy_type()
    try:
        yield cls
    finally:
        ir.NODE_TYPES.pop("ToySpiker", None)


def _toy_net(toy: type[ir.Node], recurrent: bool = False) -> ir.Graph:
    rng = np.random.default_rng(0)
    nodes: dict[str, ir.Node] = {
        "input": ir.Input(shape=(3,)), "fc": ir.Linear(weight=rng.normal(size=(4, 3))),
        "toy": toy(beta=np.full(4, 0.9), t_refrac=np.array([0.0, 2e-3, 0.0, 1e-3]), metadata={"note": "kept"}),
        "output": ir.Output(shape=(4,))}
    edges = [("input", "fc"), ("fc", "toy"), ("toy", "output")]
    if recurrent:
        nodes["rec"] = ir.Linear(weight=np.eye(4))
        edges += [("toy", "rec"), ("rec", "toy")]
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=ir.Profile(dt=DT))


def test_a_new_node_type_round_trips_through_the_file_format(toy: type[ir.Node], tmp_path: Any) -> None:
    graph = _toy_net(toy)
    path = tmp_path / "toy.nir"
    ir.write(graph, path)
    with h5py.File(path) as f:
        group = f["node/nodes/toy"]
        assert group["type"][()].decode() == "ToySpiker"
        assert sorted(group) == ["beta", "metadata", "type"]  # t_refrac is an extension: metadata, not a dataset
        np.testing.assert_array_equal(group["metadata/neurokit_t_refrac"][()], [0.0, 2e-3, 0.0, 1e-3])
    back = ir.read(path)
    assert back.nodes["toy"] == graph.nodes["toy"] and back.nodes["toy"].metadata == {"note": "kept"}
    assert dict(back.nodes) == dict(graph.nodes)


def test_generic_code_handles_a_new_node_type_from_its_class_facts(toy: type[ir.Node]) -> None:
    graph = _toy_net(toy, recurrent=True).validate()  # a loop through it is allowed: it is stateful
    assert graph.infer_shapes()["toy"] == ((4,), (4,))
    stats = graph.stats()
    assert stats["neurons"] == 4 and stats["node_types"]["ToySpiker"] == 1
    assert stats["synapses"] == 12 + 4  # fc's 12 weights and rec's 4 non-zero ones
    assert "toy" in operation_sources(graph, FOLDED)  # its spikes cost operations, as any neuron's
    assert ir.node_types(neuron=True)[-1] is toy


def test_a_stateless_new_type_cannot_close_a_loop(toy: type[ir.Node]) -> None:
    @dataclass(frozen=True, kw_only=True, eq=False)
    class Stateless(toy):  # type: ignore[valid-type, misc]
        stateful: ClassVar[bool] = False

    graph = _toy_net(toy, recurrent=True)
    looped = graph.replace_node("toy", Stateless(beta=np.full(4, 0.9)))
    with pytest.raises(GraphError, match="loop"):
        looped.validate()


@pytest.mark.parametrize("target", sorted(BACKENDS))
def test_every_backend_refuses_a_new_node_type_by_name(toy: type[ir.Node], target: str) -> None:
    problems = get_backend(target).check(_toy_net(toy))
    assert any(p.node == "toy" and "ToySpiker" in p.message for p in problems), problems


def test_the_simulators_refuse_a_new_node_type_naming_what_to_add(toy: type[ir.Node]) -> None:
    graph = _toy_net(toy)
    with pytest.raises(InvalidInputError, match="ToySpiker is not supported by the simulator"):
        compile_graph(graph)
    with pytest.raises(InvalidInputError, match="ToySpiker has no discretisation"):
        run_reference(graph, np.zeros((2, 1, 3)))


def test_a_type_name_is_registered_once() -> None:
    with pytest.raises(GraphError, match="registered twice"):
        @ir.register_node
        @dataclass(frozen=True, kw_only=True, eq=False)
        class LIF(ir.Node):  # noqa: F811 - the clash is the point
            pass


def _sum_point_net(point: ir.Node) -> ir.Graph:
    """Two weighted branches summed in ``point`` before a LIF (what SpikingSequential writes for delays)."""
    rng = np.random.default_rng(1)
    lif = ir.LIF(tau=np.full(4, 0.02), r=np.ones(4), v_leak=np.zeros(4), v_threshold=np.full(4, 0.5))
    nodes = {"input": ir.Input(shape=(3,)), "a": ir.Linear(weight=rng.normal(size=(4, 3))),
             "d": ir.Delay(delay=np.full(3, 2 * DT)), "b": ir.Linear(weight=rng.normal(size=(4, 3))),
             "sum": point, "lif": lif, "output": ir.Output(shape=(4,))}
    edges = (("input", "a"), ("input", "d"), ("d", "b"), ("a", "sum"), ("b", "sum"), ("sum", "lif"),
             ("lif", "output"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=DT))


def test_identity_is_a_sum_point_that_files_carry_as_a_nir_stand_in() -> None:
    graph = _sum_point_net(ir.Identity(shape=(4,)))
    buf = io.BytesIO()
    ir.write(graph, buf)
    buf.seek(0)
    assert ir.read(buf).nodes["sum"] == ir.Identity(shape=(4,))
    buf.seek(0)
    as_nir = nir.read(buf)  # the nir package reads our file: a Flatten of a 1-D shape is the identity
    assert type(as_nir.nodes["sum"]).__name__ == "Flatten"
    plain = ir.to_nir(graph)
    assert type(plain.nodes["sum"]).__name__ == "Flatten" and "neurokit_type" not in plain.nodes["sum"].metadata
    x = np.random.default_rng(2).uniform(0, 1, (20, 2, 3))
    old_style = _sum_point_net(ir.Flatten(input_shape=(4,), start_dim=0, end_dim=-1))  # files before Identity
    want = run_reference(old_style, x).outputs["output"]
    np.testing.assert_array_equal(run_reference(graph, x).outputs["output"], want)
    from neurokit import sim

    np.testing.assert_array_equal(sim.simulate(graph, x).outputs["output"], sim.simulate(old_style, x).outputs["output"])


def test_a_multi_dimensional_identity_is_written_as_a_scale_by_ones() -> None:
    node = ir.Identity(shape=(2, 3))
    d = node.to_dict()
    assert d["type"] == "Scale" and d["scale"].shape == (2, 3) and np.all(d["scale"] == 1)
    assert ir.Identity.from_dict(d, where="x", metadata={}) == node


def test_the_built_in_types_state_the_facts_the_old_lists_held() -> None:
    """The lists the packages kept before the facts moved onto the classes, written out by hand."""
    def having(fact: str) -> set[str]:
        return {name for name, cls in ir.NODE_TYPES.items() if getattr(cls, fact)}

    neurons = {"I", "LI", "IF", "LIF", "CubaLI", "CubaLIF", "BetaLIF"}  # BetaLIF: docs/dev/adding-a-node.md
    assert having("neuron") == neurons
    assert having("stateful") == neurons | {"Delay"}
    assert having("spiking") == {"IF", "LIF", "CubaLIF", "BetaLIF", "Threshold"}
    assert having("current_based") == {"CubaLI", "CubaLIF"}
    assert having("weighted") == {"Linear", "Affine", "SparseLinear", "Conv1d", "Conv2d"}
    assert having("linear") == having("weighted") | {"SumPool2d", "AvgPool2d"}
    assert having("index_map") == {"Flatten", "Identity"}
    assert having("port") == {"Input", "Output"}
    with_refrac = {name for name, cls in ir.NODE_TYPES.items() if cls.extension_fields == ("t_refrac",)}
    assert with_refrac == {"IF", "LIF", "CubaLIF", "BetaLIF"}
