"""The Lava runtime: a Python 3.10 virtual environment with ``lava-nc==0.10.0`` and
``lava-dl==0.6.0`` (which runs the ``netx.h5`` exports; it brings torch 2.3, about 5 GB installed).

Lava cannot share neurokit's Python 3.11 environment, so neurokit drives it out of process:
:func:`install_runtime` creates the venv (idempotent: a marker holds the hash of the pinned
requirements; an existing venv whose pins changed is updated in place, not rebuilt),
:func:`find_runtime` locates it, and the driver runs the runner scripts inside it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit.errors import BackendUnavailableError, BoardError, BoardTimeoutError

REQUIREMENTS = Path(__file__).with_name("runtime_requirements.txt")
MARKER = ".neurokit-lava-runtime"
ENV_VAR = "NEUROKIT_LAVA_VENV"


def _requirements_hash() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]


def user_data_dir() -> Path:
    """neurokit's per-user data folder (the platformdirs convention, without the dependency):
    ``$XDG_DATA_HOME/neurokit`` or ``~/.local/share/neurokit`` on Linux, ``~/Library/Application
    Support/neurokit`` on macOS, ``%LOCALAPPDATA%\\neurokit`` on Windows."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "neurokit"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "neurokit"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "neurokit"


def checkout_runtime_dir() -> Path | None:
    """``.venv-lava`` of the source checkout neurokit runs from (``make lava`` creates it), or
    ``None`` for an installed wheel (whose package folder has no ``pyproject.toml`` above it)."""
    repo = Path(__file__).resolve().parents[3]
    if (repo / "pyproject.toml").is_file() and (repo / "neurokit" / "backends" / "loihi2").is_dir():
        return repo / ".venv-lava"
    return None


def runtime_candidates() -> list[Path]:
    """Where the runtime is looked for, in order: ``$NEUROKIT_LAVA_VENV`` alone when it is set;
    otherwise the checkout's ``.venv-lava`` (source checkouts only), the per-user
    ``<user data dir>/lava-venv``, and the older ``~/.cache/neurokit/venv-lava``. Never the
    current folder: a wheel install finds its runtime from wherever it is run."""
    if os.environ.get(ENV_VAR):
        return [Path(os.environ[ENV_VAR]).expanduser()]
    checkout = checkout_runtime_dir()
    return [*([checkout] if checkout else []), user_data_dir() / "lava-venv",
            Path.home() / ".cache" / "neurokit" / "venv-lava"]


def default_runtime_dir() -> Path:
    """Where ``neurokit backends install loihi2`` creates the runtime: ``$NEUROKIT_LAVA_VENV``, else
    the checkout's ``.venv-lava`` (so ``make lava`` keeps its place), else the per-user
    ``<user data dir>/lava-venv`` (a pip-installed neurokit)."""
    return runtime_candidates()[0]


def runtime_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ready(venv: Path) -> bool:
    marker = venv / MARKER
    return marker.is_file() and marker.read_text().strip() == _requirements_hash() and runtime_python(venv).exists()


def find_runtime() -> Path | None:
    """The first ready runtime venv of :func:`runtime_candidates`, or ``None``."""
    return next((venv for venv in runtime_candidates() if _ready(venv)), None)


