"""The hardware-in-the-loop harness: one model, the same inputs, the reference and every target.

For each target the harness (1) asks the backend to check the graph (all problems at once),
(2) lowers it to an artifact, (3) runs the artifact on a board in its own process with a
timeout — a crash or hang is reported for that target and the harness goes on — and (4)
compares the board's spikes with the reference simulator run in the target's matching numeric
mode (``backend.reference_graph(artifact)``), and its accuracy with the float reference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.errors import NeurokitError
from neurokit.ir import Graph

from . import metrics
from .runs import RunArrays, read_run, write_inputs
from .worker import resolve_backend


@dataclass
class TargetResult:
    """What the harness found for one target."""

    target: str
    status: str  # "ok", "refused", "failed", "timeout"
    error: str = ""
    wall_s: float = 0.0
    spike_agreement: float | None = None
    first_divergence: dict[str, Any] | None = None
    layer_correlation: dict[str, float] = field(default_factory=dict)
    van_rossum: dict[str, float] = field(default_factory=dict)
    accuracy: float | None = None
    accuracy_delta: float | None = None
    output_max_abs_diff: float | None = None
    faults: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)  # the board's diagnostics, e.g. saturations
    run: RunArrays | None = field(default=None, repr=False)
    reference: RunArrays | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "status": self.status, "error": self.error, "wall_s": self.wall_s,
                "spike_agreement": self.spike_agreement, "first_divergence": self.first_divergence,
                "layer_correlation": self.layer_correlation, "van_rossum": self.van_rossum,
                "accuracy": self.accuracy, "accuracy_delta": self.accuracy_delta,
                "output_max_abs_diff": self.output_max_abs_diff, "faults": self.faults, "counters": self.counters}


@dataclass
class HilReport:
    """All targets' results plus the float reference accuracy."""

    model: str
    samples: int
    steps: int
    reference_accuracy: float | None
    targets: list[TargetResult]
    reference_run: RunArrays | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "samples": self.samples, "steps": self.steps,
                "reference_accuracy": self.reference_accuracy,
                "targets": {t.target: t.as_dict() for t in self.targets}}


def simulate_arrays(graph: Graph, inputs: np.ndarray, steps: int) -> RunArrays:
    """Run ``graph`` in the reference simulator (:mod:`neurokit.sim`); spike trains and outputs."""
    from neurokit import sim

    from .runs import from_recording

    return from_recording(sim.simulate(graph, inputs, steps, record=("spikes",)))


def run_board_process(spec: str, artifact_dir: Path, inputs: np.ndarray, steps: int, *, timeout_s: float,
                      faults: Mapping[str, Any] | None = None) -> RunArrays:
    """Run a target's board in a child process; raises ``BoardError``/``BoardTimeoutError``."""
    from neurokit.errors import BoardError, BoardTimeoutError

    with tempfile.TemporaryDirectory(prefix="neurokit-hil-") as tmp:
        in_path, out_path = Path(tmp) / "inputs.h5", Path(tmp) / "run.h5"
        write_inputs(in_path, inputs)
        cmd = [sys.executable, "-m", "neurokit.hil.worker", spec, str(artifact_dir), str(in_path), str(out_path),
               str(steps)]
        if faults:
            cmd += ["--faults", json.dumps(dict(faults))]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            raise BoardTimeoutError(f"board did not finish within {timeout_s:.0f} s", where=spec,
                                    fix="raise --timeout, or check the board for a hang") from None
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            message = lines[-1] if lines else f"exit code {proc.returncode}"
            try:
                message = json.loads(message)["error"]
            except (ValueError, KeyError, TypeError):
                pass
            raise BoardError(f"board failed: {message}", where=spec, fix="see the backend's error above")
        return read_run(out_path)


