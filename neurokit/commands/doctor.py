"""``neurokit doctor``: which backends and runtimes are ready on this machine."""

from __future__ import annotations

import argparse
import json

from neurokit import api
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Checks each backend's runtime (e.g. the Lava venv for loihi2, sPyNNaker for the PyNN path) and real
hardware access, and says how to fix what is missing."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "doctor", help="report which backends are ready here", description=DESCRIPTION)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = api.doctor()
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        for name, st in status.items():
            print(f"{name:<10} {'ready' if st['ready'] else 'NOT READY':<9}  {st['detail']}")
    return 0 if all(st["ready"] for st in status.values()) else 1
