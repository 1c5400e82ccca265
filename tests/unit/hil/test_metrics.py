"""Comparison metrics of the harness, on hand-made spike trains."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit.hil.metrics import (accuracy, first_divergence, spike_agreement, spike_count, spike_count_correlation,
                                  van_rossum_distance)


def trains(T: int = 20, B: int = 2, N: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((T, B, N)) < 0.2


def test_identical_runs_agree_fully() -> None:
    a = trains()
    assert spike_agreement({"l": a}, {"l": a.copy()}) == 1.0
    assert first_divergence({"l": a}, {"l": a.copy()}) is None
    assert spike_count_correlation(a, a) == pytest.approx(1.0)
    assert van_rossum_distance(a, a, dt=1e-3, tau=1e-2) == 0.0


def test_first_divergence_finds_step_node_and_neuron() -> None:
    a = {"l1": trains(seed=1), "l2": trains(seed=2)}
    b = {k: v.copy() for k, v in a.items()}
    b["l2"][7, 1, 3] = ~b["l2"][7, 1, 3]
    b["l2"][9, 0, 0] = ~b["l2"][9, 0, 0]
    d = first_divergence(a, b, order=["l1", "l2"])
    assert d is not None and (d.sample, d.step, d.node, d.neuron) == (1, 7, "l2", 3)
    assert (d.expected, d.got) == (bool(a["l2"][7, 1, 3]), bool(b["l2"][7, 1, 3]))
    assert d.describe().startswith("sample 1, step 7, l2[3]: expected ")
    b["l1"][7, 0, 2] = ~b["l1"][7, 0, 2]  # same step upstream: the upstream node is reported
    d = first_divergence(a, b, order=["l1", "l2"])
    assert d is not None and d.node == "l1"


def test_divergence_names_what_was_expected_and_what_came() -> None:
    a = np.zeros((3, 2, 4), bool)
    b = a.copy()
    a[2, 1, 3] = True  # the reference spikes, the test does not
    b[2, 0, 1] = True  # same step, lower sample: reported first
    d = first_divergence({"n": a}, {"n": b})
    assert d is not None and d.as_dict() == {"sample": 0, "step": 2, "node": "n", "neuron": 1, "expected": False,
                                             "got": True}
    assert d.describe() == "sample 0, step 2, n[1]: expected none, got a spike"
    assert spike_count({"n": a, "m": b}) == 2


def test_agreement_is_jaccard_of_spike_events() -> None:
    a = np.zeros((4, 1, 2), bool)
    b = np.zeros((4, 1, 2), bool)
    a[0, 0, 0] = a[1, 0, 1] = b[0, 0, 0] = b[2, 0, 1] = True
    assert spike_agreement({"x": a}, {"x": b}) == pytest.approx(1 / 3)
    assert spike_agreement({"x": np.zeros((3, 1, 1), bool)}, {"x": np.zeros((3, 1, 1), bool)}) == 1.0


def test_van_rossum_of_one_shifted_spike_matches_closed_form() -> None:
    dt, tau = 1e-4, 1e-2
    a = np.zeros((20000, 1, 1), bool)
    b = np.zeros((20000, 1, 1), bool)
    a[100] = True
    b[150] = True  # shifted by 5 ms
    # D^2 = (1/tau) * integral (f_a - f_b)^2 = 1 - exp(-|dt_shift|/tau) for unit exponentials
    expected = np.sqrt(1 - np.exp(-0.005 / tau))
    assert van_rossum_distance(a, b, dt=dt, tau=tau) == pytest.approx(expected, rel=1e-2)


def test_accuracy_from_output_counts() -> None:
    out = np.zeros((5, 3, 4))
    out[:, 0, 2] = 1
    out[:, 1, 1] = 1
    out[:2, 2, 0] = 1
    out[:3, 2, 3] = 1
    assert accuracy(out, np.array([2, 1, 0])) == pytest.approx(2 / 3)
