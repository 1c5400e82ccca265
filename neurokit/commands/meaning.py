"""The flags that choose what a model file means: ``--producer``, ``--profile FILE.toml`` and single
profile overrides. Shared by ``inspect``, ``simulate``, ``deploy`` and ``hil``."""

from __future__ import annotations

import argparse
from typing import Any

from neurokit.ir.producers import PRODUCERS
from neurokit.ir.profile import INTEGRATIONS, RESET_TIMINGS, RESETS, SPIKE_RULES, load_profile_overrides


def add_meaning_arguments(p: argparse.ArgumentParser) -> None:
    """Add the producer / profile flags to a sub-command's parser."""
    g = p.add_argument_group(
        "what the model file means",
        "Plain NIR stores no time step, integration, reset or spike rule, and every exporter means its files "
        "its own way. Without these flags a profile stored in the file is used, else the exporter is recognised "
        "from the file, else plain-NIR defaults are assumed; what was assumed is printed as a note.")
    g.add_argument("--producer", choices=sorted(PRODUCERS), default=None,
                   help="the library that exported the file: apply its conventions (profile and parameters)")
    g.add_argument("--profile", metavar="FILE.toml", default=None,
                   help="TOML file with profile fields to set (dt, integration, reset, spike_rule, numeric, "
                        "synapse_latency, reset_timing, multi_spike, v_min), validated before any work")
    g.add_argument("--dt", type=float, default=None, help="time step in seconds")
    g.add_argument("--integration", choices=INTEGRATIONS, default=None, help="integration scheme")
    g.add_argument("--reset", choices=RESETS, default=None, help="reset after a spike")
    g.add_argument("--spike-rule", choices=SPIKE_RULES, default=None, help="spike when v > v_th or v >= v_th")
    g.add_argument("--reset-timing", choices=RESET_TIMINGS, default=None,
                   help="reset in the spiking step or in the next one (snnTorch's reset_delay)")


def meaning_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``producer`` and ``profile`` (overrides: the TOML file's fields, then the single flags)."""
    overrides: dict[str, Any] = load_profile_overrides(args.profile) if args.profile else {}
    for key in ("dt", "integration", "reset", "spike_rule", "reset_timing"):
        value = getattr(args, key, None)
        if value is not None:
            overrides[key] = value
    return {"producer": args.producer, "profile": overrides or None}
