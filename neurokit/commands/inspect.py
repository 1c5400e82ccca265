"""``neurokit inspect MODEL.nir [--json]``: nodes, shapes, parameter counts, profile."""

from __future__ import annotations

import argparse
import json

from neurokit import api

from .meaning import add_meaning_arguments, meaning_from_args
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Read a .nir file (written by neurokit or any NIR exporter) and print its nodes, edges, shapes,
parameter/neuron/synapse counts and execution profile. A plain NIR file has no profile: the assumed
defaults are shown and flagged."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "inspect", help="summarise a .nir model: nodes, shapes, counts, execution profile",
                       description=DESCRIPTION)
    p.add_argument("model", help="path to a .nir file")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    add_meaning_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    summary = api.inspect(args.model, **meaning_from_args(args))
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    prof = summary["profile"]
    src = {"file": "from file", "defaults": "ASSUMED DEFAULTS (plain NIR has no profile; --producer/--profile set it)"
           }.get(summary["profile_source"], summary["profile_source"])
    print(f"model: {summary['path']}")
    print(f"profile ({src}): dt={prof['dt']} integration={prof['integration']} reset={prof['reset']} "
          f"spike_rule='{prof['spike_rule']}' numeric={prof['numeric']} synapse_latency={prof['synapse_latency']} "
          f"reset_timing={prof['reset_timing']} multi_spike={prof['multi_spike']} v_min={prof['v_min']}")
    print(f"{'node':<28} {'type':<12} {'input':<16} {'output':<16} {'params':>10}")
    for n in summary["nodes"]:
        print(f"{n['name']:<28} {n['type']:<12} {str(tuple(n['input_shape'])):<16} "
              f"{str(tuple(n['output_shape'])):<16} {n['parameters']:>10}")
    print(f"edges: {len(summary['edges'])}  neurons: {summary['neurons']}  synapses: {summary['synapses']}  "
          f"parameters: {summary['parameters']}")
    for w in summary["warnings"]:
        print(f"note: {w}")
    return 0
