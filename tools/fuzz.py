"""Fuzz neurokit with structurally mutated graphs, simulate inputs and train configs.

Every case is reproducible from ``(kind, mutation, seed)``. A case is run by :func:`run_case`
(read + count + simulate a ``.nir`` file; simulate a model on an input file; validate a train
config and a target spec) and classified as

* ``result`` — it worked, and the mutation may be valid;
* ``error`` — one line from :mod:`neurokit.errors` (``problem — fix: …``);
* ``traceback`` — any other exception, or a neurokit error that is not one line with a fix;
* ``hang`` — no answer within the per-case time limit (the worker's process group is killed);
* ``memory`` — ``MemoryError`` under the address-space limit, or the worker killed by a signal;
* ``silent`` — it worked although the mutation is invalid (it had to be refused).

``python tools/fuzz.py --cases 1000 --out tools/bench/results/fuzz.json`` runs the cases in one
worker process at a time (niced, single-threaded), each under ``--timeout`` seconds and an
``RLIMIT_AS`` of ``--memory-gib``; a worker that hangs or dies is replaced. The last printed line
is one JSON object with the counts. The CI test (``tests/unit/test_fuzz.py``) runs a bounded
number of cases in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUTCOMES = ("result", "error", "traceback", "hang", "memory", "silent")
BAD = ("traceback", "hang", "memory", "silent")
#: The allocation budget the fuzzed code runs under (``NEUROKIT_MAX_BYTES``): 1 GiB.
FUZZ_BUDGET_BYTES = 2**30


class SilentlyWrong(Exception):
    """Raised by the judge when a run returned a result that is visibly wrong (NaN recordings)."""


# ============================================================================ base material
def _lif(n: int, **kw: Any) -> Any:
    from neurokit import ir

    return ir.LIF(tau=np.full(n, 0.01), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 0.5), **kw)


def base_graph() -> Any:
    """A small graph with every kind of part a mutation can hit: conv, pool, flatten, a nested
    graph, sparse synapses with delays, a recurrent loop through a Delay, a CubaLIF, a profile."""
    from neurokit import ir

    sub = ir.Graph.sequential(ir.Linear(weight=np.full((3, 4), 0.4)), _lif(3), names=["lin", "lif"])
    nodes = {"input": ir.Input(shape=(1, 4, 4)),
             "conv": ir.Conv2d(weight=np.full((2, 1, 3, 3), 0.3), bias=np.zeros(2), padding=1),
             "pool": ir.SumPool2d(kernel_size=2, stride=2), "flat": ir.Flatten(),
             "aff": ir.Affine(weight=np.full((4, 8), 0.2), bias=np.zeros(4)), "sub": sub,
             "sp": ir.SparseLinear(n_pre=3, n_post=3, indptr=np.array([0, 1, 2, 3]), indices=np.array([0, 1, 2]),
                                   weight=np.ones(3), delay=np.full(3, 2e-3)),
             "cuba": ir.CubaLIF(tau_syn=np.full(3, 0.01), tau_mem=np.full(3, 0.02), r=np.ones(3), v_leak=np.zeros(3),
                                v_threshold=np.full(3, 0.3)),
             "d": ir.Delay(delay=np.full(3, 1e-3)), "rec": ir.Linear(weight=np.eye(3) * 0.1),
             "output": ir.Output(shape=(3,))}
    edges = (("input", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "aff"), ("aff", "sub"), ("sub", "sp"),
             ("sp", "cuba"), ("cuba", "d"), ("d", "rec"), ("rec", "cuba"), ("cuba", "output"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3))


def base_dict() -> dict[str, Any]:
    """The base graph as a NIR-layout dict (what ``.nir`` files hold), for structural mutations."""
    from neurokit.ir.serialize import node_to_dict

    return node_to_dict(base_graph())


def write_raw(path: Path | io.BytesIO, d: dict[str, Any]) -> None:
    """Write a NIR-layout dict as HDF5 verbatim (no validation: strings as strings, arrays with
    their dtype, dicts as groups)."""
    import h5py

    def rec(group: Any, node: dict[str, Any]) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                rec(group.create_group(str(k)), v)
            elif isinstance(v, str):
                group.create_dataset(k, data=v, dtype=h5py.string_dtype())
            elif isinstance(v, np.ndarray) and v.dtype == object:
                group.create_dataset(k, data=v.astype(str).astype(object), dtype=h5py.string_dtype())
            else:
                group.create_dataset(k, data=v)

    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.8", dtype=h5py.string_dtype())
        rec(f.create_group("node"), d)


def _edges(d: dict[str, Any]) -> list[list[str]]:
    return [[str(a), str(b)] for a, b in np.asarray(d["edges"], dtype=object).reshape(-1, 2)]


def _set_edges(d: dict[str, Any], edges: list[list[str]]) -> None:
    d["edges"] = np.array(edges, dtype=object).reshape(-1, 2)


def _profile(d: dict[str, Any]) -> dict[str, Any]:
    return d["metadata"]["neurokit_profile"]


# ============================================================================ .nir mutations
# Each takes (dict, rng) and edits the dict in place; "error" mutations must be refused,
# "either" ones may be valid (random damage), "result" ones are valid.
def m_identity(d: dict[str, Any], rng: np.random.Generator) -> None:
    pass


def m_inf_shape(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["input"]["shape"] = np.array([1.0, np.inf, 4.0])


def m_float_shape(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["output"]["shape"] = np.array([3.5])


def m_inf_latency(d: dict[str, Any], rng: np.random.Generator) -> None:
    _profile(d)["synapse_latency"] = np.float64(np.inf)


def m_float_latency(d: dict[str, Any], rng: np.random.Generator) -> None:
    _profile(d)["synapse_latency"] = np.float64(2.5)


def m_huge_latency(d: dict[str, Any], rng: np.random.Generator) -> None:
    _profile(d)["synapse_latency"] = np.int64(10 ** int(rng.integers(8, 13)))


def m_float_flatten(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["flat"]["end_dim"] = np.float64(2.5)


def m_inf_flatten(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["flat"]["start_dim"] = np.float64(np.inf)


def m_complex_param(d: dict[str, Any], rng: np.random.Generator) -> None:
    key = str(rng.choice(["tau_mem", "tau_syn", "v_threshold", "r"]))
    d["nodes"]["cuba"][key] = d["nodes"]["cuba"][key].astype(np.complex128) + 1j


def m_complex_weight(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["aff"]["weight"] = d["nodes"]["aff"]["weight"] + 0.5j


def m_huge_delay(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["d"]["delay"] = np.full(3, 10.0 ** float(rng.choice([7, 12, 20, 300])))


def m_huge_sparse_delay(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["sp"]["delay"] = np.full(3, 10.0 ** float(rng.choice([6, 9, 20])))


def m_huge_weight(d: dict[str, Any], rng: np.random.Generator) -> None:
    key = str(rng.choice(["aff", "rec"]))
    d["nodes"][key]["weight"] = np.full_like(d["nodes"][key]["weight"], float(rng.choice([1e308, -1e308, 1e200])))


def m_nan_param(d: dict[str, Any], rng: np.random.Generator) -> None:
    key = str(rng.choice(["tau_mem", "v_threshold", "v_leak"]))
    d["nodes"]["cuba"][key] = np.array([np.nan, 1.0, 1.0])


def m_negative_tau(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["cuba"]["tau_mem"] = -np.abs(d["nodes"]["cuba"]["tau_mem"])


def m_dangling_source(d: dict[str, Any], rng: np.random.Generator) -> None:
    _set_edges(d, [*_edges(d), ["ghost", str(rng.choice(["cuba", "aff", "output"]))]])


def m_dangling_target(d: dict[str, Any], rng: np.random.Generator) -> None:
    _set_edges(d, [*_edges(d), [str(rng.choice(["input", "cuba", "aff"])), "ghost"]])


def m_input_to_missing(d: dict[str, Any], rng: np.random.Generator) -> None:
    edges = _edges(d)
    edges[0] = ["input", "missing"]
    _set_edges(d, edges)


def m_duplicate_edge(d: dict[str, Any], rng: np.random.Generator) -> None:
    edges = _edges(d)
    _set_edges(d, [*edges, edges[int(rng.integers(len(edges)))]])


def m_drop_edge(d: dict[str, Any], rng: np.random.Generator) -> None:
    edges = _edges(d)
    del edges[int(rng.integers(len(edges)))]
    _set_edges(d, edges)


def m_self_loop_stateless(d: dict[str, Any], rng: np.random.Generator) -> None:
    _set_edges(d, [*_edges(d), ["aff", "aff"]])


def m_name_clash(d: dict[str, Any], rng: np.random.Generator) -> None:
    """A top-level node named ``sub.lin`` next to the nested graph ``sub`` holding ``lin``."""
    d["nodes"]["sub.lin"] = {"type": "Linear", "weight": np.full((3, 3), 0.1)}
    edges = [e for e in _edges(d) if e != ["sub", "sp"]]
    _set_edges(d, [*edges, ["sub", "sub.lin"], ["sub.lin", "sp"]])


def m_swap_types(d: dict[str, Any], rng: np.random.Generator) -> None:
    a, b = rng.choice([k for k in d["nodes"] if k != "sub"], size=2, replace=False)
    d["nodes"][a]["type"], d["nodes"][b]["type"] = d["nodes"][b]["type"], d["nodes"][a]["type"]


def m_unknown_type(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"][str(rng.choice(["cuba", "aff", "conv"]))]["type"] = str(rng.choice(["Izhikevich", "", "NIRGraph"]))


def m_delete_field(d: dict[str, Any], rng: np.random.Generator) -> None:
    node = d["nodes"][str(rng.choice(["cuba", "aff", "conv", "sp", "d", "pool"]))]
    keys = [k for k in node if k not in ("type", "metadata")]
    del node[str(rng.choice(keys))]


def m_wrong_type_field(d: dict[str, Any], rng: np.random.Generator) -> None:
    node = d["nodes"][str(rng.choice(["cuba", "aff", "conv", "sp", "d", "pool", "flat"]))]
    keys = [k for k in node if k not in ("type", "metadata")]
    values: list[Any] = ["text", np.array([b"a", b"b"]), np.zeros((2, 3, 4, 5, 6)), np.array([]), np.bool_(True),
                         np.int64(-3), np.array([[1, 2], [3, 4]]), np.float64(1e300)]
    node[str(rng.choice(keys))] = values[int(rng.integers(len(values)))]


def m_bad_edges_shape(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["edges"] = np.array(["input", "conv", "pool"], dtype=object)


def m_no_input(d: dict[str, Any], rng: np.random.Generator) -> None:
    del d["nodes"]["input"]
    _set_edges(d, [e for e in _edges(d) if "input" not in e])


def m_profile_garbage(d: dict[str, Any], rng: np.random.Generator) -> None:
    key, value = [("dt", np.float64(-1.0)), ("dt", np.float64(np.nan)), ("dt", np.float64(0.0)),
                  ("reset", "hard"), ("integration", "rk4"), ("numeric", "float16"), ("spike_rule", "<"),
                  ("v_min", np.float64(np.nan)), ("multi_spike", "yes"), ("reset_timing", "later"),
                  ("synapse_latency", np.int64(-2)), ("dt", "fast")][int(rng.integers(12))]
    _profile(d)[key] = value


def m_huge_shape(d: dict[str, Any], rng: np.random.Generator) -> None:
    n = int(10 ** rng.integers(5, 10))
    d["nodes"] = {"input": {"type": "Input", "shape": np.array([n])}, "lif": {"type": "LIF",
                  **{k: np.full(1, v) for k, v in (("tau", 0.01), ("r", 1.0), ("v_leak", 0.0), ("v_threshold", 1.0))}},
                  "output": {"type": "Output", "shape": np.array([n])}}
    d["nodes"]["lif"] = {"type": "Scale", "scale": np.ones(1)}
    _set_edges(d, [["input", "lif"], ["lif", "output"]])


def m_huge_pool(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["input"]["shape"] = np.array([1, 2**16, 2**16])


def m_negative_shape(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["input"]["shape"] = np.array([1, -4, 4])


def m_huge_conv_stride(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["conv"][str(rng.choice(["stride", "dilation", "padding"]))] = np.array([2**40, 2**40])


def m_bad_csr(d: dict[str, Any], rng: np.random.Generator) -> None:
    sp = d["nodes"]["sp"]
    choice = int(rng.integers(4))
    if choice == 0:
        sp["indices"] = np.array([0, 7, 2])
    elif choice == 1:
        sp["indptr"] = np.array([0, 3, 1, 3])
    elif choice == 2:
        sp["n_pre"] = np.int64(2**40)
    else:
        sp["indices"] = np.array([0, -1, 2])


def m_group_param(d: dict[str, Any], rng: np.random.Generator) -> None:
    d["nodes"]["cuba"]["tau_mem"] = {"x": np.ones(3)}


def m_nested_garbage(d: dict[str, Any], rng: np.random.Generator) -> None:
    sub = d["nodes"]["sub"]
    choice = int(rng.integers(3))
    if choice == 0:
        _set_edges(sub, [*_edges(sub), ["lin", "ghost"]])
    elif choice == 1:
        del sub["nodes"]["output"]
    else:
        sub["nodes"]["lif"]["tau"] = np.full(3, -1.0)


def m_long_name(d: dict[str, Any], rng: np.random.Generator) -> None:
    """Odd but legal names: unicode, spaces, HTML; valid files."""
    new = str(rng.choice(["<script>alert(1)</script>", "ünïcödé", "a b", "x" * 200, "$math$"]))
    d["nodes"][new] = d["nodes"].pop("pool")
    _set_edges(d, [[new if a == "pool" else a, new if b == "pool" else b] for a, b in _edges(d)])


NIR_MUTATIONS: dict[str, tuple[Callable[[dict[str, Any], np.random.Generator], None], str]] = {
    "identity": (m_identity, "result"), "inf_shape": (m_inf_shape, "error"), "float_shape": (m_float_shape, "error"),
    "inf_latency": (m_inf_latency, "error"), "float_latency": (m_float_latency, "error"),
    "huge_latency": (m_huge_latency, "error"), "float_flatten": (m_float_flatten, "error"),
    "inf_flatten": (m_inf_flatten, "error"), "complex_param": (m_complex_param, "error"),
    "complex_weight": (m_complex_weight, "error"), "huge_delay": (m_huge_delay, "error"),
    "huge_sparse_delay": (m_huge_sparse_delay, "error"), "huge_weight": (m_huge_weight, "error"),
    "nan_param": (m_nan_param, "error"), "negative_tau": (m_negative_tau, "error"),
    "dangling_source": (m_dangling_source, "error"), "dangling_target": (m_dangling_target, "error"),
    "input_to_missing": (m_input_to_missing, "error"), "duplicate_edge": (m_duplicate_edge, "error"),
    "drop_edge": (m_drop_edge, "either"), "stateless_self_loop": (m_self_loop_stateless, "error"),
    "name_clash": (m_name_clash, "error"), "swap_types": (m_swap_types, "either"),
    "unknown_type": (m_unknown_type, "error"), "delete_field": (m_delete_field, "either"),
    "wrong_type_field": (m_wrong_type_field, "either"), "bad_edges_shape": (m_bad_edges_shape, "error"),
    "no_input": (m_no_input, "error"), "profile_garbage": (m_profile_garbage, "error"),
    "huge_shape": (m_huge_shape, "error"), "huge_pool": (m_huge_pool, "error"),
    "negative_shape": (m_negative_shape, "error"), "huge_conv_stride": (m_huge_conv_stride, "either"),
    "bad_csr": (m_bad_csr, "error"), "group_param": (m_group_param, "error"),
    "nested_garbage": (m_nested_garbage, "error"), "odd_names": (m_long_name, "result"),
}


# ---------------------------------------------------------------------------- file-level mutations
def f_bitflip(path: Path, rng: np.random.Generator) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(int(rng.integers(1, 9))):
        i = int(rng.integers(len(data)))
        data[i] ^= 1 << int(rng.integers(8))
    path.write_bytes(bytes(data))


def f_truncate(path: Path, rng: np.random.Generator) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(rng.integers(0, len(data)))])


def f_external_link(path: Path, rng: np.random.Generator) -> None:
    import h5py

    other = path.with_name("other.h5")
    with h5py.File(other, "w") as f:
        f.create_dataset("w", data=np.full((4, 8), 7.0))
    with h5py.File(path, "a") as f:
        del f["node/nodes/aff/weight"]
        f["node/nodes/aff/weight"] = h5py.ExternalLink(str(other), "/w")


def f_soft_link(path: Path, rng: np.random.Generator) -> None:
    import h5py

    with h5py.File(path, "a") as f:
        del f["node/nodes/aff/weight"]
        f["node/nodes/aff/weight"] = h5py.SoftLink(str(rng.choice(["/nowhere", "/version", "/node/nodes/aff"])))


def f_huge_dataset(path: Path, rng: np.random.Generator) -> None:
    import h5py

    n = int(rng.choice([2**15, 2**18, 2**20]))
    with h5py.File(path, "a") as f:
        del f["node/nodes/aff/weight"]
        f["node/nodes/aff"].create_dataset("weight", shape=(n, n), dtype=np.float64, chunks=(1, 1024),
                                           compression="gzip")


def f_huge_string(path: Path, rng: np.random.Generator) -> None:
    import h5py

    with h5py.File(path, "a") as f:
        del f["node/edges"]
        f["node"].create_dataset("edges", shape=(2**26, 2), dtype=h5py.string_dtype(), chunks=(1024, 2),
                                 compression="gzip")


FILE_MUTATIONS: dict[str, tuple[Callable[[Path, np.random.Generator], None], str]] = {
    "bitflip": (f_bitflip, "either"), "truncate": (f_truncate, "either"),
    "external_link": (f_external_link, "error"), "soft_link": (f_soft_link, "error"),
    "huge_dataset": (f_huge_dataset, "error"), "huge_string_dataset": (f_huge_string, "error"),
}


def same_graph(a: Any, b: Any) -> bool:
    """Whether two graphs hold the same nodes, parameters, edges and profile."""
    fa, fb = a.flatten(), b.flatten()
    if fa.edges != fb.edges or fa.profile != fb.profile or set(fa.nodes) != set(fb.nodes):
        return False
    for name, node in fa.nodes.items():
        other = fb.nodes[name]
        xa, xb = node.arrays(), other.arrays()
        if type(node) is not type(other) or xa.keys() != xb.keys():
            return False
        if not all(np.array_equal(np.asarray(xa[k]), np.asarray(xb[k])) for k in xa):
            return False
    return True


def run_nir_case(mutation: str, seed: int, work: Path) -> None:
    """Write the mutated file, then read it, count it and simulate a few steps of it."""
    from neurokit import ir, sim

    rng = np.random.default_rng(seed)
    path = work / "model.nir"
    if mutation in NIR_MUTATIONS:
        d = base_dict()
        NIR_MUTATIONS[mutation][0](d, rng)
        write_raw(path, d)
    else:
        ir.write(base_graph(), path)
        FILE_MUTATIONS[mutation][0](path, rng)
    graph = ir.read(path)
    graph.stats()
    if mutation in ("bitflip", "identity") and not same_graph(graph, base_graph()):
        raise SilentlyWrong("a damaged file was read as a different graph without an error")
    shape = next(iter(graph.inputs.values())).shape
    x = (rng.random((6, 1, *shape)) < 0.4).astype(np.float64)
    rec = sim.simulate(graph, x, 6, record=("spikes",))
    for name, out in rec.outputs.items():
        if not np.all(np.isfinite(out)):  # the fuzz judge, not the code under test
            raise SilentlyWrong(f"output {name} holds NaN/inf and no error was raised")


# ============================================================================ simulate inputs
def _input_model(work: Path) -> Path:
    from neurokit import ir

    path = work / "inputs_model.nir"
    if not path.exists():
        g = ir.Graph.sequential(ir.Flatten(input_shape=(2, 4, 4)), ir.Linear(weight=np.full((5, 32), 0.3)), _lif(5),
                                names=["flat", "lin", "lif"])
        ir.write(g.replace_node("input", ir.Input(shape=(2, 4, 4))), path)
    return path


def _events(rng: np.random.Generator, n: int = 50) -> dict[str, np.ndarray]:
    return {"t": np.sort(rng.integers(0, 20_000, n)).astype(np.int64), "x": rng.integers(0, 4, n),
            "y": rng.integers(0, 4, n), "p": rng.integers(0, 2, n)}


def _dense(rng: np.random.Generator) -> np.ndarray:
    return (rng.random((10, 2, 2, 4, 4)) < 0.3).astype(np.float64)


INPUT_MUTATIONS: dict[str, tuple[Callable[[np.random.Generator], tuple[dict[str, Any], int | None, str]], str]] = {
    "dense_ok": (lambda r: ({"inputs": _dense(r)}, None, ".npz"), "result"),
    "events_ok": (lambda r: (_events(r), None, ".npz"), "result"),
    "events_h5_ok": (lambda r: (_events(r), 5, ".h5"), "result"),
    "negative_x": (lambda r: ({**_events(r), "x": -r.integers(1, 5, 50)}, None, ".npz"), "error"),
    "negative_y": (lambda r: ({**_events(r), "y": -r.integers(1, 5, 50)}, None, ".npz"), "error"),
    "x_out_of_sensor": (lambda r: ({**_events(r), "x": r.integers(4, 30000, 50)}, None, ".npz"), "error"),
    "negative_t": (lambda r: ({**_events(r), "t": -r.integers(1, 10**6, 50)}, None, ".npz"), "error"),
    "huge_t": (lambda r: ({**_events(r), "t": np.full(50, 10 ** int(r.integers(13, 18)))}, None, ".npz"), "error"),
    "huge_sample": (lambda r: ({**_events(r), "sample": np.full(50, 10 ** int(r.integers(8, 15)))}, None, ".npz"),
                    "error"),
    "negative_sample": (lambda r: ({**_events(r), "sample": np.full(50, -1)}, None, ".npz"), "error"),
    "bad_polarity": (lambda r: ({**_events(r), "p": r.integers(2, 9, 50)}, None, ".npz"), "error"),
    "float_t": (lambda r: ({**_events(r), "t": r.random(50) * 1e4}, None, ".npz"), "either"),
    "nan_t": (lambda r: ({**_events(r), "t": np.full(50, np.nan)}, None, ".npz"), "error"),
    "ragged_events": (lambda r: ({**_events(r), "x": np.zeros(3, np.int64)}, None, ".npz"), "error"),
    "steps_zero": (lambda r: ({"inputs": _dense(r)}, 0, ".npz"), "error"),
    "steps_negative": (lambda r: ({"inputs": _dense(r)}, -5, ".npz"), "error"),
    "steps_huge": (lambda r: ({"inputs": _dense(r)}, 10 ** int(r.integers(9, 13)), ".npz"), "error"),
    "dense_nan": (lambda r: ({"inputs": np.full((4, 1, 2, 4, 4), np.nan)}, None, ".npz"), "error"),
    "dense_wrong_shape": (lambda r: ({"inputs": np.ones((4, 1, 3, 3))}, None, ".npz"), "error"),
    "dense_strings": (lambda r: ({"inputs": np.array(["a", "b"])}, None, ".npz"), "error"),
    "dense_complex": (lambda r: ({"inputs": _dense(r) + 1j}, None, ".npz"), "error"),
    "dense_empty": (lambda r: ({"inputs": np.zeros((0, 1, 2, 4, 4))}, None, ".npz"), "error"),
    "dense_scalar": (lambda r: ({"inputs": np.float64(1.0)}, None, ".npy"), "error"),
    "no_fields": (lambda r: ({"other": np.ones(3)}, None, ".npz"), "error"),
    "garbage_file": (lambda r: ({"__raw__": r.bytes(200)}, None, ".npz"), "error"),
    "garbage_h5": (lambda r: ({"__raw__": r.bytes(200)}, None, ".h5"), "error"),
    "pickle_npy": (lambda r: ({"__pickle__": np.array([{"a": 1}], dtype=object)}, None, ".npy"), "error"),
}


def run_input_case(mutation: str, seed: int, work: Path) -> None:
    """Simulate the small input model on a mutated input file, through the API the CLI calls."""
    from neurokit import api

    rng = np.random.default_rng(seed)
    fields, steps, suffix = INPUT_MUTATIONS[mutation][0](rng)
    path = work / f"inputs{suffix}"
    if "__raw__" in fields:
        path.write_bytes(fields["__raw__"])
    elif "__pickle__" in fields:
        np.save(path, fields["__pickle__"], allow_pickle=True)
    elif suffix == ".npy":
        np.save(path, fields["inputs"])
    elif suffix == ".npz":
        np.savez(path, **fields)
    else:
        import h5py

        with h5py.File(path, "w") as f:
            for k, v in fields.items():
                f.create_dataset(k, data=v)
    api.simulate(_input_model(work), path, steps=steps, progress=False, out=work / "rec.h5")


# ============================================================================ train configs and targets
CONFIG_MUTATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "defaults": ({}, "result"), "small": ({"epochs": 2, "hidden": [32, 16], "lr": 1e-3}, "result"),
    "conv": ({"arch": "conv", "channels": [4]}, "result"), "sltt": ({"mode": "sltt", "sltt_chunk": 5}, "result"),
    "lr_nan": ({"lr": float("nan")}, "error"), "lr_negative": ({"lr": -1.0}, "error"), "lr_zero": ({"lr": 0.0}, "error"),
    "lr_text": ({"lr": "fast"}, "error"), "lr_inf": ({"lr": float("inf")}, "error"),
    "seed_negative": ({"seed": -1}, "error"), "seed_float": ({"seed": 1.5}, "error"),
    "seed_huge": ({"seed": 2**70}, "error"), "hidden_zero": ({"hidden": [0]}, "error"),
    "hidden_negative": ({"hidden": [-4]}, "error"), "hidden_float": ({"hidden": [1.5]}, "error"),
    "hidden_text": ({"hidden": ["a"]}, "error"), "hidden_empty": ({"hidden": []}, "error"),
    "hidden_huge": ({"hidden": [10**9]}, "error"), "threads_zero": ({"threads": 0}, "error"),
    "threads_float": ({"threads": 2.5}, "error"), "epochs_float": ({"epochs": 1.5}, "error"),
    "epochs_zero": ({"epochs": 0}, "error"), "epochs_bool": ({"epochs": True}, "error"),
    "epochs_text": ({"epochs": "ten"}, "error"), "surrogate_unknown": ({"surrogate": "nope"}, "error"),
    "surrogate_number": ({"surrogate": 3}, "error"), "batch_zero": ({"batch_size": 0}, "error"),
    "batch_negative": ({"batch_size": -64}, "error"), "dt_zero": ({"dt": 0.0}, "error"),
    "dt_negative": ({"dt": -0.01}, "error"), "dt_inf": ({"dt": float("inf")}, "error"),
    "tau_negative": ({"tau_mem": -0.02}, "error"), "tau_out_zero": ({"tau_out": 0.0}, "error"),
    "steps_zero": ({"steps": 0}, "error"), "steps_huge": ({"steps": 10**9}, "error"),
    "weight_decay_negative": ({"weight_decay": -1.0}, "error"), "rate_reg_nan": ({"rate_reg": float("nan")}, "error"),
    "max_delay_float": ({"max_delay": 1.5}, "error"), "max_delay_negative": ({"max_delay": -2}, "error"),
    "data_dir_number": ({"data_dir": 5}, "error"), "arch_number": ({"arch": 3}, "error"),
    "arch_unknown": ({"arch": "resnet"}, "error"), "mode_unknown": ({"mode": "eprop"}, "error"),
    "loss_unknown": ({"loss": "mse"}, "error"), "unknown_key": ({"learning_rate": 0.1}, "error"),
    "dataset_unknown": ({"dataset": "imagenet-22k"}, "error"), "dataset_number": ({"dataset": 7}, "error"),
    "surrogate_scale_nan": ({"surrogate_scale": float("nan")}, "error"),
    "channels_zero": ({"arch": "conv", "channels": [0]}, "error"), "sltt_chunk_float": ({"sltt_chunk": 2.5}, "error"),
    "hidden_scalar_text": ({"hidden": "256"}, "error"),
}

TARGET_MUTATIONS: dict[str, tuple[tuple[str, dict[str, Any], dict[str, Any]], str]] = {
    "crossbar_pcm": (("crossbar:pcm", {}, {}), "result"), "spinnaker": (("spinnaker", {}, {}), "result"),
    "loihi3": (("loihi3", {}, {}), "error"), "traversal": (("crossbar:../../x", {}, {}), "error"),
    "absolute_device": (("crossbar:/etc/passwd", {}, {}), "error"), "empty_device": (("crossbar:", {}, {}), "error"),
    "unknown_device": (("crossbar:unobtainium", {}, {}), "error"),
    "unknown_fault": (("crossbar:pcm", {"stuck_on_typo": 0.01}, {}), "error"),
    "fault_out_of_range": (("crossbar:pcm", {"stuck_on": 7.0}, {}), "error"),
    "unknown_option": (("crossbar:pcm", {}, {"warp_speed": True}), "error"),
    "negative_tile_rows": (("crossbar:pcm", {}, {"tile_rows": -1}), "error"),
}


def run_config_case(mutation: str, seed: int, work: Path) -> None:
    """Validate a train config as ``neurokit train`` does before any data loads."""
    from neurokit.train import TrainConfig

    TrainConfig.from_dict(dict(CONFIG_MUTATIONS[mutation][0]))


def run_target_case(mutation: str, seed: int, work: Path) -> None:
    """Resolve a target name and validate its faults and options as ``deploy``/``hil`` do."""
    from neurokit.hil.harness import check_target_names, validate_target_settings

    spec, faults, options = TARGET_MUTATIONS[mutation][0]
    check_target_names([spec])
    validate_target_settings([spec], {spec: faults} if faults else None, {spec: options} if options else None)


KINDS: dict[str, tuple[Callable[[str, int, Path], None], dict[str, str]]] = {
    "nir": (run_nir_case, {**{k: v[1] for k, v in NIR_MUTATIONS.items()}, **{k: v[1] for k, v in FILE_MUTATIONS.items()}}),
    "input": (run_input_case, {k: v[1] for k, v in INPUT_MUTATIONS.items()}),
    "config": (run_config_case, {k: v[1] for k, v in CONFIG_MUTATIONS.items()}),
    "target": (run_target_case, {k: v[1] for k, v in TARGET_MUTATIONS.items()}),
}
#: Share of the cases per kind.
SHARES = {"nir": 0.72, "input": 0.12, "config": 0.11, "target": 0.05}


@dataclass(frozen=True)
class Case:
    kind: str
    mutation: str
    seed: int

    @property
    def expect(self) -> str:
        return KINDS[self.kind][1][self.mutation]


def generate(n: int, seed: int = 0) -> list[Case]:
    """``n`` cases: each kind gets its share, its mutations in turn (every one covered), seeds
    drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    cases: list[Case] = []
    counts = {k: max(1, int(round(n * s))) for k, s in SHARES.items()}
    counts["nir"] += n - sum(counts.values())
    for kind, count in counts.items():
        names = sorted(KINDS[kind][1])
        for i in range(count):
            cases.append(Case(kind, names[i % len(names)], int(rng.integers(2**31))))
    order = rng.permutation(len(cases))
    return [cases[i] for i in order]


