"""Learnable tau and threshold (PLIF-style): the fused kernel's hand-written parameter gradients equal
autograd's step loop in float64 under every profile rule, per-layer sharing, training moves them,
and the exported IR (learned per-neuron values) runs in neurokit.sim as the torch model does."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from neurokit.train.layers import LIFLayer
from neurokit.train.neuron_params import constrain, learnable_layers, param_groups

RULES = list(itertools.product(["exact", "euler"], ["zero", "subtract", "none"], ["same_step", "next_step"],
                               [False, True], ["bptt", "sltt"]))


def _grads(fused: bool, rule: tuple, learn: str = "neuron", spread: bool = True) -> tuple[torch.Tensor, ...]:
    integration, reset, timing, multi, mode = rule
    if reset == "none" and timing == "next_step":
        reset = "subtract"
    torch.manual_seed(7)
    x = torch.randn(30, 3, 6, dtype=torch.float64) * 0.8 + 0.6
    w = torch.randn(30, 3, 6, dtype=torch.float64)
    layer = LIFLayer(6, tau=0.015, dt=0.004, integration=integration, reset=reset, reset_timing=timing,
                     multi_spike=multi, mode=mode, fused=fused, v_threshold=0.4, v_reset=-0.05,
                     v_min=-0.3 if multi else -float("inf"), learn=learn)
    if spread:  # distinct values per neuron
        with torch.no_grad():
            layer.tau.mul_(torch.linspace(0.7, 1.3, 6, dtype=torch.float64))
            layer.v_threshold.add_(torch.linspace(-0.1, 0.1, 6, dtype=torch.float64))
    xx = x.clone().requires_grad_()
    z = layer(xx)
    (z * w).sum().backward()
    return z.detach(), xx.grad, layer.tau.grad, layer.v_threshold.grad


FAST = [("exact", "zero", "same_step", False, "bptt"), ("euler", "subtract", "same_step", True, "bptt"),
        ("exact", "subtract", "next_step", False, "bptt"), ("euler", "zero", "next_step", True, "sltt"),
        ("exact", "none", "same_step", False, "sltt"), ("exact", "subtract", "same_step", True, "sltt")]


@pytest.mark.parametrize("rule", FAST)
def test_fused_parameter_gradients_equal_autograd(rule: tuple) -> None:
    _check(rule)


@pytest.mark.slow
@pytest.mark.parametrize("rule", [r for r in RULES if r not in FAST])
def test_fused_parameter_gradients_equal_autograd_every_rule(rule: tuple) -> None:
    _check(rule)


def _check(rule: tuple) -> None:
    (z_f, gx_f, gt_f, gth_f), (z_l, gx_l, gt_l, gth_l) = _grads(True, rule), _grads(False, rule)
    assert torch.equal(z_f, z_l) and z_f.sum() > 0
    assert gt_f.abs().max() > 0 and gth_f.abs().max() > 0
    torch.testing.assert_close(gx_f, gx_l, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gt_f, gt_l, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(gth_f, gth_l, rtol=1e-10, atol=1e-12)


def test_per_layer_parameters_share_one_summed_gradient() -> None:
    rule = ("exact", "subtract", "same_step", False, "bptt")
    _, _, gt_layer, gth_layer = _grads(True, rule, learn="layer", spread=False)
    _, _, gt_neuron, gth_neuron = _grads(True, rule, learn="neuron", spread=False)
    assert torch.allclose(gt_layer, torch.full_like(gt_layer, float(gt_layer[0])))
    assert torch.allclose(gth_layer, torch.full_like(gth_layer, float(gth_layer[0])))
    # the shared value's gradient is the sum of the per-neuron ones (same values in both layers)
    assert float(gt_layer[0]) == pytest.approx(float(gt_neuron.sum()), rel=1e-10)
    assert float(gth_layer[0]) == pytest.approx(float(gth_neuron.sum()), rel=1e-10)


def test_training_moves_tau_and_threshold_and_exports_them() -> None:
    from neurokit import ir, sim
    from neurokit.train.model import SNNClassifier, SNNSpec, to_ir

    torch.manual_seed(0)
    model = SNNClassifier(SNNSpec(input_shape=(12,), hidden=(10,), classes=3, dt=0.005, tau_mem=0.02,
                                  learn_neuron="neuron"))
    x = (torch.rand(20, 16, 12) < 0.3).float()
    y = torch.randint(0, 3, (16,))
    opt = torch.optim.Adam(param_groups(model, 1e-2, 0.02), lr=1e-2)
    for _ in range(15):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x).mean(0) * 10, y).backward()
        opt.step()
        constrain(model)
    (lif,) = learnable_layers(model)
    assert lif.tau.detach().std() > 0 and lif.v_threshold.detach().std() > 0
    graph = to_ir(model)
    np.testing.assert_array_equal(graph.nodes["lif0"].tau, lif.tau.detach().numpy())
    np.testing.assert_array_equal(graph.nodes["lif0"].v_threshold, lif.v_threshold.detach().numpy())
    graph = ir.read(_roundtrip(graph))
    xd = x.double()
    model64 = model.double()
    with torch.no_grad():
        out, spikes = model64(xd, return_spikes=True)
    rec = sim.simulate(graph, xd.numpy(), record=("spikes",))
    np.testing.assert_array_equal(rec.spikes["lif0"], spikes[0].numpy())
    np.testing.assert_allclose(rec.outputs["output"], out.numpy(), rtol=1e-9, atol=1e-12)


def _roundtrip(graph):  # type: ignore[no-untyped-def]
    import io

    from neurokit import ir

    buf = io.BytesIO()
    ir.write(graph, buf)
    buf.seek(0)
    return buf
