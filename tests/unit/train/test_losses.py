"""Readout losses: first-spike time, decoders, and training with a spiking readout end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit.errors import ConfigError
from neurokit.train import TrainConfig
from neurokit.train.losses import LOSSES, first_spike_time, predict, readout_loss


def test_first_spike_time_and_decoders() -> None:
    z = torch.zeros(6, 1, 3)
    z[2, 0, 0] = z[4, 0, 0] = 1.0  # class 0 first fires at step 2
    z[1, 0, 2] = 1.0  # class 2 at step 1; class 1 never
    assert first_spike_time(z).tolist() == [[2.0, 6.0, 1.0]]
    assert predict(z.numpy(), "first_spike").tolist() == [2]
    assert predict(z.numpy(), "spike_count").tolist() == [0]
    v = torch.tensor([[[0.6, 0.9]], [[0.6, 0.0]]])  # class 0 has the larger mean, class 1 the larger peak
    assert predict(v.numpy(), "max_membrane").tolist() == [1] and predict(v.numpy(), "mean_membrane").tolist() == [0]


def test_first_spike_loss_pulls_the_right_class_earlier() -> None:
    u = torch.zeros(8, 1, 2, requires_grad=True)
    from neurokit.train.surrogate import spike

    loss = readout_loss(spike(u - 0.5), torch.tensor([0]), "first_spike")
    loss.backward()
    assert u.grad is not None
    assert u.grad[:, 0, 0].sum() < 0 < u.grad[:, 0, 1].sum()  # raise class 0's membrane, lower class 1's
    with pytest.raises(ValueError, match="unknown loss"):
        readout_loss(u, torch.tensor([0]), "nope")


@pytest.mark.parametrize("loss", ["max_membrane", "spike_count", "first_spike"])
def test_training_with_each_loss_matches_the_exported_model(loss: str, tmp_path: Path, event_digits_root: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from neurokit.train import train

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    cfg = TrainConfig.from_dict({"hidden": [32], "steps": 15, "dt": 0.02, "epochs": 3, "loss": loss})
    card = train(cfg, tmp_path, progress=False)
    assert card["test_accuracy_sim"] == card["test_accuracy_torch"] > 0.5, card["test_accuracy_sim"]


def test_loss_options_are_validated() -> None:
    assert set(LOSSES) == {"mean_membrane", "max_membrane", "spike_count", "first_spike"}
    with pytest.raises(ConfigError, match="loss must be one of"):
        TrainConfig.from_dict({"loss": "hinge"})
    with pytest.raises(ConfigError, match="mean-membrane"):
        TrainConfig.from_dict({"loss": "spike_count", "mode": "sltt"})
    assert np.isfinite(float(readout_loss(torch.rand(4, 2, 3), torch.tensor([0, 1]), "max_membrane")))
