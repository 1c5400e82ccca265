r"""Batch/time layouts: neurokit's layers take **time first**, ``(T, B, *shape)`` (as Norse and
snnTorch's recurrent loops do); other tools hand data over differently:

===============  =====================  =============================================
layout           shape                  who uses it
===============  =====================  =============================================
``time_first``   ``(T, B, *shape)``     neurokit, Norse, snnTorch (``num_steps`` first)
``batch_first``  ``(B, T, *shape)``     torch ``DataLoader`` of tonic frames, Sinabs
``time_last``    ``(B, *shape, T)``     lava-dl (SLAYER), Rockpool's ``(B, T, C)`` aside
===============  =====================  =============================================

:func:`to_time_first` / :func:`from_time_first` convert (views where possible, no copies), and
:func:`fold_time` / :func:`unfold_time` merge time into the batch for stateless layers
(``(T, B, ...) <-> (T*B, ...)``, what :class:`~neurokit.train.sequential.TimeConv2d` does inside).
"""

from __future__ import annotations

import torch

from neurokit.errors import ConfigError

LAYOUTS = ("time_first", "batch_first", "time_last")


def _check(layout: str, x: torch.Tensor) -> None:
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown layout {layout!r}", fix=f"use one of {LAYOUTS}")
    if x.ndim < 2:
        raise ConfigError(f"a sequence batch has at least 2 dimensions (time and batch), got shape {tuple(x.shape)}",
                          fix="add the batch dimension, e.g. x.unsqueeze(1) for one time-first sample")


def to_time_first(x: torch.Tensor, layout: str) -> torch.Tensor:
    """``x`` in ``layout`` as ``(T, B, *shape)``."""
    _check(layout, x)
    if layout == "batch_first":
        return x.transpose(0, 1)
    if layout == "time_last":
        return x.movedim(-1, 0)
    return x


def from_time_first(x: torch.Tensor, layout: str) -> torch.Tensor:
    """``(T, B, *shape)`` as ``layout`` (the inverse of :func:`to_time_first`)."""
    _check(layout, x)
    if layout == "batch_first":
        return x.transpose(0, 1)
    if layout == "time_last":
        return x.movedim(0, -1)
    return x


def fold_time(x: torch.Tensor) -> torch.Tensor:
    """``(T, B, *shape) -> (T*B, *shape)``: every step of every sample as one batch."""
    _check("time_first", x)
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def unfold_time(x: torch.Tensor, steps: int) -> torch.Tensor:
    """``(T*B, *shape) -> (T, B, *shape)`` for ``steps`` = T (the inverse of :func:`fold_time`)."""
    if steps < 1 or x.shape[0] % steps:
        raise ConfigError(f"cannot split a batch of {x.shape[0]} into {steps} time steps",
                          fix="pass the T the batch was folded with")
    return x.reshape(steps, x.shape[0] // steps, *x.shape[1:])


__all__ = ["LAYOUTS", "fold_time", "from_time_first", "to_time_first", "unfold_time"]
