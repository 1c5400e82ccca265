"""The conversion report is measured (sim = reference), saved atomically, and the CLI wraps it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from neurokit.convert import E_AC_PJ, E_MAC_PJ, conversion_report, evaluate, format_table, train_reference_ann


def test_report_is_measured_and_complete(tmp_path: Path) -> None:
    model, data = train_reference_ann("mlp", epochs=15)
    rep = conversion_report(model, data, timesteps=[8, 32], out_dir=tmp_path, confidence="auto")
    assert rep["snn_acc"]["32"] >= rep["ann_acc"] - 0.02
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["ann_macs"] == 64 * 128 + 128 * 64 + 64 * 10 and saved["synops"]["32"] > saved["synops"]["8"] > 0
    assert saved["input_macs"]["8"] == pytest.approx(8 * 128 * np.mean(np.count_nonzero(
        data["x_test"].reshape(len(data["x_test"]), -1), axis=1)))
    e8 = (saved["synops"]["8"] * E_AC_PJ + saved["input_macs"]["8"] * E_MAC_PJ) * 1e-6
    assert saved["energy_uj"]["8"] == pytest.approx(e8)
    dyn = saved["dynamic_confidence"]
    assert dyn["calibrated"] and 1 <= dyn["mean_steps"] <= 32 and 0 < dyn["threshold"] <= 1
    assert (tmp_path / "accuracy_vs_timesteps.png").read_bytes()[:4] == b"\x89PNG"
    from neurokit import ir

    graph = ir.read(tmp_path / "model.nir")
    ref = evaluate(graph, data["x_test"][:60], data["y_test"][:60], [8], simulator="reference")
    fast = evaluate(graph, data["x_test"][:60], data["y_test"][:60], [8], simulator="sim")
    assert ref["accuracy"] == fast["accuracy"] and ref["synops"] == pytest.approx(fast["synops"])
    table = format_table(rep, [8, 32])
    assert "ANN accuracy" in table and "dynamic confidence" in table and len(table.splitlines()) == 5


def test_convert_command_state_dict_qcfs_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neurokit.cli import main
    from neurokit.convert import qcfs
    from neurokit.convert.digits import mlp

    torch.manual_seed(0)
    torch.save(mlp().state_dict(), tmp_path / "w.pt")
    assert main(["convert", str(tmp_path / "w.pt"), "--timesteps", "4,8", "--out", str(tmp_path / "m.nir")]) == 0
    out = capsys.readouterr().out
    assert "SNN acc" in out and (tmp_path / "m.nir").is_file() and (tmp_path / "m_report" / "report.json").is_file()
    torch.save(qcfs(mlp(), 4).state_dict(), tmp_path / "q.pt")  # already QCFS: converted without fine-tuning
    assert main(["convert", str(tmp_path / "q.pt"), "--qcfs", "4", "--timesteps", "4",
                 "--out", str(tmp_path / "q.nir")]) == 0
    assert json.loads((tmp_path / "q_report" / "report.json").read_text())["qcfs_levels"] == [4]
    capsys.readouterr()
    assert main(["convert", str(tmp_path / "q.pt"), "--timesteps", "4", "--out", str(tmp_path / "x.nir")]) == 2
    assert "--qcfs" in capsys.readouterr().err
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    assert main(["convert", str(tmp_path / "bad.pt"), "--out", str(tmp_path / "x.nir")]) == 2
    assert "cannot read a state_dict" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "w.pt"), "--arch", "cnn", "--out", str(tmp_path / "x.nir")]) == 2
    assert "does not fit architecture 'cnn'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["convert", "--confidence", "1.5"])
    assert "(0, 1]" in capsys.readouterr().err
