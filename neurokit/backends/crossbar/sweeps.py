"""Accuracy sweeps of a crossbar deployment: vs time after programming, ADC bits, fault rate.
Each writes JSON + PNG into the artifact directory and returns the figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.backends.base import Artifact
from neurokit.errors import InvalidInputError
from neurokit.util.atomic import atomic_write_text

DRIFT_TIMES = [1.0, 60.0, 3600.0, 86400.0, 30 * 86400.0, 365 * 86400.0]
ADC_BITS = [3, 4, 5, 6, 8, 0]
FAULT_RATES = [0.0, 0.005, 0.01, 0.02, 0.05, 0.1]


def _accuracy(artifact: Artifact, x: np.ndarray, y: np.ndarray, seeds: int, **board_kw: Any) -> tuple[float, float]:
    from .backend import CrossbarBoard

    accs = []
    for s in range(seeds):
        board = CrossbarBoard(artifact=artifact, seed=s, **board_kw)
        rec = board.run(x, x.shape[0])
        out = next(iter(rec.outputs.values()))
        accs.append(float(np.mean(out.sum(0).reshape(len(y), -1).argmax(1) == y)))
    return float(np.mean(accs)), float(np.std(accs))


def sweep(artifact: Artifact, kind: str, inputs: np.ndarray | None = None, labels: np.ndarray | None = None, *,
          seeds: int = 3) -> dict[str, Any]:
    """Accuracy vs ``kind`` in {drift, adc, faults}; default inputs: 200 event-digits test samples."""
    if inputs is None or labels is None:
        inputs, labels = _default_data(artifact)
    out = Path(artifact.path)
    series: dict[str, Any] = {"kind": kind, "device": artifact.manifest["device"], "seeds": seeds}
    if kind == "drift":
        xs = DRIFT_TIMES
        vals = [_accuracy(artifact, inputs, labels, seeds, t_inference=t) for t in xs]
        xlabel, logx = "time after programming (s)", True
    elif kind == "adc":
        xs = ADC_BITS
        vals = []
        for bits in xs:
            art = _with_periphery(artifact, adc_bits=bits)
            vals.append(_accuracy(art, inputs, labels, seeds))
        xlabel, logx = "ADC bits (0 = ideal)", False
    elif kind == "faults":
        xs = FAULT_RATES
        vals = [_accuracy(artifact, inputs, labels, seeds, faults={"stuck_off_rate": r / 2, "stuck_on_rate": r / 2})
                for r in xs]
        xlabel, logx = "stuck-at fault rate", False
    else:
        raise InvalidInputError(f"unknown sweep {kind!r}", fix="use drift, adc or faults")
    series.update({"x": xs, "accuracy_mean": [v[0] for v in vals], "accuracy_std": [v[1] for v in vals]})
    atomic_write_text(out / f"sweep_{kind}.json", json.dumps(series, indent=2) + "\n")
    from neurokit.plots import curves

    device = artifact.manifest["device"]
    curves({device: series["accuracy_mean"]}, out / f"sweep_{kind}.png", xlabel=xlabel,
           ylabel=f"accuracy (mean ± std, {seeds} seeds)", title=f"crossbar accuracy vs {kind}",
           x=[x if x else 16 for x in xs] if kind == "adc" else xs, logx=logx,
           errors={device: series["accuracy_std"]})
    return series


def _with_periphery(artifact: Artifact, **changes: Any) -> Artifact:
    m = json.loads(json.dumps(dict(artifact.manifest)))
    m["periphery"].update(changes)
    return Artifact(path=artifact.path, target=artifact.target, manifest=m)


def _default_data(artifact: Artifact) -> tuple[np.ndarray, np.ndarray]:
    from neurokit import ir
    from neurokit.data import EventDigits, dense_dataset

    g = ir.read(Path(artifact.path) / "model.nir")
    inp = next(iter(g.inputs.values()))
    if tuple(inp.shape) != (2, 16, 16):
        raise InvalidInputError(f"sweeps without inputs use event-digits (input (2, 16, 16)); this model takes {inp.shape}",
                                fix="pass inputs and labels to sweep()")
    x, y = dense_dataset(EventDigits(train=False), dt=g.profile.dt, steps=int(round(0.3 / g.profile.dt)))
    return np.moveaxis(x[:200], 0, 1).astype(np.float64), y[:200]
