"""ANN -> SNN conversion: BN folding, tracing and refusals, normalization, rate equivalence, residuals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from neurokit import ir, sim
from neurokit.convert import (ConversionApproximationWarning, conversion_info, convert, fold_batchnorm, fold_bn,
                              precharge, trace)
from neurokit.errors import InvalidInputError, MappingError


def _bn(n: int, dims: int = 2) -> nn.Module:
    bn = nn.BatchNorm2d(n) if dims == 2 else nn.BatchNorm1d(n)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.3, 0.3)
    return bn.eval()


def test_bn_folding_is_numerically_exact() -> None:
    torch.manual_seed(0)
    conv, bn = nn.Conv2d(3, 5, 3), _bn(5)
    x = torch.randn(4, 3, 8, 8)
    w, b = fold_bn(conv.weight, conv.bias, bn)
    torch.testing.assert_close(nn.functional.conv2d(x, w, b), bn(conv(x)), rtol=1e-5, atol=1e-5)
    model = nn.Sequential(conv, bn, nn.ReLU(), nn.Flatten(), nn.Linear(5 * 36, 7, bias=False), _bn(7, 1)).eval()
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in folded.modules())
    torch.testing.assert_close(folded(x), model(x), rtol=1e-5, atol=1e-5)
    traced = trace(model, x[:2])
    assert [op.kind for op in traced.ops] == ["input", "conv", "relu", "flatten", "linear", "output"]
    np.testing.assert_allclose(traced.ops[1].weight, w.detach().double().numpy(), rtol=1e-6, atol=1e-7)


def test_unsupported_layers_are_all_listed_in_one_error() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.m, self.g = nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.GELU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.a(x)
            return torch.sigmoid(self.g(self.m(y)))

    with pytest.raises(MappingError) as info:
        trace(Net(), torch.rand(2, 1, 8, 8))
    text = str(info.value)
    assert "m: MaxPool2d has no exact rate-coded equivalent" in text and "maxpool='avg'" in text
    assert "g: GELU (g) is not supported" in text and "function sigmoid is not supported" in text
    assert "supported: Linear, Conv2d" in text
    with pytest.raises(MappingError, match="BatchNorm2d must directly follow a Linear or Conv2d"):
        trace(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), _bn(2)), torch.rand(2, 1, 6, 6))
    with pytest.raises(InvalidInputError, match="calibration inputs have shape"):
        convert(nn.Sequential(nn.Linear(4, 2)), torch.rand(10, 5), input_shape=(4,))


def test_maxpool_approximation_is_warned_and_recorded() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 16, 3)).eval()
    with pytest.warns(ConversionApproximationWarning, match="MaxPool2d replaced by AvgPool2d"):
        g = convert(model, torch.rand(50, 1, 8, 8), maxpool="avg")
    assert any(isinstance(n, ir.AvgPool2d) for n in g.nodes.values())
    assert conversion_info(g)["approximations"] == ["pool1 (torch _2): MaxPool2d replaced by AvgPool2d of the same "
                                                     "window (approximation)"]
    assert "pool1" in g.nodes and set(conversion_info(g)["scales"]) == {"if1"}


def _mlp() -> nn.Module:
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 3)).eval()


def _layers(g: ir.Graph) -> tuple[str, str, str]:
    """(first affine, IF layer, readout affine) of a converted 2-layer MLP, following the edges."""
    (first,) = g.successors("input")
    (hidden,) = g.successors(first)
    (second,) = g.successors(hidden)
    assert isinstance(g.nodes[hidden], ir.IF) and g.successors(second) == ["readout"]
    return first, hidden, second


def test_normalization_uses_the_activation_percentile_layer_and_channel_wise() -> None:
    model = _mlp()
    calib = torch.rand(200, 6)
    acts = torch.relu(model[0](calib)).detach().numpy()
    w0 = model[0].weight.detach().double().numpy()
    w1 = model[3].weight.detach().double().numpy()
    g = convert(model, calib, input_shape=(6,), percentile=90.0)
    first, hidden, second = _layers(g)
    lam = np.percentile(acts, 90.0)
    np.testing.assert_allclose(g.nodes[first].weight, w0 / lam, rtol=1e-6)
    np.testing.assert_allclose(g.nodes[first].bias, model[0].bias.detach().double().numpy() / lam, rtol=1e-6)
    np.testing.assert_allclose(g.nodes[second].weight, w1 * lam, rtol=1e-6)  # readout: scale 1, input lambda
    assert np.all(g.nodes[hidden].metadata["v_init"] == 0.5) and g.profile.reset == "subtract"
    assert np.all(g.nodes[hidden].v_threshold == 1.0)
    assert precharge(g)[hidden]["v"].shape == (12,)
    gc = convert(model, calib, input_shape=(6,), percentile=90.0, channelwise=True)
    lam_c = np.percentile(acts, 90.0, axis=0)
    live = lam_c > 0
    first, hidden, second = _layers(gc)
    np.testing.assert_allclose(gc.nodes[first].weight[live], w0[live] / lam_c[live, None], rtol=1e-6)
    np.testing.assert_allclose(gc.nodes[second].weight[:, live], w1[:, live] * lam_c[None, live], rtol=1e-6)


def test_rates_approach_the_relu_output_for_long_runs() -> None:
    """Reset by subtraction: rate x threshold -> clip(relu(a)/lambda, 0, 1) within 1/T (plus the pre-charge)."""
    model = _mlp()
    calib = torch.rand(300, 6)
    g = convert(model, calib, input_shape=(6,), percentile=100.0)
    x = torch.rand(20, 6)
    T = 400
    rec = sim.simulate(g, np.broadcast_to(x.numpy()[None].astype(np.float64), (T, 20, 6)).copy())
    rate = rec.spikes[_layers(g)[1]].mean(axis=0)
    lam = np.percentile(torch.relu(model[0](calib)).detach().numpy(), 100.0)
    expected = np.clip(torch.relu(model[0](x)).detach().numpy() / lam, 0, 1)
    assert np.abs(rate - expected).max() <= 1.5 / T


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = torch.relu(self.conv(x) + x)
        return self.fc(torch.flatten(nn.functional.avg_pool2d(x, 2), 1))


def test_residual_network_readout_approaches_the_ann_logits() -> None:
    torch.manual_seed(3)
    model = _Residual().eval()
    x = torch.rand(8, 1, 8, 8)
    g = convert(model, torch.cat([x, torch.rand(100, 1, 8, 8)]), percentile=100.0)
    kinds = {type(n).__name__ for n in g.nodes.values()}
    assert {"Conv2d", "IF", "AvgPool2d", "Affine", "I"} <= kinds
    T = 600
    rec = sim.run(sim.compile(g), np.broadcast_to(x.numpy()[None].astype(np.float64), (T, 8, 1, 8, 8)).copy(),
                  record=("readout",))
    logits = rec.traces["readout"]["v"][-1] / T
    ann = model(x).detach().numpy()
    assert np.abs(logits - ann).max() <= 0.05 * np.abs(ann).max()
    assert (logits.argmax(1) == ann.argmax(1)).all()


def test_converted_graph_round_trips_through_nir(tmp_path: object) -> None:
    from pathlib import Path

    g = convert(_mlp(), torch.rand(100, 6), input_shape=(6,))
    path = Path(str(tmp_path)) / "m.nir"
    ir.write(g, path)
    back = ir.read(path)
    assert conversion_info(back) == conversion_info(g)
    hidden = _layers(g)[1]
    np.testing.assert_array_equal(back.nodes[hidden].metadata["v_init"], g.nodes[hidden].metadata["v_init"])
    x = np.broadcast_to(np.random.default_rng(0).random((3, 6))[None], (16, 3, 6)).copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = sim.simulate(g, x), sim.simulate(back, x)
    np.testing.assert_array_equal(a.spikes[hidden], b.spikes[hidden])
