"""The training methods of issue 18 through `neurokit train`: the timesteps schedule (stages, each
started from the last, resume), SLTT-K, learnable neurons exported per neuron, and the ANN bridge
(normalised weight transfer, saved/loaded ANN, clear errors). Data: a subset of event-digits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from neurokit import ir
from neurokit.train import trainer


@pytest.fixture
def small_digits(event_digits_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """event-digits, first 96 training and 48 test samples (fast runs)."""
    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    full = trainer.load_split

    def subset(cfg, train):  # type: ignore[no-untyped-def]
        x, y = full(cfg, train)
        n = 96 if train else 48
        return x[:n], y[:n]

    monkeypatch.setattr(trainer, "load_split", subset)


def _toml(tmp_path: Path) -> str:
    (tmp_path / "run.toml").write_text("[train]\nhidden = [16]\nsteps = 10\ndt = 0.03\nbatch_size = 32\nthreads = 1\n")
    return str(tmp_path / "run.toml")


def test_timesteps_schedule_stages_start_from_the_last_and_resume(tmp_path: Path, small_digits: None,
                                                                  monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit.cli import main

    seen: list[dict[str, torch.Tensor] | None] = []
    original = trainer.train

    def spy(cfg, out, **kw):  # type: ignore[no-untyped-def]
        if not cfg.timesteps_schedule:
            seen.append(kw.get("init_state"))
        return original(cfg, out, **kw)

    monkeypatch.setattr(trainer, "train", spy)
    out = tmp_path / "sched"
    assert main(["train", "--config", _toml(tmp_path), "--timesteps-schedule", "3,1", "--epochs", "1",
                 "--stage-epochs", "1", "--learn-neuron", "layer", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "stage T=3" in text and "stage T=1" in text
    card = json.loads((out / "summary.json").read_text())
    assert [s["T"] for s in card["stages"]] == [3, 1] and [s["dt"] for s in card["stages"]] == [0.1, 0.3]
    first = torch.load(out / "stage0_T3" / "checkpoint.pt", weights_only=True)["model"]
    assert seen[0] is None and seen[1] is not None
    assert all(torch.equal(seen[1][k], first[k]) for k in first)  # stage 1 started from stage 0's weights
    graph = ir.read(out / "model.nir")
    assert graph.profile.dt == pytest.approx(0.3)
    tau = np.asarray(graph.nodes["lif0"].tau)
    assert np.all(tau == tau[0]) and tau[0] != pytest.approx(0.02)  # one learned value per layer
    assert main(["train", "--resume", str(out)]) == 0  # every stage done: the same result
    assert json.loads((out / "summary.json").read_text())["stages"] == card["stages"]
    assert main(["train", "--timesteps-schedule", "3,3", "--out", str(tmp_path / "bad")]) == 2
    assert "must fall strictly" in capsys.readouterr().err
    assert main(["train", "--timesteps-schedule", "3,x", "--out", str(tmp_path / "bad")]) == 2


def test_sltt_k_and_per_neuron_parameters_train_and_export(tmp_path: Path, small_digits: None) -> None:
    from neurokit.cli import main

    out = tmp_path / "k"
    assert main(["train", "--config", _toml(tmp_path), "--mode", "sltt", "--sltt-k", "3", "--epochs", "2",
                 "--learn-neuron", "neuron", "--out", str(out)]) == 0
    card = json.loads((out / "summary.json").read_text())
    assert card["config"]["sltt_k"] == 3 and card["test_accuracy_sim"] == card["test_accuracy_torch"]
    node = ir.read(out / "model.nir").nodes["lif0"]
    assert np.std(node.tau) > 0 and np.std(node.v_threshold) > 0  # learned per neuron, exported


def test_ann_bridge_trains_saves_and_loads_the_ann(tmp_path: Path, small_digits: None, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit.cli import main

    out = tmp_path / "a"
    assert main(["train", "--config", _toml(tmp_path), "--init-from-ann", "train", "--ann-epochs", "5", "--epochs", "1",
                 "--out", str(out)]) == 0
    info = json.loads((out / "ann.json").read_text())
    assert (out / "ann.pt").is_file() and len(info["scales"]) == 1 and info["scales"][0][0] > 0
    assert main(["train", "--config", _toml(tmp_path), "--init-from-ann", str(out / "ann.pt"), "--epochs", "1",
                 "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert main(["train", "--init-from-ann", str(tmp_path / "none.pt"), "--out", str(tmp_path / "c")]) == 2
    assert "not found" in capsys.readouterr().err
    (tmp_path / "run.toml").write_text("[train]\nhidden = [8]\nsteps = 10\ndt = 0.03\n")  # other sizes than the ANN
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--init-from-ann", str(out / "ann.pt"),
                 "--out", str(tmp_path / "d")]) == 2
    assert "cannot load the ANN" in capsys.readouterr().err


def test_ann_weights_carry_the_normalisation() -> None:
    from neurokit.dynamics.discretisation import input_gain
    from neurokit.train.ann_init import load_ann_weights, matching_ann, relu_scales
    from neurokit.train.model import SNNClassifier, SNNSpec

    torch.manual_seed(0)
    snn = SNNClassifier(SNNSpec(input_shape=(6,), hidden=(5, 4), classes=3, dt=0.01, tau_mem=0.02))
    ann = matching_ann(snn)
    calib = np.random.default_rng(0).random((50, 6)).astype(np.float32)
    scales = relu_scales(ann, calib, 99.0)
    with torch.no_grad():  # layer-wise 99th percentile of each ReLU, by hand
        h1 = torch.relu(ann[1](torch.from_numpy(calib)))
        h2 = torch.relu(ann[3](h1))
    assert scales[0][0] == pytest.approx(np.percentile(h1.double().numpy(), 99.0))
    assert scales[1][0] == pytest.approx(np.percentile(h2.double().numpy(), 99.0))
    load_ann_weights(snn, ann, scales)
    g = 1.0 / float(input_gain(0.02, 0.01, "exact"))  # threshold 1 reached in one step at the scale
    lam1, lam2 = scales[0][0], scales[1][0]
    torch.testing.assert_close(snn.fc[0].weight.detach().double(), ann[1].weight.detach().double() * g / lam1)
    torch.testing.assert_close(snn.fc[1].weight.detach().double(), ann[3].weight.detach().double() * g * lam1 / lam2)
    torch.testing.assert_close(snn.fc[1].bias.detach().double(), ann[3].bias.detach().double() * g / lam2)
    torch.testing.assert_close(snn.readout.weight.detach().double(), ann[5].weight.detach().double() * lam2)
    with pytest.raises(Exception, match="do not match"):
        load_ann_weights(snn, nn.Sequential(nn.Flatten(), nn.Linear(6, 3)), [])


def test_continual_cli_writes_the_accuracy_matrix(tmp_path: Path, small_digits: None, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit.cli import main

    out = tmp_path / "c"
    assert main(["train", "--config", _toml(tmp_path), "--continual", "hlop", "--tasks", "2", "--epochs", "1",
                 "--out", str(out)]) == 0
    assert "forgetting" in capsys.readouterr().out
    card = json.loads((out / "summary.json").read_text())
    acc = np.asarray(card["accuracy_matrix"])
    assert acc.shape == (2, 2) and acc[0, 1] == 0 and acc[1, 0] > 0 and card["subspace_dims"] == [16, 16]
    assert card["forgetting"] == pytest.approx(acc[0, 0] - acc[1, 0])
    assert (out / "model.nir").is_file()
    assert main(["train", "--continual", "hlop", "--tasks", "3", "--out", str(tmp_path / "x")]) == 2
    assert "do not split" in capsys.readouterr().err
