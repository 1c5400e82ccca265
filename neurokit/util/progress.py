"""Progress bars that suit where the output goes: live on a terminal, sparse in a log file.

tqdm redraws with carriage returns; in a file (CI logs, ``make demo > log``) every redraw becomes
visible text, glued to the previous one by a ``\r``. When stderr is not a terminal the bar refreshes
at most every 30 s instead of every 0.1 s and writes each refresh as its own line (no carriage
return, no padding), so a long run leaves a handful of readable lines, not hundreds, and
``tail -f`` shows them as they come.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tqdm import tqdm

NON_TTY_INTERVAL_S = 30.0


class LogLineBar(tqdm):  # type: ignore[type-arg]
    """A tqdm bar for log files: every refresh is one line (no ``\r``, ASCII), and a refresh
    without progress since the last line writes nothing."""

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:  # noqa: ARG002 - tqdm's signature
        if msg is None and self.n == getattr(self, "_last_n", None):
            return True
        line = (self.__str__() if msg is None else msg).rstrip()
        if line:
            self.fp.write(("\n" if hasattr(self, "_last_n") else "") + line)
            self.fp.flush()
            self._last_n = self.n
        return True

    def close(self) -> None:
        if self.disable:
            return
        super().close()  # its final display and newline end the last line


def progress_bar(iterable: Any = None, **kwargs: Any) -> tqdm:
    """``tqdm(iterable, **kwargs)`` with ``mininterval``/``maxinterval`` chosen for the output stream
    (a :class:`LogLineBar` when stderr is not a terminal; ``NEUROKIT_PROGRESS=lines`` forces it)."""
    lines = os.environ.get("NEUROKIT_PROGRESS") == "lines" or not _is_tty()
    if lines:
        kwargs.setdefault("mininterval", NON_TTY_INTERVAL_S)
        kwargs.setdefault("maxinterval", max(NON_TTY_INTERVAL_S, float(kwargs["mininterval"])))
        kwargs.setdefault("dynamic_ncols", False)
        kwargs.setdefault("ncols", 100)
        kwargs.setdefault("ascii", True)
        kwargs["leave"] = True  # a log line cannot be erased: end it instead (nothing if it never showed)
        return LogLineBar(iterable, **kwargs)
    return tqdm(iterable, **kwargs)


def _is_tty() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # closed or replaced stream
        return False
