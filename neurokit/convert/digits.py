"""Reference ANNs on the static ``digits`` dataset (for the CLI's default and the benchmark)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def mlp() -> nn.Module:
    """MLP 64-128-64-10."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn() -> nn.Module:
    """A small CNN for 1x8x8 digits."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 16, 10))


ARCHS = {"mlp": mlp, "cnn": cnn}


def train_reference_ann(arch: str = "mlp", *, epochs: int = 60, seed: int = 0) -> tuple[nn.Module, dict[str, np.ndarray]]:
    """Train ``arch`` on digits (fixed split); returns the model and the data arrays."""
    from neurokit.data import Digits

    torch.manual_seed(seed)
    tr, te = Digits(train=True), Digits(train=False)
    data = {"x_train": tr.images, "y_train": tr.targets, "x_test": te.images, "y_test": te.targets}
    model = ARCHS[arch]()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    x, y = torch.from_numpy(tr.images), torch.from_numpy(tr.targets)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        for idx in np.array_split(rng.permutation(len(y)), max(1, len(y) // 64)):
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval(), data


def ann_accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
