"""Layers that feel like snnTorch / Norse: a single-step API equal to the sequence API, their
surrogate names, export from nn.Sequential (Dropout left out), the spiking initialisation and
batch/time layout helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from neurokit.dynamics.reference import run_reference
from neurokit.errors import ConfigError
from neurokit.train.layers import LIFLayer, LILayer
from neurokit.train.layout import fold_time, from_time_first, to_time_first, unfold_time
from neurokit.train.sequential import (CubaLIFLayer, IFLayer, RecurrentLIF, SpikingSequential, TimeAvgPool2d,
                                       TimeConv2d, TimeFlatten, export)
from neurokit.train.surrogate import spike, surrogate_derivative

T, B = 12, 3


def _drive(n: int, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).uniform(0, 60, (T, B, n)))


LAYERS = {
    "lif_fused": lambda: LIFLayer(5, tau=0.01),
    "lif_loop": lambda: LIFLayer(5, tau=0.01, fused=False),
    "lif_next_step_subtract": lambda: LIFLayer(5, tau=0.01, reset="subtract", reset_timing="next_step"),
    "lif_multi_spike": lambda: LIFLayer(5, tau=0.01, reset="subtract", multi_spike=True, v_min=-0.5),
    "li": lambda: LILayer(5, tau=0.01),
    "if": lambda: IFLayer(5, r=40.0, reset="subtract", reset_timing="next_step"),
    "cuba": lambda: CubaLIFLayer(5, tau_syn=0.004, tau_mem=0.01, integration="euler"),
    "recurrent": lambda: RecurrentLIF(5, tau=0.01).double(),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_step_loop_equals_the_sequence(name: str) -> None:
    layer = LAYERS[name]()
    torch.manual_seed(0)
    x = _drive(5)
    whole = layer(x)
    state, steps = None, []
    for x_t in x:
        out, state = layer.step(x_t, state)
        steps.append(out)
    torch.testing.assert_close(torch.stack(steps), whole, rtol=0, atol=1e-12)
    if not isinstance(layer, LILayer):
        assert 0 < float((whole > 0).sum()) < whole.numel()  # some spikes, not everywhere


def test_step_takes_conv_shaped_input_and_refuses_a_sequence() -> None:
    layer = LIFLayer(2 * 3 * 3, tau=0.01)
    x = _drive(18).reshape(T, B, 2, 3, 3)
    z, state = layer.step(x[0])
    assert z.shape == (B, 2, 3, 3) and state.v.shape == (B, 18)
    with pytest.raises(ConfigError, match="pass one time step x\\[t\\]"):
        layer.step(x)


def test_sequential_step_equals_forward_through_conv_pool_and_dropout() -> None:
    torch.manual_seed(0)
    model = SpikingSequential((1, 6, 6), TimeConv2d(1, 4, 3, padding=1), LIFLayer(4 * 36, tau=0.01),
                              TimeAvgPool2d(2), TimeFlatten(), nn.Linear(36, 8), IFLayer(8), nn.Dropout(0.5),
                              nn.Linear(8, 3), LILayer(3, tau=0.02)).double().eval()
    x = torch.from_numpy(np.random.default_rng(1).uniform(0, 4, (T, B, 1, 6, 6)))
    states, outs = None, []
    for x_t in x:
        out, states = model.step(x_t, states)
        outs.append(out)
    torch.testing.assert_close(torch.stack(outs), model(x), rtol=0, atol=1e-12)
    assert [s is None for s in states] == [True, False, True, True, True, False, True, True, False]


@pytest.mark.parametrize(("given", "canonical"), [("atan", "arctan"), ("fast_sigmoid", "fast_sigmoid"),
                                                  ("sigmoid", "sigmoid"), ("triangle", "triangle"),
                                                  ("super", "fast_sigmoid")])
def test_other_libraries_surrogate_names_are_accepted(given: str, canonical: str) -> None:
    assert LIFLayer(4, surrogate=given).surrogate == canonical
    assert IFLayer(4, surrogate=given).surrogate == canonical
    u = torch.linspace(-1, 1, 9, dtype=torch.float64)
    torch.testing.assert_close(surrogate_derivative(given, u, 2.0), surrogate_derivative(canonical, u, 2.0))


def test_atan_is_snntorchs_atan_derivative() -> None:
    """snnTorch's ATan backward: alpha / 2 / (1 + (pi / 2 * alpha * U)^2) (snntorch/surrogate.py)."""
    alpha = 2.0
    u = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    spike(u, "atan", alpha).sum().backward()
    expected = alpha / 2 / (1 + (math.pi / 2 * alpha * u.detach()) ** 2)
    torch.testing.assert_close(u.grad, expected)


