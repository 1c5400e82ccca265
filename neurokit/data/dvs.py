r"""A DVS (event camera) emulator: events from a still image seen by a moving sensor.

Each pixel keeps a reference log intensity :math:`L_{ref}`. When the log intensity it sees,
:math:`L(t) = \log(I(t) + \epsilon)`, moves a contrast threshold :math:`C` (per pixel, drawn
around ``contrast`` with spread ``contrast_sigma``) away from :math:`L_{ref}`, the pixel emits an
ON (:math:`L - L_{ref} \ge C`) or OFF (:math:`L_{ref} - L \ge C`) event and moves
:math:`L_{ref}` by :math:`\pm C`; a pixel is blind for ``refractory_us`` after an event. Background
activity adds Poisson noise events at ``noise_hz`` per pixel. The sensor follows the three
saccades of N-MNIST's recording protocol (a triangle, ~100 ms each), so every digit is seen in
motion; the event time is interpolated linearly inside each simulation step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

EVENT_DTYPE = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)])  # tonic's layout


@dataclass(frozen=True)
class DVSConfig:
    """Sensor and motion parameters (defaults chosen for 8x8 digits shown on a 16x16 sensor)."""

    sensor: int = 16
    saccade_ms: float = 100.0
    amplitude_px: float = 2.0
    step_us: int = 1000
    contrast: float = 0.25
    contrast_sigma: float = 0.02
    refractory_us: int = 1000
    noise_hz: float = 0.5
    eps: float = 0.05


def saccade_path(cfg: DVSConfig) -> np.ndarray:
    """Sensor offset (dy, dx) at each step: three straight saccades around a triangle."""
    a = cfg.amplitude_px
    corners = np.array([[0.0, 0.0], [a, a / 2], [0.0, a], [0.0, 0.0]]) - np.array([a / 2, a / 2])
    steps = int(round(cfg.saccade_ms * 1000 / cfg.step_us))
    segs = [c0 + (c1 - c0) * (np.arange(steps)[:, None] / steps) for c0, c1 in zip(corners[:-1], corners[1:])]
    return np.concatenate(segs + [corners[-1:]])


def _views(images: np.ndarray, cfg: DVSConfig, path: np.ndarray) -> np.ndarray:
    """Intensity seen by the sensor, ``(steps, N, H, W)``, images upscaled and shifted sub-pixel."""
    n, h, w = images.shape
    zoom = (cfg.sensor - 4) / h  # leave a 2-pixel margin for the motion
    up = ndimage.zoom(images, (1, zoom, zoom), order=1)
    canvas = np.zeros((n, cfg.sensor, cfg.sensor))
    o = (cfg.sensor - up.shape[1]) // 2
    canvas[:, o:o + up.shape[1], o:o + up.shape[2]] = up
    out = np.empty((len(path), n, cfg.sensor, cfg.sensor))
    for k, (dy, dx) in enumerate(path):
        out[k] = ndimage.shift(canvas, (0, dy, dx), order=1, mode="constant", cval=0.0)
    return out


def emulate(images: np.ndarray, *, seed: int = 0, cfg: DVSConfig = DVSConfig()) -> list[np.ndarray]:
    """Events for each image in ``images`` ``(N, h, w)`` with values in [0, 1]; deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    n = images.shape[0]
    path = saccade_path(cfg)
    views = _views(np.asarray(images, dtype=np.float64), cfg, path)
    logi = np.log(views + cfg.eps)
    shape = (n, cfg.sensor, cfg.sensor)
    threshold = np.clip(rng.normal(cfg.contrast, cfg.contrast_sigma, shape), 0.02, None)
    ref = logi[0].copy()
    blind_until = np.full(shape, -1, dtype=np.int64)
    prev = logi[0]
    chunks: list[tuple[np.ndarray, ...]] = []
    for k in range(1, len(path)):
        cur = logi[k]
        t0 = (k - 1) * cfg.step_us
        for polarity in (True, False):
            while True:
                diff = (cur - ref) if polarity else (ref - cur)
                fire = diff >= threshold
                if not fire.any():
                    break
                # crossing time inside the step, by linear interpolation of L between steps
                level = ref + threshold if polarity else ref - threshold
                span = np.where(np.abs(cur - prev) > 1e-12, cur - prev, 1e-12)
                frac = np.clip((level - prev) / span, 0.0, 1.0)
                t = t0 + np.minimum(np.floor(frac * cfg.step_us), cfg.step_us - 1).astype(np.int64)
                ok = fire & (t >= blind_until)
                idx = np.nonzero(ok)
                chunks.append((idx[0], idx[2].astype(np.int16), idx[1].astype(np.int16), t[idx], np.full(len(idx[0]), polarity)))
                blind_until = np.where(ok, t + cfg.refractory_us, blind_until)
                ref = np.where(fire, level, ref)  # the reference follows even while blind
        prev = cur
    duration_us = (len(path) - 1) * cfg.step_us
    n_noise = rng.poisson(cfg.noise_hz * duration_us * 1e-6 * np.prod(shape))
    noise = (rng.integers(0, n, n_noise), rng.integers(0, cfg.sensor, n_noise).astype(np.int16),
             rng.integers(0, cfg.sensor, n_noise).astype(np.int16), rng.integers(0, duration_us, n_noise),
             rng.random(n_noise) < 0.5)
    chunks.append(noise)
    sample = np.concatenate([c[0] for c in chunks])
    x = np.concatenate([c[1] for c in chunks])
    y = np.concatenate([c[2] for c in chunks])
    t = np.concatenate([c[3] for c in chunks])
    p = np.concatenate([c[4] for c in chunks])
    order = np.lexsort((p, x, y, t, sample))
    sample, x, y, t, p = sample[order], x[order], y[order], t[order], p[order]
    bounds = np.searchsorted(sample, np.arange(n + 1))
    out = []
    for i in range(n):
        sl = slice(bounds[i], bounds[i + 1])
        ev = np.empty(bounds[i + 1] - bounds[i], dtype=EVENT_DTYPE)
        ev["x"], ev["y"], ev["t"], ev["p"] = x[sl], y[sl], t[sl], p[sl]
        out.append(ev)
    return out
