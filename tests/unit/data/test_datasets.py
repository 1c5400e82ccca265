"""Datasets: the embedded event-digits, tonic loaders on native-format files, missing-data errors."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit.data import (EventDigits, bin_events, dense_dataset, load_dataset, split_indices)
from neurokit.data.dvs import DVSConfig, emulate
from neurokit.errors import DataNotFoundError


def test_emulation_is_deterministic_for_a_seed() -> None:
    from sklearn.datasets import load_digits

    images = load_digits().images[:40] / 16.0
    a, b = emulate(images, seed=3), emulate(images, seed=3)
    c = emulate(images, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    for ev in a:
        assert ev.dtype.names == ("x", "y", "t", "p")
        assert np.all(np.diff(ev["t"]) >= 0) and ev["t"].max() < 300_000
        assert 0 <= ev["x"].min() and ev["x"].max() < 16 and ev["p"].any() and (~ev["p"]).any()


def test_embedded_dataset_split_and_content(event_digits_root: Path) -> None:
    train, test = EventDigits(train=True, root=event_digits_root), EventDigits(train=False, root=event_digits_root)
    assert (len(train), len(test)) == (1347, 450)
    tr, te = split_indices()
    assert not set(tr) & set(te)
    assert np.bincount(test.targets).min() >= 43  # stratified: 450 x (174..183)/1797 per class
    ev, y = train[0]
    assert 800 < len(ev) < 4000 and 0 <= y <= 9


def test_events_carry_the_digit_linear_classifier(event_digits_root: Path) -> None:
    """A logistic regression on per-saccade ON/OFF counts is far above chance (measured 96.9 %)."""
    from sklearn.linear_model import LogisticRegression

    xs = {}
    for split in (True, False):
        ds = EventDigits(train=split, root=event_digits_root)
        x, y = dense_dataset(ds, dt=0.1, steps=3)
        xs[split] = (x.reshape(len(y), -1), y)
    scale = xs[True][0].std()
    clf = LogisticRegression(max_iter=3000).fit(xs[True][0] / scale, xs[True][1])
    assert clf.score(xs[False][0] / scale, xs[False][1]) >= 0.95


def test_binning_keeps_every_event() -> None:
    ev = np.zeros(5, dtype=[("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)])
    ev["x"] = [0, 1, 2, 3, 15]
    ev["y"] = [0, 0, 1, 1, 15]
    ev["t"] = [0, 9_999, 10_000, 25_000, 299_999]
    ev["p"] = [True, False, True, True, False]
    x = bin_events(ev, (16, 16, 2), dt=0.01, steps=30)
    assert x.shape == (30, 2, 16, 16) and x.sum() == 5
    assert x[0, 1, 0, 0] == 1 and x[0, 0, 0, 1] == 1 and x[1, 1, 1, 2] == 1 and x[2, 1, 1, 3] == 1 and x[29, 0, 15, 15] == 1
    assert bin_events(ev, (16, 16, 2), dt=0.01, steps=2).sum() == 3  # cropped


def _write_nmnist_bin(path: Path, events: list[tuple[int, int, int, int]]) -> None:
    """N-MNIST's 40-bit format: x (8), y (8), p (1) + t (23 bits, µs)."""
    raw = bytearray()
    for x, y, t, p in events:
        raw += bytes([x, y, (p << 7) | ((t >> 16) & 127), (t >> 8) & 255, t & 255])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(raw))


def test_nmnist_loads_from_native_files(tmp_path: Path) -> None:
    for split in ("Train", "Test"):
        for digit in (3, 7):
            _write_nmnist_bin(tmp_path / "NMNIST" / split / str(digit) / "00001.bin",
                              [(1, 2, 10, 1), (5, 6, 2000, 0), (33, 33, 70000, 1)])
    ds = load_dataset("nmnist", data_dir=tmp_path, train=True)
    assert len(ds) == 2 and ds.targets == [3, 7]
    ev, y = ds[0]
    assert y == 3 and ev["x"].tolist() == [1, 5, 33] and ev["t"].tolist() == [10, 2000, 70000] and ev["p"].tolist() == [1, 0, 1]
    assert bin_events(ev, ds.sensor_size, dt=1e-3, steps=100).sum() == 3


