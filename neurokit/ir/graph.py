"""The IR graph: immutable nodes + edges + execution profile, with validation and shape inference.

Time semantics of edges (the single rule every simulator and backend follows): in each step,
nodes are evaluated in topological order and an edge carries its source's value of the same
step — except an edge that closes a loop. A loop must pass through a stateful node (a neuron
or a ``Delay`` of at least one step); there the edge leaving that node carries its value of the
previous step (a ``Delay`` of ``d`` steps contributes exactly ``d``). A loop through stateless
nodes only is refused.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from neurokit.errors import GraphError

from .nodes import Delay, Input, Node, Output, Shape, SparseLinear, node_types
from .passes.latency import delay_steps
from .profile import Profile

#: Most elements one node may output: neuron and synapse indices are 32-bit (``2**31 - 1``).
MAX_NODE_SIZE = 2**31 - 1


@dataclass(frozen=True, kw_only=True, eq=False)
class Graph(Node):
    """A directed graph of named IR nodes with its execution profile.

    ``nodes`` maps names to nodes (a nested ``Graph`` is allowed: its ports are addressed as
    ``"sub.input_name"``/``"sub.output_name"``); ``edges`` are ``(source, target)`` pairs, several
    edges into one node are summed.
    """

    stateful: ClassVar[bool] = True
    nodes: Mapping[str, Node]
    edges: tuple[tuple[str, str], ...]
    profile: Profile = field(default_factory=Profile)

    def __post_init__(self) -> None:
        if not isinstance(self.nodes, Mapping):
            raise GraphError("nodes must be a mapping of name -> node", fix="pass a dict")
        for name, node in self.nodes.items():
            if not isinstance(name, str) or not name:
                raise GraphError(f"node names must be non-empty strings, got {name!r}", fix="rename the node")
            if "/" in name:
                raise GraphError(f"node name {name!r} contains '/', which a .nir file (HDF5) reads back as nested "
                                 f"groups", fix="rename the node without '/' (e.g. '.' or '_')")
            if not isinstance(node, Node):
                raise GraphError(f"node {name!r} is a {type(node).__name__}, not an IR node",
                                 fix="build nodes from neurokit.ir (or convert with neurokit.ir.from_nir)")
        object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))
        try:
            edges = tuple((str(a), str(b)) for a, b in self.edges)
        except (TypeError, ValueError):
            raise GraphError("edges must be (source, target) pairs of node names", fix="e.g. [('in', 'lif')]") from None
        object.__setattr__(self, "edges", edges)
        pred: dict[str, list[str]] = {}
        succ: dict[str, list[str]] = {}
        for a, b in edges:  # adjacency, built once: every graph algorithm below is linear in the edges
            pred.setdefault(b, []).append(a)
            succ.setdefault(a, []).append(b)
        object.__setattr__(self, "_pred", pred)
        object.__setattr__(self, "_succ", succ)
        if not isinstance(self.profile, Profile):
            raise GraphError("profile must be a neurokit.ir.Profile", fix="pass profile=Profile(dt=...)")

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def sequential(cls, *nodes: Node, profile: Profile | None = None, names: Iterable[str] | None = None) -> Graph:
        """Chain nodes ``input -> n0 -> n1 -> ... -> output`` (ports added if missing)."""
        seq = list(nodes)
        labels = list(names) if names is not None else [f"{i}_{type(n).__name__.lower()}" for i, n in enumerate(seq)]
        if len(labels) != len(seq):
            raise GraphError("names and nodes differ in length", fix="give one name per node")
        named = dict(zip(labels, seq))
        order = list(labels)
        if not isinstance(seq[0], Input):
            shape = seq[0].expected_input_shape()
            if shape is None:
                raise GraphError("the first node has no fixed input shape", fix="start with an Input node")
            named = {"input": Input(shape=shape), **named}
            order.insert(0, "input")
        if not isinstance(seq[-1], Output):
            g = cls(nodes=named, edges=tuple(zip(order[:-1], order[1:])), profile=profile or Profile())
            out_shape = g.infer_shapes()[order[-1]][1]
            named["output"] = Output(shape=out_shape)
            order.append("output")
        return cls(nodes=named, edges=tuple(zip(order[:-1], order[1:])), profile=profile or Profile())

    def replace_node(self, name: str, node: Node) -> Graph:
        """A new graph with node ``name`` replaced."""
        if name not in self.nodes:
            raise GraphError(f"no node named {name!r}", fix=f"choose one of {sorted(self.nodes)}")
        return dataclasses.replace(self, nodes={**self.nodes, name: node})

    def with_profile(self, profile: Profile) -> Graph:
        """A new graph with another execution profile."""
        return dataclasses.replace(self, profile=profile)

    # ------------------------------------------------------------------ queries
    @property
    def inputs(self) -> dict[str, Input]:
        """Input nodes by name (insertion order)."""
        return {k: v for k, v in self.nodes.items() if isinstance(v, Input)}

    @property
    def outputs(self) -> dict[str, Output]:
        """Output nodes by name (insertion order)."""
        return {k: v for k, v in self.nodes.items() if isinstance(v, Output)}

    def predecessors(self, name: str) -> list[str]:
        """Sources of edges into ``name``, in edge order."""
        return list(self._pred.get(name, ()))

    def successors(self, name: str) -> list[str]:
        """Targets of edges out of ``name``, in edge order."""
        return list(self._succ.get(name, ()))

    def expected_input_shape(self) -> Shape | None:
        ins = list(self.inputs.values())
        return ins[0].shape if len(ins) == 1 else None

    def output_shape(self, input_shape: Shape) -> Shape:
        outs = list(self.outputs.values())
        if len(outs) != 1:
            raise GraphError("a nested graph used as a node needs exactly one Output", fix="address ports as 'sub.name'")
        return outs[0].shape

    # ------------------------------------------------------------------ flattening of nested graphs
    def flatten(self) -> Graph:
        """An equivalent graph without nested graphs (inner nodes named ``"outer.inner"``)."""
        if not any(isinstance(n, Graph) for n in self.nodes.values()):
            return self
        nodes: dict[str, Node] = {}
        inner_edges: list[tuple[str, str]] = []
        port_in: dict[str, list[str]] = {}   # "sub.in" -> inner targets
        port_out: dict[str, list[str]] = {}  # "sub.out" -> inner sources
        top_level = {name for name, node in self.nodes.items() if not isinstance(node, Graph)}
        for name, node in self.nodes.items():
            if not isinstance(node, Graph):
                nodes[name] = node
                continue
            sub = node.flatten()
            try:
                sub._check_endpoints()
            except GraphError as exc:
                raise GraphError(exc.problem, where=f"nested graph {name!r}", fix=exc.fix) from None
            for inner, n in sub.nodes.items():
                full = f"{name}.{inner}"
                if full in top_level:
                    raise GraphError(f"node name {full!r} is used twice: by a node and by node {inner!r} of "
                                     f"nested graph {name!r}", fix=f"rename node {full!r}; node names must be unique")
                if isinstance(n, Input):
                    port_in[full] = [f"{name}.{b}" for b in sub.successors(inner)]
                    if len(sub.inputs) == 1:
                        port_in[name] = port_in[full]
                elif isinstance(n, Output):
                    port_out[full] = [f"{name}.{a}" for a in sub.predecessors(inner)]
                    if len(sub.outputs) == 1:
                        port_out[name] = port_out[full]
                else:
                    nodes[full] = n
            for a, b in sub.edges:
                if not isinstance(sub.nodes[a], Input) and not isinstance(sub.nodes[b], Output):
                    inner_edges.append((f"{name}.{a}", f"{name}.{b}"))
        edges: list[tuple[str, str]] = []
        for a, b in self.edges:
            sources = port_out.get(a, [a])
            targets = port_in.get(b, [b])
            edges.extend((s, t) for s in sources for t in targets)
        return Graph(nodes=nodes, edges=tuple(edges + inner_edges), profile=self.profile, metadata=self.metadata)

    # ------------------------------------------------------------------ validation
    def _check_endpoints(self) -> None:
        problems = []
        for a, b in self.edges:
            for end, role in ((a, "source"), (b, "target")):
                if end not in self.nodes:
                    problems.append(f"edge ({a!r} -> {b!r}) has unknown {role} {end!r}")
        for a, b in self.edges:
            if a in self.nodes and isinstance(self.nodes[a], Output):
                problems.append(f"edge ({a!r} -> {b!r}) leaves Output node {a!r}")
            if b in self.nodes and isinstance(self.nodes[b], Input):
                problems.append(f"edge ({a!r} -> {b!r}) enters Input node {b!r}")
        seen: set[tuple[str, str]] = set()
        for edge in self.edges:
            if edge in seen:
                problems.append(f"edge ({edge[0]!r} -> {edge[1]!r}) is given twice (it would count twice)")
            seen.add(edge)
        targets = {b for _, b in self.edges}
        for name, node in self.nodes.items():
            if not isinstance(node, Input) and name not in targets:
                problems.append(f"node {name!r} has no incoming edge")
        if problems:
            raise GraphError("; ".join(problems), fix="connect every node; edges name existing nodes")

    def delay_steps(self, node: Delay) -> np.ndarray:
        """Delays of a ``Delay`` node in whole steps of the profile's ``dt`` (rounded, see
        :func:`neurokit.ir.passes.latency.delay_steps`)."""
        return delay_steps(node.delay, self.profile.dt)

    def loop_edges(self) -> frozenset[tuple[str, str]]:
        """Edges that close loops and carry the previous step's value (see the module docstring)."""
        g = self.flatten()
        g._check_endpoints()
        cut: set[tuple[str, str]] = set()
        for prefer_delay in (True, False):
            remaining = [e for e in g.edges if e not in cut]
            comp = _strongly_connected(list(g.nodes), remaining)
            for a, b in remaining:
                if comp[a] != comp[b] and a != b:
                    continue
                node = g.nodes[a]
                if prefer_delay:
                    if isinstance(node, Delay) and node.delay.size and g.delay_steps(node).min() >= 1:
                        cut.add((a, b))
                elif node.stateful and not isinstance(node, Delay):
                    cut.add((a, b))
        return frozenset(cut)

    def topological_order(self) -> list[str]:
        """Evaluation order of the (flattened) graph within a step; refuses stateless loops."""
        g = self.flatten()
        cut = g.loop_edges()
        indeg = {n: 0 for n in g.nodes}
        succ: dict[str, list[str]] = {n: [] for n in g.nodes}
        for a, b in g.edges:
            if (a, b) in cut:
                continue
            indeg[b] += 1
            succ[a].append(b)
        ready = collections.deque(n for n in g.nodes if indeg[n] == 0)
        order: list[str] = []
        while ready:
            n = ready.popleft()
            order.append(n)
            for m in succ[n]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    ready.append(m)
        if len(order) != len(g.nodes):
            kept = [e for e in g.edges if e not in cut]
            comp = _strongly_connected(list(g.nodes), kept)
            sizes: dict[int, int] = {}
            for c in comp.values():
                sizes[c] = sizes.get(c, 0) + 1
            stuck = [n for n in g.nodes if sizes[comp[n]] > 1 or (n, n) in kept]
            raise GraphError(f"cycle without state through nodes {stuck}",
                             fix="a recurrent loop must pass through a neuron or a Delay of at least one step")
        return order

    def infer_shapes(self) -> dict[str, tuple[Shape, Shape]]:
        """(input shape, output shape) of every node of the flattened graph; checks all edges."""
        g = self.flatten()
        g._check_endpoints()
        order = g.topological_order()
        out: dict[str, Shape] = {}
        shapes: dict[str, tuple[Shape, Shape]] = {}
        for _ in range(2):  # second pass resolves shapes that reach a node only via loop edges
            for name in order:
                node = g.nodes[name]
                incoming = [out[a] for a in g.predecessors(name) if a in out]
                in_shape = incoming[0] if incoming else node.expected_input_shape()
                if in_shape is None:
                    continue
                try:
                    out[name] = node.output_shape(in_shape)
                except GraphError as exc:
                    raise GraphError(exc.problem, where=f"node {name!r} ({node.type_name})", fix=exc.fix) from None
                shapes[name] = (tuple(in_shape), out[name])
        problems = []
        for name in g.nodes:
            if name not in shapes:
                problems.append(f"node {name!r}: input shape cannot be inferred")
                continue
            for a in g.predecessors(name):
                if a in out and out[a] != shapes[name][0]:
                    problems.append(f"edge ({a!r} -> {name!r}): {a!r} outputs shape {out[a]} but "
                                    f"{name!r} ({g.nodes[name].type_name}) takes {shapes[name][0]}")
        if problems:
            raise GraphError("shape mismatch: " + "; ".join(problems),
                             fix="make each node's output size match the next node's input size")
        return shapes

    def validate(self) -> Graph:
        """Check endpoints, loops, shapes, sizes and parameters; return ``self`` so calls chain."""
        if not self.inputs:
            raise GraphError("graph has no Input node", fix="add an Input node (shape without batch/time)")
        if not self.outputs:
            raise GraphError("graph has no Output node", fix="add an Output node")
        for name, (_, out_shape) in self.infer_shapes().items():
            size = math.prod(out_shape)
            if size > MAX_NODE_SIZE:
                raise GraphError(f"node {name!r} ({self.flatten().nodes[name].type_name}) has {size} outputs "
                                 f"{out_shape}, more than the {MAX_NODE_SIZE} neurokit can index",
                                 fix="check the declared shapes (a corrupted or hostile file?) or split the layer")
        return self

    # ------------------------------------------------------------------ statistics
    def stats(self) -> dict[str, Any]:
        """Counts: nodes by type, parameters, neurons, synapses (the connections of the weight
        nodes, :func:`~neurokit.ir.passes.operations.dense_operations` over the ``weighted`` types:
        non-zero weights, a convolution's taps at every output position that lands in the input)."""
        from .passes.operations import CountRules, dense_operations

        g = self.flatten()
        shapes = g.infer_shapes()
        by_type: dict[str, int] = {}
        n_params = n_neurons = 0
        for name, node in g.nodes.items():
            by_type[node.type_name] = by_type.get(node.type_name, 0) + 1
            if isinstance(node, SparseLinear):
                n_params += node.nnz
                continue
            n_params += int(sum(a.size for k, a in node.arrays().items() if k not in ("indices", "indptr")))
            if node.neuron:
                n_neurons += int(np.prod(shapes[name][1]))
        n_synapses = dense_operations(g, CountRules(fold=False, node_types=node_types(weighted=True)), shapes)
        return {"nodes": len(g.nodes), "edges": len(g.edges), "node_types": by_type, "parameters": n_params,
                "neurons": n_neurons, "synapses": n_synapses}


def _strongly_connected(names: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Tarjan's algorithm, iterative: node name -> component id."""
    succ: dict[str, list[str]] = {n: [] for n in names}
    for a, b in edges:
        succ[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    n_components = 0
    for root in names:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            recurse = False
            for j in range(i, len(succ[v])):
                w = succ[v][j]
                if w not in index:
                    work.append((v, j + 1))
                    work.append((w, 0))
                    recurse = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                cid = n_components
                n_components += 1
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = cid
                    if w == v:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return comp
