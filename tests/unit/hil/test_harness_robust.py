"""The harness survives broken backends (issue #21, class 8): a board returning wrongly shaped
spikes and a target whose ``check()`` raises give a report row, not a traceback; lowering runs
under the timeout; the timeout kills the board's whole process group and its temporary files."""

from __future__ import annotations

import os
import select
from pathlib import Path

import pytest

from neurokit.hil.harness import run_hil
from neurokit.hil.report import write_report

from .test_harness import inputs, small_model


def test_wrong_shapes_and_raising_check_are_rows_of_the_report(tmp_path: Path) -> None:
    report = run_hil(small_model(), ["neurokit.hil.testing:WRONG_SHAPE", "neurokit.hil.testing:CHECK_RAISES",
                                     "neurokit.hil.testing:EXACT"], inputs(T=10, B=1), out_dir=tmp_path, timeout_s=120)
    shape, check, exact = report.targets
    assert shape.status == "failed" and "with shape (10, 1, 11), expected (10, 1, 12)" in shape.error
    assert check.status == "failed" and "RuntimeError in the backend: a bug in this backend's check()" in check.error
    assert exact.status == "ok"
    json_path, html_path = write_report(report, tmp_path / "report")
    assert json_path.is_file() and "a bug in this backend" in html_path.read_text()


def test_lowering_is_under_the_timeout(tmp_path: Path) -> None:
    report = run_hil(small_model(), ["neurokit.hil.testing:HANG_IN_LOWER"], inputs(T=5, B=1), out_dir=tmp_path,
                     timeout_s=3)
    (res,) = report.targets
    assert res.status == "timeout" and "(lowering included)" in res.error


def test_timeout_kills_the_process_group_and_removes_temporaries(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("NEUROKIT_TEST_PIDFILE", str(pidfile))
    report = run_hil(small_model(), ["neurokit.hil.testing:ORPHAN"], inputs(T=5, B=1), out_dir=tmp_path / "out",
                     timeout_s=10)
    assert report.targets[0].status == "timeout"
    pid_text, folder = pidfile.read_text().split()
    pid = int(pid_text)
    try:  # the helper was SIGKILLed with its group: wait (5 s at most) for its exit, not for a time
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        fd = None  # already gone and reaped
    if fd is not None:
        try:
            exited = bool(select.select([fd], [], [], 5.0)[0])
        finally:
            os.close(fd)
        assert exited, f"the board's helper process {pid} survived the timeout"
    assert not Path(folder).exists()
