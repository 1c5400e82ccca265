"""Warnings attributed to the user's line, however deep inside neurokit they are raised.

``warnings.warn(..., stacklevel=n)`` needs the call depth, which changes whenever an API function
calls another (``convert_model_file`` -> ``convert`` -> ``trace``). :func:`warn_user` walks the
stack to the first frame outside the ``neurokit`` package (what Python 3.12's
``skip_file_prefixes`` does) so the warning names the caller's file and line.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + os.sep  # ".../neurokit/": not neurokit_demo.py


def warn_user(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` at the first stack frame outside neurokit."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2 = the frame that called warn_user
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
