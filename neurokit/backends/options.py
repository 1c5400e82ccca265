"""Declared options and fault keys of a backend (:class:`Option`) and their validation: an unknown
key or a value of an undeclared type is refused with one line naming the key, the allowed keys and
their types (:func:`validate_settings`)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurokit.errors import ConfigError


@dataclass(frozen=True)
class Option:
    """A declared option or fault key: accepted ``type`` (or types), ``default`` and ``help``.

    ``default=None`` means "not set" (the backend then uses its own rule, said in ``help``) and
    lets the user pass ``None``. Any integer (NumPy's too) is accepted where ``int`` is declared, any
    real number where ``float`` is (both converted to the Python type); ``bool`` is never accepted
    as a number, nor a number as a ``bool``."""

    type: type | tuple[type, ...]
    default: Any
    help: str
    low: float | None = None   # inclusive bounds of a numeric value (None: unbounded)
    high: float | None = None

    @property
    def types(self) -> tuple[type, ...]:
        return self.type if isinstance(self.type, tuple) else (self.type,)

    @property
    def type_name(self) -> str:
        names = [t.__name__ for t in self.types]
        return " | ".join(names + (["None"] if self.default is None else []))

    def convert(self, value: Any) -> tuple[bool, Any]:
        """``(accepted, value)``: whether ``value`` has a declared type, and the value as used."""
        if value is None:
            return self.default is None, None
        for t in self.types:
            if t is bool:
                if isinstance(value, (bool, np.bool_)):
                    return True, bool(value)
            elif isinstance(value, (bool, np.bool_)):
                continue
            elif t is int and isinstance(value, numbers.Integral):
                return True, int(value)
            elif t is float and isinstance(value, numbers.Real):
                return True, float(value)
            elif isinstance(value, t):
                return True, value
        return False, value


def declared(options: Mapping[str, Option]) -> str:
    """``key: type = default`` for each declared key, one line (for error messages and help)."""
    return ", ".join(f"{k}: {o.type_name} = {o.default!r}" for k, o in options.items()) or "none"


def validate_settings(given: Mapping[str, Any] | None, declaration: Mapping[str, Option], *, target: str,
                      kind: str = "option") -> dict[str, Any]:
    """Every declared key with the user's value or its default; an unknown key or a value of an
    undeclared type raises :class:`~neurokit.errors.ConfigError` naming the key, the allowed keys
    and their types (``kind`` is ``"option"`` or ``"fault"``)."""
    values = {k: o.default for k, o in declaration.items()}
    for key, value in (given or {}).items():
        if key not in declaration:
            raise ConfigError(f"unknown {target} {kind} {key!r}",
                              fix=f"{target} {kind}s are: {declared(declaration)}")
        ok, converted = declaration[key].convert(value)
        if not ok:
            raise ConfigError(f"{target} {kind} {key!r} must be {declaration[key].type_name}, got "
                              f"{type(value).__name__} {value!r}",
                              fix=f"{key}: {declaration[key].help}; {target} {kind}s are: {declared(declaration)}")
        opt = declaration[key]
        if isinstance(converted, (int, float)) and not isinstance(converted, bool) and (
                converted != converted or (opt.low is not None and converted < opt.low)
                or (opt.high is not None and converted > opt.high)):
            rng = f"[{'-inf' if opt.low is None else opt.low}, {'inf' if opt.high is None else opt.high}]"
            raise ConfigError(f"{target} {kind} {key!r} = {value!r} is outside {rng}", fix=f"{key}: {opt.help}")
        values[key] = converted
    return values


__all__ = ["Option", "declared", "validate_settings"]
