"""Read and write ``.nir`` files (NIR's HDF5 layout) without losing neurokit's extensions.

Layout (NIR 1.0): ``/version`` and ``/node``, a ``NIRGraph`` group with ``nodes/<name>/…``,
``edges`` (n, 2) strings and optional ``metadata``. neurokit adds, losslessly:

* ``node/metadata/neurokit_profile/{dt, integration, reset, spike_rule, numeric, synapse_latency}``;
* ``nodes/<name>/metadata/neurokit_<field>`` for a node's ``extension_fields`` (``t_refrac`` of
  spiking neurons with a refractory period);
* ``nodes/<name>/metadata/neurokit_type`` where a node is written as a NIR stand-in that computes
  the same (``Identity`` as a ``Flatten`` or ``Scale``);
* node type ``SparseLinear`` (CSR, rows = presynaptic) — only in neurokit files; ``plain=True``
  densifies it (with a size guard) so any NIR reader can load the file.

Each node class writes and reads its own datasets (``to_dict``/``from_dict``, found by type name
in :data:`~neurokit.ir.nodes.NODE_TYPES`); this module adds the graph, the metadata and the
checks. The HDF5 side is :mod:`neurokit.ir.hdf5`.

Files read from other tools get clear errors for every malformation (not HDF5, truncated,
missing datasets, wrong types), and a warning naming the profile defaults when the file
carries no profile.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py
import nir
import numpy as np

from neurokit import __version__
from neurokit.errors import DataNotFoundError, FileFormatError, GraphError, InvalidInputError
from neurokit.util import budget
from neurokit.util.atomic import atomic_path
from neurokit.util.warn import warn_user

from . import extensions as X
from . import nodes as N
from .nodes import NODE_TYPES
from .nodes.base import OLD_LAYOUT_FIX, as_str as _as_str, dataset as _get
from .graph import Graph
from .hdf5 import check_declared_sizes, read_tree, write_group
from .producers import interpret
from .producers.base import SCALAR_PARAMETERS_KEY
from .profile import PLAIN_NIR_DEFAULTS, Profile, warn_defaults

NIR_FORMAT_VERSION = "1.0.8"
#: Default cap on the arrays a ``.nir`` file may declare (checked before reading them).
MAX_FILE_BYTES = budget.DEFAULT_MAX_BYTES


class NIRCompatWarning(UserWarning):
    """A file from another tool needed a repair (e.g. an inconsistent Output shape)."""


# ---------------------------------------------------------------------------- node <-> dict
def node_to_dict(node: N.Node, *, plain: bool = False, max_dense: int = 50_000_000,
                 in_shape: tuple[int, ...] | None = None) -> dict[str, Any]:
    """NIR-layout dict of one node: its own :meth:`~neurokit.ir.nodes.Node.to_dict` plus the
    metadata (``plain`` drops neurokit extensions; ``in_shape`` is the inferred input)."""
    meta = dict(node.metadata)
    if isinstance(node, Graph):
        for name, sub in node.nodes.items():  # the first neurokit extension, by name (neurokit.ir.extensions)
            if plain and isinstance(sub, X.Extension):
                raise X.refuse_plain(name, sub)
        shapes = node.infer_shapes()
        d: dict[str, Any] = {
            "type": "NIRGraph",
            "nodes": {k: node_to_dict(v, plain=plain, max_dense=max_dense, in_shape=shapes.get(k, (None,))[0])
                      for k, v in node.nodes.items()},
            "edges": np.array(node.edges, dtype=object).reshape(-1, 2),
        }
        for name, sub_dict in d["nodes"].items():  # a registered type NIR 1.0 lacks (e.g. BetaLIF)
            if plain and not isinstance(getattr(nir, sub_dict["type"], None), type):
                raise GraphError(f"{node.nodes[name].type_name} is not a NIR 1.0 type: plain NIR cannot state it",
                                 where=f"node {name!r}", fix="keep the neurokit file format (write without plain=True)")
        if not plain:
            meta["neurokit_profile"] = node.profile.to_dict()
            meta["neurokit_version"] = __version__
    else:
        d = node.to_dict(plain=plain, max_dense=max_dense, in_shape=in_shape)
        if not plain:
            if d["type"] != node.type_name:  # a NIR stand-in: record the real type
                meta["neurokit_type"] = node.type_name
            for f in type(node).extension_fields:
                value = getattr(node, f)
                if value is not None and np.any(value != 0):
                    meta[f"neurokit_{f}"] = value
    if meta and not (plain and all(k.startswith("neurokit_") for k in meta)):
        d["metadata"] = {k: v for k, v in meta.items() if not (plain and k.startswith("neurokit_"))}
    return d


def dict_to_node(d: dict[str, Any], *, where: str = "node", profile: Profile | None = None) -> N.Node:
    """Build an IR node from a NIR-layout dict (as read from HDF5 or ``nir``'s ``to_dict``): the
    registered class of its type (:data:`~neurokit.ir.nodes.NODE_TYPES`) reads its datasets."""
    if not isinstance(d, dict) or "type" not in d:
        raise FileFormatError("missing 'type' dataset", where=where, fix="this is not a NIR node group")
    type_name = _as_str(d["type"])
    meta = d.get("metadata", {})
    meta = dict(meta) if isinstance(meta, dict) else {}
    try:
        if type_name == "NIRGraph":
            return _graph_from_dict(d, meta, where=where, profile=profile)
        type_name = _as_str(meta.pop("neurokit_type", type_name))
        if type_name not in NODE_TYPES:
            raise FileFormatError(f"unknown node type {type_name!r}", where=where,
                                  fix=f"neurokit reads NIR 1.0 types: {sorted(NODE_TYPES)}")
        cls = NODE_TYPES[type_name]
        extensions = {f: meta.pop(f"neurokit_{f}") for f in cls.extension_fields if f"neurokit_{f}" in meta}
        return cls.from_dict({**d, **extensions}, where=where, metadata=meta)
    except FileFormatError:
        raise
    except InvalidInputError as exc:  # GraphError of a node, ConfigError of the profile
        raise FileFormatError(exc.problem, where=f"{where} ({type_name})", fix=exc.fix) from None
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        raise FileFormatError(f"malformed {type_name} node: {exc}", where=where,
                              fix="re-export the model; a dataset has the wrong type or shape") from None


def _graph_from_dict(d: dict[str, Any], meta: dict[str, Any], *, where: str, profile: Profile | None) -> Graph:
    type_name = "NIRGraph"
    nodes_d = _get(d, "nodes", where, type_name)
    if not isinstance(nodes_d, dict):
        raise FileFormatError("'nodes' must be a group", where=where, fix="re-export the model")
    edges_raw = _get(d, "edges", where, type_name)
    edges_arr = np.asarray(edges_raw)
    if edges_arr.size == 0:
        edges: list[tuple[str, str]] = []
    elif edges_arr.ndim != 2 or edges_arr.shape[1] != 2:
        raise FileFormatError(f"'edges' must be an (n, 2) array of names, got shape {edges_arr.shape}",
                              where=where, fix="re-export the model")
    else:
        edges = [(_as_str(a), _as_str(b)) for a, b in edges_arr]
    prof_meta = meta.pop("neurokit_profile", None)
    meta.pop("neurokit_version", None)
    if prof_meta is not None and not isinstance(prof_meta, dict):
        raise FileFormatError("metadata 'neurokit_profile' must be a group of profile fields", where=where,
                              fix="re-write the file with neurokit.ir.write, or delete the broken profile")
    if profile is None and isinstance(prof_meta, dict):
        for k, v in prof_meta.items():
            if np.ndim(v) > 0 or isinstance(v, dict):
                raise FileFormatError(f"profile field {k!r} must be one value, got {np.shape(v) or 'a group'}",
                                      where=where, fix="re-write the file with neurokit.ir.write")
        profile = Profile.from_dict({k: _scalar(v) for k, v in prof_meta.items()}, source=where)
    sub = {k: dict_to_node(v, where=f"{where}/nodes/{k}", profile=profile or PLAIN_NIR_DEFAULTS)
           for k, v in nodes_d.items()}
    return Graph(nodes=sub, edges=tuple(edges), profile=profile or PLAIN_NIR_DEFAULTS, metadata=meta)


def broadcast_scalar_neurons(d: dict[str, Any]) -> None:
    """Give each neuron its own value where an exporter wrote one scalar per population (Norse's
    defaults are 0-d tensors): the size is the row count of the Linear/Affine feeding the node.
    Works in place on a NIR-layout graph dict (from HDF5 or ``nir``'s ``to_dict``); the graph's
    metadata then records ``SCALAR_PARAMETERS_KEY: True`` (what the file held, for producer detection)."""
    if _broadcast_scalars(d):
        meta = d.get("metadata")
        d["metadata"] = {**(meta if isinstance(meta, dict) else {}), SCALAR_PARAMETERS_KEY: True}


def _broadcast_scalars(d: dict[str, Any]) -> bool:
    changed = False
    nodes = d.get("nodes", {})
    if not isinstance(nodes, dict):
        return False
    raw_edges = np.asarray(d.get("edges", []), dtype=object)
    if raw_edges.size % 2:
        return False  # malformed edges: dict_to_node reports them
    edges = [(_as_str(a), _as_str(b)) for a, b in raw_edges.reshape(-1, 2)]
    for name, nd in nodes.items():
        if not isinstance(nd, dict):
            continue
        if _as_str(nd.get("type", "")) == "NIRGraph":
            changed = _broadcast_scalars(nd) or changed
            continue
        cls = NODE_TYPES.get(_as_str(nd.get("type", "")))
        if cls is None or not cls.neuron:
            continue
        arrays = {k: v for k, v in nd.items()
                  if isinstance(v, (np.ndarray, np.generic, float, int)) and k not in ("type", "metadata")}
        if not arrays or any(np.ndim(v) > 0 for v in arrays.values()):
            continue
        sizes = [np.shape(nodes[a]["weight"])[0] for a, b in edges if b == name and isinstance(nodes.get(a), dict)
                 and "weight" in nodes[a] and np.ndim(nodes[a]["weight"]) == 2]
        if not sizes:
            raise FileFormatError(f"neuron {name!r} has scalar parameters and no Linear/Affine before it",
                                  fix="give the exporter per-neuron parameter arrays")
        for k, v in arrays.items():
            nd[k] = np.full((sizes[0],), v, dtype=np.asarray(v).dtype)
        changed = True
    return changed


def _scalar(v: Any) -> Any:
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode()
    if isinstance(v, np.generic):
        return v.item()
    return v


def read(path: str | os.PathLike[str] | io.BytesIO, *, producer: str | None = None,
         profile: Profile | Mapping[str, Any] | None = None, validate: bool = True,
         max_bytes: int | None = None) -> Graph:
    """Read a ``.nir`` file into a :class:`Graph` with the meaning its producer gave it.

    ``producer`` names the exporting library (``neurokit.ir.producers.PRODUCERS``: its profile and
    parameter conventions are applied); without it a profile stored in the file is used, else the
    producer is recognised from the file's contents, else the plain-NIR defaults
    (:data:`~neurokit.ir.profile.PLAIN_NIR_DEFAULTS`) — each assumption is stated in one warning.
    ``profile`` is a whole :class:`Profile` that replaces the choice, or a mapping of profile fields
    overriding it. Raises :class:`~neurokit.errors.FileFormatError` for anything malformed, in one
    line that names the file and the node; files declaring more than ``max_bytes`` of arrays are
    refused before anything is read (default: the ``NEUROKIT_MAX_BYTES`` budget,
    :mod:`neurokit.util.budget`), and so are external and soft links.
    """
    where = str(path) if not isinstance(path, io.BytesIO) else "<memory>"
    if not isinstance(path, io.BytesIO):
        p = Path(path)
        if not p.exists():
            raise DataNotFoundError(f"no such file {str(p)!r}", fix="check the path")
        if p.is_dir():
            raise InvalidInputError(f"{str(p)!r} is a directory, not a .nir file", fix="name the .nir file")
    limit = max_bytes if max_bytes is not None else budget.max_bytes()
    try:
        with h5py.File(path, "r") as f:
            if "node" not in f and "nodes" in f and "edges" in f:
                raise FileFormatError("NIR 0.0.x layout (top-level '/nodes' numbered and '/edges', no '/node' "
                                      "graph): the file predates NIR 0.1", where=where, fix=OLD_LAYOUT_FIX)
            if "node" not in f or not isinstance(f["node"], h5py.Group):
                raise FileFormatError("no '/node' group: not a NIR file", where=where,
                                      fix="write the model with nir.write or neurokit.ir.write")
            d = read_tree(check_declared_sizes(f["node"], limit, where), "/node")
    except FileFormatError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise FileFormatError(f"not a readable HDF5 file ({str(exc).splitlines()[0]})", where=where,
                              fix="the file is truncated, corrupted or not a .nir file; re-export it") from None
    if _as_str(d.get("type", "")) != "NIRGraph":
        raise FileFormatError(f"top node has type {_as_str(d.get('type', '<none>'))!r}, expected 'NIRGraph'",
                              where=where, fix="write a graph, not a single node")
    has_profile = isinstance(d.get("metadata"), dict) and "neurokit_profile" in d["metadata"]
    broadcast_scalar_neurons(d)
    graph = dict_to_node(d, where=where, profile=profile if isinstance(profile, Profile) else None)
    if not isinstance(graph, Graph):  # pragma: no cover - type checked above
        raise FileFormatError("top node is not a graph", where=where, fix="write a graph")
    try:  # detection and repairs look at the graph before validation: name the file in their errors too
        graph = repair_port_shapes(graph, where)
        graph = interpret(graph, where, profile_in_file=has_profile, producer=producer, profile=profile)
        if validate:
            graph.validate()
    except GraphError as exc:
        raise FileFormatError(exc.problem if not exc.where else f"{exc.where}: {exc.problem}",
                              where=where, fix=exc.fix) from None
    return graph


def repair_port_shapes(graph: Graph, where: str) -> Graph:
    """Fix ports that other exporters get wrong, with a warning: an Input whose shape includes
    the batch dimension (nirtorch traces with a batched sample), an Output whose shape has the
    right size but the wrong layout (Rockpool)."""
    try:
        graph.infer_shapes()
        return graph
    except GraphError:
        pass
    fixed = graph
    for name, node in graph.inputs.items():
        succ = [s for s in graph.successors(name) if s in graph.nodes]  # unknown ones: validate() names them
        expected = {graph.nodes[s].expected_input_shape() for s in succ}
        if len(expected) == 1 and None not in expected:
            want = expected.pop()
            if want != node.shape and len(node.shape) == len(want) + 1 and node.shape[1:] == want:
                warn_user(f"{where}: Input {name!r} declares shape {node.shape}, which includes a batch "
                          f"dimension; using {want}", NIRCompatWarning)
                fixed = fixed.replace_node(name, N.Input(shape=want, metadata=dict(node.metadata)))
    graph = fixed
    for name, node in graph.outputs.items():
        preds = graph.predecessors(name)
        if len(preds) != 1:
            continue
        sub = Graph(nodes={k: v for k, v in graph.nodes.items() if k not in graph.outputs},
                    edges=tuple(e for e in graph.edges if e[1] not in graph.outputs), profile=graph.profile)
        try:
            shapes = sub.infer_shapes()
        except GraphError:
            return graph
        actual = shapes.get(preds[0], (None, None))[1]
        if actual is not None and actual != node.shape and (
                int(np.prod(actual)) == int(np.prod(node.shape)) or tuple(node.shape[1:]) == tuple(actual)):
            warn_user(f"{where}: Output {name!r} declares shape {node.shape} but receives {actual}; "
                      f"using {actual} (a known quirk of some exporters)", NIRCompatWarning)
            fixed = fixed.replace_node(name, N.Output(shape=actual, metadata=dict(node.metadata)))
    return fixed


def write(graph: Graph, path: str | os.PathLike[str] | io.BytesIO, *, plain: bool = False,
          max_dense: int = 50_000_000) -> None:
    """Write ``graph`` as a ``.nir`` file, atomically (temp file + rename).

    ``plain=True`` writes only what plain NIR can express (no profile, sparse weights densified
    up to ``max_dense`` elements); the default keeps everything and is still readable by
    ``nir.read`` unless the graph has ``SparseLinear`` nodes.
    """
    graph.validate()
    d = node_to_dict(graph, plain=plain, max_dense=max_dense)

    def _dump(target: Any) -> None:
        with h5py.File(target, "w") as f:
            f.create_dataset("version", data=NIR_FORMAT_VERSION, dtype=h5py.string_dtype())
            write_group(f.create_group("node", track_order=True), d)

    if isinstance(path, io.BytesIO):
        _dump(path)
        return
    with atomic_path(path, suffix=".nir") as tmp:
        _dump(tmp)
