"""Memory-light SLTT: chunked two-pass gradients equal whole-sequence SLTT back-propagation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from neurokit.train.model import SNNClassifier, SNNSpec
from neurokit.train.sltt import LOGIT_SCALE, sltt_backward


@pytest.mark.parametrize(("chunk", "integration", "rate_reg"), [(1, "exact", 0.0), (7, "exact", 0.1), (50, "euler", 0.05)])
def test_chunked_sltt_equals_whole_sequence_sltt(chunk: int, integration: str, rate_reg: float) -> None:
    torch.manual_seed(chunk)
    spec = SNNSpec(input_shape=(3, 4), hidden=(16, 8), classes=4, mode="sltt", dt=0.01, integration=integration)
    model = SNNClassifier(spec).double()
    x = (torch.rand(37, 5, 3, 4, dtype=torch.float64) < 0.3).double() * 2
    y = torch.randint(0, 4, (5,))
    out, hidden = model(x, return_spikes=True)
    loss = F.cross_entropy(out.mean(0) * LOGIT_SCALE, y) + rate_reg * sum(h.mean() for h in hidden)
    loss.backward()
    whole = [p.grad.clone() for p in model.parameters()]
    assert sum(float(g.abs().sum()) for g in whole) > 0
    model.zero_grad()
    chunked_loss = sltt_backward(model, x, y, rate_reg=rate_reg, chunk=chunk)
    assert chunked_loss == pytest.approx(float(loss.detach()), rel=1e-12)
    for a, p in zip(whole, model.parameters()):
        torch.testing.assert_close(p.grad, a, rtol=1e-10, atol=1e-12)


def test_sltt_backward_refuses_a_bptt_model() -> None:
    model = SNNClassifier(SNNSpec(input_shape=(4,), hidden=(8,), classes=2))
    with pytest.raises(ValueError, match="mode='sltt'"):
        sltt_backward(model, torch.zeros(5, 2, 4), torch.zeros(2, dtype=torch.long))
