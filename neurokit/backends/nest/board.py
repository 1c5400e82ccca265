"""Running a NEST artifact: :class:`NestBoard` writes the inputs, runs :mod:`.runner` with the NEST
environment's Python in its own process (``mpirun -n N`` in front with the ``mpi_ranks`` option),
merges the ranks' event files and returns a :class:`~neurokit.sim.recording.Recording`."""

from __future__ import annotations

import glob
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.backends.base import Artifact
from neurokit.errors import BackendUnavailableError, BoardError, BoardTimeoutError, InvalidInputError
from neurokit.sim.recording import Recording

RUNNER = Path(__file__).with_name("runner.py")
ENV_VAR = "NEUROKIT_NEST_PYTHON"


def nest_python() -> Path | None:
    """The Python with NEST 3: ``$NEUROKIT_NEST_PYTHON``, else the checkout's ``.venv-nest``
    (``make pynn-nest`` creates it); ``None`` if neither exists."""
    from neurokit.backends.spinnaker.pynn import simulator_python

    return simulator_python("nest")


def spike_counts(inputs: np.ndarray) -> np.ndarray:
    """Inputs ``(T, B, ...)`` as whole spike counts ``(T, B, n)`` (a ``spike_generator`` emits
    spikes, with multiplicities), or a one-line error for graded values."""
    x = np.asarray(inputs, np.float64)
    if x.ndim < 2:
        raise InvalidInputError(f"inputs must be time-first (T, B, ...), got shape {x.shape}",
                                fix="pass a (T, B, n_input) array of spike counts")
    counts = np.rint(x)
    if np.any(np.abs(counts - x) > 0) or np.any(counts < 0):
        raise InvalidInputError("NEST's spike_generator emits spikes: inputs must be whole spike counts >= 0",
                                fix="binarise or rate-encode graded inputs (neurokit.data encoders)")
    return counts.reshape(x.shape[0], x.shape[1], -1).astype(np.int64)


