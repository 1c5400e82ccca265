r"""A cochlear front end: sound to spikes of ``channels`` frequency channels.

1. **Filterbank**: ``channels`` 4th-order gammatone filters (:func:`scipy.signal.gammatone`, IIR
   design, Slaney 1993) with centre frequencies equally spaced on the ERB-rate scale
   :math:`E(f) = 21.4 \log_{10}(1 + 0.00437 f)` (Glasberg & Moore 1990). They are applied in the
   frequency domain (Ellis's fast gammatone-gram): every ``hop`` a Hann window of ``window``
   seconds is transformed and the channel's power is

   .. math:: P_c(k) = \sum_f |H_c(f)|^2 \, |X_k(f)|^2

   with :math:`H_c` the filter's frequency response (:func:`scipy.signal.freqz`).
2. **Rectification and compression**: the envelope :math:`\sqrt{P_c}` in dB relative to the
   utterance's loudest channel, mapped linearly onto [0, 1] over ``dynamic_range_db``
   (logarithmic compression, an automatic gain control per utterance).
3. **Spiking encoder**: one integrate-and-fire unit per channel driven at the rate
   :math:`r_c(k) = r_{max}\, c_c(k)^{\gamma}`; its phase :math:`V_c(k) = \phi_c + \sum_{j \le k} r_c(j)\, \Delta`
   (random initial phase :math:`\phi_c \in [0, 1)`) emits a spike each time it crosses an integer,
   at the time found by linear interpolation within the hop, so spike times are continuous.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class CochleaConfig:
    """Front-end settings (defaults: 700 channels, 50 Hz – 7.6 kHz, 2 ms hop)."""

    sample_rate: int = 16_000
    channels: int = 700
    f_min: float = 50.0
    f_max: float = 7_600.0
    window: float = 0.025
    hop: float = 0.002
    n_fft: int = 512
    dynamic_range_db: float = 45.0
    max_rate_hz: float = 150.0
    gamma: float = 3.0


def erb_space(f_min: float, f_max: float, n: int) -> np.ndarray:
    """``n`` frequencies equally spaced on the ERB-rate scale, ascending."""
    erb = lambda f: 21.4 * np.log10(1.0 + 0.00437 * f)  # noqa: E731
    e = np.linspace(erb(f_min), erb(f_max), n)
    return (10 ** (e / 21.4) - 1.0) / 0.00437


@lru_cache(maxsize=4)
def filterbank(cfg: CochleaConfig) -> np.ndarray:
    """``(channels, n_fft // 2 + 1)`` power responses :math:`|H_c(f)|^2` of the gammatone filters."""
    from scipy.signal import freqz, gammatone

    freqs = np.fft.rfftfreq(cfg.n_fft, 1.0 / cfg.sample_rate)
    rows = []
    for cf in erb_space(cfg.f_min, cfg.f_max, cfg.channels):
        b, a = gammatone(float(cf), "iir", fs=cfg.sample_rate)
        _, h = freqz(b, a, worN=freqs, fs=cfg.sample_rate)
        rows.append(np.abs(h) ** 2)
    return np.asarray(rows, dtype=np.float32)


def compressed_envelope(sound: np.ndarray, cfg: CochleaConfig) -> np.ndarray:
    """Steps 1–2: ``(frames, channels)`` compressed envelopes in [0, 1] of a float sound."""
    win = int(round(cfg.window * cfg.sample_rate))
    hop = int(round(cfg.hop * cfg.sample_rate))
    x = np.pad(np.asarray(sound, dtype=np.float32), (win // 2, win // 2))
    n_frames = 1 + max(0, len(x) - win) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop][:n_frames] * np.hanning(win).astype(np.float32)
    from scipy import fft

    power = np.abs(fft.rfft(frames, n=cfg.n_fft, axis=1)) ** 2
    level_db = 10.0 * np.log10(power @ filterbank(cfg).T + 1e-12)  # 10 log10 P = 20 log10 of the envelope
    return np.clip((level_db - level_db.max() + cfg.dynamic_range_db) / cfg.dynamic_range_db, 0.0, 1.0)


def encode(envelope: np.ndarray, cfg: CochleaConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Step 3: spike ``(times in s, channels)`` sorted by time, from ``(frames, channels)`` envelopes."""
    step = np.asarray(cfg.max_rate_hz * envelope ** cfg.gamma * cfg.hop, dtype=np.float64)  # < 1 spike per hop
    phase = np.cumsum(step, axis=0) + rng.random(envelope.shape[1])
    before = np.vstack([phase[:1] - step[:1], phase[:-1]])
    frame, unit = np.nonzero(np.floor(phase) > np.floor(before))
    crossing = np.floor(phase[frame, unit])
    within = (crossing - before[frame, unit]) / step[frame, unit]
    times = (frame + within) * cfg.hop
    order = np.argsort(times, kind="stable")
    return times[order], unit[order]
