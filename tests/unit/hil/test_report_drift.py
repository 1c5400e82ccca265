"""#20 item 9: the crossbar drift sweep (accuracy vs time after programming) in the HIL report —
values in ``report.json``, a table and a PNG with error bars over seeds in ``report.html``."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from neurokit.errors import InvalidInputError
from neurokit.hil.harness import HilReport, TargetResult
from neurokit.hil.report import write_report

#: The shape ``neurokit.backends.crossbar.sweep(art, "drift", ...)`` returns (synthetic values).
SWEEP = {"kind": "drift", "device": "pcm", "seeds": 3, "x": [1.0, 60.0, 3600.0, 86400.0],
         "accuracy_mean": [0.91, 0.875, 0.8125, 0.6], "accuracy_std": [0.01, 0.02, 0.03, 0.05]}


def _report() -> HilReport:
    return HilReport(model="tiny", samples=2, steps=3, float_accuracy=0.9,
                     targets=[TargetResult(target="crossbar_pcm", status="ok")])


def test_report_contains_the_drift_section_when_a_sweep_is_given(tmp_path: Path) -> None:
    json_path, html_path = write_report(_report(), tmp_path, drift_sweep=SWEEP)
    data = json.loads(json_path.read_text())
    assert data["drift_sweep"]["x"] == SWEEP["x"]
    assert data["drift_sweep"]["accuracy_mean"] == SWEEP["accuracy_mean"]
    assert data["drift_sweep"]["accuracy_std"] == SWEEP["accuracy_std"]
    page = html_path.read_text()
    assert 'id="drift"' in page and "3 seeds" in page
    for t, mean, std in zip(("1", "60", "3600", "86400"), ("0.9100", "0.8750", "0.8125", "0.6000"),
                            ("0.0100", "0.0200", "0.0300", "0.0500")):
        assert f"<td>{t}</td><td>{mean}</td><td>{std}</td>" in page
    png = re.search(r'alt="drift sweep" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert png is not None and base64.b64decode(png.group(1))[:4] == b"\x89PNG"
    assert (tmp_path / "drift_sweep.png").read_bytes() == base64.b64decode(png.group(1))


def test_the_plot_differs_with_and_without_error_bars(tmp_path: Path) -> None:
    write_report(_report(), tmp_path / "std", drift_sweep=SWEEP)
    write_report(_report(), tmp_path / "mean", drift_sweep={k: v for k, v in SWEEP.items() if k != "accuracy_std"})
    assert (tmp_path / "std" / "drift_sweep.png").read_bytes() != (tmp_path / "mean" / "drift_sweep.png").read_bytes()
    assert "<td>1</td><td>0.9100</td><td>–</td>" in (tmp_path / "mean" / "report.html").read_text()


def test_no_drift_section_without_a_sweep(tmp_path: Path) -> None:
    json_path, html_path = write_report(_report(), tmp_path)
    assert "drift_sweep" not in json.loads(json_path.read_text())
    assert 'id="drift"' not in html_path.read_text() and not (tmp_path / "drift_sweep.png").exists()


def test_a_sweep_with_mismatched_lengths_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="4 times but 3 accuracies"):
        write_report(_report(), tmp_path, drift_sweep={**SWEEP, "accuracy_mean": [0.9, 0.8, 0.7]})
