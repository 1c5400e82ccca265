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
    with pytest.raises(ConfigError, match=r"dt = 0.0 is out of range.*> 0.0"):
        TrainConfig.from_dict({"dt": 0.0})


@pytest.mark.parametrize("rules", [{}, {"reset": "subtract", "reset_timing": "next_step"}])
def test_recurrent_mlp_equals_the_reference_and_the_simulator_on_its_export(rules: dict[str, object]) -> None:
    """The recurrent layer's loop reads the previous step's spikes, as the IR's loop edges do
    (checked against the NumPy reference and neurokit.sim, which nobody wrote for this model)."""
    import torch

    from neurokit import sim
    from neurokit.dynamics.reference import run_reference
    from neurokit.train import SNNClassifier, SNNSpec, to_ir

    torch.manual_seed(1)
    model = SNNClassifier(SNNSpec(input_shape=(6,), hidden=(9, 5), dt=0.01, recurrent=True,
                                  **rules)).double()  # type: ignore[arg-type]
    with torch.no_grad():
        for rec in model.rec:  # strong recurrence so that the loop matters
            rec.weight.mul_(4.0)
    x = (torch.rand(30, 3, 6, dtype=torch.float64) < 0.4).double() * 2.0
    out, spikes = model(x, return_spikes=True)
    graph = to_ir(model)
    assert ("lif0", "rec0") in graph.edges and ("rec0", "lif0") in graph.edges
    ref = run_reference(graph, x.numpy(), record=("lif0", "lif1"))
    for k in range(2):
        np.testing.assert_array_equal(spikes[k].detach().numpy(), ref.node_outputs[f"lif{k}"])
    np.testing.assert_allclose(out.detach().numpy(), ref.outputs["output"], rtol=1e-12, atol=1e-12)
    rec = sim.simulate(graph, x.numpy(), record=("spikes",))
    np.testing.assert_allclose(rec.outputs["output"], ref.outputs["output"], rtol=1e-9, atol=1e-9)
    no_loop = SNNClassifier(SNNSpec(input_shape=(6,), hidden=(9, 5), dt=0.01, **rules)).double()  # type: ignore[arg-type]
    no_loop.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("rec.")})
    assert not torch.equal(no_loop(x, return_spikes=True)[1][0], spikes[0])  # the loop changes the spikes
    with pytest.raises(ConfigError, match="recurrent"):
        TrainConfig.from_dict({"recurrent": True, "mode": "sltt"})
