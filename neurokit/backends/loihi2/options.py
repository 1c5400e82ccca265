"""The options a Loihi 2 deploy takes and the faults its board injects, declared with their types
(:class:`~neurokit.backends.base.Option`) and validated by the protocol's
:func:`~neurokit.backends.base.validate_settings` (an unknown or mistyped key is an error naming it
and the accepted ones, never ignored), then range-checked here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from neurokit.backends.base import Option, validate_settings
from neurokit.errors import ConfigError

OPTIONS: Mapping[str, Option] = MappingProxyType({
    "input_scale": Option(float, 1.0, "analog inputs are multiplied by it and must then be whole spike counts in "
                                      "[0, 255] (the first layer's weights are divided by it), e.g. 16 for digits "
                                      "in sixteenths"),
    "conv_process": Option(str, "auto", "how a layer whose synapse is one Conv2d runs in Lava: 'never' (unrolled "
                                        "into a Dense matrix), 'always' (Lava's Conv process) or 'auto' (Conv where "
                                        "the unrolled matrix would have more than 2**22 entries)"),
})
CONV_PROCESS_CHOICES = ("auto", "always", "never")
FAULTS: Mapping[str, Option] = MappingProxyType({
    "weight_bits": Option(int, None, "Dense processes keep only this many weight bits, 1 to 8 (Lava truncates the "
                                     "rest); unset: all 8"),
    "saturate_gain_bits": Option(int, 0, "the last layer's input is scaled by 2**bits (>= 0) so that its 24-bit "
                                         "voltage saturates; the readout is divided back"),
})


def validate_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every deploy option, typed, with its default; :class:`ConfigError` otherwise."""
    opts = validate_settings(options, OPTIONS, target="loihi2", kind="option")
    if not opts["input_scale"] > 0:
        raise ConfigError(f"loihi2 option 'input_scale' must be > 0, got {opts['input_scale']!r}",
                          fix=OPTIONS["input_scale"].help)
    if opts["conv_process"] not in CONV_PROCESS_CHOICES:
        raise ConfigError(f"loihi2 option 'conv_process' must be one of {', '.join(CONV_PROCESS_CHOICES)}, "
                          f"got {opts['conv_process']!r}", fix=OPTIONS["conv_process"].help)
    return opts


def validate_faults(faults: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every fault key, typed, with its default; :class:`ConfigError` for unknown, mistyped or
    out-of-range ones."""
    out = validate_settings(faults, FAULTS, target="loihi2", kind="fault")
    if out["weight_bits"] is not None and not 1 <= out["weight_bits"] <= 8:
        raise ConfigError(f"loihi2 fault 'weight_bits' must be 1 to 8, got {out['weight_bits']}",
                          fix=FAULTS["weight_bits"].help)
    if out["saturate_gain_bits"] < 0:
        raise ConfigError("loihi2 fault 'saturate_gain_bits' must be >= 0", fix=FAULTS["saturate_gain_bits"].help)
    return out
