"""The spike-driven transformer (``arch = "transformer"``): it learns, its export runs in neurokit.sim
and the NumPy reference with the torch model's spikes, and ``neurokit train --arch transformer``
trains, exports and reproduces it end to end (a subset of event-digits, tiny sizes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit import ir, sim
from neurokit.dynamics.reference import run_reference
from neurokit.errors import ConfigError
from neurokit.ir import extensions as X
from neurokit.train import TrainConfig, trainer
from neurokit.train.losses import readout_loss
from neurokit.train.model import SNNSpec
from neurokit.train.transformer import SpikeDrivenTransformer, TransformerSizes, parameter_count

SIZES = TransformerSizes(embed_dim=8, blocks=2, patch=4, mlp_hidden=12, attn_threshold=0.2)


def _model(input_shape: tuple[int, ...] = (2, 9, 8), sizes: TransformerSizes = SIZES) -> SpikeDrivenTransformer:
    """A random model whose Q and K weights are positive, so that Q and K often fire together and the
    attention masks open (a random init rarely opens them in so few tokens)."""
    torch.manual_seed(0)
    model = SpikeDrivenTransformer(SNNSpec(input_shape=input_shape, classes=4, dt=0.01), sizes).double()
    with torch.no_grad():
        for block in model.blocks:
            block.q.weight.abs_()
            block.k.weight.abs_()
    return model


def _spikes(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) < 0.3).astype(np.float64)


def _lif_names(g: ir.Graph) -> list[str]:
    """The LIF nodes in the order the torch model returns its spikes (block by block, then lif_out)."""
    per_block = ("lif_in", "lif_q", "lif_k", "lif_v", "lif_mask", "lif_mlp_in", "lif_hidden")
    blocks = sorted({n.split("_")[0] for n in g.nodes if n.startswith("b") and n[1].isdigit()})
    return [f"{b}_{k}" for b in blocks for k in per_block] + ["lif_out"]


@pytest.mark.parametrize("input_shape", [(2, 9, 8), (13,), (2, 13)])
def test_neurokit_sim_and_the_reference_reproduce_the_torch_model(input_shape: tuple[int, ...]) -> None:
    """Every LIF's spikes equal, readout membrane to float tolerance; the attention masks and both
    spike products are exercised (non-zero); 9x8 images crop to 2x2 tokens, (F,) and (C, F) inputs unflatten."""
    model = _model(input_shape, SIZES if len(input_shape) == 3 else TransformerSizes(embed_dim=6, patch=3,
                                                                                         mlp_hidden=5, attn_threshold=0.2))
    x = _spikes((16, 3, *input_shape))
    with torch.no_grad():
        out, hidden = model(torch.from_numpy(x), return_spikes=True)
    g = model.to_ir()
    extensions = {type(n) for n in g.nodes.values() if isinstance(n, X.Extension)}
    assert extensions == ({X.SpikeProduct, X.TokenBroadcast} | ({X.Unflatten} if len(input_shape) < 3 else set()))
    products = [n for n, node in g.nodes.items() if isinstance(node, X.SpikeProduct)]
    rec = sim.simulate(g, x, record=("spikes", *products))
    np.testing.assert_allclose(rec.outputs["output"], out.numpy(), rtol=1e-9, atol=1e-12)
    names = _lif_names(g)
    assert len(names) == len(hidden)
    for name, z in zip(names, hidden):
        np.testing.assert_array_equal(rec.spikes[name].reshape(z.shape), z.numpy() > 0.5, err_msg=name)
    masks = [z for name, z in zip(names, hidden) if name.endswith("lif_mask")]
    assert sum(float(m.sum()) for m in masks) > 0  # the masks open, so the products carry spikes
    assert all(rec.values[p].sum() > 0 for p in products)
    ref = run_reference(g, x, record=tuple(products))
    np.testing.assert_allclose(ref.outputs["output"], out.numpy(), rtol=1e-9, atol=1e-12)
    for p in products:
        np.testing.assert_array_equal(ref.node_outputs[p], rec.values[p])


def test_a_few_training_steps_lower_the_loss() -> None:
    torch.manual_seed(0)
    model = SpikeDrivenTransformer(SNNSpec(input_shape=(2, 8, 8), classes=3, dt=0.01),
                                   TransformerSizes(embed_dim=8, patch=4, mlp_hidden=8))
    x = torch.from_numpy(_spikes((8, 24, 2, 8, 8), seed=1)).float()
    y = torch.arange(24) % 3
    x[:, y == 1, 0, :4] = 1.0  # classes differ in where the events are
    x[:, y == 2, 1, 4:] = 1.0
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses = []
    for _ in range(12):
        loss = readout_loss(model(x), y, "mean_membrane")
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3]), losses
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in model.parameters())
    assert parameter_count(model) == sum(p.numel() for p in model.parameters())


def test_sizes_and_configurations_that_cannot_work_are_refused() -> None:
    with pytest.raises(ConfigError, match="embed_dim must be a whole number >= 1"):
        TransformerSizes(embed_dim=0)
    with pytest.raises(ConfigError, match="attn_threshold must be > 0"):
        TransformerSizes(attn_threshold=0.0)
    with pytest.raises(ConfigError, match=r"reads \(C, H, W\), \(C, F\) or \(F,\) inputs"):
        SpikeDrivenTransformer(SNNSpec(input_shape=(4, 5, 6, 7)))
    with pytest.raises(ConfigError, match="arch = 'transformer' trains with mode = 'bptt'"):
        TrainConfig.from_dict({"arch": "transformer", "mode": "sltt"})
    with pytest.raises(ConfigError, match="blocks = 0 is out of range"):
        TrainConfig.from_dict({"arch": "transformer", "blocks": 0})


@pytest.fixture
def few_digits(event_digits_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """event-digits, the first 64 training and 48 test samples."""
    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    full = trainer.stream_split

    def subset(cfg, train):  # type: ignore[no-untyped-def]
        split = full(cfg, train)
        split.labels = split.labels[:64 if train else 48]
        return split

    monkeypatch.setattr(trainer, "stream_split", subset)


def test_neurokit_train_arch_transformer_trains_exports_and_sim_reproduces(tmp_path: Path, few_digits: None,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from neurokit.cli import main

    out = tmp_path / "run"
    assert main(["train", "--arch", "transformer", "--embed-dim", "4", "--mlp-hidden", "4", "--patch", "8",
                 "--epochs", "2", "--steps", "8", "--dt", "0.04", "--out", str(out)]) == 0
    assert "neurokit.sim on model.nir" in capsys.readouterr().out
    card = json.loads((out / "summary.json").read_text())
    assert card["config"]["arch"] == "transformer" and card["config"]["embed_dim"] == 4
    assert abs(card["test_accuracy_sim"] - card["test_accuracy_torch"]) <= 1 / 48
    assert card["synaptic_ops_per_inference"] > 0
    g = ir.read(out / "model.nir")  # the neurokit file keeps the extension nodes
    assert sum(isinstance(n, X.SpikeProduct) for n in g.nodes.values()) == 2
    assert g.nodes["b0_token_sum"].kernel_size == (2, 2)  # 16x16 in 8x8 patches: 2x2 tokens


def test_synaptic_operations_count_the_spike_products_events() -> None:
    """A Q.K event costs one addition (the token sum); an attention event costs D per population the
    shortcut stream takes it to (the folded count follows the stream through its sum points: block 0
    reaches its MLP input, block 1's input and MLP input and the output LIF, 4 D; block 1 reaches 2 D);
    the AND gates and the mask's copy to the tokens cost none. The trainer records the products."""
    from neurokit.ir.passes.operations import fan_out, run_operations
    from neurokit.train.synops import synaptic_operations

    model = _model()
    x = _spikes((12, 2, 2, 9, 8))
    g = model.to_ir()
    assert X.event_sources(g) == ("b0_qk", "b0_attention", "b1_qk", "b1_attention")
    d = SIZES.embed_dim
    fans = {b: fan_out(g, f"b{b}_attention") for b in (0, 1)}
    assert np.all(fan_out(g, "b0_qk") == 1) and np.all(fans[0] == 4 * d) and np.all(fans[1] == 2 * d)
    rec = sim.simulate(g, x, record=("spikes", *X.event_sources(g)))
    with_products, _ = synaptic_operations(g, rec, x, 12)
    spikes_only, _ = run_operations(g, x, rec.spikes)
    extra = sum(rec.values[f"b{b}_qk"].sum() + fans[b][0] * rec.values[f"b{b}_attention"].sum() for b in (0, 1))
    assert extra > 0 and with_products - spikes_only == pytest.approx(extra / 2)


def test_learned_time_constants_and_thresholds_are_exported() -> None:
    """``learn_neuron = "neuron"``: every LIF's tau and threshold are parameters, and the export
    carries their trained values (sim = torch after a change of them)."""
    torch.manual_seed(0)
    spec = SNNSpec(input_shape=(2, 8, 8), classes=3, dt=0.01, learn_neuron="neuron")
    model = SpikeDrivenTransformer(spec, TransformerSizes(embed_dim=4, patch=4, mlp_hidden=4)).double()
    lifs = [m for m in model.modules() if type(m).__name__ == "LIFLayer"]
    assert lifs and all(isinstance(m.tau, torch.nn.Parameter) for m in lifs if m is not model.output_neurons)
    with torch.no_grad():
        for k, m in enumerate(lifs):
            m.tau.mul_(1.0 + 0.1 * k)
    x = _spikes((10, 2, 2, 8, 8))
    with torch.no_grad():
        out = model(torch.from_numpy(x))
    g = model.to_ir()
    np.testing.assert_allclose(g.nodes["b0_lif_q"].tau, float(model.blocks[0].lif_q.tau.detach()[0]))
    np.testing.assert_allclose(sim.simulate(g, x).outputs["output"], out.numpy(), rtol=1e-9, atol=1e-12)
