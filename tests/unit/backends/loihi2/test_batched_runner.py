"""The Lava runner's batching (samples as block-diagonal copies of the network in one Lava run, and
monitors that save their own records) changes nothing in the results: real Lava, sample by sample,
against one sample per run and against neurokit's Loihi 2 numeric mode (``run_layers``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit.backends.loihi2.board import run_lava_many
from neurokit.backends.loihi2.fixed_point import run_layers
from neurokit.errors import InvalidInputError

from .test_loihi2 import _artifact

pytestmark = [pytest.mark.lava, pytest.mark.usefixtures("lava_runtime")]


def _lif_chain(rng: np.random.Generator) -> list[dict[str, object]]:
    """Graded input with per-synapse delays and an initial membrane, a recurrent layer, and a layer
    with a residual connection from the first: every kind of connection the runner builds."""
    def lif(n: int, n_in: int, graded: bool) -> dict[str, object]:
        return {"n": n, "weights": rng.integers(-128, 128, (n, n_in)) * 2, "weight_exp": int(rng.integers(0, 3)),
                "num_weight_bits": 8, "num_message_bits": 8 if graded else 0, "du": 1000, "dv": 300, "vth": 300,
                "bias_mant": rng.integers(-50, 120, n), "bias_exp": rng.integers(0, 3, n)}
    first, second, third = lif(7, 5, True), lif(6, 7, False), lif(4, 6, False)
    first["delays"] = rng.integers(0, 4, (7, 5))
    first["v_init"] = rng.integers(-(2**12), 2**12, 7)
    second["rec_weights"] = rng.integers(-128, 128, (6, 6)) * 2
    second["rec_weight_exp"] = 1
    third["skip_weights"] = rng.integers(-128, 128, (4, 7)) * 2
    third["skip_weight_exp"], third["skip_source"] = 0, 0
    return [first, second, third]


def _subtractive_chain(rng: np.random.Generator) -> list[dict[str, object]]:
    """An ATRLIF layer (subtractive reset) feeding a LIF layer."""
    atr = {"n": 6, "weights": rng.integers(-128, 128, (6, 5)) * 2, "weight_exp": 2, "num_weight_bits": 8,
           "num_message_bits": 8, "theta_0": 40, "bias_mant": rng.integers(0, 60, 6), "bias_exp": np.full(6, 2)}
    out = {"n": 3, "weights": rng.integers(-128, 128, (3, 6)) * 2, "weight_exp": 1, "num_weight_bits": 8,
           "num_message_bits": 0, "du": 4095, "dv": 0, "vth": 2000, "bias_mant": np.zeros(3, np.int64),
           "bias_exp": np.zeros(3, np.int64)}
    return [atr, out]


def test_batched_lava_runs_equal_one_sample_per_run_and_the_numeric_mode(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    T, B = 24, 5
    nets = [_lif_chain(rng), _subtractive_chain(rng)]
    arts = [_artifact(tmp_path / f"net{k}", layers) for k, layers in enumerate(nets)]
    x = (rng.random((T, B, 5)) < 0.5) * rng.integers(1, 4, (T, B, 5))
    jobs = [(art, x) for art in arts]
    runs = {per_run: run_lava_many(jobs, timeout_s=600, samples_per_run=per_run) for per_run in (1, 2, None)}
    for layers, k in zip(nets, range(len(nets))):
        ours = run_layers(layers, x)
        assert ours["s0"].any() and not ours["s0"].all()  # the first layer spikes, but not always
        for key in ours:
            for per_run, results in runs.items():  # 1: one after another; 2: groups of 2 (and a padded one); all
                np.testing.assert_array_equal(results[k][key], ours[key].astype(np.int64),
                                              err_msg=f"net {k} {key} samples_per_run={per_run}")


def test_samples_per_run_must_be_positive(tmp_path: Path) -> None:
    art = _artifact(tmp_path, _subtractive_chain(np.random.default_rng(0)))
    with pytest.raises(InvalidInputError, match="samples_per_run"):
        run_lava_many([(art, np.zeros((3, 1, 5), np.int64))], samples_per_run=0)
