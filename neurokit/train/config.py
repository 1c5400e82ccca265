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
    recurrent: bool = False        # arch "mlp": each hidden layer also gets its own spikes of the previous step (BPTT)
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
        from neurokit.data import DATASET_DEFAULTS  # e.g. spoken-digits: dt and steps that cover 1 s

        clean = {**DATASET_DEFAULTS.get(str(data.get("dataset", cls.dataset)), {}), **data}
        for key in ("hidden", "channels"):
            if key in clean:
                h = clean[key]
                clean[key] = tuple(int(v) for v in (h if isinstance(h, (list, tuple)) else [h]))
        try:
            cfg = cls(**clean)
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}", fix="check the keys' types") from None
        if not float(cfg.dt) > 0:
            raise ConfigError(f"{source}: dt must be > 0 seconds, got {cfg.dt!r}", fix="e.g. dt = 0.01")
        for name in ("epochs", "batch_size", "steps", "sltt_chunk"):
            if int(getattr(cfg, name)) < 1:
                raise ConfigError(f"{source}: {name} must be >= 1", fix=f"set {name} to a positive whole number")
        if cfg.arch not in ("mlp", "conv"):
            raise ConfigError(f"{source}: arch must be 'mlp' or 'conv', got {cfg.arch!r}", fix="arch = 'mlp'")
        if cfg.arch == "conv" and (cfg.mode != "bptt" or cfg.max_delay):
            raise ConfigError(f"{source}: arch = 'conv' trains with mode = 'bptt' and no learnable delays",
                              fix="set mode = 'bptt' and max_delay = 0, or arch = 'mlp'")
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
        if cfg.recurrent and (cfg.mode != "bptt" or cfg.arch != "mlp"):
            raise ConfigError(f"{source}: recurrent = true trains arch = 'mlp' with mode = 'bptt'",
                              fix="set arch = 'mlp' and mode = 'bptt', or recurrent = false")
        if cfg.max_delay and cfg.mode == "sltt":
            raise ConfigError(f"{source}: learnable delays need mode = 'bptt' (SLTT runs chunks of steps)",
                              fix="set mode = 'bptt' or max_delay = 0")
        return cfg

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        d["channels"] = list(self.channels)
        return d
