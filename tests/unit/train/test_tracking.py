"""Experiment tracking: metrics.jsonl grows one line per epoch while the run goes on, TensorBoard
event files (tensorboardX installed by the test extra), and `--resume --epochs N` extends a
finished run exactly as if it had been started with N epochs."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch

from neurokit.cli import main
from neurokit.train import TrainConfig, train

CFG = TrainConfig(epochs=2, hidden=(16,), steps=10, dt=0.03, seed=3, threads=1)


def _jsonl(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def _tensorboard_scalars(run: Path) -> dict[str, dict[int, float]]:
    """Scalars of every event file under ``run/tensorboard`` (TFRecord framing: length, CRC, data, CRC)."""
    from tensorboardX.proto.event_pb2 import Event

    scalars: dict[str, dict[int, float]] = {}
    for path in sorted((run / "tensorboard").glob("events.out.tfevents.*")):
        data, pos = path.read_bytes(), 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            event = Event.FromString(data[pos + 12:pos + 12 + length])
            pos += 12 + length + 4
            for value in event.summary.value:
                scalars.setdefault(value.tag, {})[event.step] = value.simple_value
    return scalars


def test_metrics_are_written_every_epoch_and_a_finished_run_extends(tmp_path: Path, event_digits_root: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    run = tmp_path / "run"
    assert train(CFG, run, progress=False, stop_after_epoch=1) == {"stopped_after_epoch": 1}
    live = _jsonl(run)  # the run has not finished: the epoch is already on disk
    assert [row["epoch"] for row in live] == [1] and not (run / "summary.json").exists()
    assert set(live[0]) == {"epoch", "loss", "train_acc", "test_acc", "spikes_per_sample"}
    finished = train(CFG, run, resume=True, progress=False)
    assert finished["epochs"] == 2 and [row["epoch"] for row in _jsonl(run)] == [1, 2]
    assert _jsonl(run)[0] == live[0]

    # the finished run trained on to 3 epochs from the command line
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    rows = _jsonl(run)
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    assert json.loads((run / "summary.json").read_text())["epochs"] == 3
    assert json.loads((run / "summary.json").read_text())["config"]["epochs"] == 3

    # ... exactly as a run started with 3 epochs
    straight = tmp_path / "straight"
    train(TrainConfig(**{**CFG.to_dict(), "epochs": 3}), straight, progress=False)
    a = torch.load(run / "checkpoint.pt", weights_only=True)
    b = torch.load(straight / "checkpoint.pt", weights_only=True)
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert rows == _jsonl(straight)

    scalars = _tensorboard_scalars(run)
    assert set(scalars) == {"loss", "train_acc", "test_acc", "spikes_per_sample"}
    assert sorted(scalars["test_acc"]) == [1, 2, 3]
    assert scalars["test_acc"][3] == pytest.approx(rows[2]["test_acc"], abs=1e-6)

    assert main(["train", "--resume", str(run), "--epochs", "2"]) == 2
    assert "already done 3 epochs" in capsys.readouterr().err
