r"""Device models for resistive crossbars, read from ``hardware/<name>.toml``.

Weights map to a differential pair :math:`w \propto G^+ - G^-` with :math:`|w_{max}| \to g_{max}`.

* **PCM** (Nandakumar et al. 2019, as in aihwkit's ``PCMLikeNoiseModel``): programming noise
  :math:`G_p = G_t + \sigma_p(G_t)\,\xi`, :math:`\sigma_p = \sum_i c_i (G_t/g_{max})^i`; drift
  :math:`G(t) = G_p ((t + t_0)/t_0)^{-\nu}` with a per-device :math:`\nu`; accumulated 1/f noise
  :math:`G = G(t)(1 + \sigma_r \xi)`, :math:`\sigma_r = Q_s \sqrt{\ln((t + t_{read})/(2 t_{read}))}`.
* **RRAM**: ``levels`` levels in :math:`[g_{min}, g_{max}]`, Gaussian programming and read noise.
* **ideal**: exact.

The chip: ``arrays`` arrays of ``array_rows x array_cols`` cells (a layer larger than one array
is tiled over several, :mod:`~neurokit.backends.crossbar.mapping`).

Faults: stuck-at-on (``g_max``) / stuck-at-off (0) rates; device-to-device variability as a
lognormal gain per device. All randomness comes from a seeded ``np.random.Generator``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.errors import ConfigError, DataNotFoundError
from neurokit.util.hardware import candidates



@dataclass(frozen=True)
class Device:
    """A device table (see ``hardware/*.toml``)."""

    name: str
    kind: str
    g_max: float
    g_min: float = 0.0
    levels: int = 0
    prog_coeff: tuple[float, ...] = ()
    t0: float = 20.0
    t_read: float = 250e-9
    drift_mu: tuple[float, ...] = ()
    drift_sigma: tuple[float, ...] = ()
    read_q: tuple[float, ...] = ()
    prog_sigma: float = 0.0
    read_sigma: float = 0.0
    drift_nu: float = 0.0
    stuck_on_rate: float = 0.0
    stuck_off_rate: float = 0.0
    d2d_sigma: float = 0.0
    energy_pj_per_mac: float = 0.0
    array_rows: int = 256         # cells per array: word lines ...
    array_cols: int = 256         # ... x bit lines (one ADC each)
    arrays: int = 64              # arrays on the chip
    extra: dict[str, Any] = field(default_factory=dict)

    def with_faults(self, **rates: float) -> Device:
        """A copy with other fault rates (``stuck_on_rate``, ``stuck_off_rate``, ``d2d_sigma``)."""
        return replace(self, **rates)

    # -------------------------------------------------------------- programming
    def program(self, g_target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Conductances after programming (noise, level quantization, faults, variability)."""
        g = np.asarray(g_target, dtype=np.float64)
        if self.levels and self.levels > 1:
            lo = self.g_min
            step = (self.g_max - lo) / (self.levels - 1)
            g = np.where(g > 0, lo + np.round((np.clip(g, lo, self.g_max) - lo) / step) * step, 0.0)
        if self.kind == "pcm" and self.prog_coeff:
            rel = g / self.g_max
            sig = self.prog_coeff[0] + sum(c * rel ** (i + 1) for i, c in enumerate(self.prog_coeff[1:]))
            sig = sig * self.g_max / 25.0
            g = np.clip(g + sig * rng.standard_normal(g.shape), 0.0, None)
        elif self.prog_sigma:
            g = np.where(g > 0, np.clip(g + self.prog_sigma * self.g_max * rng.standard_normal(g.shape), 0.0, None), 0.0)
        if self.d2d_sigma:
            g = g * rng.lognormal(0.0, self.d2d_sigma, g.shape)
        if self.stuck_on_rate or self.stuck_off_rate:
            u = rng.random(g.shape)
            g = np.where(u < self.stuck_off_rate, 0.0, g)
            g = np.where((u >= self.stuck_off_rate) & (u < self.stuck_off_rate + self.stuck_on_rate), self.g_max, g)
        return g

    def drift_coefficients(self, g_target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Per-device drift exponents :math:`\\nu`."""
        g = np.asarray(g_target, dtype=np.float64)
        if self.kind == "pcm" and self.drift_mu:
            rel = np.clip(np.abs(g / self.g_max), 1e-7, None)
            a, b, lo, hi = self.drift_mu
            mu = np.clip(a * np.log(rel) + b, lo, hi)
            a, b, lo, hi = self.drift_sigma
            sd = np.clip(a * np.log(rel) + b, lo, hi)
            return np.abs(mu + sd * rng.standard_normal(g.shape))
        return np.full(g.shape, self.drift_nu)

    def at_time(self, g_prog: np.ndarray, nu: np.ndarray, t: float, rng: np.random.Generator) -> np.ndarray:
        """Conductances read ``t`` seconds after programming (drift + accumulated read noise)."""
        g = np.asarray(g_prog, dtype=np.float64)
        if self.kind == "pcm":
            tt = t + self.t0
            g_drift = g * (tt / self.t0) ** (-nu) if tt > self.t0 else g
            q0, expo, qmax = self.read_q
            q_s = np.minimum(q0 / np.maximum((np.abs(g) / self.g_max) ** expo, 1e-3), qmax)
            sig = q_s * np.sqrt(np.log((tt + self.t_read) / (2 * self.t_read)))
            return np.clip(g_drift + np.abs(g_drift) * sig * rng.standard_normal(g.shape), 0.0, None)
        if self.kind == "rram":
            g_drift = g * ((t + self.t0) / self.t0) ** (-nu) if self.drift_nu else g
            return np.clip(g_drift * (1 + self.read_sigma * rng.standard_normal(g.shape)), 0.0, None)
        return g


def load_device(name: str, hardware_dir: Path | None = None) -> Device:
    """The device described by ``hardware/<name>.toml`` (``name`` is a plain name, never a path)."""
    from neurokit.util.hardware import check_name

    check_name(name, "device table")
    dirs = [hardware_dir] if hardware_dir is not None else candidates()
    found = [d / f"{name}.toml" for d in dirs if (d / f"{name}.toml").is_file()]
    if not found:
        devices = sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")
                          if re.search(r'^kind\s*=\s*"(pcm|rram|ideal)"', p.read_text(), re.MULTILINE)})
        raise DataNotFoundError(f"no device table {name!r} in {', '.join(map(str, dirs))}", fix=f"choose one of {devices}")
    path = found[0]
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})", fix="fix the device file") from None
    known = set(Device.__dataclass_fields__)
    extra = {k: v for k, v in data.items() if k not in known}
    clean = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in known}
    try:
        return Device(**clean, extra=extra)
    except TypeError as exc:
        raise ConfigError(f"{path}: {exc}", fix="check the device file's keys") from None
