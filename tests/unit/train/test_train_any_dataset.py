"""Training on any dataset: classes and input shape from the data, batches streamed from the files,
the Heidelberg files (SHD 20 classes, SSC 35) from --data-dir, --dt/--steps."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

import neurokit.data
from neurokit import ir
from neurokit.errors import ConfigError
from neurokit.train import TrainConfig, train


def write_heidelberg(path: Path, n_classes: int, per_class: int, seed: int) -> None:
    """A small file in the Heidelberg spiking datasets' layout: class k fires channels 20k..20k+9
    early, the other channels at random; times in s (vlen float32), units vlen uint16."""
    rng = np.random.default_rng(seed)
    times, units, labels = [], [], []
    for k in range(n_classes):
        for _ in range(per_class):
            u = np.concatenate([rng.integers(20 * k, 20 * k + 10, 60), rng.integers(0, 700, 40)])
            t = np.concatenate([rng.uniform(0.0, 0.1, 60), rng.uniform(0.0, 0.5, 40)])
            o = np.argsort(t)
            times.append(t[o].astype(np.float32))
            units.append(u[o].astype(np.uint16))
            labels.append(k)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.create_dataset("spikes/times", data=np.array(times + [None], dtype=object)[:-1], dtype=h5py.vlen_dtype(np.float32))
        f.create_dataset("spikes/units", data=np.array(units + [None], dtype=object)[:-1], dtype=h5py.vlen_dtype(np.uint16))
        f.create_dataset("labels", data=np.asarray(labels, dtype=np.uint16))
        f.create_dataset("extra/speaker", data=np.zeros(len(labels), dtype=np.uint16))
        f.create_dataset("extra/keys", data=np.asarray([f"word{k}".encode() for k in range(n_classes)]))
        f.create_dataset("extra/meta_info/gender", data=np.asarray([b"female"]))
        f.create_dataset("extra/meta_info/age", data=np.asarray([30], dtype=np.uint16))
        f.create_dataset("extra/meta_info/body_height", data=np.asarray([1.7]))


@pytest.mark.parametrize("name,classes", [("shd", 20), ("ssc", 35)])
def test_heidelberg_files_train_with_their_class_count(name: str, classes: int, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = name.upper()
    write_heidelberg(tmp_path / "data" / folder / f"{name}_train.h5", classes, 3, seed=1)
    write_heidelberg(tmp_path / "data" / folder / f"{name}_test.h5", classes, 1, seed=2)

    def no_dense_copy(*args: object, **kwargs: object) -> None:
        raise AssertionError("training must stream batches, not densify a split")

    monkeypatch.setattr(neurokit.data, "dense_dataset", no_dense_copy)
    cfg = TrainConfig.from_dict({"dataset": name, "data_dir": str(tmp_path / "data"), "epochs": 4, "hidden": [32],
                                 "dt": 0.02, "steps": 10, "batch_size": 16, "lr": 1e-2, "threads": 1})
    assert (cfg.dt, cfg.steps) == (0.02, 10)  # given values win over the dataset's defaults
    card = train(cfg, tmp_path / "run", progress=False)
    graph = ir.read(tmp_path / "run" / "model.nir")
    assert graph.nodes["input"].shape == (1, 700)
    assert graph.nodes["output"].shape == (classes,) or graph.nodes["output"].shape == [classes]
    assert card["test_accuracy_sim"] > 3.0 / classes  # well above chance on these separable classes
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["config"]["steps"] == 10


def test_dataset_defaults_and_binning_options() -> None:
    assert (TrainConfig.from_dict({"dataset": "spoken-digits"}).dt, TrainConfig.from_dict({"dataset": "spoken-digits"}).steps) == (0.02, 50)
    assert TrainConfig.from_dict({"dataset": "spoken-digits", "steps": 7}).steps == 7
    assert TrainConfig.from_dict({}).steps == 30  # event-digits unchanged
    with pytest.raises(ConfigError, match="dt must be > 0"):
        TrainConfig.from_dict({"dt": 0.0})
