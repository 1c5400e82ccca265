"""Training: forward pass equals the IR reference, surrogates, config, resume after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit import ir
from neurokit.dynamics.reference import run_reference
from neurokit.errors import ConfigError
from neurokit.train import SNNClassifier, SNNSpec, TrainConfig, from_ir, to_ir
from neurokit.train.surrogate import SURROGATES, spike, surrogate_derivative


@pytest.mark.parametrize("integration,reset,rules", [
    ("exact", "zero", {}), ("euler", "subtract", {}), ("exact", "none", {}),
    ("exact", "subtract", {"reset_timing": "next_step"}), ("euler", "zero", {"reset_timing": "next_step"}),
    ("exact", "subtract", {"multi_spike": True, "v_min": -0.3}), ("exact", "zero", {"v_min": 0.1})])
def test_forward_equals_reference_on_exported_graph(integration: str, reset: str, rules: dict[str, object]) -> None:
    torch.manual_seed(0)
    model = SNNClassifier(SNNSpec(input_shape=(2, 3, 3), hidden=(12, 7), dt=0.01, integration=integration,
                                  reset=reset, **rules)).double()  # type: ignore[arg-type]
    x = (torch.rand(25, 4, 2, 3, 3, dtype=torch.float64) < 0.4).double() * 2.0
    out, spikes = model(x, return_spikes=True)
    graph = to_ir(model)
    ref = run_reference(graph, x.numpy(), record=("lif0", "lif1"))
    assert sum(float(s.detach().sum()) for s in spikes) > 20
    np.testing.assert_array_equal(spikes[0].detach().numpy(), ref.node_outputs["lif0"])
    np.testing.assert_array_equal(spikes[1].detach().numpy(), ref.node_outputs["lif1"])
    np.testing.assert_allclose(out.detach().numpy(), ref.outputs["output"], rtol=1e-12, atol=1e-12)


def test_from_ir_rebuilds_the_same_model(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = SNNClassifier(SNNSpec(input_shape=(5,), hidden=(6,))).double()
    ir.write(to_ir(model), tmp_path / "m.nir")
    back = from_ir(ir.read(tmp_path / "m.nir")).double()
    x = torch.rand(10, 3, 5, dtype=torch.float64) * 3
    torch.testing.assert_close(back(x), model(x))


@pytest.mark.parametrize("name", SURROGATES)
def test_surrogate_gradients(name: str) -> None:
    u = torch.linspace(-1, 1, 21, dtype=torch.float64, requires_grad=True)
    z = spike(u, name, 5.0)
    assert torch.equal(z, (u > 0).double())
    z.sum().backward()
    torch.testing.assert_close(u.grad, surrogate_derivative(name, u.detach(), 5.0))
    assert int(u.grad.argmax()) == 10  # peaked at the threshold
    if name != "triangle":  # smooth derivatives: check them against finite differences
        assert torch.autograd.gradcheck(lambda v: surrogate_derivative(name, v, 5.0),
                                        (torch.randn(7, dtype=torch.float64, requires_grad=True),))


def test_sltt_drops_the_temporal_graph() -> None:
    torch.manual_seed(0)
    x = torch.rand(40, 2, 5) * 3
    for mode in ("bptt", "sltt"):
        model = SNNClassifier(SNNSpec(input_shape=(5,), hidden=(8,), mode=mode))
        model(x).sum().backward()
        assert model.fc[0].weight.grad is not None and model.fc[0].weight.grad.abs().sum() > 0


def test_config_errors(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[train]\nepochs = 2\nlearning_rate = 0.1\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['learning_rate'\]"):
        TrainConfig.from_toml(tmp_path / "c.toml")
    (tmp_path / "bad.toml").write_text("epochs = = 2")
    with pytest.raises(ConfigError, match="invalid TOML"):
        TrainConfig.from_toml(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="mode must be"):
        TrainConfig.from_dict({"mode": "magic"})


RUN = """
import sys
from neurokit.train import TrainConfig, train
cfg = TrainConfig(epochs=3, hidden=(32,), steps=10, dt=0.03, seed=5, threads=1)
stop = int(sys.argv[2]) if len(sys.argv) > 2 else None
train(cfg, sys.argv[1], progress=False, stop_after_epoch=stop, resume=len(sys.argv) > 3)
"""


def test_resume_after_kill_is_bit_exact(tmp_path: Path, event_digits_root: Path) -> None:
    env = {**os.environ, "NEUROKIT_CACHE": str(event_digits_root)}
    script = tmp_path / "run.py"
    script.write_text(RUN)
    subprocess.run([sys.executable, str(script), str(tmp_path / "full")], check=True, env=env)
    # interrupted after epoch 1, then resumed in a fresh process
    subprocess.run([sys.executable, str(script), str(tmp_path / "cut"), "1"], check=True, env=env)
    assert not (tmp_path / "cut" / "model.nir").exists()
    subprocess.run([sys.executable, str(script), str(tmp_path / "cut"), "99", "resume"], check=True, env=env)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "checkpoint.pt", weights_only=True)
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert json.loads(a["history"]) == json.loads(b["history"])
    card = json.loads((tmp_path / "cut" / "summary.json").read_text())
    assert card["test_accuracy_sim"] == card["test_accuracy_torch"]


def test_train_command_smoke(tmp_path: Path, event_digits_root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit.cli import main

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    (tmp_path / "run.toml").write_text("[train]\nhidden = [16]\nsteps = 10\ndt = 0.03\n")
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--epochs", "1", "--out", str(tmp_path / "r")]) == 0
    assert "test accuracy" in capsys.readouterr().out
    for f in ("model.nir", "model_card.md", "metrics.csv", "learning_curves.png", "raster.png", "checkpoint.pt"):
        assert (tmp_path / "r" / f).is_file(), f
    assert main(["train", "--resume", str(tmp_path / "nothing")]) == 2


def test_two_process_data_parallel_training_matches_one_process(tmp_path: Path, event_digits_root: Path,
                                                                monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """``neurokit train --nproc 2`` (torch.distributed, gloo, localhost): each process takes half of
    every global batch; the result equals one process with the same global batch up to float32
    summation order."""
    from neurokit import ir
    from neurokit.cli import main

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    (tmp_path / "run.toml").write_text("[train]\nhidden = [24]\nsteps = 15\ndt = 0.02\nbatch_size = 50\nepochs = 1\n")
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--out", str(tmp_path / "one")]) == 0
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--nproc", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = ir.read(tmp_path / "one" / "model.nir"), ir.read(tmp_path / "two" / "model.nir")
    for name in ("fc0", "readout"):
        w1, w2 = np.asarray(one.nodes[name].weight), np.asarray(two.nodes[name].weight)
        assert np.abs(w1 - w2).max() <= 1e-3 * np.abs(w1).max(), name
        assert np.abs(w1).max() > 0
    h1 = json.loads((tmp_path / "one" / "metrics.json").read_text())
    h2 = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert h2[0]["loss"] == pytest.approx(h1[0]["loss"], rel=1e-4)
    s1 = json.loads((tmp_path / "one" / "summary.json").read_text())
    s2 = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert abs(s1["test_accuracy_sim"] - s2["test_accuracy_sim"]) <= 0.01
    capsys.readouterr()
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--nproc", "64", "--out", str(tmp_path / "x")]) == 2
    assert "smaller than --nproc" in capsys.readouterr().err
