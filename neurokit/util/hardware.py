"""Where the target descriptions (``hardware/*.toml``: chip limits, device tables) are found.

In order: the directory named by ``NEUROKIT_HARDWARE``; the repository's ``hardware/`` (a source
checkout or editable install); ``<prefix>/share/neurokit/hardware`` (where a wheel installs them,
see ``[tool.setuptools.data-files]`` in ``pyproject.toml``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from neurokit.errors import DataNotFoundError

SOURCE_TREE = Path(__file__).resolve().parents[2] / "hardware"


def candidates() -> list[Path]:
    """The directories searched, in order."""
    env = os.environ.get("NEUROKIT_HARDWARE")
    return [*([Path(env)] if env else []), SOURCE_TREE, Path(sys.prefix) / "share" / "neurokit" / "hardware"]


def hardware_dir() -> Path:
    """The first candidate directory that holds ``*.toml`` descriptions."""
    for d in candidates():
        if d.is_dir() and any(d.glob("*.toml")):
            return d
    raise DataNotFoundError(f"no hardware descriptions (*.toml) in {', '.join(map(str, candidates()))}",
                            fix="set NEUROKIT_HARDWARE to the repository's hardware/ directory or reinstall neurokit")
