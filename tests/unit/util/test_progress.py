"""Progress bars: sparse when stderr is a file, live on a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from neurokit.util.progress import NON_TTY_INTERVAL_S, progress_bar


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
    redraws = log.getvalue().count("\r")
    assert 1 <= redraws <= 3 and "5000/5000" in log.getvalue()


def test_a_terminal_keeps_tqdm_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    bar = progress_bar(range(3), file=term)
    assert bar.mininterval == pytest.approx(0.1)
    list(bar)