# ============================================================================ running and classifying
def run_case(case: Case, work: Path) -> dict[str, Any]:
    """Run one case in this process; returns ``{"outcome", "detail", "seconds"}``."""
    from neurokit.errors import NeurokitError

    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            KINDS[case.kind][0](case.mutation, case.seed, work)
        outcome, detail = ("silent" if case.expect == "error" else "result"), ""
    except SilentlyWrong as exc:
        outcome, detail = "silent", str(exc)
    except MemoryError as exc:
        outcome, detail = "memory", f"{type(exc).__name__}: {exc}"[:300]
    except NeurokitError as exc:
        text = str(exc)
        one_line = "\n" not in text and " — fix: " in text
        outcome, detail = ("error" if one_line else "traceback"), text[:300]
    except Exception as exc:  # noqa: BLE001 - that is what we count
        tb = traceback.extract_tb(exc.__traceback__)
        last = tb[-1] if tb else None
        where = f" at {Path(last.filename).name}:{last.lineno}" if last else ""
        outcome, detail = "traceback", f"{type(exc).__name__}: {exc}{where}"[:300]
    return {"outcome": outcome, "detail": detail, "seconds": round(time.perf_counter() - t0, 3)}


def _worker(memory_gib: float) -> None:
    """Read one case per line on stdin, answer one JSON line per case on stdout."""
    import resource

    limit = int(memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for line in sys.stdin:
        case = Case(**json.loads(line))
        with tempfile.TemporaryDirectory(prefix="neurokit-fuzz-") as tmp:
            result = run_case(case, Path(tmp))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


class _Worker:
    def __init__(self, memory_gib: float) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "NEUROKIT_MAX_BYTES": str(FUZZ_BUDGET_BYTES), "PYTHONWARNINGS": "ignore"}
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(memory_gib)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, cwd=ROOT, env=env, start_new_session=True,
                                     preexec_fn=lambda: os.nice(10))
        self.ask(Case("nir", "identity", 0), 600.0)  # warm-up (imports, Numba compilation): not a case

    def ask(self, case: Case, timeout_s: float) -> dict[str, Any] | None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(case.__dict__) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {}

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def run_cases(cases: list[Case], *, timeout_s: float = 60.0, memory_gib: float = 6.0,
              log: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Run every case in a worker process (replaced after a hang or a death)."""
    results = []
    worker: _Worker | None = None
    for i, case in enumerate(cases):
        worker = worker or _Worker(memory_gib)
        answer = worker.ask(case, timeout_s)
        if answer is None:
            worker.kill()
            worker = None
            answer = {"outcome": "hang", "detail": f"no answer within {timeout_s:.0f} s", "seconds": timeout_s}
        elif not answer:
            code = worker.proc.wait()
            worker = None
            answer = {"outcome": "memory", "detail": f"worker died (exit {code})", "seconds": None}
        results.append({**case.__dict__, "expect": case.expect, **answer})
        if log and answer["outcome"] in BAD:
            log(f"[{i + 1}/{len(cases)}] {case.kind}/{case.mutation} seed {case.seed}: {answer['outcome']}: "
                f"{answer['detail']}")
    if worker is not None:
        worker.kill()
    return results


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {k: sum(r["outcome"] == k for r in results) for k in OUTCOMES}
    by_kind = {kind: {k: sum(r["outcome"] == k for r in results if r["kind"] == kind) for k in OUTCOMES}
               for kind in KINDS}
    seconds = [r["seconds"] for r in results if isinstance(r.get("seconds"), (int, float))]
    return {"cases": len(results), "counts": counts, "by_kind": by_kind,
            "mutations": len({(r["kind"], r["mutation"]) for r in results}),
            "max_case_seconds": max(seconds) if seconds else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    p.add_argument("--memory-gib", type=float, default=6.0, help="address-space limit of the worker")
    p.add_argument("--out", type=Path, default=None, help="write the results JSON here")
    p.add_argument("--worker", type=float, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker is not None:
        _worker(args.worker)
        return 0
    t0 = time.time()
    cases = generate(args.cases, args.seed)
    results = run_cases(cases, timeout_s=args.timeout, memory_gib=args.memory_gib,
                        log=lambda s: print(s, file=sys.stderr, flush=True))
    summary = {**summarize(results), "seed": args.seed, "timeout_s": args.timeout, "memory_gib": args.memory_gib,
               "budget_bytes": FUZZ_BUDGET_BYTES, "wall_s": round(time.time() - t0, 1),
               "loadavg": os.getloadavg(), "note": "shared 2-core machine; worker niced and single-threaded"}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"summary": summary, "results": results}, indent=1) + "\n")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
