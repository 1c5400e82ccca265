"""Shared by the training-method benchmarks of issue 18 (timestep_schedule, sltt_k, learnable_neurons,
ann_bridge, continual, attack): one seeded run of ``neurokit.train`` into a scratch folder,
single-threaded, on the dataset chosen with ``--dataset`` (:data:`DATASETS`, :func:`bench_data`):

* ``event-digits`` (default): MLP 512-128-10, the whole training split (1,347), 0.3 s window at
  T = 30 (dt 10 ms), batch 64, Adam 2e-3 — the sizes of the committed ``<method>.json``.
* ``spoken-digits`` (temporal, 20 classes, 700 channels): reduced as tools/bench/temporal_ablation.py
  so that every benchmark finishes in minutes on a shared 2-core machine: a random subset of 640 of
  the 1,920 training samples (per seed, ``train_samples``), the whole test split (480), MLP
  700-64-20, 1 s window at T = 50 (dt 20 ms), batch 32, Adam 5e-3; results in
  ``<method>_spoken.json``. ``--data-dir DIR`` reads files in the SHD layout from DIR instead
  (``DIR/SHD/shd_{train,test}.h5``: a smaller build, or the real SHD).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from _common import REPO, save

sys.path.insert(0, str(REPO))  # this checkout's neurokit, also when another one is installed
SCRATCH = Path(tempfile.gettempdir()) / "neurokit-bench-methods"


@dataclass(frozen=True)
class BenchData:
    """A benchmark's dataset: ``train`` (``TrainConfig`` keys every run gets), its time base
    ``steps`` x ``dt`` (the window), and the suffix of the results file."""

    name: str
    train: dict[str, Any]
    steps: int
    dt: float
    suffix: str
    hidden: int

    @property
    def window(self) -> float:
        """The observation window in seconds (``steps * dt``)."""
        return self.steps * self.dt

    def at(self, steps: int) -> dict[str, Any]:
        """``steps`` and ``dt`` that cover the window in ``steps`` steps (whole microseconds)."""
        return {"steps": int(steps), "dt": round(self.window * 1e6 / steps) / 1e6}

    def result_name(self, method: str) -> str:
        return method + self.suffix

    def describe(self) -> dict[str, Any]:
        """What a result records about the data."""
        return {"dataset": self.name, **{k: v for k, v in self.train.items() if k != "dataset"},
                "steps": self.steps, "dt": self.dt, "window_s": self.window}


DATASETS: dict[str, BenchData] = {
    "event-digits": BenchData("event-digits", {"hidden": [128]}, 30, 0.01, "", 128),
    "spoken-digits": BenchData("spoken-digits", {"dataset": "spoken-digits", "hidden": [64], "batch_size": 32,
                                                 "lr": 5e-3, "train_samples": 640}, 50, 0.02, "_spoken", 64),
}
#: ``--quick`` on spoken-digits: a smoke run (tests), fewer samples and neurons, coarser steps.
QUICK_SPOKEN = {"hidden": [8], "train_samples": 40}


def add_dataset_options(ap: argparse.ArgumentParser) -> None:
    """``--dataset`` and ``--data-dir`` on a benchmark's command line."""
    ap.add_argument("--dataset", choices=sorted(DATASETS), default="event-digits",
                    help="event-digits (default, results <method>.json) or spoken-digits (<method>_spoken.json)")
    ap.add_argument("--data-dir", default=None,
                    help="spoken-digits: read DIR/SHD/shd_{train,test}.h5 (a smaller build, the real SHD) "
                         "instead of the cached build")


def bench_data(args: argparse.Namespace) -> BenchData:
    """The parsed ``--dataset``/``--data-dir`` (and ``--quick``) as a :class:`BenchData`."""
    data = DATASETS[args.dataset]
    if args.data_dir is not None:
        if data.name == "event-digits":
            raise SystemExit("--data-dir applies to --dataset spoken-digits (files in the SHD layout)")
        data = replace(data, train={**data.train, "dataset": "shd", "data_dir": str(args.data_dir)})
    if getattr(args, "quick", False) and data.name == "spoken-digits":
        data = replace(data, train={**data.train, **QUICK_SPOKEN}, steps=10, dt=0.1, hidden=8)
    return data


def run_train(name: str, **overrides: Any) -> dict[str, Any]:
    """Train with ``TrainConfig`` ``overrides`` (threads = 1) into ``SCRATCH/name``; the summary card
    plus ``curve`` (test accuracy after every epoch, in torch)."""
    from neurokit.train import TrainConfig, train

    cfg = TrainConfig.from_dict({"threads": 1, **overrides})
    if cfg.dataset != "event-digits":  # runs on different data must not share a folder
        name = f"{name}_{cfg.dataset}"
    out = SCRATCH / name
    card = train(cfg, out, progress=False)
    history = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").is_file() else []
    return {**card, "curve": [h["test_acc"] for h in history], "run_dir": str(out)}


def publish(args: argparse.Namespace, name: str, result: dict[str, Any]) -> None:
    """``--quick`` (a smoke run): print the result only; else commit it as results/``name``.json
    (the last printed line, :func:`_common.save`)."""
    if getattr(args, "quick", False):
        print(json.dumps(result))
    else:
        save(name, result)


def mean(values: list[float]) -> float:
    return float(statistics.fmean(values))
