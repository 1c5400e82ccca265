"""Helpers shared by the benchmark scripts: peer venvs, single-threading, medians, machine info."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # measure this checkout's neurokit, not whichever one the venv has installed
    sys.path.insert(0, str(REPO))
#: What the producer tests read some goldens with (``ir.read(..., profile=...)``): the options their
#: producers set that the files do not say (tests/golden/producers).
GOLDEN_PROFILES: dict[str, dict[str, dict[str, object]]] = {
    "snntorch": {"leaky_zero": {"reset": "zero"}, "synaptic_zero": {"reset": "zero"}},
    "sinabs": {"iaf_min_v_mem": {"v_min": -1.0}, "iaf_reset_zero": {"reset": "zero"},
               "iaf_single_spike": {"multi_spike": False}},
}


def single_thread() -> None:
    """Pin every library we use to one thread (call before importing numba/torch)."""
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """Median wall time of ``repeats`` calls (and all the times)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def peer_venv(name: str, python: str, packages: list[str]) -> Path:
    """Create ``.venv-bench-<name>`` with ``packages`` once; return its python."""
    venv = REPO / f".venv-bench-{name}"
    py = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.is_file() or marker.read_text() != " ".join(packages):
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], check=True)
        marker.write_text(" ".join(packages))
    return py


def find_python(version: str) -> str:
    """``pythonX.Y`` on PATH that really is that version, else the pyenv build."""
    import glob
    import shutil

    for exe in [shutil.which(f"python{version}"), *sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version}*/bin/python{version}")))]:
        if exe and subprocess.run([exe, "-c", "1"], capture_output=True).returncode == 0:
            return exe
    raise SystemExit(f"python{version} not found")


def machine() -> dict[str, object]:
    cpu = ""
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                   if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform(),
            "load_avg_1m": os.getloadavg()[0]}


def save(name: str, result: dict[str, object]) -> None:
    """Print the one-line JSON result (last line) and commit it under results/."""
    out = REPO / "tools" / "bench" / "results" / f"{name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


def golden_input(x: "np.ndarray", shape: tuple[int, ...]) -> "np.ndarray":
    """A producer golden's input ``(T, B, ...)`` in the graph's input ``shape``: spyx stores images
    channels last, the IR channels first."""
    import numpy as np

    if x.shape[2:] != tuple(shape) and x.ndim == 5 and x.shape[-1] == shape[0]:
        return np.moveaxis(x, -1, 2)
    return x
