"""ANN -> SNN conversion: BN folding, normalization, refusal messages, rate equivalence, report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from neurokit import sim
from neurokit.convert import convert, fold_bn, snn_accuracy, trace
from neurokit.errors import MappingError


def test_bn_folding_is_numerically_exact() -> None:
    torch.manual_seed(0)
    conv, bn = nn.Conv2d(3, 5, 3), nn.BatchNorm2d(5)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.3, 0.3)
    bn.eval()
    x = torch.randn(4, 3, 8, 8)
    w, b = fold_bn(conv.weight, conv.bias, bn)
    torch.testing.assert_close(nn.functional.conv2d(x, w, b), bn(conv(x)), rtol=1e-5, atol=1e-5)
    layers = trace(nn.Sequential(conv, bn, nn.ReLU()))
    assert [L.kind for L in layers] == ["conv", "relu"]
    torch.testing.assert_close(layers[0].weight, w)


def test_unsupported_layers_are_all_listed() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.m, self.g = nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.GELU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.a(x)
            return self.g(self.m(y)) + y.mean()

    with pytest.raises(MappingError) as info:
        trace(Net())
    text = str(info.value)
    assert "MaxPool2d has no rate-coded equivalent" in text and "GELU is not supported" in text
    assert "residual additions" in text


def _mlp() -> nn.Module:
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 3))


def test_normalization_uses_the_activation_percentile() -> None:
    model = _mlp()
    calib = torch.rand(200, 6)
    g = convert(model, calib, input_shape=(6,), percentile=90.0)
    acts = torch.relu(model[0](calib)).detach().numpy()
    lam = np.percentile(acts, 90.0)
    np.testing.assert_allclose(g.nodes["linear0"].weight, model[0].weight.detach().double().numpy() / lam, rtol=1e-6)
    assert np.all(g.nodes["if0"].metadata["v_init"] == 0.5) and g.profile.reset == "subtract"


def test_rates_approach_the_relu_output_for_long_runs() -> None:
    """Reset by subtraction: rate x threshold -> clip(relu(a)/lambda, 0, 1) within 1/T (plus the pre-charge)."""
    model = _mlp()
    calib = torch.rand(300, 6)
    g = convert(model, calib, input_shape=(6,), percentile=100.0)
    x = torch.rand(20, 6)
    T = 400
    rec = sim.simulate(g, np.broadcast_to(x.numpy()[None].astype(np.float64), (T, 20, 6)).copy())
    rate = rec.spikes["if0"].mean(axis=0)
    lam = np.percentile(torch.relu(model[0](calib)).detach().numpy(), 100.0)
    expected = np.clip(torch.relu(model[0](x)).detach().numpy() / lam, 0, 1)
    assert np.abs(rate - expected).max() <= 1.5 / T


def test_snn_accuracy_matches_ann_on_digits_and_report(tmp_path: Path) -> None:
    from neurokit.convert import conversion_report, train_reference_ann

    model, data = train_reference_ann("mlp", epochs=15)
    rep = conversion_report(model, data, timesteps=[8, 32], out_dir=tmp_path)
    assert rep["snn_acc"]["32"] >= rep["ann_acc"] - 0.02
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["ann_macs"] == 64 * 128 + 128 * 64 + 64 * 10 and saved["synops"]["32"] > saved["synops"]["8"] > 0
    assert (tmp_path / "accuracy_vs_timesteps.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "model.nir").is_file()


def test_convert_command_with_a_state_dict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neurokit.cli import main
    from neurokit.convert.digits import mlp

    torch.save(mlp().state_dict(), tmp_path / "w.pt")
    assert main(["convert", str(tmp_path / "w.pt"), "--timesteps", "4,8", "--out", str(tmp_path / "m.nir")]) == 0
    assert "SNN acc" in capsys.readouterr().out and (tmp_path / "m.nir").is_file()
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    assert main(["convert", str(tmp_path / "bad.pt"), "--out", str(tmp_path / "x.nir")]) == 2
