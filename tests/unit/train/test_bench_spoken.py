"""The six method benchmarks of issue 18 (tools/bench/{timestep_schedule,sltt_k,learnable_neurons,
ann_bridge,continual,attack}.py) on the temporal spoken-digits path (``--dataset spoken-digits``),
each run in this process at a tiny size (``--quick``) on a small build of the dataset in the SHD
layout (``--data-dir``: 1 training and 1 test speaker, 20 samples each), and the training subset
(``TrainConfig.train_samples``) they use."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from neurokit import ir
from neurokit.data.spoken_digits import SpokenDigitsConfig, spoken_digits_dir
from neurokit.train import TrainConfig
from neurokit.train.trainer import load_split, stream_split

BENCH = Path(__file__).resolve().parents[3] / "tools" / "bench"
TINY = SpokenDigitsConfig(train_speakers=1, test_speakers=1, repetitions=1, duration=0.8)


@pytest.fixture(scope="module")
def tiny_spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 training and 20 test samples (one per class) in the SHD layout."""
    return spoken_digits_dir(seed=3, cfg=TINY, root=tmp_path_factory.mktemp("spoken"))


@pytest.fixture
def bench_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tools/bench importable, runs in ``tmp_path``; the thread settings restored afterwards."""
    monkeypatch.setattr(sys, "path", [str(BENCH), *sys.path])  # restored afterwards (the scripts add to it)
    import _methods

    monkeypatch.setattr(_methods, "SCRATCH", tmp_path / "runs")
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.setenv(var, "1")  # what the scripts set (single_thread), undone afterwards
    threads = torch.get_num_threads()
    yield tmp_path / "runs"
    torch.set_num_threads(threads)


def _run(script: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *extra: str) -> dict[str, Any]:
    monkeypatch.setattr(sys, "argv", [script, "--dataset", "spoken-digits", "--data-dir", str(data_dir), "--quick", *extra])
    runpy.run_path(str(BENCH / f"{script}.py"), run_name="__main__")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _spoken_models(runs: Path) -> list[ir.Graph]:
    """Every model a benchmark trained: 700 cochlear inputs, 20 classes, the quick spoken hidden size."""
    graphs = [ir.read(p) for p in sorted(runs.glob("*/model.nir"))]
    for g in graphs:
        assert tuple(g.nodes["input"].shape)[-1] == 700 and tuple(g.nodes["output"].shape) == (20,)
        assert np.asarray(g.nodes["lif0"].tau).shape == (8,)
    return graphs


CHECKS = {
    "continual": lambda r: r["task_classes"] == [[4 * t + c for c in range(4)] for t in range(5)]
    and all(0 <= r["table"][m]["average_accuracy"] <= 1 for m in ("finetune", "replay", "hlop")),
    "attack": lambda r: r["T"] == 10 and r["samples"] == 20 and len(r["attacks"]["sg"]["success_by_budget"]) == 6
    and set(r["transfer_at_budget_sg"]) >= {"loihi2", "spinnaker", "crossbar"},
    "ann_bridge": lambda r: list(r["table"]) == ["5"] and r["window_s"] == pytest.approx(1.0)
    and len(r["table"]["5"]["ann_init_curve"]) == 2,
    "sltt_k": lambda r: r["step_cost"] == {} and r["accuracy_setup"]["T"] == 10
    and set(r["accuracy"]) == {"bptt", "sltt", "sltt_k10", "sltt_k3"},
    "timestep_schedule": lambda r: list(r["table"]) == ["5", "4", "2", "1"] and r["window_s"] == pytest.approx(1.0),
    "learnable_neurons": lambda r: r["kernel"] is None and len(r["table"]) == 9
    and r["table"]["tau20ms_neuron"]["sim_equals_torch"],
}


#: The CI size runs four; the schedule (12 short runs) and the PLIF grid (9) with ``-m slow``.
SLOW = ("timestep_schedule", "learnable_neurons")


@pytest.mark.parametrize("script", [pytest.param(s, marks=pytest.mark.slow) if s in SLOW else s for s in CHECKS])
def test_benchmark_runs_on_spoken_digits(script: str, tiny_spoken: Path, bench_env: Path,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = _run(script, tiny_spoken, monkeypatch, capsys)
    assert result["data"]["dataset"] == "spoken-digits" and result["data"]["data_dir"] == str(tiny_spoken)
    assert result["data"]["train_samples"] == 40
    assert CHECKS[script](result)
    assert len(_spoken_models(bench_env)) >= 1


def test_sltt_k_step_cost_on_the_spoken_batch(tiny_spoken: Path, bench_env: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    result = _run("sltt_k", tiny_spoken, monkeypatch, capsys, "--steps-only")
    cost = result["step_cost"]
    assert list(cost) == ["bptt", "sltt", "k1", "k3", "k10"]  # K up to the quick run's T = 10
    assert cost["k1"]["saved_for_backward_mb"] < cost["k3"]["saved_for_backward_mb"] <= cost["sltt"]["saved_for_backward_mb"]
    assert all(c["seconds"] > 0 for c in cost.values()) and cost["sltt"]["time_vs_sltt"] == 1.0


def test_train_samples_is_one_seeded_subset_for_streamed_and_dense_splits(tiny_spoken: Path) -> None:
    cfg = TrainConfig.from_dict({"dataset": "shd", "data_dir": str(tiny_spoken), "steps": 10, "dt": 0.1,
                                 "train_samples": 7, "seed": 4})
    streamed = stream_split(cfg, True)
    x_dense, y_dense = load_split(cfg, True)
    assert len(streamed) == 7 and x_dense.shape == (7, 10, 1, 700) and streamed.classes == 20
    x, y = streamed.batch(np.arange(7))
    np.testing.assert_array_equal(np.moveaxis(x, 0, 1), x_dense)
    np.testing.assert_array_equal(y, y_dense)
    assert len(set(y.tolist())) == 7  # one sample per class in the tiny build: 7 distinct samples
    other = stream_split(TrainConfig.from_dict({**cfg.to_dict(), "seed": 5}), True)
    assert sorted(other.labels.tolist()) != sorted(y.tolist())  # the draw follows the seed
    assert len(stream_split(cfg, False)) == 20  # the test split stays whole
    full = TrainConfig.from_dict({**cfg.to_dict(), "train_samples": 0})
    assert len(stream_split(full, True)) == 20 and len(load_split(full, True)[1]) == 20
