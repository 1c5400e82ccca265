"""Training configuration: a frozen dataclass read from TOML, unknown keys refused by name."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurokit.errors import ConfigError

#: The architectures ``arch`` names: LIF MLP, convolutional, spiking LMU (neurokit.train.lmu), ensemble of
#: compact SNNs (neurokit.train.ensemble).
ARCHS = ("mlp", "conv", "lmu", "ensemble", "transformer")

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
    timesteps_schedule: tuple[int, ...] = ()  # e.g. (5, 3, 2, 1): IIR-SNN latency reduction (neurokit.train.schedule)
    stage_epochs: int = 5          # epochs of every stage after the first (the first trains `epochs`)
    sltt_k: int = 0                # > 0 with mode = "sltt": back-propagate through K random steps only (SLTT-K)
    learn_neuron: str = "none"     # "layer" | "neuron": train tau and threshold (neurokit.train.neuron_params)
    init_from_ann: str = ""        # "train" or an ANN state-dict file: ANN-pretraining bridge (neurokit.train.ann_init)
    ann_epochs: int = 30           # epochs of the ANN when init_from_ann = "train"
    ann_percentile: float = 99.9   # activation percentile of the conversion normalisation
    continual: str = ""            # "hlop" | "replay" | "finetune": task-incremental learning (neurokit.train.continual)
    tasks: int = 5                 # number of tasks the classes are split into (continual)
    hlop_dims: int = 16            # lateral Hebbian neurons added per layer after each task (HLOP)
    replay_per_task: int = 20      # samples kept per earlier task (replay)
    memory_order: int = 8          # arch "lmu": Legendre coefficients per memory unit (neurokit.train.lmu)
    memory_units: int = 8          # arch "lmu": memory units (encoder neurons), each of memory_order LIF neurons
    memory_theta: float = 0.0      # arch "lmu": the memory's window in seconds (0: the whole sample, steps * dt)
    memory_gain: float = 3.0       # arch "lmu": resistance r of the memory neurons (scales the fixed A, B weights)
    members: int = 4               # arch "ensemble": number of member SNNs (neurokit.train.ensemble)
    ensemble_split: str = "input"  # arch "ensemble": "input" (regions of the input) | "classes" (blocks of classes)
    embed_dim: int = 32            # arch "transformer": channels per token (neurokit.train.transformer)
    blocks: int = 1                # arch "transformer": spike-driven self-attention + spiking MLP blocks
    patch: int = 4                 # arch "transformer": patch side in pixels (1-D inputs: features per token)
    mlp_hidden: int = 64           # arch "transformer": hidden channels of each block's spiking MLP
    train_samples: int = 0         # > 0: train on a seeded random subset of this many training samples (quick runs)

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

        merged = {**DATASET_DEFAULTS.get(str(data.get("dataset", cls.dataset)), {}), **data}
        clean = {k: check_field(k, v, source) for k, v in merged.items()}
        try:  # types and ranges are checked by FIELD_RULES above; what follows are rules between fields
            cfg = cls(**clean)
        except TypeError as exc:
            raise ConfigError(f"{source}: {exc}", fix="check the keys' types") from None
        if cfg.arch not in ARCHS:
            raise ConfigError(f"{source}: arch must be one of {list(ARCHS)}, got {cfg.arch!r}", fix="arch = 'mlp'")
        if cfg.arch in ("lmu", "ensemble") and (cfg.mode != "bptt" or cfg.max_delay or cfg.loss not in ("mean_membrane", "max_membrane")
                                                or cfg.timesteps_schedule or cfg.learn_neuron != "none" or cfg.init_from_ann):
            raise ConfigError(f"{source}: arch = {cfg.arch!r} trains with mode = 'bptt', an LI readout loss and no "
                              "delays, schedule, learned neurons or ANN start",
                              fix="set mode = 'bptt', loss = 'mean_membrane', max_delay = 0 and no other method")
        if cfg.arch == "lmu" and (cfg.recurrent or len(cfg.hidden) != 1):
            raise ConfigError(f"{source}: arch = 'lmu' has one hidden LIF population (its own recurrence)",
                              fix="give one hidden size (e.g. hidden = [64]) and recurrent = false")
        if cfg.arch == "ensemble" and cfg.ensemble_split not in ("input", "classes"):
            raise ConfigError(f"{source}: ensemble_split must be 'input' or 'classes', got {cfg.ensemble_split!r}",
                              fix="ensemble_split = 'input'")
        if cfg.arch in ("conv", "transformer") and (cfg.mode != "bptt" or cfg.max_delay):
            raise ConfigError(f"{source}: arch = {cfg.arch!r} trains with mode = 'bptt' and no learnable delays",
                              fix="set mode = 'bptt' and max_delay = 0, or arch = 'mlp'")
        from .surrogate import SURROGATES
        from . import surrogate as _surrogate_module

        known = set(SURROGATES) | set(getattr(_surrogate_module, "ALIASES", {}))
        if cfg.surrogate not in known:
            raise ConfigError(f"{source}: surrogate must be one of {sorted(known)}, got {cfg.surrogate!r}",
                              fix="surrogate = 'fast_sigmoid'")
        from neurokit.data import EMBEDDED

        if cfg.dataset not in EMBEDDED and cfg.data_dir is None:
            raise ConfigError(f"{source}: dataset {cfg.dataset!r} is not built in and needs data_dir",
                              fix=f"set data_dir (--data-dir) to the extracted files, or use one of {list(EMBEDDED)}")
        if cfg.mode not in ("bptt", "sltt"):
            raise ConfigError(f"{source}: mode must be 'bptt' or 'sltt', got {cfg.mode!r}", fix="mode = 'bptt'")
        from .losses import LOSSES

        if cfg.loss not in LOSSES:
            raise ConfigError(f"{source}: loss must be one of {list(LOSSES)}, got {cfg.loss!r}",
                              fix="loss = 'mean_membrane'")
        if cfg.mode == "sltt" and cfg.loss != "mean_membrane":
            raise ConfigError(f"{source}: mode = 'sltt' trains the mean-membrane loss", fix="loss = 'mean_membrane'")
        if cfg.recurrent and (cfg.mode != "bptt" or cfg.arch != "mlp"):
            raise ConfigError(f"{source}: recurrent = true trains arch = 'mlp' with mode = 'bptt'",
                              fix="set arch = 'mlp' and mode = 'bptt', or recurrent = false")
        if cfg.max_delay and cfg.mode == "sltt":
            raise ConfigError(f"{source}: learnable delays need mode = 'bptt' (SLTT runs chunks of steps)",
                              fix="set mode = 'bptt' or max_delay = 0")
        _check_methods(cfg, source)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        d["channels"] = list(self.channels)
        d["timesteps_schedule"] = list(self.timesteps_schedule)
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
    "timesteps_schedule": {"kind": "ints", "low": 1, "high": 1_000_000, "empty_ok": True},
    "stage_epochs": {"kind": "int", "low": 1, "high": 1_000_000},
    "sltt_k": {"kind": "int", "low": 0, "high": 1_000_000},
    "learn_neuron": {"kind": "str"},
    "init_from_ann": {"kind": "str", "empty_ok": True},
    "ann_epochs": {"kind": "int", "low": 1, "high": 1_000_000},
    "ann_percentile": {"kind": "float", "low_open": 0.0, "high": 100.0},
    "continual": {"kind": "str", "empty_ok": True},
    "tasks": {"kind": "int", "low": 2, "high": 10_000},
    "hlop_dims": {"kind": "int", "low": 1, "high": 1_000_000},
    "replay_per_task": {"kind": "int", "low": 1, "high": 1_000_000},
    "train_samples": {"kind": "int", "low": 0, "high": 1_000_000_000},
    "recurrent": {"kind": "bool"},
    "memory_order": {"kind": "int", "low": 1, "high": 64},
    "memory_units": {"kind": "int", "low": 1, "high": 100_000},
    "memory_theta": {"kind": "float", "low": 0.0},
    "memory_gain": {"kind": "float", "low_open": 0.0},
    "members": {"kind": "int", "low": 1, "high": 10_000},
    "ensemble_split": {"kind": "str"},
    "embed_dim": {"kind": "int", "low": 1, "high": 65_536},
    "blocks": {"kind": "int", "low": 1, "high": 1_000},
    "patch": {"kind": "int", "low": 1, "high": 65_536},
    "mlp_hidden": {"kind": "int", "low": 1, "high": 1_000_000},
}
_KIND_TEXT = {"bool": "true or false", "int": "a whole number", "float": "a finite number", "str": "a string", "str?": "a string",
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

    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("is not true or false")
        return value
    if kind == "int":
        return number(value, True)
    if kind == "float":
        return number(value, False)
    if kind in ("str", "str?"):
        if value is None and kind == "str?":
            return None
        if not isinstance(value, str) or not (value or rule.get("empty_ok")):
            raise bad("is not a non-empty string")
        return value
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items and not rule.get("empty_ok"):
        raise bad("is empty")
    return tuple(number(v, True) for v in items)


def _check_methods(cfg: TrainConfig, source: str) -> None:
    """The options of the training methods of issue 18 (schedule, SLTT-K, learnable neurons, ANN bridge)."""
    sched = cfg.timesteps_schedule
    if sched:
        if min(sched) < 1 or any(b >= a for a, b in zip(sched, sched[1:])):
            raise ConfigError(f"{source}: timesteps_schedule must fall strictly and stay >= 1, got {list(sched)}",
                              fix="e.g. timesteps_schedule = [5, 3, 2, 1]")
        window_us = cfg.dt * cfg.steps * 1e6
        bad = [t for t in sched if abs(window_us / t - round(window_us / t)) > 1e-6]
        if bad:
            raise ConfigError(f"{source}: the window steps*dt = {cfg.steps * cfg.dt:g} s is not a whole number of "
                              f"microseconds per step for T in {bad}", fix="choose T dividing the window in µs")
        if cfg.max_delay:
            raise ConfigError(f"{source}: learnable delays are counted in steps; a timesteps schedule changes the step",
                              fix="set max_delay = 0 or drop timesteps_schedule")
        if int(cfg.stage_epochs) < 1:
            raise ConfigError(f"{source}: stage_epochs must be >= 1", fix="e.g. stage_epochs = 5")
    if int(cfg.sltt_k) < 0:
        raise ConfigError(f"{source}: sltt_k must be >= 0 (0: every step)", fix="e.g. sltt_k = 4")
    if cfg.sltt_k and cfg.mode != "sltt":
        raise ConfigError(f"{source}: sltt_k needs mode = 'sltt'", fix="set mode = 'sltt' or sltt_k = 0")
    from .neuron_params import LEARN_MODES

    if cfg.learn_neuron not in LEARN_MODES:
        raise ConfigError(f"{source}: learn_neuron must be one of {list(LEARN_MODES)}, got {cfg.learn_neuron!r}",
                          fix="learn_neuron = 'neuron'")
    if cfg.continual:
        from .continual import METHODS

        if cfg.continual not in METHODS:
            raise ConfigError(f"{source}: continual must be one of {list(METHODS)}, got {cfg.continual!r}",
                              fix="continual = 'hlop'")
        if cfg.arch != "mlp" or cfg.mode != "bptt" or cfg.max_delay or cfg.timesteps_schedule or cfg.init_from_ann:
            raise ConfigError(f"{source}: continual learning trains the MLP with mode = 'bptt', without delays, "
                              "schedule or ANN start", fix="use arch = 'mlp', mode = 'bptt' and no other method")
        if int(cfg.tasks) < 2 or int(cfg.hlop_dims) < 1 or int(cfg.replay_per_task) < 1:
            raise ConfigError(f"{source}: tasks must be >= 2, hlop_dims and replay_per_task >= 1",
                              fix="e.g. tasks = 5, hlop_dims = 16, replay_per_task = 20")
    if cfg.init_from_ann:
        if cfg.arch != "mlp" or cfg.max_delay:
            raise ConfigError(f"{source}: init_from_ann starts an MLP without delays from an ANN of the same shape",
                              fix="use arch = 'mlp' and max_delay = 0")
        if cfg.init_from_ann != "train" and not Path(cfg.init_from_ann).is_file():
            raise ConfigError(f"{source}: init_from_ann file {cfg.init_from_ann!r} not found",
                              fix="pass 'train' (train the ANN first) or the path of an ANN state dict (.pt)")
        if int(cfg.ann_epochs) < 1 or not 0 < float(cfg.ann_percentile) <= 100:
            raise ConfigError(f"{source}: ann_epochs must be >= 1 and ann_percentile in (0, 100]",
                              fix="e.g. ann_epochs = 30, ann_percentile = 99.9")