def run_nest(artifact: Artifact, counts: np.ndarray, steps: int, **kwargs: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Run the artifact's network in NEST on ``counts`` ``(T, B, n)``; the merged event arrays of
    every rank and the runner's meta (``connections`` summed over ranks). ``kwargs``: :func:`run_nest_many`'s."""
    return run_nest_many([(artifact, counts)], steps, **kwargs)[0]


def run_nest_many(jobs: Sequence[tuple[Artifact, np.ndarray]], steps: int | None = None, *, threads: int = 1,
                  mpi_ranks: int = 1, mpirun: str = "mpirun",
                  timeout_s: float = 1800.0) -> list[tuple[dict[str, np.ndarray], dict[str, Any]]]:
    """:func:`run_nest` for several ``(artifact, counts)`` jobs in one NEST process (one import of NEST)."""
    py = nest_python()
    if py is None:
        raise BackendUnavailableError("no Python with NEST 3 found", where="nest",
                                      fix="make pynn-nest (creates .venv-nest), or set NEUROKIT_NEST_PYTHON")
    with tempfile.TemporaryDirectory(prefix="neurokit-nest-") as tmp:
        args, outs = [], []
        for k, (artifact, counts) in enumerate(jobs):
            in_path, out_path = Path(tmp) / f"inputs{k}.npz", Path(tmp) / f"result{k}.npz"
            np.savez(in_path, inputs=counts)
            args += [str(artifact.path), str(in_path), str(out_path)]
            outs.append(out_path)
        cmd = [str(py), str(RUNNER), *args, "--threads", str(threads)] + (["--steps", str(steps)] if steps else [])
        if mpi_ranks > 1:
            launcher = shutil.which(shlex.split(mpirun)[0]) if mpirun.strip() else None
            if launcher is None:
                raise BackendUnavailableError(f"mpi_ranks={mpi_ranks} needs an MPI launcher, {mpirun!r} is not on PATH",
                                              where="nest", fix="install MPI and an MPI-built NEST, or use mpi_ranks=1")
            cmd = [*shlex.split(mpirun), "-n", str(mpi_ranks), *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["OMP_NUM_THREADS"] = str(threads)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            raise BoardTimeoutError(f"NEST did not finish within {timeout_s:.0f} s", where="nest",
                                    fix="use fewer samples/steps, more threads, or raise timeout_s") from None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            try:
                last = json.loads(last)["error"]
            except (ValueError, KeyError, TypeError):
                pass
            raise BoardError(f"NEST failed: {last}", where="nest", fix=f"run `{' '.join(cmd)}` to see the full log")
        return [_merge_ranks(out_path, mpi_ranks) for out_path in outs]


def _merge_ranks(out_path: Path, mpi_ranks: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """One job's result: the event files of every MPI rank concatenated, rank 0's meta."""
    files = sorted(glob.glob(str(out_path.with_suffix("")) + ".rank*.npz")) or [str(out_path)]
    parts = []
    for path in files:
        with np.load(path, allow_pickle=False) as f:
            parts.append({k: f[k] for k in f.files})
    metas = [json.loads(str(p.pop("meta"))) for p in parts]
    if len(files) != metas[0]["processes"]:
        raise BoardError(f"NEST wrote {len(files)} result file(s) for {metas[0]['processes']} MPI process(es)",
                         where="nest", fix="check that NEST is built with MPI and mpirun starts every rank")
    if mpi_ranks > 1 and metas[0]["processes"] != mpi_ranks:
        raise BoardError(f"mpirun started {mpi_ranks} processes but NEST saw {metas[0]['processes']}: this NEST has no MPI",
                         where="nest", fix="build NEST with -Dwith-mpi=ON (the PyPI wheel has threads only)")
    keys = {k for p in parts for k in p}
    merged = {k: np.concatenate([p[k] for p in parts if k in p]) for k in keys}
    return merged, {**metas[0], "connections": int(sum(m["connections"] for m in metas))}


def recording(artifact: Artifact, events: Mapping[str, np.ndarray], meta: Mapping[str, Any], samples: int,
              steps: int) -> Recording:
    """Dense spike trains of every spiking population, the read-outs' membranes and the Output."""
    net = json.loads((Path(artifact.path) / "network.json").read_text())
    rec = Recording(dt=float(net["dt_ms"]) * 1e-3)
    empty = np.zeros(0, np.int64)
    for i, spec in enumerate(net["populations"][1:], start=1):
        n, label = int(spec["size"]), spec["label"]
        if spec["record"] == "spikes":
            z = np.zeros((steps, samples, n), bool)
            z[events.get(f"spk{i}_step", empty), events.get(f"spk{i}_sample", empty),
              events.get(f"spk{i}_neuron", empty)] = True
            rec.spikes[label] = z
        else:
            v = np.full((steps, samples, n), np.nan)
            v[events[f"vm{i}_step"], events[f"vm{i}_sample"], events[f"vm{i}_neuron"]] = events[f"vm{i}_value"]
            rec.traces[label] = {"v": v}
    out = net["output"]
    src = net["populations"][out["population"]]
    value = rec.spikes[src["label"]].astype(np.float64) if src["record"] == "spikes" else rec.traces[src["label"]]["v"]
    rec.outputs[out["node"]] = value.reshape(steps, samples, *out["shape"])
    rec.meta.update({"connections": int(meta["connections"]), "nest_processes": int(meta["processes"]),
                     "nest_threads": int(meta["threads"]), "build_s": list(meta["build_s"]),
                     "simulate_s": list(meta["simulate_s"]), "nest_version": str(meta["nest"])})
    return rec


@dataclass
class NestBoard:
    """NEST (PyNEST, out of process) running a ``neurokit-nest`` artifact."""

    artifact: Artifact
    options: Mapping[str, Any] = field(default_factory=dict)

    def load(self, artifact: Artifact | None = None) -> None:
        if nest_python() is None:
            raise BackendUnavailableError("no Python with NEST 3 found", where="nest",
                                          fix="make pynn-nest (creates .venv-nest), or set NEUROKIT_NEST_PYTHON")

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        counts = spike_counts(inputs)[:steps]
        opts = {**self.artifact.manifest.get("options", {}), **self.options}
        events, meta = run_nest(self.artifact, counts, steps, threads=int(opts.get("threads", 1)),
                                mpi_ranks=int(opts.get("mpi_ranks", 1)), mpirun=str(opts.get("mpirun", "mpirun")),
                                timeout_s=float(opts.get("timeout_s", 1800.0)))
        return recording(self.artifact, events, meta, counts.shape[1], steps)

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None
