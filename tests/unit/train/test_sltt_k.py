"""SLTT-K: back-propagating K chosen steps as one batch equals whole-sequence SLTT autograd of the
same K steps' terms (scaled T/K), K = T equals full SLTT, and the trainer/CLI option runs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from neurokit.train.layers import time_linear
from neurokit.train.model import SNNClassifier, SNNSpec
from neurokit.train.sltt import LOGIT_SCALE, choose_steps, sltt_backward


def _model(timing: str = "same_step", reset: str = "zero", learn: str = "none") -> SNNClassifier:
    torch.manual_seed(3)
    spec = SNNSpec(input_shape=(3, 4), hidden=(16, 8), classes=4, mode="sltt", dt=0.01, reset=reset,
                   reset_timing=timing, learn_neuron=learn)
    return SNNClassifier(spec).double()


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(4)
    return (torch.rand(23, 5, 3, 4, dtype=torch.float64) < 0.3).double() * 2, torch.randint(0, 4, (5,))


@pytest.mark.parametrize(("timing", "reset", "learn", "rate_reg"),
                         [("same_step", "zero", "none", 0.0), ("next_step", "subtract", "neuron", 0.1),
                          ("next_step", "zero", "layer", 0.0)])
def test_k_steps_equal_whole_sequence_autograd_of_those_steps(timing: str, reset: str, learn: str,
                                                              rate_reg: float) -> None:
    model = _model(timing, reset, learn)
    x, y = _data()
    T, K = x.shape[0], 6
    steps = choose_steps(T, K, torch.Generator().manual_seed(1))
    out, hidden = model(x, return_spikes=True)  # whole sequence, SLTT mode: no temporal gradient path
    m = out.mean(0).detach().requires_grad_()
    (g,) = torch.autograd.grad(F.cross_entropy(m * LOGIT_SCALE, y), m)
    r = time_linear(model.readout, hidden[-1])
    a = model.output_neurons.decay(x.dtype)
    idx = torch.tensor(steps)
    w = (1 - a ** (T - idx.double()).reshape(-1, 1, 1)) / T * (T / K)
    obj = (r[idx] * w * g).sum() + rate_reg * sum(h[idx].sum() / (K * 5 * h.shape[2]) for h in hidden)
    obj.backward()
    ref = [p.grad.clone() for p in model.parameters()]
    assert sum(float(gr.abs().sum()) for gr in ref) > 0
    model.zero_grad()
    sltt_backward(model, x, y, rate_reg=rate_reg, chunk=4, steps=steps)
    for want, p in zip(ref, model.parameters()):
        torch.testing.assert_close(p.grad, want, rtol=1e-10, atol=1e-12)


def test_k_equal_to_t_is_full_sltt() -> None:
    model = _model()
    x, y = _data()
    loss_full = sltt_backward(model, x, y, chunk=5)
    full = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    loss_k = sltt_backward(model, x, y, chunk=5, k=x.shape[0])
    assert loss_k == pytest.approx(loss_full, rel=1e-12)
    for want, p in zip(full, model.parameters()):
        torch.testing.assert_close(p.grad, want, rtol=1e-10, atol=1e-12)


def test_bad_k_is_refused() -> None:
    model = _model()
    x, y = _data()
    with pytest.raises(ValueError, match="k must be in"):
        sltt_backward(model, x, y, k=99)
    from neurokit.errors import ConfigError
    from neurokit.train.config import TrainConfig

    with pytest.raises(ConfigError, match="sltt_k needs mode = 'sltt'"):
        TrainConfig.from_dict({"sltt_k": 3})
