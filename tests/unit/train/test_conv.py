"""The convolutional classifier: exported graph = torch model, trainer runs it end to end, synaptic
operations counted through folded pool+conv chains, and bad configurations refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit import ir, sim
from neurokit.errors import ConfigError
from neurokit.train import TrainConfig
from neurokit.train.conv import ConvSNNClassifier
from neurokit.train.model import SNNSpec
from neurokit.train.synops import fan_out, synaptic_operations


def _model() -> ConvSNNClassifier:
    torch.manual_seed(0)
    return ConvSNNClassifier(SNNSpec(input_shape=(2, 8, 8), dt=0.01, classes=4), channels=(3, 5)).double()


def test_the_export_computes_what_the_model_computes() -> None:
    model = _model()
    x = (torch.rand(12, 3, 2, 8, 8, dtype=torch.float64) < 0.3).double() * 2
    with torch.no_grad():
        out, hidden = model(x, return_spikes=True)
    g = model.to_ir()
    assert [type(g.nodes[n]).__name__ for n in g.topological_order()][:5] == ["Input", "Conv2d", "LIF", "AvgPool2d",
                                                                              "Conv2d"]
    rec = sim.simulate(g, x.numpy(), record=("spikes", "v"))
    li = [n for n in g.topological_order() if isinstance(g.nodes[n], ir.LI)][0]
    np.testing.assert_allclose(rec.traces[li]["v"], out.numpy(), rtol=1e-9, atol=1e-12)
    lifs = [n for n in g.topological_order() if isinstance(g.nodes[n], ir.LIF)]
    for name, z in zip(lifs, hidden):
        np.testing.assert_array_equal(rec.spikes[name].reshape(z.shape), z.numpy())
    assert sum(float(z.sum()) for z in hidden) > 0


def test_synaptic_operations_fold_pool_into_the_next_convolution() -> None:
    """A spike of the first LIF layer reaches one pool output, which feeds a 3x3 conv of 5 channels:
    fan-out 5*9 in the interior (fewer at the border), not 1 + 45."""
    g = _model().to_ir()
    lif1 = [n for n in g.topological_order() if isinstance(g.nodes[n], ir.LIF)][0]
    fan = fan_out(g, lif1).reshape(3, 8, 8)
    assert fan[0, 2, 2] == 5 * 9 and fan[0, 0, 0] == 5 * 4 and fan.max() == 45
    assert np.all(fan_out(g, "input").reshape(2, 8, 8)[:, 1:-1, 1:-1] == 3 * 9)
    x = np.zeros((4, 1, 2, 8, 8))
    x[0, 0, 0, 3, 3] = 2.0  # two input events, nothing else
    rec = sim.simulate(g, x, record=("spikes",))
    synops, dense = synaptic_operations(g, rec, x, 4)
    downstream = sum(float(rec.spikes[n].reshape(4, -1).sum(0) @ fan_out(g, n)) for n in rec.spikes)
    assert synops == pytest.approx(2 * 27 + downstream)  # 2 input events x 27 synapses, then the spikes
    # dense: per step every connection once: conv1 3*2*22^2 (3x3 taps inside an 8x8 map: 22 per axis),
    # pool 3*64, conv2 5*3*10^2, pool 5*16, readout 20*4
    assert dense == 4 * (3 * 2 * 22**2 + 3 * 64 + 5 * 3 * 10**2 + 5 * 16 + 20 * 4)


def test_configurations_that_cannot_work_are_refused() -> None:
    with pytest.raises(ConfigError, match="arch must be one of"):
        TrainConfig.from_dict({"arch": "resnet"})
    with pytest.raises(ConfigError, match="arch = 'conv' trains with mode = 'bptt'"):
        TrainConfig.from_dict({"arch": "conv", "mode": "sltt"})
    with pytest.raises(ConfigError, match="image-shaped inputs"):
        ConvSNNClassifier(SNNSpec(input_shape=(700,)), channels=(8,))
    assert TrainConfig.from_dict({"arch": "conv", "channels": 4}).channels == (4,)


def test_the_trainer_trains_a_conv_net_that_neurokit_sim_reproduces(tmp_path: Path, event_digits_root: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from neurokit.train import train

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    cfg = TrainConfig.from_dict({"arch": "conv", "channels": [4, 8], "steps": 15, "dt": 0.02, "epochs": 3})
    card = train(cfg, tmp_path, progress=False)
    assert abs(card["test_accuracy_sim"] - card["test_accuracy_torch"]) <= 2 / 450
    assert card["test_accuracy_sim"] > 0.3, card["test_accuracy_sim"]  # chance is 0.1
    assert card["synaptic_ops_per_inference"] > 0 and card["dense_macs_same_net"] > card["synaptic_ops_per_inference"]
    g = ir.read(tmp_path / "model.nir")
    assert any(isinstance(n, ir.Conv2d) for n in g.nodes.values())
