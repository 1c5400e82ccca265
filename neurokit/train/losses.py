r"""Readout losses and decoders of the classifier's output ``(T, B, classes)``.

==================  ==========================  =================================================
``loss``            readout                     loss (:math:`s` = ``LOGIT_SCALE``) / prediction
==================  ==========================  =================================================
``mean_membrane``   LI membrane :math:`v_t`     :math:`\mathrm{CE}(s\,\overline{v}, y)` / argmax of the mean
``max_membrane``    LI membrane                 :math:`\mathrm{CE}(s \max_t v_t, y)` / argmax of the max
``spike_count``     LIF spikes :math:`z_t`      :math:`\mathrm{CE}(\sum_t z_t / \sqrt{T}, y)` / most spikes
``first_spike``     LIF spikes                  :math:`\mathrm{CE}(-\hat t / \tau, y)` / earliest spike
==================  ==========================  =================================================

The first-spike time is :math:`\hat t = \sum_t t\, z_t \prod_{s<t}(1 - z_s) + T \prod_t (1 - z_t)`
(:math:`T` when a neuron never fires); its gradient flows through the surrogate of every
:math:`z_t`. Ties in counts and times go to the lowest class index, in torch and in neurokit.sim.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

LOGIT_SCALE = 5.0
LOSSES = ("mean_membrane", "max_membrane", "spike_count", "first_spike")
SPIKING_READOUT = ("spike_count", "first_spike")


def first_spike_time(z: torch.Tensor) -> torch.Tensor:
    """Differentiable first-spike step ``(B, C)`` of spikes ``(T, B, C)``; ``T`` if none."""
    T = z.shape[0]
    silent_before = torch.cumprod(torch.cat([torch.ones_like(z[:1]), 1 - z[:-1]]), dim=0)  # prod_{s<t} (1 - z_s)
    first = z * silent_before
    steps = torch.arange(T, dtype=z.dtype, device=z.device).reshape(T, *([1] * (z.ndim - 1)))
    return (steps * first).sum(0) + T * (silent_before[-1] * (1 - z[-1]))


def readout_loss(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """The training loss of ``out`` ``(T, B, classes)`` for labels ``y``."""
    if loss == "mean_membrane":
        return F.cross_entropy(out.mean(0) * LOGIT_SCALE, y)
    if loss == "max_membrane":
        return F.cross_entropy(out.max(0).values * LOGIT_SCALE, y)
    if loss == "spike_count":
        return F.cross_entropy(out.sum(0) / math.sqrt(out.shape[0]), y)
    if loss == "first_spike":
        return F.cross_entropy(-first_spike_time(out) / max(1.0, out.shape[0] / 8), y)
    raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")


def predict(out: np.ndarray, loss: str) -> np.ndarray:
    """Class per sample from the output ``(T, B, classes)`` (NumPy: torch or neurokit.sim outputs)."""
    out = np.asarray(out, dtype=np.float64)
    if loss == "max_membrane":
        return out.max(0).argmax(1)
    if loss == "first_spike":
        T = out.shape[0]
        fired = out > 0.5
        first = np.where(fired.any(0), fired.argmax(0), T)
        return first.argmin(1)
    return out.sum(0).argmax(1)  # mean membrane, spike count
