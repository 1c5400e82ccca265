"""A corpus of malformed .nir files: each gives one clear error (and exit code 2 in the CLI)."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurokit import ir
from neurokit.cli import main
from neurokit.errors import DataNotFoundError, FileFormatError, NeurokitError


def _good(path: Path) -> None:
    g = ir.Graph.sequential(ir.Linear(weight=np.eye(2)),
                            ir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)))
    ir.write(g, path)


def truncated(p: Path) -> None:
    _good(p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 3])


def not_hdf5(p: Path) -> None:
    p.write_text("this is not a NIR file\n")


def empty(p: Path) -> None:
    p.write_bytes(b"")


def no_node_group(p: Path) -> None:
    with h5py.File(p, "w") as f:
        f.create_dataset("version", data="1.0")


def missing_dataset(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/nodes/1_lif/tau"]


def wrong_type_string_weight(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/nodes/0_linear/weight"]
        f["node/nodes/0_linear"].create_dataset("weight", data="not numbers", dtype=h5py.string_dtype())


def unknown_node_type(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/nodes/1_lif/type"]
        f["node/nodes/1_lif"].create_dataset("type", data="Izhikevich", dtype=h5py.string_dtype())


def nan_weight(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        f["node/nodes/0_linear/weight"][0, 0] = np.nan


def negative_tau(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        f["node/nodes/1_lif/tau"][0] = -1.0


def shape_mismatch(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/nodes/0_linear/weight"]
        f["node/nodes/0_linear"].create_dataset("weight", data=np.ones((2, 5)))


def bad_edges(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/edges"]
        f["node"].create_dataset("edges", data=np.array(["a", "b", "c"], dtype=object), dtype=h5py.string_dtype())


def dangling_edge(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        edges = [[a.decode(), b.decode()] for a, b in f["node/edges"][()]] + [["1_lif", "ghost"]]
        del f["node/edges"]
        f["node"].create_dataset("edges", data=np.array(edges, dtype=object), dtype=h5py.string_dtype())


def bad_profile(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/metadata/neurokit_profile/reset"]
        f["node/metadata/neurokit_profile"].create_dataset("reset", data="hard", dtype=h5py.string_dtype())


# ------------------------------------------------------------------ files in older or hand-made layouts
def write_nir02(path: Path, graph: dict[str, Any], version: str = "0.2.0") -> None:
    """Write ``graph`` (a NIR-layout dict) the way ``nir`` 0.2's ``nir.write`` did (its
    ``write_recursive``, verbatim in behaviour): strings as variable-length strings, arrays with
    their dtype, dicts as groups, anything else (edge lists of name pairs) through h5py's own
    conversion; no metadata, no ``v_reset``."""

    def write_recursive(group: h5py.Group, node: dict[str, Any]) -> None:
        for k, v in node.items():
            if isinstance(v, str):
                group.create_dataset(k, data=v, dtype=h5py.string_dtype())
            elif isinstance(v, np.ndarray):
                group.create_dataset(k, data=v, dtype=v.dtype)
            elif isinstance(v, dict):
                write_recursive(group.create_group(str(k)), v)
            else:
                group.create_dataset(k, data=v)

    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=version)
        write_recursive(f.create_group("node"), graph)


def _lif02(n: int = 2) -> dict[str, Any]:
    return {"type": "LIF", "tau": np.full(n, 0.01), "r": np.ones(n), "v_leak": np.zeros(n), "v_threshold": np.ones(n)}


def _graph02(edges: list[tuple[str, str]], **extra: dict[str, Any]) -> dict[str, Any]:
    """A NIR 0.2 graph ``input -> linear -> lif -> output`` (2 neurons) plus ``extra`` nodes."""
    nodes = {"input": {"type": "Input", "shape": np.array([2])}, "linear": {"type": "Linear", "weight": np.eye(2)},
             "lif": _lif02(), "output": {"type": "Output", "shape": np.array([2])}, **extra}
    return {"type": "NIRGraph", "nodes": nodes, "edges": edges}


CHAIN = [("input", "linear"), ("linear", "lif"), ("lif", "output")]


def nir02_edge_to_missing_node(p: Path) -> None:
    write_nir02(p, _graph02([("input", "ghost"), ("linear", "lif"), ("lif", "output")]))


def edge_from_missing_node(p: Path) -> None:
    write_nir02(p, _graph02([("ghost", "linear"), *CHAIN]))


def nested_edge_to_missing_node(p: Path) -> None:
    sub = {"type": "NIRGraph", "nodes": {"in": {"type": "Input", "shape": np.array([2])}, "lif": _lif02(),
                                         "out": {"type": "Output", "shape": np.array([2])}},
           "edges": [("in", "ghost"), ("lif", "out")]}
    write_nir02(p, _graph02([("input", "linear"), ("linear", "sub"), ("sub", "lif"), ("lif", "output")], sub=sub))


def edges_three_columns(p: Path) -> None:
    write_nir02(p, _graph02([("input", "linear", "lif"), ("lif", "output", "x")]))


def edges_as_a_group(p: Path) -> None:
    graph = _graph02([])
    graph["edges"] = {"input": "linear"}
    write_nir02(p, graph)


def nir00_layout(p: Path) -> None:
    """nir 0.0.1-0.0.5: ``/nodes/<index>`` at the top (``Linear`` with ``weights``), integer ``/edges``."""
    with h5py.File(p, "w") as f:
        node = f.create_group("nodes").create_group("0")
        node.create_dataset("type", data="Linear", dtype=h5py.string_dtype())
        node.create_dataset("weights", data=np.eye(2))
        node.create_dataset("bias", data=np.zeros(2))
        f.create_dataset("edges", data=np.zeros((0, 2), np.int64))


def nir00_field_name(p: Path) -> None:
    lif = _lif02()
    lif["theta"] = lif.pop("v_threshold")
    write_nir02(p, _graph02(CHAIN, lif=lif))


def node_without_type(p: Path) -> None:
    lif = _lif02()
    del lif["type"]
    write_nir02(p, _graph02(CHAIN, lif=lif))


def input_without_shape(p: Path) -> None:
    write_nir02(p, _graph02(CHAIN, input={"type": "Input"}))


def stateless_cycle(p: Path) -> None:
    scale = {"type": "Scale", "scale": np.ones(2)}
    write_nir02(p, _graph02([("input", "linear"), ("linear", "scale"), ("scale", "linear"), ("scale", "lif"),
                             ("lif", "output")], scale=scale))


def duplicate_name(p: Path) -> None:
    """A top-level node named ``sub.lif`` and node ``lif`` of nested graph ``sub``: the same name once flattened."""
    sub = {"type": "NIRGraph", "nodes": {"in": {"type": "Input", "shape": np.array([2])}, "lif": _lif02(),
                                         "out": {"type": "Output", "shape": np.array([2])}},
           "edges": [("in", "lif"), ("lif", "out")]}
    write_nir02(p, _graph02([("input", "linear"), ("linear", "sub"), ("sub", "sub.lif"), ("sub.lif", "lif"),
                             ("lif", "output")], sub=sub, **{"sub.lif": _lif02()}))


def parameter_shapes_disagree(p: Path) -> None:
    lif = _lif02()
    lif["r"] = np.ones(3)
    write_nir02(p, _graph02(CHAIN, lif=lif))


def output_shape_disagrees(p: Path) -> None:
    write_nir02(p, _graph02(CHAIN, output={"type": "Output", "shape": np.array([5])}))


def huge_declared_dataset(p: Path) -> None:
    """A few-kB file whose weight declares 10^12 float64 (8 TB): chunked, compressed, never written."""
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/nodes/0_linear/weight"]
        f["node/nodes/0_linear"].create_dataset("weight", shape=(10**6, 10**6), dtype=np.float64, chunks=(1, 1024),
                                                compression="gzip")


def huge_declared_shape(p: Path) -> None:
    """Ports that declare 2^40 neurons (nothing is allocated for them, but nothing could run them)."""
    big = np.array([2**20, 2**20])
    write_nir02(p, {"type": "NIRGraph", "nodes": {"input": {"type": "Input", "shape": big},
                                                  "output": {"type": "Output", "shape": big}},
                    "edges": [("input", "output")]})


def profile_not_a_group(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/metadata/neurokit_profile"]
        f["node/metadata"].create_dataset("neurokit_profile", data="dt=1e-3", dtype=h5py.string_dtype())


def profile_field_array(p: Path) -> None:
    _good(p)
    with h5py.File(p, "a") as f:
        del f["node/metadata/neurokit_profile/dt"]
        f["node/metadata/neurokit_profile"].create_dataset("dt", data=np.ones((3, 4)))


CORPUS: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncated, "truncated, corrupted or not a .nir file"),
    "not_hdf5": (not_hdf5, "not a readable HDF5 file"),
    "empty": (empty, "not a readable HDF5 file"),
    "no_node_group": (no_node_group, "no '/node' group"),
    "missing_dataset": (missing_dataset, "LIF node lacks dataset 'tau'"),
    "wrong_type": (wrong_type_string_weight, "'weight' has non-numeric type"),
    "unknown_type": (unknown_node_type, "unknown node type 'Izhikevich'"),
    "nan_weight": (nan_weight, "'weight' has 1 NaN/inf"),
    "negative_tau": (negative_tau, "'tau' must be > 0"),
    "shape_mismatch": (shape_mismatch, "does not match the expected"),
    "bad_edges": (bad_edges, "'edges' must be an \\(n, 2\\) array"),
    "dangling_edge": (dangling_edge, "unknown target 'ghost'"),
    "bad_profile": (bad_profile, "reset must be one of"),
    "nir02_edge_to_missing_node": (nir02_edge_to_missing_node, r"edge \('input' -> 'ghost'\) has unknown target 'ghost'"),
    "edge_from_missing_node": (edge_from_missing_node, r"edge \('ghost' -> 'linear'\) has unknown source 'ghost'"),
    "nested_edge_to_missing_node": (nested_edge_to_missing_node,
                                    r"nested graph 'sub': edge \('in' -> 'ghost'\) has unknown target 'ghost'"),
    "edges_three_columns": (edges_three_columns, r"'edges' must be an \(n, 2\) array of names, got shape \(2, 3\)"),
    "edges_as_a_group": (edges_as_a_group, r"'edges' must be an \(n, 2\) array"),
    "nir00_layout": (nir00_layout, r"NIR 0\.0\.x layout .* predates NIR 0\.1 — fix: re-export the model with nir >= 1\.0"),
    "nir00_field_name": (nir00_field_name, r"lif: LIF node has 'theta', the NIR 0\.0\.x name of 'v_threshold'"),
    "node_without_type": (node_without_type, r"/nodes/lif: missing 'type' dataset"),
    "input_without_shape": (input_without_shape, r"/nodes/input: Input node lacks dataset 'shape'"),
    "stateless_cycle": (stateless_cycle, r"cycle without state through nodes \['linear', 'scale'\]"),
    "duplicate_name": (duplicate_name, r"node name 'sub\.lif' is used twice"),
    "parameter_shapes_disagree": (parameter_shapes_disagree, r"/nodes/lif \(LIF\): parameter shapes differ"),
    "output_shape_disagrees": (output_shape_disagrees,
                               r"node 'output' \(Output\): input shape \(2,\) does not match the expected \(5,\)"),
    "huge_declared_dataset": (huge_declared_dataset, r"declare 7450\.6 GiB, above the 16\.0 GiB limit \(largest: "
                                                     r"/node/nodes/0_linear/weight, shape \(1000000, 1000000\) float64\)"),
    "huge_declared_shape": (huge_declared_shape, r"node 'input' \(Input\) has 1099511627776 outputs"),
    "profile_not_a_group": (profile_not_a_group, "'neurokit_profile' must be a group"),
    "profile_field_array": (profile_field_array, r"profile field 'dt' must be one value, got \(3, 4\)"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_malformed_file_gives_clear_error(case: str, tmp_path: Path) -> None:
    make, message = CORPUS[case]
    path = tmp_path / f"{case}.nir"
    make(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ir.ProfileDefaultsWarning)  # plain NIR files carry no profile
        with pytest.raises(NeurokitError, match=message) as info:
            ir.read(path)
    text = str(info.value)
    assert text.startswith(f"{path}") and "fix:" in text and "\n" not in text


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_cli_prints_one_line_and_exits_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, _ = CORPUS[case]
    path = tmp_path / f"{case}.nir"
    make(path)
    code = main(["inspect", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("neurokit: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_file_exit_code_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(DataNotFoundError):
        ir.read(tmp_path / "nope.nir")
    assert main(["inspect", str(tmp_path / "nope.nir")]) == 4


def test_cli_subprocess_has_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.nir"
    truncated(path)
    proc = subprocess.run([sys.executable, "-m", "neurokit", "inspect", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0
    debug = subprocess.run([sys.executable, "-m", "neurokit", "--debug", "inspect", str(path)], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_file_format_error_is_value_error() -> None:
    assert issubclass(FileFormatError, ValueError)


def test_nir02_file_with_edge_to_missing_node_cli(tmp_path: Path) -> None:
    """The reported case: a NIR 0.2-era file whose edge names a missing node gave a KeyError
    traceback; ``neurokit inspect`` now prints one line naming the file, the edge and the fix."""
    path = tmp_path / "old.nir"
    nir02_edge_to_missing_node(path)
    proc = subprocess.run([sys.executable, "-m", "neurokit", "inspect", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "KeyError" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"neurokit: error: {path}: edge ('input' -> 'ghost') has unknown target 'ghost'")
    assert "fix: connect every node" in lines[0]


@pytest.mark.parametrize("names", [["input", "linear", "lif", "output"], ["0", "1", "2", "3"]])
def test_well_formed_old_layouts_still_read(names: list[str], tmp_path: Path) -> None:
    """Files as nir 0.2 wrote them (no metadata, no v_reset, edges as name pairs) and as nir
    0.0.6 wrote them (nodes named by index, integer edges) read, with the stated profile defaults."""
    path = tmp_path / "old.nir"
    graph = _graph02([])
    graph["nodes"] = dict(zip(names, graph["nodes"].values()))
    graph["edges"] = (list(zip(names[:-1], names[1:])) if names[0] == "input"
                      else np.array([[0, 1], [1, 2], [2, 3]], dtype=np.int64))
    write_nir02(path, graph, version="0.2.0" if names[0] == "input" else "0.0.6")
    with pytest.warns(ir.ProfileDefaultsWarning):
        g = ir.read(path)
    lif = g.nodes[names[2]]
    assert isinstance(lif, ir.LIF) and np.array_equal(lif.v_reset, np.zeros(2))
    assert g.infer_shapes()[names[3]] == ((2,), (2,))
    assert g.edges == tuple(zip(names[:-1], names[1:]))


# ------------------------------------------------------------------ random damage
def _damaged(rng_data: st.DataObject, source: bytes) -> bytes:
    """``source`` with 1-3 random edits: a dataset or group deleted, replaced by a value of another
    type or shape, or renamed (e.g. to an existing node's name)."""
    replacements: list[Any] = [
        "garbage", "Linear", "NIRGraph", "Conv2d", "SparseLinear", "Input", np.zeros(0), np.array([np.nan, 1.0]),
        np.ones((2, 3, 4, 5, 6)), np.int64(-3), np.float64(1e300), np.array([2**40, 3]), np.array([b"a", b"b"]),
        np.array([[b"input", b"ghost"]]), np.array([0, 1]), np.array(-1.0), np.array([[1, 2], [3, 4]]), np.bool_(True)]
    buf = io.BytesIO(source)
    with h5py.File(buf, "a") as f:
        for _ in range(rng_data.draw(st.integers(1, 3), label="edits")):
            items: list[str] = []
            f["node"].visit(items.append)
            target = "node/" + rng_data.draw(st.sampled_from(sorted(items)), label="target")
            parent, name = target.rsplit("/", 1)
            action = rng_data.draw(st.sampled_from(["delete", "replace", "rename"]), label="action")
            if action == "rename":
                dest = f"{parent}/{rng_data.draw(st.sampled_from(['ghost', 'input', 'output', 'lif', 'sub.lif']))}"
                if dest not in f:
                    f.move(target, dest)
                continue
            del f[target]
            if action == "replace":
                value = replacements[rng_data.draw(st.integers(0, len(replacements) - 1), label="value")]
                if isinstance(value, str) or (isinstance(value, np.ndarray) and value.dtype.kind == "S"):
                    f[parent].create_dataset(name, data=value, dtype=h5py.string_dtype())
                else:
                    f[parent].create_dataset(name, data=value)
    return buf.getvalue()


def _rich_file() -> bytes:
    """A file with every kind of part a damage can hit: conv, pool, flatten, nested graph, sparse
    synapses with delays, a recurrent loop through a Delay, a profile."""
    lif = ir.LIF(tau=np.full(3, 0.01), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3))
    sub = ir.Graph.sequential(ir.Linear(weight=np.ones((3, 4))), lif, names=["w", "lif"])
    nodes = {"input": ir.Input(shape=(1, 4, 4)),
             "conv": ir.Conv2d(weight=np.ones((2, 1, 3, 3)), bias=np.zeros(2), padding=1),
             "pool": ir.SumPool2d(kernel_size=2, stride=2), "flat": ir.Flatten(),
             "aff": ir.Affine(weight=np.ones((4, 8)), bias=np.zeros(4)), "sub": sub,
             "sp": ir.SparseLinear(n_pre=3, n_post=3, indptr=np.array([0, 1, 2, 3]), indices=np.array([0, 1, 2]),
                                   weight=np.ones(3), delay=np.full(3, 2e-3)),
             "cuba": ir.CubaLIF(tau_syn=np.full(3, 0.01), tau_mem=np.full(3, 0.02), r=np.ones(3), v_leak=np.zeros(3),
                                v_threshold=np.ones(3)),
             "d": ir.Delay(delay=np.full(3, 1e-3)), "rec": ir.Linear(weight=np.eye(3)), "output": ir.Output(shape=(3,))}
    edges = (("input", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "aff"), ("aff", "sub"), ("sub", "sp"),
             ("sp", "cuba"), ("cuba", "d"), ("d", "rec"), ("rec", "cuba"), ("cuba", "output"))
    buf = io.BytesIO()
    ir.write(ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3)), buf)
    return buf.getvalue()


RICH = _rich_file()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.data())
def test_any_damage_reads_or_fails_in_one_line(data: st.DataObject) -> None:
    """Whatever a damaged file holds, reading it (and counting it) either works or raises one
    neurokit error of one line naming the problem and the fix — never a KeyError or a traceback."""
    damaged = _damaged(data, RICH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # repairs and profile defaults warn; not the point here
        try:
            ir.read(io.BytesIO(damaged)).stats()
        except NeurokitError as exc:
            assert "\n" not in str(exc) and " — fix: " in str(exc)
