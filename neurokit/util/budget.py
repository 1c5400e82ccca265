"""Size guards: declared sizes are checked against a memory budget *before* anything is allocated.

A few-kB file can declare terabytes (a dataset shape, a neuron count, a latency of 10^9 steps,
an event at time 10^15 µs). Every place that allocates from declared numbers calls
:func:`check_bytes` first, so the user gets one line naming what was declared instead of a
``MemoryError`` or a machine that swaps. The budget is ``NEUROKIT_MAX_BYTES`` (bytes; suffixes
``K``, ``M``, ``G``, ``T`` allowed), default :data:`DEFAULT_MAX_BYTES`.
"""

from __future__ import annotations

import math
import os

from neurokit.errors import ConfigError, InvalidInputError

#: Default budget for one allocation made from declared sizes: 16 GiB.
DEFAULT_MAX_BYTES = 16 * 2**30
ENV = "NEUROKIT_MAX_BYTES"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def max_bytes() -> int:
    """The budget in bytes (``NEUROKIT_MAX_BYTES`` or :data:`DEFAULT_MAX_BYTES`)."""
    raw = os.environ.get(ENV, "").strip().upper().removesuffix("B").removesuffix("I")
    if not raw:
        return DEFAULT_MAX_BYTES
    unit = raw[-1] if raw[-1] in _UNITS else ""
    try:
        value = float(raw[:-1] if unit else raw) * _UNITS[unit]
    except ValueError:
        value = float("nan")
    if not value > 0 or not math.isfinite(value):
        raise ConfigError(f"{ENV}={os.environ[ENV]!r} is not a size in bytes", fix=f"e.g. {ENV}=8G")
    return int(value)


def human(n: float) -> str:
    """``n`` bytes as text (``1.5 GiB``)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def check_bytes(nbytes: float, what: str, *, where: str | None = None, limit: int | None = None) -> None:
    """Refuse an allocation of ``nbytes`` (``what`` says what declared it) above the budget."""
    budget = max_bytes() if limit is None else limit
    if not nbytes <= budget:  # also catches NaN
        raise InvalidInputError(f"{what} needs {human(nbytes)}, above the {human(budget)} memory budget", where=where,
                                fix=f"check the declared sizes (a corrupted or hostile file?); if they are genuine, "
                                    f"raise the budget with {ENV} (e.g. {ENV}=64G)")


def check_elements(shape: tuple[int, ...] | list[int], itemsize: int, what: str, *, where: str | None = None) -> None:
    """:func:`check_bytes` for an array of ``shape`` with ``itemsize``-byte elements."""
    check_bytes(float(math.prod(int(s) for s in shape)) * itemsize, f"{what} of shape {tuple(int(s) for s in shape)}",
                where=where)
