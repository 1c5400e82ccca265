"""Training configuration: a frozen dataclass read from TOML, unknown keys refused by name."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurokit.errors import ConfigError


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on (saved with every checkpoint)."""

    dataset: str = "event-digits"
    data_dir: str | None = None
    steps: int = 30
    dt: float = 0.01
    arch: str = "mlp"              # "mlp": hidden LIF layers; "conv": conv3x3-LIF-avgpool2 per `channels` entry (C, H, W inputs)
    hidden: tuple[int, ...] = (256,)
    channels: tuple[int, ...] = (8, 16)
    tau_mem: float = 0.02
    tau_out: float = 0.05
    surrogate: str = "fast_sigmoid"
    surrogate_scale: float = 10.0
    mode: str = "bptt"             # "sltt": memory-light training (neurokit.train.sltt), chunks of sltt_chunk steps
    sltt_chunk: int = 10
    loss: str = "mean_membrane"    # mean_membrane | max_membrane (LI readout) | spike_count | first_spike (LIF readout)
    max_delay: int = 0             # > 0: learnable synaptic delays up to this many steps (DCLS), exported as Delay nodes
    epochs: int = 40
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.0
    rate_reg: float = 0.0
    seed: int = 0
    threads: int = 2

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], **overrides: Any) -> TrainConfig:
        """Read ``[train]`` (or top-level keys) from a TOML file; ``overrides`` win."""
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {str(path)!r} not found", fix="check the path") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML ({exc})", fix="fix the syntax") from None
        data = data.get("train", data)
        return cls.from_dict({**data, **{k: v for k, v in overrides.items() if v is not None}}, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> TrainConfig:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {unknown}", fix=f"allowed keys: {sorted(fields)}")
        clean = {k: check_field(k, v, source) for k, v in data.items()}
        try:
            cfg = cls(**clean)
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}", fix="check the keys' types") from None
        for name in ("epochs", "batch_size", "steps", "sltt_chunk"):
            if int(getattr(cfg, name)) < 1:
                raise ConfigError(f"{source}: {name} must be >= 1", fix=f"set {name} to a positive whole number")
        if cfg.arch not in ("mlp", "conv"):
            raise ConfigError(f"{source}: arch must be 'mlp' or 'conv', got {cfg.arch!r}", fix="arch = 'mlp'")
        if cfg.arch == "conv" and (cfg.mode != "bptt" or cfg.max_delay):
            raise ConfigError(f"{source}: arch = 'conv' trains with mode = 'bptt' and no learnable delays",
                              fix="set mode = 'bptt' and max_delay = 0, or arch = 'mlp'")
        from .surrogate import SURROGATES
        from . import surrogate as _surrogate_module

        known = set(SURROGATES) | set(getattr(_surrogate_module, "ALIASES", {}))
        if cfg.surrogate not in known:
            raise ConfigError(f"{source}: surrogate must be one of {sorted(known)}, got {cfg.surrogate!r}",
                              fix="surrogate = 'fast_sigmoid'")
        if cfg.dataset not in ("event-digits", "digits") and cfg.data_dir is None:
            raise ConfigError(f"{source}: dataset {cfg.dataset!r} is not built in and needs data_dir",
                              fix="set data_dir (--data-dir) to the extracted files, or dataset = 'event-digits'")
        if cfg.mode not in ("bptt", "sltt"):
            raise ConfigError(f"{source}: mode must be 'bptt' or 'sltt', got {cfg.mode!r}", fix="mode = 'bptt'")
        from .losses import LOSSES

        if cfg.loss not in LOSSES:
            raise ConfigError(f"{source}: loss must be one of {list(LOSSES)}, got {cfg.loss!r}",
                              fix="loss = 'mean_membrane'")
        if cfg.mode == "sltt" and cfg.loss != "mean_membrane":
            raise ConfigError(f"{source}: mode = 'sltt' trains the mean-membrane loss", fix="loss = 'mean_membrane'")
        if int(cfg.max_delay) < 0:
            raise ConfigError(f"{source}: max_delay must be >= 0 steps", fix="max_delay = 0 (no delays) or e.g. 5")
        if cfg.max_delay and cfg.mode == "sltt":
            raise ConfigError(f"{source}: learnable delays need mode = 'bptt' (SLTT runs chunks of steps)",
                              fix="set mode = 'bptt' or max_delay = 0")
        return cfg

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        d["channels"] = list(self.channels)
        return d


