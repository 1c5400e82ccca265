"""The Triton LIF kernel (the GPU kernel, run here by Triton's interpreter on CPU tensors) computes
what the autograd step loop computes: spikes bit for bit, gradients to 1e-12 (float64), for every
reset, spike rule, surrogate, BPTT/SLTT, integration and the profile's reset_timing / multi_spike /
v_min; per-neuron parameters and several programs per launch (the neuron indexing and the masking).

Triton is the optional ``gpu`` dependency group (``make test`` installs it and sets
NEUROKIT_REQUIRE_TRITON, so these tests cannot skip there). On a GPU machine
``NEUROKIT_TEST_DEVICE=cuda`` runs the same cases on CUDA tensors: the compiled kernels against torch's
CUDA loop (``tools/bench/device_gpu.sh`` does)."""

from __future__ import annotations

import importlib.util
import itertools
import os
from pathlib import Path

import pytest
import torch

from neurokit.errors import ConfigError
from neurokit.train.layers import KERNEL_ENV, LIFLayer, fused_kernel

DEVICE = os.environ.get("NEUROKIT_TEST_DEVICE", "cpu")


@pytest.fixture(autouse=True)
def triton_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every LIF layer of these tests runs the Triton kernel in Triton's interpreter (scoped to the test)."""
    if importlib.util.find_spec("triton") is None:
        if os.environ.get("NEUROKIT_REQUIRE_TRITON"):
            pytest.fail("NEUROKIT_REQUIRE_TRITON is set but triton is missing: pip install -e '.[gpu]'")
        pytest.skip("triton not installed (pip install -e '.[gpu]'); `make test` sets NEUROKIT_REQUIRE_TRITON so "
                    "this cannot skip there")
    if DEVICE != "cpu" and not torch.cuda.is_available():
        pytest.fail(f"NEUROKIT_TEST_DEVICE={DEVICE} but torch sees no CUDA device")
    monkeypatch.setenv(KERNEL_ENV, "triton")  # CPU tensors: the Triton kernel in the interpreter


def _layers(n: int, seed: int, **kw: object) -> tuple[LIFLayer, LIFLayer]:
    """The same layer twice, Triton kernel and autograd loop, with per-neuron tau and threshold."""
    gen = torch.Generator().manual_seed(seed)
    tau = 0.005 + 0.02 * torch.rand(n, generator=gen, dtype=torch.float64)
    v_th = 0.2 + 0.2 * torch.rand(n, generator=gen, dtype=torch.float64)
    pair = []
    for fused in (True, False):
        layer = LIFLayer(n, fused=fused, v_reset=-0.1, r=3.0, **kw)  # type: ignore[arg-type]
        layer.tau.copy_(tau)
        layer.v_threshold.copy_(v_th)
        pair.append(layer)
    return pair[0], pair[1]


def _run_both(layers: tuple[LIFLayer, LIFLayer], x: torch.Tensor, v0: torch.Tensor, pending0: torch.Tensor | None,
              w: torch.Tensor, device: str = DEVICE) -> list[tuple[torch.Tensor, ...]]:
    results = []
    pend = None if pending0 is None else pending0.to(device)
    for layer in layers:
        layer.to(device)
        xx, vv = x.to(device).clone().requires_grad_(), v0.to(device).clone().requires_grad_()
        z, v_last = layer.run(xx, vv, pend)
        (z * w.to(device)).sum().backward()
        results.append(tuple(t.cpu() for t in (z.detach(), v_last.detach(), xx.grad, vv.grad)))
    return results


def _assert_same(results: list[tuple[torch.Tensor, ...]], tol: float) -> torch.Tensor:
    (z_t, v_t, gx_t, gv_t), (z_l, v_l, gx_l, gv_l) = results
    assert torch.equal(z_t, z_l) and z_t.sum() > 0
    torch.testing.assert_close(v_t, v_l, rtol=tol, atol=tol)
    torch.testing.assert_close(gx_t, gx_l, rtol=tol, atol=tol)
    torch.testing.assert_close(gv_t, gv_l, rtol=tol, atol=tol)
    assert gx_t.abs().max() > 0
    return z_t


# every reset x spike rule x surrogate x BPTT/SLTT; the integration alternates (it only changes the forward)
CASES = [(("exact", "euler")[i % 2], *case) for i, case in enumerate(itertools.product(
    ["zero", "subtract", "none"], [">", ">="], ["fast_sigmoid", "arctan", "triangle", "sigmoid"], ["bptt", "sltt"]))]


@pytest.mark.parametrize(("integration", "reset", "rule", "surrogate", "mode"), CASES)
def test_triton_equals_the_autograd_loop(integration: str, reset: str, rule: str, surrogate: str, mode: str) -> None:
    torch.manual_seed(len(CASES) + CASES.index((integration, reset, rule, surrogate, mode)))
    x = torch.randn(12, 3, 9, dtype=torch.float64) * 0.8 + 0.5
    v0 = torch.randn(3, 9, dtype=torch.float64) * 0.2
    w = torch.randn(12, 3, 9, dtype=torch.float64)
    layers = _layers(9, 1, integration=integration, reset=reset, spike_rule=rule, surrogate=surrogate, mode=mode)
    _assert_same(_run_both(layers, x, v0, None, w), 1e-12)


