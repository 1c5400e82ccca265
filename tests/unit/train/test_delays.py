"""Learnable delays (DCLS): gradients, learning the right lag, export to Delay nodes equal to the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

from neurokit import ir, sim
from neurokit.errors import ConfigError
from neurokit.train import TrainConfig
from neurokit.train.delays import DelayedLinear, dcls_taps, delayed_linear
from neurokit.train.model import SNNClassifier, SNNSpec, to_ir


def test_interpolated_delays_have_correct_gradients() -> None:
    d = (torch.rand(2, 3, dtype=torch.float64) * 3).requires_grad_()
    w = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    x = torch.rand(7, 2, 3, dtype=torch.float64)
    assert gradcheck(lambda d: dcls_taps(d, 3, 0.8), (d,))
    assert gradcheck(lambda d, w: delayed_linear(x, w, dcls_taps(d, 3, 0.8), None), (d, w))


def test_hard_delays_shift_each_synapse_by_its_rounded_lag() -> None:
    layer = DelayedLinear(4, 3, 5, seed=0).double()
    layer.hard = True
    x = (torch.rand(20, 2, 4, dtype=torch.float64) < 0.5).double()
    y = layer(x).detach().numpy()
    lag = layer.rounded_delays().numpy()
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    ref = np.tile(b, (20, 2, 1))
    for o in range(3):
        for i in range(4):
            ref[lag[o, i]:, :, o] += w[o, i] * x[:20 - lag[o, i], :, i].numpy()
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)


def test_gradient_descent_moves_a_delay_to_the_lag_that_aligns_two_spikes() -> None:
    """Input spike at step 2, target output at step 6: the synapse's delay must become 4."""
    layer = DelayedLinear(1, 1, 8, bias=False, sigma=1.5).double()
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.delay.fill_(1.0)
    x = torch.zeros(12, 1, 1, dtype=torch.float64)
    x[2] = 1.0
    opt = torch.optim.SGD([layer.delay], lr=2.0)
    for _ in range(200):
        opt.zero_grad()
        (-layer(x)[6].sum()).backward()
        opt.step()
    assert int(layer.rounded_delays()) == 4


def test_classifier_with_delays_exports_to_delay_nodes_that_run_identically() -> None:
    torch.manual_seed(0)
    model = SNNClassifier(SNNSpec(input_shape=(2, 3), hidden=(10, 6), classes=3, dt=1e-3, max_delay=4)).double()
    for fc in model.fc:
        fc.hard = True
    x = (torch.rand(25, 4, 2, 3, dtype=torch.float64) < 0.4).double() * 2
    out, spikes = model(x, return_spikes=True)
    g = to_ir(model)
    assert any(isinstance(n, ir.Delay) for n in g.nodes.values())
    rec = sim.simulate(g, x.numpy(), record=("spikes", "v"))
    for k, z in enumerate(spikes):
        np.testing.assert_array_equal(rec.spikes[f"lif{k}"], z.detach().numpy() > 0.5)
    assert sum(float(z.detach().sum()) for z in spikes) > 0
    np.testing.assert_allclose(rec.outputs["output"], out.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_training_with_delays_anneals_and_exports(tmp_path: Path, event_digits_root: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from neurokit.train import train

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    cfg = TrainConfig.from_dict({"hidden": [16], "steps": 10, "dt": 0.03, "epochs": 2, "max_delay": 3})
    card = train(cfg, tmp_path, progress=False)
    assert card["test_accuracy_sim"] == card["test_accuracy_torch"] > 0.3  # last epoch: whole-step delays
    g = ir.read(tmp_path / "model.nir")
    assert any(isinstance(n, ir.Delay) for n in g.nodes.values())
    with pytest.raises(ConfigError, match="learnable delays need mode = 'bptt'"):
        TrainConfig.from_dict({"max_delay": 3, "mode": "sltt"})
