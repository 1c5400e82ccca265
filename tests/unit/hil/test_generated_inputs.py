"""`neurokit hil MODEL` without `--input` runs seeded Poisson spike trains of the model's input
shape (a model that is not event-digits-shaped is no longer refused)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.api import poisson_inputs
from neurokit.cli import main


def _model(path: Path) -> Path:
    rng = np.random.default_rng(0)
    lif = lambda n: ir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 1.0))  # noqa: E731
    graph = ir.Graph.sequential(ir.Linear(weight=rng.normal(25.0, 10.0, (12, 18))), lif(12),
                                ir.Linear(weight=rng.normal(20.0, 10.0, (4, 12))), lif(4),
                                names=["fc1", "lif1", "fc2", "lif2"], profile=ir.Profile(dt=1e-3))
    ir.write(graph, path)
    return path


def test_poisson_inputs_are_seeded_and_shaped() -> None:
    a = poisson_inputs((2, 3, 3), samples=5, steps=400, rate=0.1, seed=7)
    assert a.shape == (400, 5, 2, 3, 3) and set(np.unique(a)) == {0.0, 1.0}
    assert np.array_equal(a, poisson_inputs((2, 3, 3), samples=5, steps=400, rate=0.1, seed=7))
    assert not np.array_equal(a, poisson_inputs((2, 3, 3), samples=5, steps=400, rate=0.1, seed=8))
    assert a.mean() == pytest.approx(1 - np.exp(-0.1), abs=0.01)  # P(spike per step) of a Poisson count >= 1


def test_hil_without_input_runs_poisson_inputs_of_the_model_shape(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    model = _model(tmp_path / "m.nir")
    runs = []
    for name in ("a", "b"):
        assert main(["hil", str(model), "--targets", "neurokit.hil.testing:EXACT", "--samples", "3", "--steps", "40",
                     "--seed", "3", "--report", str(tmp_path / name)]) == 0
        runs.append(json.loads((tmp_path / name / "report.json").read_text()))
    assert "report:" in capsys.readouterr().out
    first, second = runs
    assert first["samples"] == 3 and first["steps"] == 40
    exact = first["targets"]["exact"]["own_mode"]
    assert exact["spike_agreement"] == 1.0 and exact["spikes"]["expected"] > 0  # the inputs do drive the model
    assert second["targets"]["exact"]["own_mode"]["spikes"] == exact["spikes"]  # same seed, same run
    assert main(["hil", str(model), "--targets", "neurokit.hil.testing:EXACT", "--samples", "2", "--steps", "10",
                 "--input-rate", "1.5", "--report", str(tmp_path / "c")]) == 2
    assert "input rate must be in (0, 1]" in capsys.readouterr().err
