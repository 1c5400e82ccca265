"""Ensembles of compact SNNs: regions and class blocks, torch == neurokit.sim on the one-graph
export (branches into one LI, and the merged chain), deployment (Loihi 2 refuses the branches with
the reason and runs the merged chain bit-exact in real Lava), `neurokit train --arch ensemble`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit import ir, sim
from neurokit.errors import ConfigError
from neurokit.train import TrainConfig
from neurokit.train.ensemble import SNNEnsemble, class_blocks, input_regions
from neurokit.train.model import SNNSpec


def test_regions_partition_the_input_along_its_first_spatial_axis() -> None:
    regions = input_regions((2, 5, 3), 2)
    index = np.arange(30).reshape(2, 5, 3)
    np.testing.assert_array_equal(regions[0], np.sort(index[:, :3].ravel()))  # rows 0-2 of both channels
    np.testing.assert_array_equal(regions[1], np.sort(index[:, 3:].ravel()))
    np.testing.assert_array_equal(np.sort(np.concatenate(input_regions((700,), 4))), np.arange(700))
    assert [len(b) for b in class_blocks(10, 3)] == [4, 3, 3]
    with pytest.raises(ConfigError, match="members"):
        input_regions((2, 3, 3), 4)


def _ensemble(split: str, recurrent: bool, seed: int = 0) -> SNNEnsemble:
    torch.manual_seed(seed)
    model = SNNEnsemble(SNNSpec(input_shape=(2, 4, 3), hidden=(6, 5), classes=5, dt=0.01, recurrent=recurrent),
                        members=3, split=split).double()
    with torch.no_grad():
        for member in model.members:
            for fc in member.fc:
                fc.weight.mul_(3.0)
    return model


@pytest.mark.parametrize("split", ["input", "classes"])
@pytest.mark.parametrize("recurrent", [False, True])
def test_torch_equals_neurokit_sim_on_both_exports(split: str, recurrent: bool, tmp_path: Path) -> None:
    model = _ensemble(split, recurrent)
    x = (torch.rand(25, 3, 2, 4, 3, dtype=torch.float64) < 0.4).double()
    with torch.no_grad():
        out, spikes = model(x, return_spikes=True)
    assert all(s.sum() > 0 for s in spikes)
    branches = model.to_ir()
    ir.write(branches, tmp_path / "e.nir")
    branches = ir.read(tmp_path / "e.nir")
    assert sum(b == "li" for _, b in branches.edges) == 3  # the members' readouts meet in one LI
    rec = sim.simulate(branches, x.numpy(), record=("spikes",))
    np.testing.assert_allclose(rec.outputs["output"], out.numpy(), rtol=1e-12, atol=1e-12)
    for k in range(3):
        for j in range(2):
            np.testing.assert_array_equal(rec.spikes[f"m{k}.lif{j}"], spikes[2 * k + j].numpy())
    merged = model.to_ir(merged=True)
    rec_m = sim.simulate(merged, x.numpy(), record=("spikes",))
    np.testing.assert_allclose(rec_m.outputs["output"], out.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(rec_m.spikes["lif0"], np.concatenate([spikes[2 * k].numpy() for k in range(3)], -1))
    w0 = np.asarray(branches.nodes["m0.fc0"].weight)
    if split == "input":  # member 0 reads only its region (rows 0-1 of both channels)
        outside = np.setdiff1d(np.arange(24), model.region0.numpy())
        assert len(outside) == 12 and np.all(w0[:, outside] == 0) and np.all(w0[:, model.region0.numpy()] != 0)
    else:  # member 0 reads everything and drives only its classes (0, 1)
        assert np.all(w0 != 0) and np.all(np.asarray(branches.nodes["m0.readout"].weight)[2:] == 0)


@pytest.mark.lava
@pytest.mark.nest
def test_branches_deploy_where_branches_lower_and_the_merged_chain_runs_on_loihi2(
        tmp_path: Path, lava_runtime: None, nest_runtime: None) -> None:
    from neurokit.hil import run_hil

    model = _ensemble("input", False, seed=2)
    x = (np.random.default_rng(5).random((20, 2, 2, 4, 3)) < 0.4).astype(np.float64)
    rep = run_hil(model.to_ir(), ["loihi2", "spinnaker", "crossbar:ideal", "nest"], x, out_dir=tmp_path / "b")
    by = {t.target: t for t in rep.targets}
    assert by["loihi2"].status == "refused" and "branches are not lowered" in by["loihi2"].error
    for name in ("spinnaker", "crossbar:ideal", "nest"):
        assert by[name].status == "ok" and by[name].own_mode is not None, (name, by[name].error)
        assert by[name].own_mode.spike_agreement == 1.0 and by[name].own_mode.spikes_got > 0
    merged = run_hil(model.to_ir(merged=True), ["loihi2"], x, out_dir=tmp_path / "m").targets[0]
    assert merged.status == "ok" and merged.own_mode is not None and merged.own_mode.spike_agreement == 1.0
    assert merged.own_mode.spikes_got > 0


def test_train_arch_ensemble_through_the_cli(tmp_path: Path) -> None:
    from neurokit.cli import main
    from tests.unit.train.test_train_any_dataset import write_heidelberg

    write_heidelberg(tmp_path / "data" / "SHD" / "shd_train.h5", 4, 6, seed=1)
    write_heidelberg(tmp_path / "data" / "SHD" / "shd_test.h5", 4, 2, seed=2)
    (tmp_path / "run.toml").write_text("[train]\nhidden = [8]\nsteps = 10\ndt = 0.02\nbatch_size = 8\nthreads = 1\n"
                                       "lr = 0.01\nensemble_split = 'classes'\n")
    out = tmp_path / "run"
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--arch", "ensemble", "--members", "2",
                 "--epochs", "2", "--dataset", "shd", "--data-dir", str(tmp_path / "data"), "--out", str(out)]) == 0
    card = json.loads((out / "summary.json").read_text())
    assert card["test_accuracy_sim"] == pytest.approx(card["test_accuracy_torch"], abs=1 / 8 + 1e-9)
    graph = ir.read(out / "model.nir")
    assert {"m0.lif0", "m1.lif0", "li"} <= set(graph.nodes) and graph.nodes["m1.lif0"].tau.size == 8
    for bad, match in (({"arch": "ensemble", "max_delay": 2}, "no\\s+delays"),
                       ({"arch": "ensemble", "ensemble_split": "time"}, "ensemble_split")):
        with pytest.raises(ConfigError, match=match):
            TrainConfig.from_dict(bad)
