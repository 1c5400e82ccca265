"""The main job at reduced size (CI): train -> deploy -> HIL -> report, and `make demo`'s command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neurokit.cli import main


def test_pipeline_quick(tmp_path: Path, event_digits_root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    assert main(["pipeline", "--quick", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "[1/3] train" in out
    ideal_row = out[out.index("\ncrossbar:ideal "):].splitlines()[1:4]
    assert ideal_row[0].split()[:4] == ["crossbar:ideal", "ok", "1.0000", "1.0000"]  # own mode, float model
    assert [line.split("first divergence ")[1] for line in ideal_row[1:]] == ["none", "none"]
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    report = json.loads((tmp_path / "demo" / "hil" / "report.json").read_text())
    ideal = report["targets"]["crossbar:ideal"]
    for seam in ("own_mode", "float_model"):  # the ideal crossbar's own mode is the float model
        assert ideal[seam]["spike_agreement"] == 1.0 and ideal[seam]["first_divergence"] is None, seam
    assert ideal["accuracy_delta"] == 0.0
    assert report["targets"]["crossbar:pcm"]["status"] == "ok"
    for exact in ("loihi2", "spinnaker"):  # bit-exact against neurokit's matching fixed-point modes
        assert report["targets"][exact]["own_mode"]["spike_agreement"] == 1.0, exact
        # the float seam is measured too (quantisation and one step of synaptic latency per layer)
        assert report["targets"][exact]["float_model"]["spikes"]["expected"] > 0, exact
    faults = json.loads((tmp_path / "demo" / "hil_faults" / "report.json").read_text())
    assert faults["targets"]["spinnaker"]["own_mode"]["spike_agreement"] < 1.0  # dropped packets
    assert faults["targets"]["crossbar:pcm"]["own_mode"]["spike_agreement"] < 1.0  # stuck-at devices
    assert faults["targets"]["loihi2"]["own_mode"]["output_max_abs_diff"] > 0.0  # the readout hit the 24-bit rail
    assert summary["train"]["test_accuracy_sim"] > 0.5
    assert (tmp_path / "demo" / "hil" / "report.html").is_file()
    assert set(summary["drift_sweep"]) == {"1.0", "60.0", "3600.0", "86400.0", "2592000.0", "31536000.0"}
    cost = summary["crossbar_cost"]
    assert cost["energy_pj"]["total"] > cost["energy_pj"]["digital_neurons"] > 0 and cost["latency_us"] > 0
    # a second run reuses the finished stages
    assert main(["pipeline", "--quick", "--out", str(tmp_path / "demo")]) == 0
    assert "reusing" in capsys.readouterr().out
