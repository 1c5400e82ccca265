"""The options a Loihi 2 deploy takes and the faults its board injects, declared with their types and
validated: an unknown or mistyped key is an error naming it and the accepted ones, never ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neurokit.errors import ConfigError

#: ``lower`` options: name -> (type, meaning).
OPTIONS: dict[str, tuple[type, str]] = {
    "input_scale": (float, "analog inputs are multiplied by it and must then be whole spike counts in [0, 255] "
                           "(the first layer's weights are divided by it), e.g. 16 for digits in sixteenths"),
}
#: ``board(faults=...)`` keys: name -> (type, meaning).
FAULTS: dict[str, tuple[type, str]] = {
    "weight_bits": (int, "Dense processes keep only this many weight bits (Lava truncates the rest)"),
    "saturate_gain_bits": (int, "the last layer's input is scaled by 2**bits so its 24-bit voltage saturates"),
}


def _validated(values: Mapping[str, Any] | None, declared: dict[str, tuple[type, str]], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in dict(values or {}).items():
        if key not in declared:
            raise ConfigError(f"loihi2 has no {what} {key!r}", fix=f"use one of {sorted(declared)}")
        typ = declared[key][0]
        ok = isinstance(val, (int, float)) and not isinstance(val, bool) if typ is float else \
            isinstance(val, int) and not isinstance(val, bool)
        if not ok:
            raise ConfigError(f"loihi2 {what} {key!r} must be {'a number' if typ is float else 'a whole number'}, "
                              f"got {val!r}", fix=f"{key}: {declared[key][1]}")
        out[key] = typ(val)
    return out


def validate_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The deploy options, typed, with defaults (``input_scale = 1``); :class:`ConfigError` otherwise."""
    opts = {"input_scale": 1.0, **_validated(options, OPTIONS, "option")}
    if not opts["input_scale"] > 0:
        raise ConfigError(f"loihi2 option 'input_scale' must be > 0, got {opts['input_scale']!r}",
                          fix=OPTIONS["input_scale"][1])
    return opts


def validate_faults(faults: Mapping[str, Any] | None) -> dict[str, Any]:
    """The board's fault keys, typed; :class:`ConfigError` for unknown or mistyped ones or bad values."""
    out = _validated(faults, FAULTS, "fault key")
    if "weight_bits" in out and not 1 <= out["weight_bits"] <= 8:
        raise ConfigError(f"loihi2 fault 'weight_bits' must be 1 to 8, got {out['weight_bits']}",
                          fix=FAULTS["weight_bits"][1])
    if out.get("saturate_gain_bits", 0) < 0:
        raise ConfigError("loihi2 fault 'saturate_gain_bits' must be >= 0", fix=FAULTS["saturate_gain_bits"][1])
    return out
