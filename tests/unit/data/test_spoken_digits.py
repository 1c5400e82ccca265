"""spoken-digits: eSpeak NG digits through the cochlear front end, in the SHD files' layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit.data import BinnedSplit, load_dataset
from neurokit.data.cochlea import CochleaConfig, encode, erb_space
from neurokit.data.spoken_digits import KEYS, SpokenDigitsConfig, spoken_digits_dir

TINY = SpokenDigitsConfig(train_speakers=1, test_speakers=1, repetitions=1, duration=0.8)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return spoken_digits_dir(seed=3, cfg=TINY, root=tmp_path_factory.mktemp("a"))


def test_files_have_the_shd_layout(built: Path) -> None:
    with h5py.File(built / "SHD" / "shd_train.h5", "r") as f:
        assert h5py.check_vlen_dtype(f["spikes/times"].dtype) == np.float16
        assert h5py.check_vlen_dtype(f["spikes/units"].dtype) == np.uint16
        assert f["labels"].dtype == np.uint16 and f["labels"][()].tolist() == list(range(20))
        assert [k.decode() for k in f["extra/keys"][()]] == list(KEYS) and len(KEYS) == 20
        assert f["extra/speaker"][()].tolist() == [0] * 20
        assert set(f["extra/meta_info"]) == {"gender", "age", "body_height"}
        for times, units in zip(f["spikes/times"], f["spikes/units"]):
            assert len(times) == len(units) > 100
            assert np.all(np.diff(times) >= 0) and 0 <= times.min() and times.max() < TINY.duration
            assert units.max() < 700
    with h5py.File(built / "SHD" / "shd_test.h5", "r") as f:
        assert f["extra/speaker"][()].tolist() == [1] * 20  # test speakers are not train speakers


def test_tonic_shd_class_reads_the_files_unchanged(built: Path, tmp_path: Path) -> None:
    """tonic.datasets.SHD itself; its existence check only wants the downloaded archive's name
    beside the extracted file (no hash is checked), so an empty placeholder stands in for it."""
    import tonic

    shutil.copytree(built / "SHD", tmp_path / "SHD")
    for split in ("train", "test"):
        (tmp_path / "SHD" / f"shd_{split}.h5.zip").touch()
    ds = tonic.datasets.SHD(save_to=str(tmp_path), train=False)
    assert len(ds) == 20 and [k.decode() for k in ds.classes] == list(KEYS)
    events, label = ds[13]
    with h5py.File(built / "SHD" / "shd_test.h5", "r") as f:
        assert label == 13
        assert np.array_equal(events["x"], f["spikes/units"][13])
        assert np.allclose(events["t"], f["spikes/times"][13].astype(np.float64) * 1e6, atol=1.0)  # int µs
    frames = tonic.transforms.ToFrame(sensor_size=ds.sensor_size, time_window=10_000)(events)
    assert frames.shape[1:] == (1, 700) and frames.sum() == np.sum(events["t"] < 10_000 * len(frames))  # whole windows


def test_neurokit_loader_streams_twenty_classes(built: Path) -> None:
    split = BinnedSplit(load_dataset("shd", data_dir=built, train=True), dt=0.02, steps=40)
    assert len(split) == 20 and split.classes == 20 and split.shape == (1, 700)
    x, y = split.batch([2, 19])
    assert x.shape == (40, 2, 1, 700) and y.tolist() == [2, 19] and x.sum() > 0


def test_same_seed_same_bytes_other_seed_other_spikes(built: Path, tmp_path: Path) -> None:
    again = spoken_digits_dir(seed=3, cfg=TINY, root=tmp_path / "b")
    for split in ("train", "test"):
        name = f"SHD/shd_{split}.h5"
        assert (built / name).read_bytes() == (again / name).read_bytes()
    other = spoken_digits_dir(seed=4, cfg=TINY, root=tmp_path / "c")
    with h5py.File(built / "SHD/shd_train.h5", "r") as f, h5py.File(other / "SHD/shd_train.h5", "r") as g:
        assert not np.array_equal(f["spikes/units"][0], g["spikes/units"][0])


def test_integrate_and_fire_encoder_rate_and_timing() -> None:
    """A constant envelope c gives r_max c^gamma spikes per second per channel, at continuous times."""
    cfg = CochleaConfig(channels=3, hop=0.002, max_rate_hz=100.0, gamma=1.0)
    env = np.tile(np.array([[0.0, 0.5, 1.0]]), (500, 1))  # 1 s
    times, units = encode(env, cfg, np.random.default_rng(0))
    counts = np.bincount(units, minlength=3)
    assert counts[0] == 0 and abs(counts[1] - 50) <= 1 and abs(counts[2] - 100) <= 1
    isi = np.diff(times[units == 2])
    assert np.allclose(isi, 0.01, atol=1e-9)
    cf = erb_space(50.0, 7600.0, 700)
    assert cf[0] == pytest.approx(50.0) and cf[-1] == pytest.approx(7600.0) and np.all(np.diff(cf) > 0)


def test_direct_heidelberg_reading_equals_tonic_getitem(built: Path) -> None:
    ds = load_dataset("shd", data_dir=built, train=True)
    split = BinnedSplit(ds, dt=0.005, steps=160)
    assert split._heidelberg_file() is not None
    x, _ = split.batch([0, 7, 12])
    for b, i in enumerate([0, 7, 12]):
        assert np.array_equal(x[:, b], split._binned(i))  # tonic's own __getitem__, then bin_events


def test_data_show_draws_a_raster_per_class(built: Path, tmp_path: Path) -> None:
    from neurokit import api

    info = api.data_show("shd", out=tmp_path / "r.png", data_dir=str(built), train=True)
    assert info["classes"] == 20 and info["samples"] == 20 and info["events_mean"] > 100
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_espeak_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from neurokit.errors import DataNotFoundError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "espeakng_loader" else real(name, *a))
    with pytest.raises(DataNotFoundError, match="pip install espeakng-loader"):
        spoken_digits_dir(seed=0, cfg=TINY, root=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-built left behind
