"""A corpus of malformed .nir files: each gives one clear error (and exit code 2 in the CLI)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit import ir
from neurokit.cli import main
from neurokit.errors import DataNotFoundError, FileFormatError


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
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_malformed_file_gives_clear_error(case: str, tmp_path: Path) -> None:
    make, message = CORPUS[case]
    path = tmp_path / f"{case}.nir"
    make(path)
    with pytest.raises(ValueError, match=message) as info:
        ir.read(path)
    assert str(path) in str(info.value)
    assert "fix:" in str(info.value)


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
