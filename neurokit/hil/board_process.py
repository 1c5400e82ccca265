"""A target's board run in a child process (``python -m neurokit.hil.worker``) with a timeout: a
crash or hang is a :class:`~neurokit.errors.BoardError` for that target, and the harness goes on."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.errors import MappingError, NeurokitError
from neurokit.ir import Graph

from .runs import RunArrays, read_run, write_inputs


def run_board_process(spec: str, artifact_dir: Path, inputs: np.ndarray, steps: int, *, timeout_s: float,
                      faults: Mapping[str, Any] | None = None, lower: tuple[Graph, Mapping[str, Any]] | None = None,
                      expect: RunArrays | None = None) -> RunArrays:
    """Run a target's board in a child process; raises ``BoardError``/``BoardTimeoutError``.

    With ``lower = (graph, options)`` the child first lowers ``graph`` into ``artifact_dir``, so
    lowering is under the same timeout. The child runs in its own process group with ``TMPDIR``
    inside this call's temporary folder: a timeout kills the whole group (a runtime's own
    subprocesses too) and every temporary file goes with the folder. ``expect`` (a reference run)
    checks the shapes of what the board returned."""
    import signal

    from neurokit.errors import BoardError, BoardTimeoutError

    with tempfile.TemporaryDirectory(prefix="neurokit-hil-") as tmp:
        in_path, out_path = Path(tmp) / "inputs.h5", Path(tmp) / "run.h5"
        write_inputs(in_path, inputs)
        cmd = [sys.executable, "-m", "neurokit.hil.worker", spec, str(artifact_dir), str(in_path), str(out_path),
               str(steps)]
        if faults:
            cmd += ["--faults", json.dumps(dict(faults))]
        if lower is not None:
            from neurokit.ir import write

            graph_path = Path(tmp) / "model.nir"
            write(lower[0], graph_path)
            cmd += ["--lower", str(graph_path), "--options", json.dumps(dict(lower[1]))]
        child_tmp = Path(tmp) / "tmp"
        child_tmp.mkdir()
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "TMPDIR": str(child_tmp)}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)
        try:
            _, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc, signal)
            raise BoardTimeoutError(f"board did not finish within {timeout_s:.0f} s (lowering included)", where=spec,
                                    fix="raise --timeout, or check the board for a hang") from None
        finally:
            if proc.poll() is None:
                _kill_group(proc, signal)
            else:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)  # anything the board left running in its group
        if proc.returncode != 0:
            lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
            message = lines[-1] if lines else f"exit code {proc.returncode}"
            kind = ""
            try:
                parsed = json.loads(message)
                message, kind = parsed["error"], parsed.get("type", "")
            except (ValueError, KeyError, TypeError):
                pass
            if kind == "MappingError":  # found while lowering: the target refuses the model
                raise MappingError(message)
            raise BoardError(f"board failed: {message}", where=spec, fix="see the backend's error above")
        try:
            run = read_run(out_path)
        except (OSError, KeyError, ValueError, NeurokitError) as exc:
            raise BoardError(f"board wrote an unreadable run ({exc})", where=spec, fix="check the board") from None
        if expect is not None:
            check_run_shapes(run, expect, spec)
        return run


def _kill_group(proc: subprocess.Popen[str], signal: Any) -> None:
    """SIGKILL the child's whole process group and reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.communicate(timeout=10)


def check_run_shapes(run: RunArrays, expect: RunArrays, spec: str) -> None:
    """A board's spikes and outputs must have the reference run's shapes (a board returning other
    shapes is a board failure, reported for that target)."""
    from neurokit.errors import BoardError

    for what, got, want in (("spikes", run.spikes, expect.spikes), ("outputs", run.outputs, expect.outputs)):
        for name, arr in got.items():
            if name in want and np.shape(arr) != np.shape(want[name]):
                raise BoardError(f"board returned {what} of node {name!r} with shape {np.shape(arr)}, expected "
                                 f"{np.shape(want[name])}", where=spec, fix="the board or its lowering is wrong")


__all__ = ["check_run_shapes", "run_board_process"]
