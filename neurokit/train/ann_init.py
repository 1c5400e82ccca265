r"""ANN pretraining as a bridge to SNNs (after Lin et al., "Rethinking Pretraining as a Bridge from
ANNs to SNNs", 2022): train (or load) a ReLU network of the SNN's shape on the inputs' event rates,
carry its weights into the SNN with conversion's data-based normalisation
(:mod:`neurokit.convert.normalize`), then fine-tune the SNN with surrogate gradients (the trainer).

The ANN is ``Flatten -> (Linear -> ReLU)* -> Linear`` with the SNN's hidden sizes; its input is the
mean of the binned input over the steps, :math:`\bar x = \frac1T \sum_t x_t` (what a layer's
synaptic current averages to). With :math:`\lambda_l` the ``ann_percentile``-th percentile of ReLU
:math:`l`'s activations on the training inputs (:math:`\lambda_{-1} = 1`), LIF layer :math:`l`
receives

.. math::  W'_l = G_l\,\lambda_l^{-1} W_l \lambda_{l-1}, \qquad b'_l = G_l\,b_l / \lambda_l, \qquad
           G_l = \frac{v_{th} - v_{leak}}{\gamma}

with :math:`\gamma` the neuron's input gain per step (:math:`1 - a`, Euler :math:`k`): an ANN
activation :math:`\lambda_l` (the layer's "maximum") drives the neuron to fire on every step, as
rate :math:`1` codes :math:`\lambda_l` in conversion. The readout gets :math:`W_L \lambda_{L-1}` and
:math:`b_L` (its LI membrane settles at the ANN's logits for rates :math:`a_{L-1}/\lambda_{L-1}`).
A leaky neuron's rate is not linear in its drive, so the start is approximate; fine-tuning closes
the gap. ``init_from_ann = "train"`` trains the ANN first (``ann_epochs``, Adam as
:func:`neurokit.convert.digits.fit`) and saves it as ``OUT/ann.pt``; a path loads such a state dict
(``torch.load(weights_only=True)``). ``OUT/ann.json`` records the ANN's accuracy and the scales.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import fx, nn

from neurokit.convert.normalize import percentile_scale, relu_activations
from neurokit.dynamics.discretisation import input_gain
from neurokit.errors import ConfigError, FileFormatError
from neurokit.util.atomic import atomic_write_text

from .config import TrainConfig
from .model import SNNClassifier


def matching_ann(model: SNNClassifier) -> nn.Sequential:
    """A ReLU MLP with ``model``'s layer sizes (untrained)."""
    sizes = [int(np.prod(model.spec.input_shape)), *model.spec.hidden, model.spec.classes]
    layers: list[nn.Module] = [nn.Flatten()]
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def rate_inputs(x: np.ndarray) -> np.ndarray:
    r"""The ANN's inputs: binned samples ``(N, T, ...)`` averaged over the steps, :math:`\bar x`."""
    return np.asarray(x, dtype=np.float32).mean(axis=1)


def train_ann(ann: nn.Module, x_rate: np.ndarray, y: np.ndarray, *, epochs: int, seed: int) -> nn.Module:
    """Fit ``ann`` on rate inputs (the digits reference training: Adam, cosine schedule, seeded)."""
    from neurokit.convert.digits import fit

    return fit(ann, {"x_train": x_rate, "y_train": y}, epochs=epochs, seed=seed)


def relu_scales(ann: nn.Module, calib: np.ndarray, percentile: float) -> list[np.ndarray]:
    r""":math:`\lambda_l` of every ReLU in order (layer-wise percentile, as conversion's default)."""
    gm = fx.symbolic_trace(ann)
    modules = dict(gm.named_modules())
    names = [n.name for n in gm.graph.nodes if n.op == "call_module" and isinstance(modules[n.target], nn.ReLU)]
    acts = relu_activations(gm, torch.from_numpy(np.asarray(calib, dtype=np.float32)), set(names))
    return [percentile_scale(acts[n].reshape(len(acts[n]), -1), percentile) for n in names]


@torch.no_grad()
def load_ann_weights(model: SNNClassifier, ann: nn.Module, scales: list[np.ndarray]) -> None:
    """Copy ``ann``'s weights into ``model`` with the normalisation of the module docstring."""
    linears = [m for m in ann.modules() if isinstance(m, nn.Linear)]
    if len(linears) != len(model.fc) + 1 or any(
            tuple(a.weight.shape) != tuple(b.weight.shape) for a, b in zip(linears, [*model.fc, model.readout])):
        raise ConfigError("the ANN's layers do not match the SNN's sizes",
                          fix="train the ANN with the same hidden sizes (init_from_ann = 'train' does)")
    lam_in = torch.ones(1, dtype=torch.float64)
    for lin, fc, lif, lam in zip(linears, model.fc, model.lif, scales):
        lam_out = torch.as_tensor(lam, dtype=torch.float64)
        gain = input_gain(lif.tau.detach().to(torch.float64), lif.dt, lif.integration, xp=torch)
        g = ((lif.v_threshold.detach() - lif.v_leak) / (gain * lif.r)).to(torch.float64)
        fc.weight.copy_((g / lam_out).reshape(-1, 1) * lin.weight.to(torch.float64) * lam_in)
        fc.bias.copy_(g / lam_out * lin.bias.to(torch.float64))
        lam_in = lam_out
    model.readout.weight.copy_(linears[-1].weight.to(torch.float64) * lam_in)
    model.readout.bias.copy_(linears[-1].bias)


def init_from_ann(model: SNNClassifier, cfg: TrainConfig, x_train: np.ndarray, y_train: np.ndarray,
                  out: str | os.PathLike[str]) -> dict[str, Any]:
    """Train or load the ANN (``cfg.init_from_ann``), write ``ann.pt``/``ann.json`` into ``out`` and
    start ``model`` from it; returns what ``ann.json`` holds."""
    if not isinstance(model, SNNClassifier) or model.spec.max_delay:
        raise ConfigError("init_from_ann starts an MLP classifier without delays", fix="use arch = 'mlp'")
    ann = matching_ann(model)
    x_rate = rate_inputs(x_train)
    if cfg.init_from_ann == "train":
        torch.manual_seed(cfg.seed)
        train_ann(ann, x_rate, y_train, epochs=cfg.ann_epochs, seed=cfg.seed)
        torch.save(ann.state_dict(), Path(out) / "ann.pt")
    else:
        try:
            ann.load_state_dict(torch.load(cfg.init_from_ann, weights_only=True))
        except (RuntimeError, OSError, EOFError, KeyError) as exc:
            raise FileFormatError(f"cannot load the ANN state dict ({str(exc).splitlines()[0]})",
                                  where=cfg.init_from_ann,
                                  fix="pass a state dict of Flatten -> (Linear -> ReLU)* -> Linear with the SNN's "
                                      "sizes (e.g. a run's ann.pt)") from None
    ann.eval()
    scales = relu_scales(ann, x_rate, cfg.ann_percentile)
    load_ann_weights(model, ann, scales)
    with torch.no_grad():
        acc = float((ann(torch.from_numpy(x_rate)).argmax(1).numpy() == y_train).mean())
    info = {"ann_train_accuracy": acc, "scales": [[float(v) for v in s] for s in scales],
            "percentile": cfg.ann_percentile, "source": cfg.init_from_ann}
    atomic_write_text(Path(out) / "ann.json", json.dumps(info, indent=2) + "\n")
    return info