def find_python310(preferred: str = "python3.10") -> str:
    """A working Python 3.10 interpreter: ``preferred`` on PATH, else a pyenv install."""
    candidates = [preferred, *sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.10*/bin/python3.10")), reverse=True)]
    for exe in candidates:
        path = shutil.which(exe) if os.sep not in exe else exe
        if path and _python_works(Path(path)):
            return path
    raise BackendUnavailableError("no working Python 3.10 found (lava-nc 0.10 runs only on 3.10)",
                                  fix="install python3.10 (e.g. `pyenv install 3.10`) and re-run "
                                      "`neurokit backends install loihi2`")


def _python_works(exe: Path) -> bool:
    """Whether ``exe`` is a Python 3.10 that starts."""
    try:
        out = subprocess.run([str(exe), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == "(3, 10)"


def install_runtime(venv: Path | None = None, *, python: str = "python3.10") -> Path:
    """Create the Lava venv at ``venv`` (default :func:`default_runtime_dir`); a no-op when ready."""
    venv = Path(venv) if venv else default_runtime_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    if _ready(venv):
        return venv
    pip_install = [str(runtime_python(venv)), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                   "-r", str(REQUIREMENTS)]
    if _python_works(runtime_python(venv)):  # pins changed: update in place (pip keeps what still fits)
        steps = [pip_install]
    else:
        steps = [[find_python310(python), "-m", "venv", "--clear", str(venv)], pip_install]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join(ln for ln in proc.stderr.splitlines() if "is ignored" not in ln)[-600:]
            raise BackendUnavailableError(f"creating the Lava runtime failed at `{' '.join(cmd)}`: {tail}",
                                          fix=f"run that command by hand to see why; then re-run "
                                              f"`neurokit backends install loihi2`")
    check = subprocess.run([str(runtime_python(venv)), "-c",
                            "import lava.magma.core.run_configs, lava.lib.dl.netx, h5py, numpy"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise BackendUnavailableError(f"Lava does not import in {venv}: {check.stderr.strip()[-400:]}",
                                      fix="delete the folder and re-run `neurokit backends install loihi2`")
    (venv / MARKER).write_text(_requirements_hash() + "\n")
    return venv


def run_in_runtime(script: Path, args: list[str], *, timeout_s: float, what: str = "Lava") -> None:
    """Run ``script args`` with the runtime's Python. A script reports failure as one JSON line
    ``{"error": ...}`` on stderr; that becomes :class:`BoardError`, a timeout :class:`BoardTimeoutError`."""
    venv = find_runtime()
    if venv is None:
        raise BackendUnavailableError(f"the Lava runtime is not installed (looked in "
                                      f"{', '.join(map(str, runtime_candidates()))})",
                                      fix="run `neurokit backends install loihi2` (or `make lava` in a checkout)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    returncode, stderr = _run_with_progress([str(runtime_python(venv)), str(script), *args], env=env,
                                            timeout_s=timeout_s, what=what)
    if returncode is None:
        raise BoardTimeoutError(f"{what} did not finish within {timeout_s:.0f} s", where="loihi2",
                                fix="use fewer samples/steps or raise the timeout")
    if returncode != 0:
        last = (stderr.strip().splitlines() or [f"exit code {returncode}"])[-1]
        try:
            last = json.loads(last)["error"]
        except (ValueError, KeyError, TypeError):
            pass
        raise BoardError(f"{what} failed: {last}", where="loihi2", fix="see the Lava error; `neurokit doctor`")


def _run_with_progress(cmd: list[str], *, env: dict[str, str], timeout_s: float, what: str
                       ) -> tuple[int | None, str]:
    """Run ``cmd``; ``(exit code, stderr)``, or ``(None, stderr)`` after ``timeout_s`` (the process is
    killed). A run longer than 5 s shows ``WHAT: running for MM:SS`` (one line per 30 s in a log file)."""
    from neurokit.util.progress import progress_bar

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    bar = progress_bar(total=None, desc=what, delay=5, leave=False, bar_format="{desc}: running for {elapsed}")
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                _, err = proc.communicate(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
                return proc.returncode, err
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    proc.kill()
                    _, err = proc.communicate()
                    return None, err
                bar.update(1)
    finally:
        bar.close()


def run_jobs_in_runtime(script: Path, jobs: Sequence[tuple[str, np.ndarray]], *, timeout_s: float,
                        what: str = "Lava", extra_args: Sequence[str] = ()) -> list[dict[str, np.ndarray]]:
    """Run ``script`` once on several ``(model path, integer inputs (T, B, ...))`` jobs: each job's
    inputs go to an HDF5 file (``inputs``, int32, ``(T, B, n)``), the script is called with
    ``model inputs result`` triples, and each result file comes back as ``{dataset: int64 array}``."""
    with tempfile.TemporaryDirectory(prefix="neurokit-lava-") as tmp:
        args, outs = [], []
        for k, (model, x) in enumerate(jobs):
            x = np.asarray(x)
            in_path, out_path = Path(tmp) / f"inputs{k}.h5", Path(tmp) / f"result{k}.h5"
            with h5py.File(in_path, "w") as f:
                f.create_dataset("inputs", data=x.reshape(x.shape[0], x.shape[1], -1).astype(np.int32))
            args += [str(model), str(in_path), str(out_path)]
            outs.append(out_path)
        run_in_runtime(script, [*args, *extra_args], timeout_s=timeout_s, what=what)
        results = []
        for out_path in outs:
            with h5py.File(out_path, "r") as f:
                results.append({k: f[k][()].astype(np.int64) for k in f})
        return results


def runtime_status() -> dict[str, Any]:
    """``{"ready": bool, "detail": str}`` for ``neurokit doctor``."""
    venv = find_runtime()
    if venv is None:
        return {"ready": False, "detail": f"Lava runtime missing at {default_runtime_dir()}: run "
                                          "`neurokit backends install loihi2` (or `make lava`)"}
    return {"ready": True, "detail": f"Lava runtime at {venv} (lava-nc 0.10, lava-dl 0.6, Python 3.10); real Loihi 2 "
                                     f"hardware: not available here (lava-loihi is not public)"}


if __name__ == "__main__":  # pragma: no cover
    print(install_runtime())
    sys.exit(0)