def _write_hsd(path: Path) -> None:
    """The Heidelberg spiking datasets' HDF5 layout (SHD and SSC share it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        vlen_f = h5py.vlen_dtype(np.float32)
        vlen_u = h5py.vlen_dtype(np.uint16)
        f.create_dataset("spikes/times", data=np.array([np.array([0.001, 0.002], np.float32), np.array([0.5], np.float32)],
                                                       dtype=object), dtype=vlen_f)
        f.create_dataset("spikes/units", data=np.array([np.array([3, 699], np.uint16), np.array([10], np.uint16)],
                                                       dtype=object), dtype=vlen_u)
        f.create_dataset("labels", data=np.array([4, 19], dtype=np.uint8))
        f.create_dataset("extra/keys", data=np.array([b"k"] * 20))
        f.create_dataset("extra/speaker", data=np.array([0, 1]))


@pytest.mark.parametrize("name,file", [("shd", "SHD/shd_train.h5"), ("ssc", "SSC/ssc_train.h5")])
def test_heidelberg_datasets_load_from_native_hdf5(name: str, file: str, tmp_path: Path) -> None:
    _write_hsd(tmp_path / file)
    ds = load_dataset(name, data_dir=tmp_path, train=True)
    assert len(ds) == 2
    ev, y = ds[0]
    assert y == 4 and ev["x"].tolist() == [3, 699] and ev["t"].tolist() == [1000, 2000]
    assert bin_events(ev, ds.sensor_size, dt=1e-3, steps=5).sum() == 2


def test_dvsgesture_loads_from_native_npy(tmp_path: Path) -> None:
    """tonic's extracted DVS Gesture layout: ibmGestureTrain/user<NN>_<lighting>/<label>.npy, rows x, y, p, t (ms)."""
    folder = tmp_path / "DVSGesture" / "ibmGestureTrain" / "user01_fluorescent"
    folder.mkdir(parents=True)
    np.save(folder / "3.npy", np.array([[10, 20, 1, 0.5], [127, 0, 0, 2.0]]))
    ds = load_dataset("dvsgesture", data_dir=tmp_path, train=True)
    assert len(ds) == 1 and ds.targets == [3]
    ev, y = ds[0]
    assert y == 3 and ev["x"].tolist() == [10, 127] and ev["t"].tolist() == [500, 2000]
    assert bin_events(ev, ds.sensor_size, dt=1e-3, steps=3).sum() == 2


@pytest.mark.parametrize("name,expected", [("nmnist", "NMNIST/Train"), ("shd", "SHD/shd_train.h5"),
                                           ("ssc", "SSC/ssc_train.h5"), ("dvsgesture", "DVSGesture/ibmGestureTrain")])
def test_missing_files_name_what_and_where(name: str, expected: str, tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=expected) as info:
        load_dataset(name, data_dir=tmp_path)
    assert "never downloads" in str(info.value)
    assert info.value.exit_code == 4


def test_unknown_dataset_and_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown dataset 'mnist-3d'"):
        load_dataset("mnist-3d", data_dir=tmp_path)
    with pytest.raises(ValueError, match="needs --data-dir"):
        load_dataset("nmnist")


def test_static_digits() -> None:
    ds = load_dataset("digits", train=False)
    x, y = ds[0]
    assert x.shape == (1, 8, 8) and 0 <= x.min() and x.max() <= 1 and len(ds) == 450


def test_data_show_command(tmp_path: Path, event_digits_root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit.cli import main

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    assert main(["data", "show", "event-digits", "--out", str(tmp_path / "s.png"), "--n", "4"]) == 0
    out = capsys.readouterr().out
    assert "event-digits (train): 1347 samples, 10 classes" in out and "events per sample" in out
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["data", "show", "nmnist", "--data-dir", str(tmp_path)]) == 4
    assert "NMNIST/Train" in capsys.readouterr().err


def test_encoders() -> None:
    from neurokit.data import current, delta, latency, rate

    x = np.array([0.0, 0.5, 1.0])
    r = rate(x, 2000, rng=np.random.default_rng(0))
    assert r.shape == (2000, 3) and r[:, 0].sum() == 0 and abs(r[:, 1].mean() - 0.5) < 0.05 and r[:, 2].all()
    lat = latency(x, 10)
    assert lat.sum(0).tolist() == [0, 1, 1] and lat[0, 2] == 1 and lat[4, 1] == 1
    d = delta(np.array([0.0, 0.3, 0.35, 0.05, 0.05]), threshold=0.2)
    assert d[:, 0].tolist() == [0, 1, 0, 0, 0] and d[:, 1].tolist() == [0, 0, 0, 1, 0]
    assert current(x, 4).shape == (4, 3) and current(x, 4, gain=2)[3, 2] == 2
