"""The PyNN export mapped by sPyNNaker on its virtual SpiNN-5 board (no hardware): the same
``pynn/model.py`` NEST and Brian2 run, with placement and routing figures read from sPyNNaker's data
view by a small harness around the script (:data:`SPYNNAKER_FIGURES`). sPyNNaker lives in its own
venv (:func:`install_spynnaker`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.backends.base import Artifact
from neurokit.errors import BackendUnavailableError, BoardError, MappingError

from .pynn import write_pynn_inputs


SPYNNAKER_FIGURES = '''"""neurokit's harness around the exported script: runs it on sPyNNaker and, before ``end``, reads
the mapping figures from sPyNNaker's data view (not part of the exported program)."""
import json
import runpy
import sys

import pyNN.spiNNaker as sim
from spinn_front_end_common.data import FecDataView as V

figures = {}
_end = sim.end


def end(*args, **kwargs):
    if not figures:
        cores = {v.label: len(v.machine_vertices) for v in V.iterate_vertices()}
        chips = {(p.x, p.y) for v in V.iterate_vertices() for mv in v.machine_vertices
                 for p in [V.get_placement_of_vertex(mv)]}
        tables = V.get_uncompressed()
        figures.update(cores=sum(cores.values()), cores_by_population=cores, chips=len(chips),
                       routing_entries=sum(t.number_of_entries for t in tables.routing_tables),
                       routers=len(list(tables.routing_tables)))
    return _end(*args, **kwargs)


sim.end = end
script = sys.argv[1]
sys.argv = [script, "spiNNaker", "--map-only", "--samples", "1", *sys.argv[2:]]
runpy.run_path(script, run_name="__main__")
print(json.dumps(figures))
'''


def install_spynnaker(venv: Path | None = None) -> Path:
    """Create (once) a venv with sPyNNaker; returns its python."""
    venv = venv or Path(os.environ.get("NEUROKIT_SPYNNAKER_VENV", Path(__file__).resolve().parents[3] / ".venv-spynnaker"))
    py = venv / "bin" / "python"
    marker = venv / ".neurokit-spynnaker"
    if marker.is_file() and py.exists():
        return py
    for cmd in ([sys.executable, "-m", "venv", "--clear", str(venv)], [str(py), "-m", "pip", "install", "-q", "sPyNNaker==1!7.4.1"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackendUnavailableError(f"installing sPyNNaker failed: {proc.stderr.strip()[-400:]}",
                                          fix=f"run `{' '.join(cmd)}` by hand to see why")
    marker.write_text("sPyNNaker==1!7.4.1\n")
    return py


def map_with_spynnaker(artifact: Artifact, *, inputs: np.ndarray | None = None, timeout_s: float = 600.0) -> dict[str, Any]:
    """Map the PyNN export (the same ``model.py`` NEST and Brian2 run) on sPyNNaker's virtual SpiNN-5
    board (no hardware); its placement and routing figures as a dict (``cores``,
    ``cores_by_population``, ``chips``, ``routing_entries``, ``routers``, ``seconds``)."""
    script = Path(artifact.path) / "pynn" / "model.py"
    if not script.is_file():
        refused = Path(artifact.path) / "pynn" / "REFUSED.txt"
        raise MappingError(refused.read_text().strip() if refused.is_file() else f"no PyNN export in {artifact.path}",
                           fix="lower the graph with the spinnaker backend (it writes pynn/model.py)")
    py = install_spynnaker()
    with tempfile.TemporaryDirectory(prefix="neurokit-spynnaker-") as home:
        Path(home, ".spynnaker.cfg").write_text("[Machine]\nvirtual_board = True\nversion = 5\n")
        wrapper = Path(home, "map_figures.py")
        wrapper.write_text(SPYNNAKER_FIGURES)
        if inputs is None:  # one spike per source (sPyNNaker fails on a SpikeSourceArray with no spike at all)
            n_in = int(json.loads((script.parent / "network.json").read_text())["populations"][0]["size"])
            x = np.zeros((10, 1, n_in), np.uint8)
            x[np.arange(n_in) % 10, 0, np.arange(n_in)] = 1
        else:
            x = np.asarray(inputs)
        inp = write_pynn_inputs(home, x)
        env = {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([str(py), str(wrapper), str(script), "--inputs", str(inp), "--out", str(Path(home, "o.npz"))],
                                  cwd=home, capture_output=True, text=True, env=env, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise BoardError(f"sPyNNaker did not finish within {timeout_s:.0f} s", fix="raise the timeout") from None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{") and "cores" in ln]
    if proc.returncode != 0 or not lines:
        raise BoardError(f"sPyNNaker failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}",
                         fix=f"run {script} spiNNaker in the sPyNNaker venv to see the full log")
    return {**json.loads(lines[-1]), "seconds": time.perf_counter() - t0}


__all__ = ["SPYNNAKER_FIGURES", "install_spynnaker", "map_with_spynnaker"]
