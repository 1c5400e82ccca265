"""Sparse attacks: at most `budget` event flips per sample, counts stay >= 0, success grows with the
budget, every sample counted as fooled is misclassified by neurokit.sim on the exported graph too,
and `neurokit attack` writes its report with the transfer to a target's numeric mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit import ir, sim
from neurokit.train.attack import sparse_attack
from neurokit.train.losses import predict
from neurokit.train.model import SNNClassifier, SNNSpec, to_ir


def _trained_toy() -> tuple[SNNClassifier, np.ndarray, np.ndarray]:
    """Two classes of Poisson-like counts that differ in where the events fall; a short training."""
    rng = np.random.default_rng(0)
    y = np.arange(24) % 2
    rate = np.where(y[:, None] == 0, np.r_[np.full(8, 0.4), np.full(8, 0.2)], np.r_[np.full(8, 0.2), np.full(8, 0.4)])
    x = rng.poisson(np.broadcast_to(rate, (6, 24, 16))).astype(np.float64)
    torch.manual_seed(0)
    model = SNNClassifier(SNNSpec(input_shape=(16,), hidden=(12,), classes=2, dt=0.01)).double()
    opt = torch.optim.Adam(model.parameters(), lr=2e-2)
    for _ in range(40):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.from_numpy(x)).mean(0) * 5, torch.from_numpy(y)).backward()
        opt.step()
    return model, x, y


@pytest.mark.parametrize("variant", ["sg", "pdsg"])
def test_attack_flips_at_most_budget_events_and_fools_sim_too(variant: str) -> None:
    model, x, y = _trained_toy()
    res = sparse_attack(model, x, y, 12, variant=variant)
    adv = res["adversarial"]
    assert res["clean_correct"].mean() > 0.7
    flips = np.abs(adv - x).sum(axis=(0, 2))
    assert np.all(flips <= 12) and np.all(adv >= 0) and np.all(adv == np.round(adv))
    assert all(a <= b for a, b in zip(res["success"], res["success"][1:])) and res["success"][-1] > 0
    fooled = res["flips_needed"] > 0
    rec = sim.simulate(to_ir(model), adv)
    np.testing.assert_array_equal(predict(rec.outputs["output"], "mean_membrane")[fooled], 1 - y[fooled])
    assert np.all(flips[fooled] == res["flips_needed"][fooled])  # a fooled sample stops flipping


def test_attack_command(tmp_path: Path, event_digits_root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit.cli import main

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    torch.manual_seed(1)
    ir.write(to_ir(SNNClassifier(SNNSpec(input_shape=(2, 16, 16), hidden=(16,), dt=0.03))), tmp_path / "m.nir")
    assert main(["attack", str(tmp_path / "m.nir"), "--samples", "6", "--budget", "2", "--targets", "crossbar",
                 "--out", str(tmp_path / "a")]) == 0
    assert "crossbar" in capsys.readouterr().out
    rep = json.loads((tmp_path / "a" / "attack.json").read_text())
    assert len(rep["success_by_budget"]) == 3 and set(rep["transfer"]) == {"float", "crossbar"}
    assert "clean_accuracy" in rep["transfer"]["crossbar"]
    ir.write(to_ir(SNNClassifier(SNNSpec(input_shape=(5,), hidden=(4,)))), tmp_path / "small.nir")
    assert main(["attack", str(tmp_path / "small.nir"), "--out", str(tmp_path / "b")]) == 2
    assert "event-digits" in capsys.readouterr().err
