r"""Latency down to one step (IIR-SNN, Chowdhury et al., "One Timestep is All You Need", 2022):
train at the first number of steps :math:`T_0`, then lower :math:`T` stage by stage
(e.g. 5, 3, 2, 1), each stage initialised from the last one's weights (and learned neuron
parameters) and retrained briefly.

The observation window :math:`W = T\,dt` stays the configured ``steps * dt``: at :math:`T` steps
the events are binned in :math:`dt_T = W / T` (so at :math:`T = 1` every event of the sample
arrives in one step, the counts image), and the neurons' decay follows the new step,
:math:`a_T = e^{-dt_T/\tau}`. Stage :math:`i` trains ``epochs`` (:math:`i = 0`) or
``stage_epochs`` epochs in ``OUT/stage{i}_T{T}`` (a complete run: checkpoint, metrics,
``model.nir``); ``OUT`` gets the last stage's ``model.nir``, ``model_card.md`` and a
``summary.json`` with every stage's accuracy (``stages``). ``--resume OUT`` continues the
unfinished stage.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from neurokit.errors import ConfigError
from neurokit.util.atomic import atomic_write_text

from .config import TrainConfig

SAVED = "schedule_config.json"


def stage_config(cfg: TrainConfig, steps: int, first: bool) -> TrainConfig:
    """The configuration of one stage: ``steps`` steps over the same window, no schedule."""
    window_us = cfg.dt * cfg.steps * 1e6
    return dataclasses.replace(cfg, steps=int(steps), dt=round(window_us / steps) / 1e6,
                               epochs=cfg.epochs if first else cfg.stage_epochs, timesteps_schedule=(),
                               init_from_ann=cfg.init_from_ann if first else "")


def saved_schedule(out_dir: str | os.PathLike[str]) -> TrainConfig | None:
    """The configuration a schedule run in ``out_dir`` was started with (to resume it), if any."""
    path = Path(out_dir) / SAVED
    return TrainConfig.from_dict(json.loads(path.read_text()), source=str(path)) if path.is_file() else None


def train_timesteps_schedule(cfg: TrainConfig, out_dir: str | os.PathLike[str], *, resume: bool = False,
                             progress: bool = True) -> dict[str, Any]:
    """Run the stages of ``cfg.timesteps_schedule`` (module docstring); returns the last stage's card
    with ``stages``: per stage ``T``, ``dt``, ``epochs`` and test accuracies."""
    from .trainer import train

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise ConfigError("a timesteps schedule trains in one process", fix="drop --nproc (or timesteps_schedule)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / SAVED, json.dumps(cfg.to_dict(), indent=2) + "\n")
    state: dict[str, torch.Tensor] | None = None
    stages: list[dict[str, Any]] = []
    card: dict[str, Any] = {}
    for i, steps in enumerate(cfg.timesteps_schedule):
        scfg = stage_config(cfg, steps, i == 0)
        sdir = out / f"stage{i}_T{steps}"
        done = (sdir / "summary.json").is_file()
        if resume and done:
            card = json.loads((sdir / "summary.json").read_text())
        else:
            again = resume and (sdir / "checkpoint.pt").is_file()
            card = train(scfg, sdir, resume=again, progress=progress, init_state=None if again else state)
        state = torch.load(sdir / "checkpoint.pt", weights_only=True)["model"]
        stages.append({"T": steps, "dt": scfg.dt, "epochs": scfg.epochs, "run_dir": str(sdir),
                       "test_accuracy_torch": card["test_accuracy_torch"],
                       "test_accuracy_sim": card["test_accuracy_sim"], "train_seconds": card["train_seconds"]})
    for name in ("model.nir", "model_card.md"):
        shutil.copyfile(Path(stages[-1]["run_dir"]) / name, out / name)
    card = {**card, "stages": stages, "config": cfg.to_dict()}
    atomic_write_text(out / "summary.json", json.dumps(card, indent=2) + "\n")
    return card
