"""``neurokit pipeline``: the main job on the embedded default (train -> deploy -> HIL -> report)."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Trains an SNN on the embedded event-digits dataset, deploys it to every target this version can
lower to, runs the hardware-in-the-loop harness on held-out samples, prints the agreement table and
writes OUT/hil/report.html and report.json. Re-running reuses finished stages."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "pipeline", help="the main job: train, deploy to every target, compare, report",
                       description=DESCRIPTION)
    p.add_argument("--out", type=Path, default=Path("runs/demo"), help="output folder (default runs/demo)")
    p.add_argument("--samples", type=int, default=64, help="test samples through every target (default 64)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default 40; 3 with --quick)")
    p.add_argument("--quick", action="store_true", help="reduced size (CI): small network, 3 epochs, 32 samples")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    api.pipeline(out=args.out, samples=args.samples, epochs=args.epochs, quick=args.quick)
    return 0
