"""The LSM whose weights are drawn from PCM programming noise, and its software twin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit.backends.crossbar import load_device
from neurokit.backends.crossbar.reservoir import (LSMConfig, device_weights, lsm_graph, reservoir_features,
                                                  reservoir_weights, run_lsm)
from neurokit.errors import InvalidInputError


def test_device_weights_have_the_programming_noise_statistics() -> None:
    pcm = load_device("pcm")
    w = device_weights((400, 500), 0.1, 10.0, pcm, 0.5, np.random.default_rng(0))
    c0, c1, c2 = pcm.prog_coeff
    sigma = (c0 + c1 * 0.5 + c2 * 0.25) * pcm.g_max / 25.0  # sigma_prog at g_t = g_max / 2
    nz = w[w != 0]
    assert abs(len(nz) / w.size - 0.1) < 0.005
    assert nz.std() == pytest.approx(10.0 * np.sqrt(2) * sigma / pcm.g_max, rel=0.03)
    assert abs(nz.mean()) < 3 * nz.std() / np.sqrt(len(nz))


def test_reservoir_weights_are_seeded_and_the_software_twin_matches() -> None:
    cfg = LSMConfig(n_reservoir=150)
    a_in, a_rec = reservoir_weights(cfg, "device", n_inputs=512, seed=3)
    b_in, b_rec = reservoir_weights(cfg, "device", n_inputs=512, seed=3)
    np.testing.assert_array_equal(a_in, b_in)
    np.testing.assert_array_equal(a_rec, b_rec)
    assert not np.array_equal(a_in, reservoir_weights(cfg, "device", n_inputs=512, seed=4)[0])
    assert np.all(np.diag(a_rec) == 0)
    s_in, s_rec = reservoir_weights(cfg, "software", n_inputs=512, seed=3)
    assert s_in[s_in != 0].std() == pytest.approx(a_in[a_in != 0].std(), rel=0.05)
    assert s_rec[s_rec != 0].std() == pytest.approx(a_rec[a_rec != 0].std(), rel=0.1)
    with pytest.raises(InvalidInputError, match="ideal device has no programming noise"):
        reservoir_weights(cfg, "device", n_inputs=512, device="ideal")
    with pytest.raises(InvalidInputError, match="p_rec"):
        LSMConfig(p_rec=0.0)


def test_lsm_separates_event_digits_and_matches_its_software_twin(event_digits_root: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    from neurokit.data import EventDigits, dense_dataset

    cfg = LSMConfig(n_reservoir=120)
    x_tr, y_tr = dense_dataset(EventDigits(train=True), dt=cfg.dt, steps=60, limit=250)
    x_te, y_te = dense_dataset(EventDigits(train=False), dt=cfg.dt, steps=60, limit=120)
    w_in, w_rec = reservoir_weights(cfg, "device", n_inputs=512, seed=0)
    g = lsm_graph(w_in, w_rec, cfg)
    assert g.loop_edges() == {("reservoir", "w_rec")}
    f = reservoir_features(g, x_te[:10], cfg.time_bins)
    assert f.shape == (10, cfg.time_bins * cfg.n_reservoir) and f.sum() > 0
    f_open = reservoir_features(lsm_graph(w_in, 0 * w_rec, cfg), x_te[:10], cfg.time_bins)
    assert not np.array_equal(f, f_open)  # the recurrent loop shapes the activity
    dev = run_lsm(cfg, x_tr, y_tr, x_te, y_te, source="device")
    soft = run_lsm(cfg, x_tr, y_tr, x_te, y_te, source="software")
    assert dev["accuracy"] > 0.6 and soft["accuracy"] > 0.6  # chance is 0.1
    assert abs(dev["accuracy"] - soft["accuracy"]) < 0.1
    assert 1 < dev["rate_hz"] < 200
