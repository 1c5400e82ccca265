"""Progress bars that suit where the output goes: live on a terminal, sparse in a log file.

tqdm redraws with carriage returns; in a file (CI logs, ``make demo > log``) every redraw becomes
visible text. When stderr is not a terminal the bar refreshes at most every 30 s instead of
every 0.1 s, so a long run leaves a handful of lines, not hundreds.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

NON_TTY_INTERVAL_S = 30.0


def progress_bar(iterable: Any = None, **kwargs: Any) -> tqdm:
    """``tqdm(iterable, **kwargs)`` with ``mininterval``/``maxinterval`` chosen for the output stream."""
    if not _is_tty():
        kwargs.setdefault("mininterval", NON_TTY_INTERVAL_S)
        kwargs.setdefault("maxinterval", max(NON_TTY_INTERVAL_S, float(kwargs["mininterval"])))
    return tqdm(iterable, **kwargs)


def _is_tty() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # closed or replaced stream
        return False
