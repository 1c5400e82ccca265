"""``neurokit inspect MODEL.nir [--json]``: nodes, shapes, parameter counts, profile."""

from __future__ import annotations

import argparse
import json

from neurokit import api


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("inspect", help="summarise a .nir model: nodes, shapes, counts, execution profile",
                       description="Read a .nir file (written by neurokit or any NIR exporter) and print its nodes, "
                                   "edges, shapes, parameter/neuron/synapse counts and execution profile. A plain "
                                   "NIR file has no profile: the assumed defaults are shown and flagged.")
    p.add_argument("model", help="path to a .nir file")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--dt", type=float, default=None, help="override the profile's time step (seconds)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    summary = api.inspect(args.model, dt=args.dt)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    prof = summary["profile"]
    src = "from file" if summary["profile_in_file"] else "ASSUMED DEFAULTS (plain NIR has no profile)"
    print(f"model: {summary['path']}")
    print(f"profile ({src}): dt={prof['dt']} integration={prof['integration']} reset={prof['reset']} "
          f"spike_rule='{prof['spike_rule']}' numeric={prof['numeric']} synapse_latency={prof['synapse_latency']}")
    print(f"{'node':<28} {'type':<12} {'input':<16} {'output':<16} {'params':>10}")
    for n in summary["nodes"]:
        print(f"{n['name']:<28} {n['type']:<12} {str(tuple(n['input_shape'])):<16} "
              f"{str(tuple(n['output_shape'])):<16} {n['parameters']:>10}")
    print(f"edges: {len(summary['edges'])}  neurons: {summary['neurons']}  synapses: {summary['synapses']}  "
          f"parameters: {summary['parameters']}")
    for w in summary["warnings"]:
        print(f"note: {w}")
    return 0
