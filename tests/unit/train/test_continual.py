"""HLOP: Oja's subspace rule finds the principal subspace numpy's SVD finds, projected updates leave
the layer's response to the stored inputs unchanged, and the task split refuses bad counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neurokit.errors import ConfigError
from neurokit.train.continual import HebbianProjection, oja_subspace, task_classes


def _low_rank(n: int = 3000, dims: int = 24, rank: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(dims, rank)))
    x = rng.normal(size=(n, rank)) * np.array([3.0, 2.0, 1.5, 1.0]) @ basis.T + 0.01 * rng.normal(size=(n, dims))
    return x, basis


def test_oja_subspace_equals_the_svd_principal_subspace() -> None:
    x, _ = _low_rank()
    g = oja_subspace(x, 4, iterations=400)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    top = vt[:4]  # numpy's principal directions
    np.testing.assert_allclose(g @ g.T, np.eye(4), atol=2e-2)  # Hebbian rows: orthonormal
    # the same subspace: projectors agree (sines of the principal angles small)
    np.testing.assert_allclose(g.T @ np.linalg.pinv(g.T), top.T @ top, atol=2e-2)


def test_projected_updates_keep_old_inputs_responses() -> None:
    x, _ = _low_rank(seed=1)
    layer = torch.nn.Linear(24, 5).double()
    hebb = HebbianProjection(24)
    hebb.learn(x, 5, seed=0)  # 4 input directions + the bias direction
    w0, b0 = layer.weight.detach().clone(), layer.bias.detach().clone()
    with torch.no_grad():
        layer.weight.add_(torch.randn(5, 24, dtype=torch.float64))
        layer.bias.add_(torch.randn(5, dtype=torch.float64))
    xt = torch.from_numpy(x[:200])
    before = xt @ w0.T + b0
    unprojected = layer(xt).detach()
    hebb.project(layer, w0, b0)
    after = layer(xt).detach()
    moved = (layer.weight.detach() - w0).abs().max()
    assert moved > 0.1  # the update survives outside the subspace
    # old inputs: outputs change by under 10 % of what the unprojected update changes (the rest: the 1 % noise)
    assert float((after - before).norm()) < 0.1 * float((unprojected - before).norm())
    free = HebbianProjection(24)
    free.q = hebb.q
    layer2 = torch.nn.Linear(24, 5).double()
    w1, b1 = layer2.weight.detach().clone(), layer2.bias.detach().clone()
    with torch.no_grad():
        layer2.weight.add_(1.0)
    free.project(layer2, w1, b1, free_rows=[0])
    torch.testing.assert_close(layer2.weight[0].detach(), w1[0] + 1.0)  # a free row keeps its whole update


def test_task_split() -> None:
    assert task_classes(10, 5) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    with pytest.raises(ConfigError, match="do not split"):
        task_classes(10, 3)
    from neurokit.train.config import TrainConfig

    with pytest.raises(ConfigError, match="continual must be one of"):
        TrainConfig.from_dict({"continual": "ewc2"})
    with pytest.raises(ConfigError, match="mode = 'bptt'"):
        TrainConfig.from_dict({"continual": "hlop", "mode": "sltt"})
