"""QCFS activation and its exact SNN equivalent; Dynamic Confidence stopping."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from neurokit import ir, sim
from neurokit.convert import QCFS, calibrate_confidence, confidence_stop, conversion_info, convert, qcfs
from neurokit.errors import InvalidInputError


def test_qcfs_formula_and_straight_through_gradient() -> None:
    act = QCFS(levels=4, lam=2.0)
    x = torch.tensor([-1.0, 0.0, 0.24, 0.26, 0.76, 1.0, 1.9, 2.5, 9.0], requires_grad=True)
    y = act(x)
    expected = 2.0 / 4 * np.clip(np.floor(x.detach().numpy() * 4 / 2.0 + 0.5), 0, 4)
    np.testing.assert_allclose(y.detach().numpy(), expected, atol=1e-6)
    y.sum().backward()
    assert act.lam.grad is not None and x.grad is not None and float(x.grad.abs().sum()) > 0
    with pytest.raises(InvalidInputError, match="levels"):
        QCFS(levels=0)
    with pytest.raises(InvalidInputError, match="lambda"):
        QCFS(levels=2, lam=-1.0)


class _Functional(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(5, 7), nn.Linear(7, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x)))


def test_qcfs_swaps_module_and_functional_relus_with_calibrated_lambda() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)).eval()
    calib = torch.rand(100, 5)
    q = qcfs(model, 4, calib=calib, percentile=99.0)
    assert isinstance(q[1], QCFS) and isinstance(model[1], nn.ReLU)  # a copy; the original is untouched
    expected = np.percentile(torch.relu(model[0](calib)).detach().numpy(), 99.0)
    assert float(q[1].lam.detach()) == pytest.approx(expected, rel=1e-6)
    assert "1.lam" in q.state_dict()
    torch.manual_seed(0)
    fq = qcfs(_Functional().eval(), 2)
    assert sum(isinstance(m, QCFS) for m in fq.modules()) == 1
    assert float(next(m for m in fq.modules() if isinstance(m, QCFS)).lam.detach()) == 8.0


@pytest.mark.parametrize("levels", [2, 4, 8])
def test_if_layer_with_t_equal_levels_reproduces_qcfs_exactly(levels: int) -> None:
    """Constant drive x, threshold lambda, reset by subtraction, pre-charge lambda/2: after T = L
    steps the spike count is clip(floor(x L / lambda + 1/2), 0, L), so lambda * count / L = h(x)."""
    torch.manual_seed(levels)
    model = qcfs(nn.Sequential(nn.Linear(6, 20), nn.ReLU(), nn.Linear(20, 4)).eval(), levels, lam=1.5)
    x = torch.rand(64, 6) * 2
    g = convert(model, x, input_shape=(6,))
    assert conversion_info(g)["qcfs_levels"] == [levels]
    (hidden,) = [n for n, node in g.nodes.items() if isinstance(node, ir.IF)]
    rec = sim.simulate(g, np.broadcast_to(x.numpy()[None].astype(np.float64), (levels, 64, 6)).copy())
    counts = rec.spikes[hidden].sum(axis=0)
    with torch.no_grad():
        h = model[1](model[0](x)).numpy()
    np.testing.assert_allclose(counts * float(model[1].lam.detach()) / levels, h, atol=1e-5)
    assert counts.max() <= levels and (counts > 0).mean() > 0.2 and (counts == levels).any()


def test_confidence_stop_rule() -> None:
    T, B = 10, 3
    readout = np.zeros((T, B, 2))
    readout[:, 0, 0] = np.arange(1, T + 1) * 5.0  # confident from the first step
    readout[:, 1, 1] = np.arange(1, T + 1) * 0.1  # never confident
    readout[5:, 2, 1] = np.arange(1, T - 4) * 20.0  # confident from step 6
    pred, steps = confidence_stop(readout, 0.9)
    assert list(pred) == [0, 1, 1] and list(steps) == [1, T, 6]
    pred, steps = confidence_stop(readout, 0.9, min_steps=3)
    assert list(steps) == [3, T, 6]
    for bad in (0.0, 1.5):
        with pytest.raises(InvalidInputError, match="confidence threshold"):
            confidence_stop(readout, bad)
    with pytest.raises(InvalidInputError, match="min_steps"):
        confidence_stop(readout, 0.9, min_steps=11)


def test_calibrated_threshold_keeps_accuracy_and_saves_steps() -> None:
    from neurokit.convert import evaluate, train_reference_ann

    model, data = train_reference_ann("mlp", epochs=15)
    g = convert(model, data["x_train"][:300])
    th = calibrate_confidence(g, data["x_train"][:300], data["y_train"][:300], 32)
    full = evaluate(g, data["x_train"][:300], data["y_train"][:300], [32], confidence=th)
    dyn = full["dynamic"]  # type: ignore[index]
    assert dyn["accuracy"] >= full["accuracy"]["32"] - 1e-12  # type: ignore[index]
    assert 1 <= dyn["mean_steps"] < 32 and dyn["synops"] < full["synops"]["32"]  # type: ignore[index]