RULES = list(itertools.product(["exact", "euler"], ["zero", "subtract"], ["same_step", "next_step"], [False, True],
                               [-float("inf"), -0.15]))


@pytest.mark.parametrize(("integration", "reset", "timing", "multi", "v_min"), RULES)
def test_triton_equals_the_autograd_loop_under_the_profile_rules(integration: str, reset: str, timing: str,
                                                                 multi: bool, v_min: float) -> None:
    torch.manual_seed(7)
    x = torch.randn(12, 3, 9, dtype=torch.float64) * 1.5 + 0.4
    v0 = torch.randn(3, 9, dtype=torch.float64) * 0.2
    pending0 = (torch.rand(3, 9) < 0.5).double()
    w = torch.randn(12, 3, 9, dtype=torch.float64)
    layers = _layers(9, 2, integration=integration, reset=reset, reset_timing=timing, multi_spike=multi, v_min=v_min)
    z = _assert_same(_run_both(layers, x, v0, pending0, w), 1e-12)
    assert (z.max() > 1) == multi


def test_several_programs_float32_and_the_numba_kernel_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """600 neurons (three programs of 256, the last one masked), float32: Triton, the autograd loop
    and the Numba kernel give the same spikes; gradients agree to float32 tolerance."""
    torch.manual_seed(3)
    x = torch.randn(10, 2, 300) * 0.8 + 0.6
    v0 = torch.randn(2, 300) * 0.2
    w = torch.randn(10, 2, 300)
    layers = _layers(300, 3, surrogate="arctan")
    results = _run_both(layers, x, v0, None, w)
    assert results[0][0].dtype == torch.float32
    _assert_same(results, 1e-5)
    monkeypatch.setenv(KERNEL_ENV, "numba")
    numba = _run_both(layers, x, v0, None, w, device="cpu")
    _assert_same([results[0], numba[0]], 1e-5)


def test_half_precision_inputs_keep_a_float32_membrane() -> None:
    """bf16 currents (autocast) are integrated in float32: the same spikes as the float32 currents."""
    torch.manual_seed(4)
    x = (torch.randn(8, 2, 16) + 0.7).to(torch.bfloat16).to(DEVICE)
    layer, loop = (m.to(DEVICE) for m in _layers(16, 4))
    z = layer(x)
    assert z.dtype == torch.float32 and torch.equal(z, loop(x.float())) and z.sum() > 0


def test_kernel_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """CUDA tensors run Triton, CPU tensors Numba unless NEUROKIT_LIF_KERNEL=triton; a typo is refused."""
    cpu = torch.zeros(1)
    assert fused_kernel(cpu) == "triton-interpret"
    assert fused_kernel(torch.zeros(1, device="meta")) == "loop"
    monkeypatch.setenv(KERNEL_ENV, "numba")
    assert fused_kernel(cpu) == "numba"
    monkeypatch.setenv(KERNEL_ENV, "cuda")
    with pytest.raises(ConfigError, match="NEUROKIT_LIF_KERNEL='cuda' is not a LIF kernel"):
        fused_kernel(cpu)


FORWARD_RULES = {"EXACT": True, "RESET": 0, "RULE_GE": False, "NEXT_STEP": False, "MULTI": True, "HAS_VMIN": True}


def test_the_kernels_compile_for_an_h200_without_fma_or_approximate_division(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiled for sm_90 here (no GPU needed): the PTX the GPU would run has no fused multiply-add
    (``enable_fp_fusion=False``: each product rounds, as in torch's loop) and divides with IEEE
    ``div.rn`` (multi_spike's count), so spikes can stay equal to torch's; with fusion allowed Triton
    does contract, so the check can fail."""
    from neurokit.train.fused_triton import compile_for_gpu

    monkeypatch.setenv("TRITON_CACHE_DIR", str(tmp_path))  # Triton's compile cache, not the home folder
    fwd32 = compile_for_gpu("forward", "fp32", FP32=True, **FORWARD_RULES)
    assert fwd32["cubin"] and "fma.rn" not in fwd32["ptx"]
    assert "div.rn.f32" in fwd32["ptx"] and "div.full" not in fwd32["ptx"] and "div.approx" not in fwd32["ptx"]
    assert "fma.rn" in compile_for_gpu("forward", "fp32", enable_fp_fusion=True, FP32=True, **FORWARD_RULES)["ptx"]
    bwd64 = compile_for_gpu("backward", "fp64", RESET=1, NEXT_STEP=True, SURROGATE=1, HAS_VMIN=True, SLTT=False)
    assert bwd64["cubin"] and "fma.rn" not in bwd64["ptx"]

