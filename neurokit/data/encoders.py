r"""Encoders that turn non-event data into spike trains (time-first ``(T, ...)``).

Each is a pure function of NumPy input with a seeded ``np.random.Generator`` where random, and a
small callable class for use as a (tonic/torch-style) transform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rate(x: np.ndarray, steps: int, *, max_prob: float = 1.0, rng: np.random.Generator | None = None) -> np.ndarray:
    r"""Bernoulli rate coding: :math:`P(s_t = 1) = p_{max}\, \mathrm{clip}(x, 0, 1)` independently per step."""
    rng = rng or np.random.default_rng(0)
    p = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0) * max_prob
    return (rng.random((steps, *p.shape)) < p).astype(np.float32)


def poisson(x: np.ndarray, steps: int, *, dt: float, max_rate_hz: float, rng: np.random.Generator | None = None
            ) -> np.ndarray:
    r"""Poisson coding: spike counts per step :math:`\sim \mathrm{Poisson}(r_{max}\, x\, dt)`, capped at 1."""
    rng = rng or np.random.default_rng(0)
    lam = np.clip(np.asarray(x, dtype=np.float64), 0.0, None) * max_rate_hz * dt
    return np.minimum(rng.poisson(lam, (steps, *lam.shape)), 1).astype(np.float32)


def latency(x: np.ndarray, steps: int, *, threshold: float = 0.01, tau: float | None = None) -> np.ndarray:
    r"""Time-to-first-spike: one spike at :math:`t = \lfloor (T-1)(1 - x) \rfloor` (linear) or
    :math:`t = \lfloor \tau \ln(x / (x - \theta)) \rfloor` (RC, if ``tau`` given); none if :math:`x \le \theta`."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    if tau is None:
        t = np.floor((steps - 1) * (1.0 - x))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.floor(tau * np.log(x / np.maximum(x - threshold, 1e-12)))
    t = np.where(x > threshold, np.clip(t, 0, steps - 1), steps)
    out = np.zeros((steps, *x.shape), dtype=np.float32)
    idx = np.nonzero(t < steps)
    out[(t[idx].astype(int), *idx)] = 1.0
    return out


def delta(series: np.ndarray, *, threshold: float) -> np.ndarray:
    r"""Threshold-crossing (delta) coding of a time series ``(T, ...)``: channel 0 spikes when the signal
    rose by :math:`\theta` since the last spike of this channel pair, channel 1 when it fell by :math:`\theta`.
    Returns ``(T, 2, ...)``."""
    s = np.asarray(series, dtype=np.float64)
    ref = s[0].copy()
    out = np.zeros((s.shape[0], 2, *s.shape[1:]), dtype=np.float32)
    for t in range(1, s.shape[0]):
        up = s[t] - ref >= threshold
        down = ref - s[t] >= threshold
        out[t, 0], out[t, 1] = up, down
        ref = np.where(up | down, s[t], ref)
    return out


def current(x: np.ndarray, steps: int, *, gain: float = 1.0) -> np.ndarray:
    r"""Direct current input: the analog value :math:`g\,x` held at every step (first layer integrates it)."""
    return np.broadcast_to(gain * np.asarray(x, dtype=np.float32), (steps, *np.shape(x))).copy()


@dataclass(frozen=True)
class RateEncoder:
    """Transform: :func:`rate` with a fixed seed per call order (use one instance per worker)."""

    steps: int
    max_prob: float = 1.0
    seed: int = 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return rate(x, self.steps, max_prob=self.max_prob, rng=np.random.default_rng(self.seed))


@dataclass(frozen=True)
class LatencyEncoder:
    """Transform: :func:`latency`."""

    steps: int
    threshold: float = 0.01

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return latency(x, self.steps, threshold=self.threshold)


@dataclass(frozen=True)
class CurrentEncoder:
    """Transform: :func:`current`."""

    steps: int
    gain: float = 1.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return current(x, self.steps, gain=self.gain)