def compare(reference: RunArrays, test: RunArrays, order: Sequence[str], dt: float, tau: float = 0.02
            ) -> dict[str, Any]:
    """Agreement, first divergence, per-layer correlation and van Rossum distance."""
    nodes = [n for n in order if n in reference.spikes and n in test.spikes]
    ref = {n: reference.spikes[n] for n in nodes}
    got = {n: test.spikes[n] for n in nodes}
    div = metrics.first_divergence(ref, got, order=nodes)
    return {
        "spike_agreement": metrics.spike_agreement(ref, got),
        "first_divergence": div.as_dict() if div else None,
        "layer_correlation": {n: metrics.spike_count_correlation(ref[n], got[n]) for n in nodes},
        "van_rossum": {n: metrics.van_rossum_distance(ref[n], got[n], dt=dt, tau=tau) for n in nodes},
    }


def _accuracy(run: RunArrays, labels: np.ndarray | None) -> float | None:
    if labels is None or not run.outputs:
        return None
    return metrics.accuracy(next(iter(run.outputs.values())), labels)


def run_hil(graph: Graph, targets: Sequence[str], inputs: np.ndarray, *, labels: np.ndarray | None = None,
            steps: int | None = None, out_dir: str | Path, timeout_s: float = 600.0,
            faults: Mapping[str, Mapping[str, Any]] | None = None, options: Mapping[str, Mapping[str, Any]] | None = None,
            model_name: str = "model") -> HilReport:
    """Run ``graph`` on the reference and on every target with the same ``inputs`` ``(T, B, *shape)``.

    ``faults`` and ``options`` map a target to its fault-injection and lowering options.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = steps or int(inputs.shape[0])
    order = graph.flatten().topological_order()
    float_run = simulate_arrays(graph, inputs, steps)
    ref_acc = _accuracy(float_run, labels)
    results = []
    for spec in targets:
        res = TargetResult(target=spec, status="ok")
        t0 = time.perf_counter()
        try:
            backend = resolve_backend(spec)
            explicit = ":" in spec and "." in spec.split(":", 1)[0]  # "module:OBJECT" spec
            name = res.target = str(getattr(backend, "name", spec)) if explicit else spec
            res.faults = dict((faults or {}).get(name, {}))
            problems = backend.check(graph)
            if problems:
                res.status, res.error = "refused", "; ".join(str(p) for p in problems)
                results.append(res)
                continue
            lower_opts = dict((options or {}).get(name, {}))
            if ":" in spec and not explicit:
                lower_opts.setdefault("device", spec.split(":", 1)[1])  # e.g. crossbar:pcm
            artifact = backend.lower(graph, out / "artifacts" / name.replace(":", "_"), lower_opts)
            if hasattr(backend, "reference_run"):  # a bit-accurate integer mode of its own
                from .runs import from_recording

                reference = from_recording(backend.reference_run(artifact, inputs, steps))
            else:
                reference = simulate_arrays(backend.reference_graph(artifact), inputs, steps)
            t1 = time.perf_counter()
            run = run_board_process(spec, artifact.path, inputs, steps, timeout_s=timeout_s, faults=res.faults)
            res.wall_s = time.perf_counter() - t1
            res.run, res.reference, res.counters = run, reference, dict(run.counters)
            cmp = compare(reference, run, [n for n in order], graph.profile.dt)
            res.spike_agreement = cmp["spike_agreement"]
            res.first_divergence = cmp["first_divergence"]
            res.layer_correlation = cmp["layer_correlation"]
            res.van_rossum = cmp["van_rossum"]
            common = [k for k in reference.outputs if k in run.outputs]
            if common:
                res.output_max_abs_diff = float(max(np.abs(np.asarray(run.outputs[k], np.float64)
                                                           - np.asarray(reference.outputs[k], np.float64)).max()
                                                    for k in common))
            res.accuracy = _accuracy(run, labels)
            if res.accuracy is not None and ref_acc is not None:
                res.accuracy_delta = res.accuracy - ref_acc
        except NeurokitError as exc:
            res.status = "timeout" if isinstance(exc, TimeoutError) else "failed"
            res.error = str(exc)
            res.wall_s = res.wall_s or time.perf_counter() - t0
        results.append(res)
    return HilReport(model=model_name, samples=int(inputs.shape[1]), steps=steps, reference_accuracy=ref_acc,
                     targets=results, reference_run=float_run)
