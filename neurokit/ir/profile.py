r"""The execution profile: what a graph's equations mean in discrete time.

NIR describes continuous-time dynamics; every simulator and chip discretises them differently.
The profile makes that choice explicit and travels with the graph (in ``.nir`` metadata):

* ``dt`` — the time step in seconds;
* ``integration`` — ``"exact"`` (zero-order hold: :math:`v' = a v + (1-a)(v_{leak} + R x)`,
  :math:`a = e^{-dt/\tau}`), ``"euler"`` (:math:`v' = v + \tfrac{dt}{\tau}(v_{leak} - v + R x)`), or
  ``"fixed_point"`` (same as exact, computed in the integer format of ``numeric``); with a fixed-point
  ``numeric``, ``exact``/``euler`` choose the coefficients that are then quantized;
* ``reset`` — ``"zero"`` (to ``v_reset``), ``"subtract"`` (:math:`v - (v_{th} - v_{reset})`), ``"none"``;
* ``spike_rule`` — ``">"`` or ``">="`` in :math:`z = [v \;\text{rule}\; v_{th}]`;
* ``numeric`` — ``"float64"``, ``"float32"`` or a fixed-point format (``"s16.15"``, ``"loihi2"``);
* ``synapse_latency`` — whole steps added to every weighted connection (Loihi 2's Dense
  process has 1);
* ``reset_timing`` — ``"same_step"`` (the spike of step :math:`t` resets :math:`v_t` at once) or
  ``"next_step"`` (snnTorch's default ``reset_delay=True``: :math:`z_t` is taken from the un-reset
  :math:`v_t`, which is also what is recorded; the reset acts in step :math:`t+1`: ``zero`` starts
  the step from :math:`v_{reset}`, ``subtract`` removes :math:`v_{th} - v_{reset}` *after* the leak,
  :math:`v_{t+1} = a v_t + k u_{t+1} - z_t (v_{th} - v_{reset})`);
* ``multi_spike`` — ``False``: at most one spike per step; ``True`` (Sinabs' ``MultiSpike``): the
  output is the count :math:`n = \lfloor (v - v_{reset}) / (v_{th} - v_{reset}) \rfloor` where the
  spike rule holds (else 0), ``subtract`` removes :math:`n (v_{th} - v_{reset})`, ``zero`` resets to
  :math:`v_{reset}`; it needs :math:`v_{th} > v_{reset}`. Sinabs computes
  :math:`(v > 0)\,\mathrm{trunc}(v / v_{th})`: this rule with :math:`v_{reset} = 0` and spike rule ``">="``;
* ``v_min`` — a floor on the membrane at the end of every step, *after* spike and reset,
  :math:`v \leftarrow \max(v, v_{min})` (as Sinabs' ``min_v_mem``, which clips after the reset, so
  a reset below :math:`v_{min}` is lifted to it); ``-inf`` means none. It applies to every neuron
  type; the output of LI, I, CubaLI (their membrane) is the floored value (Sinabs' ``ExpLeak``
  returns the membrane before the clip).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from neurokit.errors import ConfigError, DataNotFoundError
from neurokit.util.warn import warn_user

INTEGRATIONS = ("euler", "exact", "fixed_point")
RESETS = ("zero", "subtract", "none")
RESET_TIMINGS = ("same_step", "next_step")
SPIKE_RULES = (">", ">=")
FIXED_FORMAT = re.compile(r"^s(\d+)\.(\d+)$")
NAMED_NUMERICS = ("float32", "float64", "loihi2")


class ProfileDefaultsWarning(UserWarning):
    """A file carried no execution profile; stated defaults were assumed."""


@dataclass(frozen=True, kw_only=True)
class Profile:
    """How a graph is executed in discrete time (see the module docstring for the equations)."""

    dt: float = 1e-3
    integration: Literal["euler", "exact", "fixed_point"] = "exact"
    reset: Literal["zero", "subtract", "none"] = "zero"
    spike_rule: Literal[">", ">="] = ">"
    numeric: str = "float64"
    synapse_latency: int = 0
    reset_timing: Literal["same_step", "next_step"] = "same_step"
    multi_spike: bool = False
    v_min: float = float("-inf")

    def __post_init__(self) -> None:
        try:
            dt = float(self.dt)
        except (TypeError, ValueError):
            raise ConfigError(f"profile dt must be a number of seconds, got {self.dt!r}",
                              fix="set dt, e.g. dt = 1e-3") from None
        if not dt > 0 or dt != dt or dt == float("inf"):
            raise ConfigError(f"profile dt must be > 0 seconds, got {self.dt!r}", fix="set dt, e.g. dt = 1e-3")
        object.__setattr__(self, "dt", dt)
        for name, allowed in (("integration", INTEGRATIONS), ("reset", RESETS), ("spike_rule", SPIKE_RULES),
                              ("reset_timing", RESET_TIMINGS)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"profile {name} must be one of {allowed}, got {getattr(self, name)!r}",
                                  fix=f"choose a {name} from {allowed}")
        if self.numeric not in NAMED_NUMERICS and not FIXED_FORMAT.match(str(self.numeric)):
            raise ConfigError(f"profile numeric must be float32, float64, loihi2 or sI.F, got {self.numeric!r}",
                              fix="e.g. numeric = 'float64' or 's16.15'")
        lat = self.synapse_latency
        if isinstance(lat, (bool, np.bool_)) or not isinstance(lat, (int, float, np.integer, np.floating)) \
                or not np.isfinite(lat) or int(lat) != lat or lat < 0 or lat > 2**31 - 1:
            raise ConfigError(f"synapse_latency must be a whole number of steps in [0, 2**31), got {self.synapse_latency!r}",
                              fix="use 0 (ideal) or 1 (Loihi 2)")
        object.__setattr__(self, "synapse_latency", int(self.synapse_latency))
        if not isinstance(self.multi_spike, (bool, np.bool_)):
            raise ConfigError(f"multi_spike must be true or false, got {self.multi_spike!r}",
                              fix="multi_spike = false (one spike per step) or true (spike counts, as Sinabs)")
        object.__setattr__(self, "multi_spike", bool(self.multi_spike))
        try:
            v_min = float(self.v_min)
        except (TypeError, ValueError):
            raise ConfigError(f"v_min must be a number (or -inf for none), got {self.v_min!r}",
                              fix="e.g. v_min = -1.0, or leave it out") from None
        if v_min != v_min or v_min == float("inf"):
            raise ConfigError(f"v_min must be a finite number or -inf, got {self.v_min!r}",
                              fix="e.g. v_min = -1.0, or leave it out")
        object.__setattr__(self, "v_min", v_min)
        if self.integration == "fixed_point" and not self.is_fixed_point:
            raise ConfigError(f"integration={self.integration!r} does not fit numeric={self.numeric!r}",
                              fix="fixed_point integration needs a fixed-point numeric format (e.g. s16.15)")

    @property
    def is_fixed_point(self) -> bool:
        """True for integer formats (``sI.F`` or ``loihi2``)."""
        return self.numeric not in ("float32", "float64")

    def changed_rules(self) -> dict[str, Any]:
        """``reset_timing``, ``multi_spike`` and ``v_min`` (in that order) where they differ from their
        defaults: the rules a plain LIF cell (reset in the step, one spike, no floor) cannot state."""
        plain = {f.name: f.default for f in dataclasses.fields(self) if f.name in ("reset_timing", "multi_spike", "v_min")}
        return {name: getattr(self, name) for name, default in plain.items() if getattr(self, name) != default}

    def replace(self, **changes: Any) -> Profile:
        """A new profile with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON/HDF5 metadata."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "profile") -> Profile:
        """Build from a dict, refusing unknown keys with a clear message."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown profile key(s) {unknown}", fix=f"allowed keys: {sorted(known)}")
        clean = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in data.items()}
        for k in ("integration", "reset", "spike_rule", "numeric", "reset_timing"):
            if k in clean:
                clean[k] = str(clean[k])
        if isinstance(clean.get("synapse_latency"), np.generic):
            clean["synapse_latency"] = clean["synapse_latency"].item()
        if "multi_spike" in clean and isinstance(clean["multi_spike"], (np.bool_, np.integer)):
            clean["multi_spike"] = bool(clean["multi_spike"])
        if "v_min" in clean and isinstance(clean["v_min"], (np.floating, np.integer)):
            clean["v_min"] = float(clean["v_min"])
        return cls(**clean)


def load_profile_overrides(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Profile fields from a TOML file (top level or a ``[profile]`` table), checked before use:
    a missing or unreadable file, unknown keys and invalid values are one-line errors."""
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"no profile file {str(p)!r}", fix="give the path of a TOML file with profile fields")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})", fix="e.g. dt = 1e-4 and integration = \"euler\"") from None
    if set(data) == {"profile"} and isinstance(data["profile"], dict):
        data = data["profile"]
    Profile.from_dict({**Profile().to_dict(), **data}, source=str(p))  # validates keys and values
    return dict(data)


#: The defaults assumed for a plain NIR file (NIR states no dt, reset or spike rule).
PLAIN_NIR_DEFAULTS = Profile(dt=1e-3, integration="exact", reset="zero", spike_rule=">", numeric="float64")


def warn_defaults(source: str, profile: Profile = PLAIN_NIR_DEFAULTS) -> None:
    """Warn that a file had no profile and say exactly which defaults were assumed."""
    warn_user(
        f"{source} has no neurokit execution profile (plain NIR stores no dt, reset or spike rule); "
        f"assumed dt={profile.dt}, integration={profile.integration}, reset={profile.reset}, "
        f"spike_rule='{profile.spike_rule}', numeric={profile.numeric}. Name the exporter (ir.read(producer=NAME), "
        f"CLI --producer NAME) or give a profile (ir.read(profile=...), CLI --profile FILE.toml / --dt) to choose others.",
        ProfileDefaultsWarning)
