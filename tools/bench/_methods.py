"""Shared by the training-method benchmarks (timestep_schedule, sltt_k, learnable_neurons, ann_bridge):
one seeded run of ``neurokit.train`` on event-digits into a scratch folder, single-threaded."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import REPO

sys.path.insert(0, str(REPO))  # this checkout's neurokit, also when another one is installed
SCRATCH = Path(tempfile.gettempdir()) / "neurokit-bench-methods"


def run_train(name: str, **overrides: Any) -> dict[str, Any]:
    """Train with ``TrainConfig`` ``overrides`` (threads = 1) into ``SCRATCH/name``; the summary card
    plus ``curve`` (test accuracy after every epoch, in torch)."""
    import json

    from neurokit.train import TrainConfig, train

    cfg = TrainConfig.from_dict({"threads": 1, **overrides})
    out = SCRATCH / name
    card = train(cfg, out, progress=False)
    history = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").is_file() else []
    return {**card, "curve": [h["test_acc"] for h in history], "run_dir": str(out)}


def mean(values: list[float]) -> float:
    return float(statistics.fmean(values))
