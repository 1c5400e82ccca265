r"""How two runs of one model differ: the comparison metrics of the hardware-in-the-loop harness.

Spike trains are boolean arrays ``(T, B, N)`` (time, sample, neuron) per node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Divergence:
    """The first place two runs differ: sample, step, node, neuron (flat index into the node's
    shape) and whether the reference (``expected``) and the run under test (``got``) spiked there."""

    sample: int
    step: int
    node: str
    neuron: int
    expected: bool
    got: bool

    def as_dict(self) -> dict[str, object]:
        return {"sample": self.sample, "step": self.step, "node": self.node, "neuron": self.neuron,
                "expected": self.expected, "got": self.got}

    def describe(self) -> str:
        """One line: ``sample 0, step 3, lif1[5]: expected a spike, got none``."""
        word = {True: "a spike", False: "none"}
        return (f"sample {self.sample}, step {self.step}, {self.node}[{self.neuron}]: "
                f"expected {word[self.expected]}, got {word[self.got]}")


def _flat(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    return x.reshape(x.shape[0], x.shape[1], -1).astype(bool)


def spike_agreement(reference: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray]) -> float:
    r"""Fraction of identical spike events over all compared nodes:
    :math:`|S_{ref} \cap S_{test}| / |S_{ref} \cup S_{test}|` (1.0 when neither spikes)."""
    inter = union = 0
    for node, ref in reference.items():
        a, b = _flat(ref), _flat(test[node])
        inter += int(np.count_nonzero(a & b))
        union += int(np.count_nonzero(a | b))
    return 1.0 if union == 0 else inter / union


def first_divergence(reference: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray],
                     order: list[str] | None = None) -> Divergence | None:
    """Earliest step at which any compared node differs; ties go to the earliest node in ``order``
    (topological order: the upstream node is where the error started), then to the lowest sample
    and neuron. ``None`` if identical."""
    best: Divergence | None = None
    for rank, node in enumerate(order or list(reference)):
        a, b = _flat(reference[node]), _flat(test[node])
        diff = np.argwhere(a != b)
        if diff.size == 0:
            continue
        t, s, n = (int(v) for v in diff[0])
        if best is None or t < best.step:
            best = Divergence(sample=s, step=t, node=node, neuron=n, expected=bool(a[t, s, n]), got=bool(b[t, s, n]))
    return best


def spike_count(trains: Mapping[str, np.ndarray]) -> int:
    """Number of spike events over all nodes (a step with a spike counts once)."""
    return int(sum(np.count_nonzero(_flat(z)) for z in trains.values()))


def spike_count_correlation(reference: np.ndarray, test: np.ndarray) -> float:
    """Pearson correlation of per-neuron spike counts (summed over time and samples); 1.0 if both
    are constant and equal, 0.0 if one is constant and they differ."""
    a = _flat(reference).sum(axis=(0, 1)).astype(np.float64)
    b = _flat(test).sum(axis=(0, 1)).astype(np.float64)
    if a.std() == 0 or b.std() == 0:
        return 1.0 if np.array_equal(a, b) else 0.0
    return float(np.corrcoef(a, b)[0, 1])


def van_rossum_distance(reference: np.ndarray, test: np.ndarray, *, dt: float, tau: float) -> float:
    r"""Mean van Rossum distance per neuron and sample:
    :math:`D = \sqrt{\tfrac{1}{\tau}\int (f_{ref} - f_{test})^2\,dt}`, with each train filtered by
    :math:`f(t) = \sum_k e^{-(t - t_k)/\tau} H(t - t_k)` (exact decay per step)."""
    diff = _flat(reference).astype(np.float64) - _flat(test).astype(np.float64)
    decay = np.exp(-dt / tau)
    f = np.zeros(diff.shape[1:])
    acc = np.zeros(diff.shape[1:])
    for t in range(diff.shape[0]):
        f = f * decay + diff[t]
        acc += f * f
    return float(np.sqrt(acc * dt / tau).mean())


def accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Classification accuracy from an output node ``(T, B, classes)``: the class with the
    largest summed output (spike count or summed membrane) wins."""
    scores = np.asarray(outputs).reshape(outputs.shape[0], outputs.shape[1], -1).sum(axis=0)
    return float(np.mean(scores.argmax(axis=1) == np.asarray(labels)))
