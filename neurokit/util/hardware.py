"""Where the target descriptions (``hardware/*.toml``: chip limits, device tables) are found.

Each file is looked up in order: the directory named by ``NEUROKIT_HARDWARE`` (your own or edited
descriptions; files not there fall through); the repository's ``hardware/`` (a checkout or
editable install); ``<prefix>/share/neurokit/hardware`` and ``<user base>/share/neurokit/hardware``
(where a wheel installs them, see ``[tool.setuptools.data-files]`` in ``pyproject.toml``).
"""

from __future__ import annotations

import os
import re
import site
import sys
from pathlib import Path

from neurokit.errors import DataNotFoundError, InvalidInputError

SOURCE_TREE = Path(__file__).resolve().parents[2] / "hardware"


def candidates() -> list[Path]:
    """The directories searched, in order."""
    env = os.environ.get("NEUROKIT_HARDWARE")
    installed = [Path(sys.prefix) / "share" / "neurokit" / "hardware"]
    user_base = getattr(site, "USER_BASE", None)
    if user_base:
        installed.append(Path(user_base) / "share" / "neurokit" / "hardware")
    return [*([Path(env)] if env else []), SOURCE_TREE, *installed]


def available(pattern: str = "*.toml") -> list[str]:
    """Names (without ``.toml``) of the descriptions found anywhere, e.g. ``available("spinn*")``."""
    suffix = "" if pattern.endswith(".toml") else ".toml"
    return sorted({p.stem for d in candidates() if d.is_dir() for p in d.glob(pattern + suffix)})


def device_tables() -> list[str]:
    """Names of the descriptions that are crossbar device tables (those with a ``kind`` key)."""
    import tomllib

    names = set()
    for name in available():
        try:
            if "kind" in tomllib.loads(hardware_file(name).read_text()):
                names.add(name)
        except (OSError, tomllib.TOMLDecodeError, DataNotFoundError):  # a broken file is reported where it is loaded
            continue
    return sorted(names)


#: What a hardware name may look like: a file stem, never a path (``../x``, ``/etc/x``).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def check_name(name: str, what: str = "hardware description") -> str:
    """``name`` if it is a plain description name, else an :class:`InvalidInputError` (a name is
    looked up in the table of descriptions, never used as a path)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidInputError(f"{what} name {name!r} is not a plain name (letters, digits, '_', '-')",
                                fix=f"choose one of {available()}")
    return name


def hardware_file(name: str, what: str = "hardware description") -> Path:
    """The first ``<name>.toml`` among the candidate directories (``name`` must be a plain name)."""
    check_name(name, what)
    for d in candidates():
        path = d / f"{name}.toml"
        if path.is_file():
            return path
    raise DataNotFoundError(f"no {what} {name!r} (searched {', '.join(map(str, candidates()))})",
                            fix=f"choose one of {available()} or set NEUROKIT_HARDWARE to a directory holding {name}.toml")


def hardware_dir() -> Path:
    """The first candidate directory that holds any ``*.toml`` description."""
    for d in candidates():
        if d.is_dir() and any(d.glob("*.toml")):
            return d
    raise DataNotFoundError(f"no hardware descriptions (*.toml) in {', '.join(map(str, candidates()))}",
                            fix="set NEUROKIT_HARDWARE to the repository's hardware/ directory or reinstall neurokit")
