"""Progress bars: sparse when stderr is a file, live on a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from neurokit.util.progress import NON_TTY_INTERVAL_S, LogLineBar, progress_bar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_file_gets_a_few_redraws_not_one_per_update(monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    bar = progress_bar(range(5000), desc="work", file=log)
    assert bar.mininterval == NON_TTY_INTERVAL_S
    for _ in bar:
        pass
    text = log.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and text.endswith("\n")  # one line per refresh, readable with cat / tail -f
    assert 1 <= len(lines) <= 3 and "5000/5000" in lines[-1]


def test_a_terminal_keeps_tqdm_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    bar = progress_bar(range(3), file=term)
    assert bar.mininterval == pytest.approx(0.1)
    list(bar)


def test_log_lines_one_per_progress_and_nothing_for_a_quick_delayed_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    bar = progress_bar(total=4, desc="convert", file=log, mininterval=0)
    assert isinstance(bar, LogLineBar)
    for _ in range(4):
        bar.update(1)
        bar.refresh()  # a refresh without progress writes nothing
    bar.close()
    lines = log.getvalue().splitlines()
    assert [line.split("|")[0].strip() for line in lines] == ["convert:   0%", "convert:  25%", "convert:  50%",
                                                              "convert:  75%", "convert: 100%"]
    assert all(line.isascii() for line in lines)
    quiet = io.StringIO()
    delayed = progress_bar(total=None, desc="Lava", file=quiet, delay=5, leave=False)
    delayed.update(1)
    delayed.close()
    assert quiet.getvalue() == ""  # shorter than its delay: no line at all


def test_lines_can_be_forced_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setenv("NEUROKIT_PROGRESS", "lines")
    assert isinstance(progress_bar(range(2), file=term), LogLineBar)


def test_a_runtime_process_reports_exit_code_stderr_and_timeout() -> None:
    from neurokit.backends.loihi2.runtime import _run_with_progress

    env = {"PATH": "/usr/bin:/bin"}
    code, err = _run_with_progress([sys.executable, "-c", "import sys; sys.stderr.write('bad news'); sys.exit(3)"],
                                   env=env, timeout_s=60, what="Lava")
    assert (code, err) == (3, "bad news")
    code, _ = _run_with_progress([sys.executable, "-c", "import time; time.sleep(30)"], env=env, timeout_s=1.5,
                                 what="Lava")
    assert code is None
