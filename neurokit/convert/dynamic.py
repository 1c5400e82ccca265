r"""Run-time latency control: Dynamic Confidence (Li et al., ICCV 2023).

After each step :math:`t` the readout gives logits :math:`z(t) = v(t)/t`; the confidence is
:math:`c(t) = \max_k \mathrm{softmax}(z(t))_k`. A sample stops at the first
:math:`t \ge t_{min}` with :math:`c(t) \ge \theta` (or at :math:`T_{max}`) and is classified as
:math:`\arg\max_k z(t)`. The threshold :math:`\theta` is calibrated on training data: the smallest
value of a grid whose accuracy stays within ``tolerance`` of running every sample for
:math:`T_{max}` steps.

The rule only looks at outputs up to :math:`t`, so applying it to the recorded readout of a
:math:`T_{max}`-step simulation gives exactly the decisions and step counts of stopping the run
(what a host does with a chip: read the readout every step, stop the sample, reset it).
"""

from __future__ import annotations

import numpy as np

from neurokit import ir
from neurokit.errors import InvalidInputError

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999, 1.0)


def confidence(readout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per step and sample: ``(confidence, predicted class)`` from the readout membrane ``(T, B, K)``."""
    v = np.asarray(readout, dtype=np.float64)
    T = v.shape[0]
    z = v.reshape(T, v.shape[1], -1) / np.arange(1, T + 1).reshape(T, 1, 1)
    z = z - z.max(axis=2, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=2, keepdims=True)
    return p.max(axis=2), z.argmax(axis=2)


def confidence_stop(readout: np.ndarray, threshold: float, *, min_steps: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``(prediction, steps used)`` per sample under the Dynamic Confidence rule."""
    if not 0 < threshold <= 1:
        raise InvalidInputError(f"confidence threshold must be in (0, 1], got {threshold!r}", fix="e.g. 0.95")
    T = readout.shape[0]
    if not 1 <= min_steps <= T:
        raise InvalidInputError(f"min_steps must be in [1, {T}], got {min_steps}", fix="e.g. min_steps=1")
    conf, pred = confidence(readout)
    ok = conf >= threshold
    ok[:min_steps - 1] = False
    ok[-1] = True
    stop = ok.argmax(axis=0)  # first step index meeting the rule
    idx = np.arange(readout.shape[1])
    return pred[stop, idx], stop + 1


def calibrate_confidence(graph: ir.Graph, images: np.ndarray, labels: np.ndarray, max_steps: int, *,
                         tolerance: float = 0.0, min_steps: int = 1, grid: tuple[float, ...] = THRESHOLDS,
                         simulator: str = "sim") -> float:
    """The smallest threshold of ``grid`` whose accuracy on ``(images, labels)`` (training data) is at
    least the ``max_steps`` accuracy minus ``tolerance``."""
    from .evaluate import run_on_images

    res = run_on_images(graph, images, max_steps, simulator=simulator)  # type: ignore[arg-type]
    labels = np.asarray(labels)
    full = float(np.mean(res.readout[-1].reshape(len(labels), -1).argmax(1) == labels))
    for th in sorted(grid):
        pred, _ = confidence_stop(res.readout, th, min_steps=min_steps)
        if np.mean(pred == labels) >= full - tolerance - 1e-12:
            return float(th)
    return 1.0