# ---------------------------------------------------------------------------- field types and ranges
#: Every field's kind and range, checked before anything runs (``check_field``). Kinds: ``int``
#: (whole numbers, no bools), ``float`` (finite real numbers; ints accepted), ``str``,
#: ``str?`` (a string or none), ``ints`` (a list of whole numbers, or one). ``low``/``high`` are
#: inclusive bounds, ``low_open`` an exclusive lower bound. Adding a field to TrainConfig means
#: adding one row here (a test checks that every field has one).
FIELD_RULES: dict[str, dict[str, Any]] = {
    "dataset": {"kind": "str"},
    "data_dir": {"kind": "str?"},
    "steps": {"kind": "int", "low": 1, "high": 1_000_000},
    "dt": {"kind": "float", "low_open": 0.0, "high": 10.0},
    "arch": {"kind": "str"},
    "hidden": {"kind": "ints", "low": 1, "high": 1_000_000},
    "channels": {"kind": "ints", "low": 1, "high": 65_536},
    "tau_mem": {"kind": "float", "low_open": 0.0},
    "tau_out": {"kind": "float", "low_open": 0.0},
    "surrogate": {"kind": "str"},
    "surrogate_scale": {"kind": "float", "low_open": 0.0},
    "mode": {"kind": "str"},
    "sltt_chunk": {"kind": "int", "low": 1},
    "loss": {"kind": "str"},
    "max_delay": {"kind": "int", "low": 0, "high": 10_000},
    "epochs": {"kind": "int", "low": 1, "high": 1_000_000},
    "batch_size": {"kind": "int", "low": 1, "high": 1_000_000},
    "lr": {"kind": "float", "low_open": 0.0, "high": 1e3},
    "weight_decay": {"kind": "float", "low": 0.0},
    "rate_reg": {"kind": "float", "low": 0.0},
    "seed": {"kind": "int", "low": 0, "high": 2**32 - 1},
    "threads": {"kind": "int", "low": 1, "high": 1024},
}
_KIND_TEXT = {"int": "a whole number", "float": "a finite number", "str": "a string", "str?": "a string",
              "ints": "a list of whole numbers"}


def check_field(name: str, value: Any, source: str = "config") -> Any:
    """``value`` checked against ``FIELD_RULES[name]`` and normalised (``ints`` become a tuple);
    raises :class:`ConfigError` naming the field, the value and the allowed range."""
    import math

    rule = FIELD_RULES.get(name)
    if rule is None:  # a field without a rule: accepted as given (add a rule!)
        return value
    kind = rule["kind"]

    def bad(why: str) -> ConfigError:
        bounds = [f">= {rule['low']}" if "low" in rule else "", f"> {rule['low_open']}" if "low_open" in rule else "",
                  f"<= {rule['high']}" if "high" in rule else ""]
        rng = " and ".join(b for b in bounds if b)
        return ConfigError(f"{source}: {name} = {value!r} {why}",
                           fix=f"set {name} to {_KIND_TEXT[kind]}{' ' + rng if rng else ''}")

    def number(v: Any, whole: bool) -> float | int:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise bad(f"is not {_KIND_TEXT['int' if whole else 'float']}")
        if not math.isfinite(v):
            raise bad("is not finite")
        if whole and v != int(v):
            raise bad("is not a whole number")
        v = int(v) if whole else float(v)
        if ("low" in rule and v < rule["low"]) or ("low_open" in rule and v <= rule["low_open"]) \
                or ("high" in rule and v > rule["high"]):
            raise bad("is out of range")
        return v

    if kind == "int":
        return number(value, True)
    if kind == "float":
        return number(value, False)
    if kind in ("str", "str?"):
        if value is None and kind == "str?":
            return None
        if not isinstance(value, str) or not value:
            raise bad("is not a non-empty string")
        return value
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise bad("is empty")
    return tuple(number(v, True) for v in items)

