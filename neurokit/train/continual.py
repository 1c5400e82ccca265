r"""Task-incremental continual learning with Hebbian orthogonal projection (HLOP; Xiao et al.,
"Hebbian Learning based Orthogonal Projection for Continual Learning of Spiking Neural Networks",
ICLR 2024), with plain fine-tuning and experience replay as baselines.

Tasks: the classes split into ``tasks`` consecutive groups (event-digits, 5 tasks: {0, 1}, {2, 3},
…); each task trains ``epochs`` epochs on its own samples; the loss and the prediction look only
at the task's classes (task-incremental: the task is known at test time).

HLOP: every synaptic layer :math:`l` (hidden projections and readout) has lateral Hebbian neurons
with weights :math:`H_l` (:math:`k \times (n+1)`, the input augmented with a constant 1 for the
bias). After task :math:`t`, ``hlop_dims`` new lateral neurons learn, by Oja's subspace rule on
the part of the task's layer inputs :math:`x` (spikes of every step) that the earlier neurons do
not span, :math:`r = x - H^\top H x`,

.. math::  y = G r, \qquad \Delta G = \eta\,\bigl(y\,r^\top - y\,y^\top G\bigr)

(averaged over the inputs; the rows of :math:`G` converge to an orthonormal basis of the principal
subspace of :math:`r`), then join :math:`H`. While later tasks train, every optimiser update of the
layer's weights and bias :math:`\Delta A = [\Delta W, \Delta b]` is projected orthogonally to the
stored subspace, :math:`\Delta A \leftarrow \Delta A\,(I - Q^\top Q)` with :math:`Q` the
orthonormalised rows of :math:`H` (QR; the Hebbian rows are nearly orthonormal already), so the
layer's response to earlier tasks' inputs changes little. Readout rows of the current and later
tasks' classes are not projected (no earlier task reads them: its prediction looks at its own
classes only). Replay keeps ``replay_per_task`` samples
of each earlier task and adds them to every batch; fine-tuning does nothing.
Reported: the accuracy matrix :math:`a_{t,j}` (task :math:`j` after training task :math:`t`), the
average final accuracy :math:`\frac1N \sum_j a_{N,j}` and the forgetting
:math:`\frac1{N-1} \sum_{j<N} (\max_{t<N} a_{t,j} - a_{N,j})`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neurokit import ir
from neurokit.errors import ConfigError
from neurokit.util.atomic import atomic_write_text

from .config import TrainConfig
from .losses import LOGIT_SCALE

METHODS = ("finetune", "replay", "hlop")


def task_classes(classes: int, tasks: int) -> list[list[int]]:
    """``classes`` split into ``tasks`` consecutive groups of equal size."""
    if tasks < 2 or classes % tasks:
        raise ConfigError(f"{classes} classes do not split into {tasks} equal tasks", fix="e.g. tasks = 5 for 10 classes")
    size = classes // tasks
    return [list(range(t * size, (t + 1) * size)) for t in range(tasks)]


def oja_subspace(r: np.ndarray, k: int, *, iterations: int = 200, lr: float = 0.5, seed: int = 0) -> np.ndarray:
    r"""``k`` Hebbian neurons' weights ``(k, n)`` after Oja's subspace rule on the rows of ``r``
    (inputs scaled so that :math:`E\|r\|^2 = 1`, which bounds the largest eigenvalue by 1)."""
    scale = np.sqrt(np.mean(np.sum(r * r, axis=1))) or 1.0
    x = r / scale
    g = np.random.default_rng(seed).normal(0.0, 0.1 / np.sqrt(x.shape[1]), (k, x.shape[1]))
    for _ in range(iterations):
        y = x @ g.T
        g += lr * (y.T @ x - (y.T @ y) @ g) / len(x)
    return g


class HebbianProjection:
    """The lateral Hebbian neurons of one layer and the projection of its updates."""

    def __init__(self, n_in: int) -> None:
        self.h = np.zeros((0, n_in + 1))
        self.q: torch.Tensor | None = None

    def learn(self, x: np.ndarray, k: int, seed: int) -> None:
        """New neurons on the residual of ``x`` ``(N, n_in)`` (module docstring)."""
        xa = np.concatenate([x, np.ones((len(x), 1))], axis=1)
        r = xa - (xa @ self.q.double().numpy().T) @ self.q.double().numpy() if self.q is not None else xa
        self.h = np.concatenate([self.h, oja_subspace(r, k, seed=seed)])
        q, _ = np.linalg.qr(self.h.T)
        self.q = torch.from_numpy(np.ascontiguousarray(q.T))

    def project(self, layer: nn.Linear, w_old: torch.Tensor, b_old: torch.Tensor,
                free_rows: list[int] | None = None) -> None:
        """Replace the layer's last update by its part orthogonal to the stored subspace (``free_rows``:
        output rows no earlier task reads, left unprojected)."""
        if self.q is None:
            return
        with torch.no_grad():
            delta = torch.cat([layer.weight - w_old, (layer.bias - b_old).unsqueeze(1)], dim=1).double()
            projected = delta - (delta @ self.q.T) @ self.q
            if free_rows:
                projected[free_rows] = delta[free_rows]
            delta = projected
            layer.weight.copy_(w_old + delta[:, :-1].to(w_old.dtype))
            layer.bias.copy_(b_old + delta[:, -1].to(b_old.dtype))


def _layer_inputs(model: nn.Module, x: np.ndarray, limit: int, seed: int) -> list[np.ndarray]:
    """The inputs of every synaptic layer (input frames, hidden spikes), one row per sample and step."""
    with torch.no_grad():
        xt = torch.from_numpy(np.moveaxis(x, 0, 1))
        _, hidden = model(xt, return_spikes=True)
    rows = [xt.reshape(xt.shape[0] * xt.shape[1], -1)] + [h.reshape(h.shape[0] * h.shape[1], -1) for h in hidden]
    pick = np.random.default_rng(seed).permutation(rows[0].shape[0])[:limit]
    return [r.double().numpy()[pick] for r in rows]


def _masked_logits(out: torch.Tensor, classes: list[int]) -> torch.Tensor:
    logits = out.mean(0) * LOGIT_SCALE
    mask = torch.full_like(logits, -torch.inf)
    mask[:, classes] = 0.0
    return logits + mask


def _accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, classes: list[int]) -> float:
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(np.moveaxis(x, 0, 1)))
        pred = _masked_logits(out, classes).argmax(1).numpy()
    model.train()
    return float(np.mean(pred == y))


def train_continual(cfg: TrainConfig, out_dir: str | os.PathLike[str], *, progress: bool = True) -> dict[str, Any]:
    """Train the tasks in order with ``cfg.continual`` (module docstring); writes ``summary.json``
    (accuracy matrix, average accuracy, forgetting) and the final ``model.nir``."""
    from .trainer import build_model, load_split, model_to_ir

    if cfg.continual not in METHODS:
        raise ConfigError(f"continual must be one of {list(METHODS)}, got {cfg.continual!r}", fix="continual = 'hlop'")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    x_tr, y_tr = load_split(cfg, True)
    x_te, y_te = load_split(cfg, False)
    model = build_model(cfg, tuple(int(s) for s in x_tr.shape[2:]), int(max(y_tr.max(), y_te.max())) + 1)
    if cfg.arch != "mlp" or cfg.mode != "bptt" or cfg.max_delay:
        raise ConfigError("continual learning trains the MLP with mode = 'bptt' and no delays",
                          fix="use arch = 'mlp', mode = 'bptt', max_delay = 0")
    groups = task_classes(model.spec.classes, cfg.tasks)
    layers: list[nn.Linear] = [*model.fc, model.readout]
    hebb = [HebbianProjection(layer.in_features) for layer in layers]
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    memory: list[np.ndarray] = []
    acc = np.zeros((len(groups), len(groups)))
    rng = np.random.default_rng(cfg.seed)
    for t, classes in enumerate(groups):
        idx = np.flatnonzero(np.isin(y_tr, classes))
        for epoch in range(cfg.epochs):
            order = rng.permutation(idx)
            for i in range(0, len(order), cfg.batch_size):
                batch = order[i:i + cfg.batch_size]
                if cfg.continual == "replay" and memory:
                    batch = np.concatenate([batch, rng.choice(np.concatenate(memory), size=min(len(batch),
                                                                sum(map(len, memory))), replace=False)])
                xb = torch.from_numpy(np.moveaxis(x_tr[batch], 0, 1))
                yb = torch.from_numpy(y_tr[batch])
                opt.zero_grad()
                out_v = model(xb)
                loss = _task_loss(out_v, yb, groups)
                loss.backward()
                old = [(layer.weight.detach().clone(), layer.bias.detach().clone()) for layer in layers]
                opt.step()
                if cfg.continual == "hlop":  # readout rows of this and later tasks' classes: no old task reads them
                    free = [c for g in groups[t:] for c in g]
                    for h, layer, (w0, b0) in zip(hebb, layers, old):
                        h.project(layer, w0, b0, free if layer is model.readout else None)
        for j in range(t + 1):
            te = np.isin(y_te, groups[j])
            acc[t, j] = _accuracy(model, x_te[te], y_te[te], groups[j])
        if progress:
            print(f"task {t + 1}/{len(groups)} {classes}: " + " ".join(f"{a:.3f}" for a in acc[t, :t + 1]), flush=True)
        if cfg.continual == "hlop" and t < len(groups) - 1:
            for h, x_in in zip(hebb, _layer_inputs(model, x_tr[idx], 1500, cfg.seed + t)):
                h.learn(x_in, cfg.hlop_dims, seed=cfg.seed + t)
        if cfg.continual == "replay":
            memory.append(rng.choice(idx, size=min(cfg.replay_per_task, len(idx)), replace=False))
    n = len(groups)
    final = float(acc[-1].mean())
    forgetting = float(np.mean([acc[:-1, j].max() - acc[-1, j] for j in range(n - 1)]))
    graph = model_to_ir(model)
    ir.write(graph, out / "model.nir")
    card = {"continual": cfg.continual, "tasks": groups, "accuracy_matrix": acc.tolist(), "average_accuracy": final,
            "forgetting": forgetting, "config": cfg.to_dict(),
            "subspace_dims": [int(h.h.shape[0]) for h in hebb] if cfg.continual == "hlop" else []}
    atomic_write_text(out / "summary.json", json.dumps(card, indent=2) + "\n")
    return card


def _task_loss(out: torch.Tensor, y: torch.Tensor, groups: list[list[int]]) -> torch.Tensor:
    """Cross-entropy of every sample over its own task's classes (current and replayed samples alike)."""
    logits = out.mean(0) * LOGIT_SCALE
    task = torch.tensor([next(k for k, g in enumerate(groups) if int(c) in g) for c in y])
    member = torch.zeros(len(groups), logits.shape[1], dtype=torch.bool)
    for k, g in enumerate(groups):
        member[k, g] = True
    return F.cross_entropy(logits.masked_fill(~member[task], -torch.inf), y)
