"""The fused LIF kernel computes what the autograd step loop computes: spikes bit for bit, gradients
to 1e-12 (float64), for every integration, reset, spike rule, surrogate and BPTT/SLTT."""

from __future__ import annotations

import itertools

import pytest
import torch

from neurokit.train.layers import LIFLayer

CASES = list(itertools.product(["exact", "euler"], ["zero", "subtract", "none"], [">", ">="],
                               ["fast_sigmoid", "arctan", "triangle", "sigmoid"], ["bptt", "sltt"]))


@pytest.mark.parametrize(("integration", "reset", "rule", "surrogate", "mode"), CASES)
def test_fused_equals_the_autograd_loop(integration: str, reset: str, rule: str, surrogate: str, mode: str) -> None:
    torch.manual_seed(hash((integration, reset, rule, surrogate, mode)) % 2**31)
    x = torch.randn(40, 3, 9, dtype=torch.float64) * 0.8 + 0.5
    v0 = torch.randn(3, 9, dtype=torch.float64) * 0.2
    w = torch.randn(40, 3, 9, dtype=torch.float64)
    results = []
    for fused in (True, False):
        layer = LIFLayer(9, tau=0.01, integration=integration, reset=reset, spike_rule=rule, surrogate=surrogate,
                         mode=mode, fused=fused, v_threshold=0.3, v_reset=-0.1)
        xx, vv = x.clone().requires_grad_(), v0.clone().requires_grad_()
        z = layer(xx, vv)
        (z * w).sum().backward()
        results.append((z.detach(), xx.grad, vv.grad))
    (z_f, gx_f, gv_f), (z_l, gx_l, gv_l) = results
    assert torch.equal(z_f, z_l) and z_f.sum() > 0
    torch.testing.assert_close(gx_f, gx_l, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gv_f, gv_l, rtol=1e-12, atol=1e-12)


def test_sltt_gradient_has_no_temporal_path() -> None:
    torch.manual_seed(0)
    x = (torch.randn(20, 2, 5, dtype=torch.float64) + 1.0).requires_grad_()
    layer = LIFLayer(5, tau=0.01, v_threshold=0.5, mode="sltt")
    z = layer(x)
    z[-1].sum().backward()  # a loss on the last step only
    assert x.grad is not None and x.grad[:-1].abs().max() == 0 and x.grad[-1].abs().max() > 0


def test_float32_runs_and_matches_in_float32() -> None:
    torch.manual_seed(1)
    x = (torch.randn(50, 4, 16) + 0.7).requires_grad_()
    a, b = LIFLayer(16, v_threshold=0.5), LIFLayer(16, v_threshold=0.5, fused=False)
    za, zb = a(x), b(x)
    assert za.dtype == torch.float32 and torch.equal(za, zb)


RULES = list(itertools.product(["exact", "euler"], ["zero", "subtract"], ["same_step", "next_step"], [False, True],
                               [-float("inf"), -0.15]))


@pytest.mark.parametrize(("integration", "reset", "timing", "multi", "v_min"), RULES)
def test_fused_equals_the_autograd_loop_under_the_profile_rules(integration: str, reset: str, timing: str, multi: bool,
                                                                v_min: float) -> None:
    """reset_timing, multi_spike and v_min: the kernel's spikes and gradients are autograd's."""
    torch.manual_seed(7)
    x = torch.randn(40, 3, 9, dtype=torch.float64) * 1.5 + 0.4
    v0 = torch.randn(3, 9, dtype=torch.float64) * 0.2
    pending0 = (torch.rand(3, 9) < 0.5).double()
    w = torch.randn(40, 3, 9, dtype=torch.float64)
    results = []
    for fused in (True, False):
        layer = LIFLayer(9, tau=0.01, r=3.0, integration=integration, reset=reset, reset_timing=timing,
                         multi_spike=multi, v_min=v_min, fused=fused, v_threshold=0.3, v_reset=-0.1)
        xx, vv = x.clone().requires_grad_(), v0.clone().requires_grad_()
        z, v_last = layer.run(xx, vv, pending0)
        (z * w).sum().backward()
        results.append((z.detach(), v_last.detach(), xx.grad, vv.grad))
    (z_f, v_f, gx_f, gv_f), (z_l, v_l, gx_l, gv_l) = results
    assert torch.equal(z_f, z_l) and z_f.sum() > 0
    assert (z_f.max() > 1) == multi
    torch.testing.assert_close(v_f, v_l, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gx_f, gx_l, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gv_f, gv_l, rtol=1e-12, atol=1e-12)
    if v_min > -float("inf"):
        assert v_f.min() >= v_min
