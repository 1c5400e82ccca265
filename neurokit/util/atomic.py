"""Atomic file writes: write to a temporary file in the same folder, then rename.

A crash or a kill during the write leaves the previous file untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    >>> with atomic_path("out.json") as tmp:        # doctest: +SKIP
    ...     tmp.write_text("{}")
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file normal permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh empty directory beside ``path``; on success it takes ``path``'s place.

    The previous directory (if any) is renamed aside, the new one renamed in, the old one
    removed: a kill at any moment leaves either the old or the new directory complete under
    ``path`` (or, between the two renames, ``path`` missing and the old one beside it as
    ``.<name>.old-*``), never a mix of both. Leftovers of killed runs (``.<name>.*.tmp``,
    ``.<name>.old-*``) are removed first; on an error the fresh directory is removed.
    """
    import shutil

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*target.parent.glob(f".{target.name}.*.tmp"), *target.parent.glob(f".{target.name}.old-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield fresh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(fresh, 0o777 & ~umask)  # mkdtemp creates 0700
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rmdir(old)
            os.replace(target, old)
        os.replace(fresh, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries that :func:`atomic_path` leaves beside ``path`` when a process is
    killed mid-write (``.<name>.*.tmp``); returns what was removed."""
    target = Path(path)
    removed = []
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        if stale.is_file():
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
            removed.append(stale)
    return removed
