"""``neurokit plot KIND SOURCE``: a PNG from a run's results (learning curves, accuracy vs T)."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("plot", help="draw a PNG from a run's results (learning curves, accuracy vs T)",
                       description="learning-curve: train/test accuracy and the training loss per epoch of a "
                                   "training run (read from metrics.jsonl, written as the run goes). "
                                   "accuracy-vs-t: test accuracy against the number of time steps T, from a "
                                   "--timesteps-schedule run or tools/bench/results/timestep_schedule.json "
                                   "(error bars: std over seeds).")
    p.add_argument("kind", choices=list(api.PLOT_KINDS), help="what to draw")
    p.add_argument("source", type=Path, help="; ".join(f"{k}: {v}" for k, v in api.PLOT_KINDS.items()))
    p.add_argument("--out", type=Path, default=None, help="PNG to write (default: <kind>.png next to the source)")
    p.add_argument("--title", default=None, help="figure title")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    info = api.plot(args.kind, args.source, out=args.out, title=args.title)
    print(f"wrote {info['png']}")
    return 0
