r"""White-box sparse adversarial attacks on spike inputs through surrogate gradients (after Lun et
al., "Towards Effective and Sparse Adversarial Attack on Spiking Neural Networks via Breaking
Invisible Surrogate Gradients", 2024), and their transfer to deployed targets' numeric modes.

The model is the trained classifier rebuilt from its ``.nir`` (:func:`neurokit.train.from_ir`, so
torch computes what the graph computes) in float64. The attack flips events: a flip adds one event
to a bin (:math:`x \leftarrow x + 1`) or removes one (:math:`x \leftarrow x - 1` where
:math:`x \ge 1`). Greedy, per sample, one flip per iteration: with :math:`g = \partial L/\partial x`
of the cross-entropy :math:`L` of the true class (through the surrogate gradients), the flip with
the largest first-order gain :math:`\max(g_i, -g_i [x_i \ge 1])` among the positions not flipped
yet; a sample stops once misclassified. ``success[b]``: the fraction of initially correct samples
misclassified after at most ``b`` flips.

Variants: ``sg`` uses the model's own surrogate; ``pdsg`` (potential-dependent surrogate gradient,
the paper's remedy for gradients that vanish where membranes sit far from threshold) sets each LIF
layer's surrogate width from the spread of its membrane potentials on the attacked batch,
:math:`k_l = 1 / \operatorname{std}(v_l - v_{th})`, recomputed every iteration.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .layers import time_linear
from .losses import LOGIT_SCALE
from .model import SNNClassifier

VARIANTS = ("sg", "pdsg")


def _membrane_spread(model: SNNClassifier, x: torch.Tensor) -> list[float]:
    """Per LIF layer: std of :math:`v - v_{th}` over steps, samples and neurons (no graph)."""
    spreads = []
    with torch.no_grad():
        h = x.reshape(x.shape[0], x.shape[1], -1)
        for fc, lif in zip(model.fc, model.lif):
            cur = time_linear(fc, h)
            params = lif.params(cur.dtype)
            v = params[3].expand(cur.shape[1], lif.n)
            pending, zs, us = None, [], []
            for xt in cur.unbind(0):
                z, v, pending = lif.advance(xt, v, params, pending)
                zs.append(z)
                us.append(v - params[5])
            spreads.append(float(torch.stack(us).std()) or 1.0)
            h = torch.stack(zs)
    return spreads


def sparse_attack(model: SNNClassifier, x: np.ndarray, y: np.ndarray, budget: int, *, variant: str = "sg",
                  loss: str = "mean_membrane") -> dict[str, Any]:
    """Attack inputs ``x`` ``(T, B, *shape)`` (event counts) with labels ``y`` up to ``budget`` flips.

    Returns ``clean_correct`` (B,), ``flips_needed`` (B,: flips to misclassify, -1 if not within the
    budget or wrong already), ``adversarial`` (the inputs after the attack) and ``success`` (per
    budget 0..budget, fraction of clean-correct samples fooled).
    """
    from .losses import predict

    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    net = copy.deepcopy(model).double().eval()
    xt = torch.from_numpy(np.asarray(x, dtype=np.float64))
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    with torch.no_grad():
        clean = predict(net(xt).numpy(), loss) == y
    active = torch.from_numpy(clean.copy())
    flipped = torch.zeros_like(xt, dtype=torch.bool)
    needed = np.full(len(y), -1)
    adv = xt.clone()
    for it in range(budget):
        if not bool(active.any()):
            break
        if variant == "pdsg":
            for lif, spread in zip(net.lif, _membrane_spread(net, adv)):
                lif.scale = 1.0 / spread
        inp = adv.clone().requires_grad_(True)
        out = net(inp)
        F.cross_entropy(out.mean(0) * LOGIT_SCALE, yt, reduction="sum").backward()
        g = inp.grad
        gain = torch.maximum(g, torch.where(adv >= 1, -g, torch.full_like(g, -torch.inf)))
        gain = gain.masked_fill(flipped, -torch.inf)
        flat = gain.transpose(0, 1).reshape(len(y), -1)
        best = flat.argmax(1)
        for b in torch.nonzero(active).flatten().tolist():
            pos = np.unravel_index(int(best[b]), (adv.shape[0], *adv.shape[2:]))
            index = (pos[0], b, *pos[1:])
            step = 1.0 if g[index] >= 0 or adv[index] < 1 else -1.0
            adv[index] += step
            flipped[index] = True
        with torch.no_grad():
            pred = predict(net(adv).numpy(), loss)
        fooled = active.numpy() & (pred != y)
        needed[fooled] = it + 1
        active &= torch.from_numpy(pred == y)
    n_correct = max(1, int(clean.sum()))
    success = [float(np.sum((needed >= 1) & (needed <= b))) / n_correct for b in range(budget + 1)]
    return {"clean_correct": clean, "flips_needed": needed, "adversarial": adv.numpy(), "success": success}


def transfer(graph: Any, clean: np.ndarray, adversarial: np.ndarray, y: np.ndarray, targets: list[str],
             work_dir: Any, loss: str = "mean_membrane") -> dict[str, dict[str, Any]]:
    """The same clean and adversarial inputs on the float model (``neurokit.sim``) and on every
    target's own numeric mode (``Backend.numeric_mode_run`` of its lowered artifact): accuracy on each,
    and ``success``: the fraction of samples the target classifies correctly when clean and wrongly
    when attacked. A target that cannot map the model gives its reason."""
    from pathlib import Path

    from neurokit import sim
    from neurokit.errors import NeurokitError
    from neurokit.hil.worker import resolve_backend

    from .losses import predict

    steps = int(clean.shape[0])
    result: dict[str, dict[str, Any]] = {}

    def score(name: str, run: Any) -> None:
        pc, pa = predict(run(clean), loss), predict(run(adversarial), loss)
        ok = pc == y
        result[name] = {"clean_accuracy": float(ok.mean()), "adversarial_accuracy": float((pa == y).mean()),
                        "success": float(np.sum(ok & (pa != y)) / max(1, ok.sum()))}

    score("float", lambda inp: sim.simulate(graph, inp).outputs["output"])
    for spec in targets:
        try:
            backend = resolve_backend(spec)
            problems = backend.check(graph)
            if problems:
                result[spec] = {"refused": "; ".join(str(p) for p in problems)}
                continue
            artifact = backend.lower(graph, Path(work_dir) / spec.replace(":", "_"), {})
            score(spec, lambda inp: backend.numeric_mode_run(artifact, inp, steps).outputs["output"])
        except NeurokitError as exc:  # a target that cannot map the model: reported, the others still run
            result[spec] = {"refused": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    return result