@pytest.mark.parametrize(("name", "message"), [
    ("heaviside", "refused: the Heaviside step has no smooth derivative"),
    ("triangular", "refused: snnTorch's triangular"),
    ("tanh", "refused: Norse's tanh"),
    ("boxcar", "unknown surrogate 'boxcar'"),
])
def test_unknown_or_different_surrogates_are_refused_at_construction(name: str, message: str) -> None:
    for build in (lambda: LIFLayer(4, surrogate=name), lambda: CubaLIFLayer(4, surrogate=name),
                  lambda: RecurrentLIF(4, surrogate=name)):
        with pytest.raises(ConfigError, match=message) as err:
            build()
        assert "atan" in str(err.value) and "\n" not in str(err.value)


def test_export_from_plain_nn_sequential_drops_dropout_and_matches_the_reference() -> None:
    torch.manual_seed(0)
    seq = nn.Sequential(TimeFlatten(), nn.Linear(8, 16), nn.Dropout(0.3), LIFLayer(16, tau=0.01), nn.Identity(),
                        nn.Linear(16, 4), LILayer(4, tau=0.02)).double()
    for m in seq:
        if isinstance(m, nn.Linear):
            nn.init.uniform_(m.weight, -1.5, 1.5)
    graph = export(seq, (2, 4))
    assert [type(n).__name__ for n in graph.nodes.values()] == ["Input", "Flatten", "Affine", "LIF", "Affine", "LI",
                                                                "Output"]
    x = np.random.default_rng(2).uniform(0, 40, (T, B, 2, 4))
    seq.eval()
    with torch.no_grad():
        torch_out = seq(torch.from_numpy(x)).numpy()
        assert float(seq[3](seq[1](seq[0](torch.from_numpy(x)))).sum()) > 0  # the LIF layer does spike
    ref = run_reference(graph, x)
    np.testing.assert_allclose(ref.outputs["output"], torch_out, rtol=1e-9, atol=1e-9)
    with pytest.raises(ConfigError, match="use TimeFlatten"):
        export(nn.Sequential(nn.Flatten(), nn.Linear(8, 4), LIFLayer(4)), (2, 4))
    with pytest.raises(ConfigError, match="layer order"):
        export(LIFLayer(4), (4,))


def test_spiking_init_matches_the_builtin_classifier() -> None:
    torch.manual_seed(0)
    model = SpikingSequential((64,), nn.Linear(64, 100), LIFLayer(100), nn.Dropout(0.1), nn.Linear(100, 10),
                              LILayer(10))
    hidden, readout = model.layers[0], model.layers[3]
    assert float(hidden.weight.detach().abs().max()) == pytest.approx(3 / 8, rel=0.05)  # +-3/sqrt(64)
    assert float(readout.weight.detach().abs().max()) == pytest.approx(1 / 10, rel=0.05)  # +-1/sqrt(100)
    assert float(hidden.bias.detach().abs().sum()) == 0.0
    kept = SpikingSequential((64,), lin := nn.Linear(64, 100), LIFLayer(100), init="torch")
    assert kept.layers[0] is lin and float(lin.weight.detach().abs().max()) <= 1 / 8
    with pytest.raises(ConfigError, match="init must be"):
        SpikingSequential((64,), nn.Linear(64, 4), LIFLayer(4), init="xavier")


def test_layout_helpers_round_trip() -> None:
    x = torch.arange(2 * 5 * 3 * 4, dtype=torch.float32).reshape(2, 5, 3, 4)  # (B, T, C, n) batch first
    tf = to_time_first(x, "batch_first")
    assert tf.shape == (5, 2, 3, 4) and torch.equal(tf[4, 1], x[1, 4])
    assert torch.equal(from_time_first(tf, "batch_first"), x)
    lava = x.movedim(1, -1)  # lava-dl: (B, C, n, T)
    assert torch.equal(to_time_first(lava, "time_last"), tf)
    assert torch.equal(from_time_first(tf, "time_last"), lava)
    assert torch.equal(unfold_time(fold_time(tf), 5), tf) and fold_time(tf).shape == (10, 3, 4)
    with pytest.raises(ConfigError, match="unknown layout"):
        to_time_first(x, "BT")
    with pytest.raises(ConfigError, match="cannot split"):
        unfold_time(fold_time(tf), 3)
