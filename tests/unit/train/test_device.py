"""Device-agnostic training on a machine without a GPU: ``--device`` resolution and its one-line
refusals, the process-group backend per device, and a checkpoint written on a GPU (its tensors'
storage location ``cuda:0``) that resumes on this CPU-only machine through ``map_location``."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import torch

from neurokit.errors import ConfigError
from neurokit.train import TrainConfig
from neurokit.train.device import backend_for, resolve_device, to_cpu
from neurokit.train.losses import readout_loss
from neurokit.train.trainer import _load_checkpoint, _save_checkpoint, build_model


def as_if_saved_on_a_gpu(path: Path) -> None:
    """Rewrite a ``torch.save`` file so that every storage says it was saved from ``cuda:0`` (what
    torch writes for CUDA tensors): the pickle's one memoised location string, ``cpu``, becomes ``cuda:0``."""
    with zipfile.ZipFile(path) as src:
        entries = {info.filename: src.read(info) for info in src.infolist()}
    pkl = next(name for name in entries if name.endswith("/data.pkl"))
    cpu, cuda = b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"  # BINUNICODE, 4-byte length
    assert entries[pkl].count(cpu) == 1
    entries[pkl] = entries[pkl].replace(cpu, cuda)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
        for name, data in entries.items():
            dst.writestr(name, data)


def test_device_resolution_without_a_gpu() -> None:
    if torch.cuda.is_available():
        pytest.fail("this test describes a CPU-only machine; on a GPU machine run tools/bench/device_gpu.sh")
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu", nproc=4) == torch.device("cpu")
    with pytest.raises(ConfigError, match="--device cuda: torch .* sees no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(ConfigError, match="unknown device 'tpu'"):
        resolve_device("tpu")
    assert backend_for(torch.device("cpu")) == "gloo"
    assert backend_for(torch.device("cuda", 1)) == "nccl"


def test_cli_refuses_cuda_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from neurokit.cli import main

    assert main(["train", "--device", "cuda", "--epochs", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "sees no CUDA device" in err and "--device cpu" in err
    assert main(["train", "--device", "cuda", "--nproc", "2", "--out", str(tmp_path / "r")]) == 2


def test_to_cpu_keeps_the_structure() -> None:
    state = {"a": torch.ones(2), "b": [torch.zeros(1), 3], "c": {"d": (torch.ones(1),)}}
    out = to_cpu(state)
    assert out["b"][1] == 3 and isinstance(out["c"]["d"], tuple) and torch.equal(out["a"], state["a"])


def test_a_checkpoint_saved_on_a_gpu_loads_on_cpu(tmp_path: Path) -> None:
    """The trainer's checkpoint of a model after an optimizer step, rewritten as a GPU checkpoint,
    loads here through ``map_location`` into a fresh model and optimizer: same weights, same Adam state."""
    torch.manual_seed(0)
    cfg = TrainConfig(hidden=(6,), steps=5)
    model = build_model(cfg, (4,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model(torch.rand(5, 3, 4) * 3).sum().backward()
    opt.step()
    ckpt = tmp_path / "checkpoint.pt"
    _save_checkpoint(ckpt, model, opt, 0, cfg, [{"epoch": 1}])
    as_if_saved_on_a_gpu(ckpt)
    with pytest.raises(RuntimeError, match="CUDA"):  # really a GPU checkpoint: plain torch.load cannot read it here
        torch.load(ckpt, weights_only=True)
    state = _load_checkpoint(ckpt, resolve_device("cpu"))
    fresh = build_model(cfg, (4,))
    fresh_opt = torch.optim.Adam(fresh.parameters(), lr=1e-2)
    fresh.load_state_dict(state["model"])
    fresh_opt.load_state_dict(state["optimizer"])
    for (name, p), q in zip(model.named_parameters(), fresh.parameters()):
        assert q.device.type == "cpu" and torch.equal(p, q), name
        assert torch.equal(opt.state[p]["exp_avg"], fresh_opt.state[q]["exp_avg"]), name
    assert int(state["epoch"]) == 0 and json.loads(state["history"]) == [{"epoch": 1}]


@pytest.mark.parametrize(("options", "shape"), [
    ({}, (12,)), ({"loss": "first_spike"}, (12,)), ({"loss": "spike_count"}, (12,)), ({"loss": "max_membrane"}, (12,)),
    ({"max_delay": 3}, (12,)), ({"arch": "conv", "channels": [2]}, (1, 8, 8))])
def test_every_model_runs_off_the_cpu(options: dict[str, object], shape: tuple[int, ...]) -> None:
    """A training step with the model and data on the ``meta`` device (shapes and devices, no values):
    any tensor the model or loss creates on the CPU (a ``torch.zeros`` without ``device=``) fails here
    as it would on CUDA. It found two: first_spike's step index and the DCLS lags."""
    cfg = TrainConfig.from_dict({"hidden": [6], "steps": 5, **options})
    model = build_model(cfg, shape).to("meta")
    x = torch.rand(5, 3, *shape, device="meta")
    out, hidden = model(x, return_spikes=True)
    loss = readout_loss(out, torch.zeros(3, dtype=torch.long, device="meta"), cfg.loss) + sum(h.mean() for h in hidden)
    loss.backward()
    assert out.device.type == "meta" and all(p.grad is not None for p in model.parameters() if p.requires_grad)



@pytest.mark.parametrize("layer_name", ["IFLayer", "CubaLIFLayer", "RecurrentLIF"])
def test_sequential_layers_run_off_the_cpu(layer_name: str) -> None:
    """The same check for the layers of :mod:`neurokit.train.sequential` (CubaLIF's current and the
    recurrent layer's last spikes were created on the CPU)."""
    from neurokit.train import sequential

    layer = getattr(sequential, layer_name)(7).to("meta")
    x = torch.rand(5, 3, 7, device="meta", requires_grad=True)
    z = layer(x)
    z.sum().backward()
    assert z.device.type == "meta" and z.shape == (5, 3, 7) and x.grad is not None
