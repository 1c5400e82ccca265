"""``neurokit data show NAME``: counts and a PNG of a few samples as event frames."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Datasets by name: event-digits and spoken-digits (embedded, built offline on first use), digits, or
a tonic dataset (nmnist, shd, ssc, dvsgesture …) from --data-dir. Nothing is ever downloaded: a
missing dataset names the files it expects."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "data", help="inspect datasets (embedded event-digits, digits, tonic datasets)",
                       description=DESCRIPTION)
    s = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = s.add_parser("show", help="print counts and write a PNG of a few samples")
    show.add_argument("name", help="event-digits, digits, spoken-digits, nmnist, shd, ssc, dvsgesture, or a tonic "
                                   "class name (1-D event datasets such as shd: one raster per class)")
    show.add_argument("--data-dir", default=None, help="folder with the dataset's files (tonic datasets)")
    show.add_argument("--out", type=Path, default=Path("samples.png"), help="PNG to write (default samples.png)")
    show.add_argument("--n", type=int, default=8, help="samples to draw (default 8)")
    show.add_argument("--test", action="store_true", help="use the test split")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    info = api.data_show(args.name, out=args.out, n=args.n, data_dir=args.data_dir, train=not args.test)
    print(f"{args.name} ({'test' if args.test else 'train'}): {info['samples']} samples, {info['classes']} classes"
          + (f", {info['events_mean']:.0f} events per sample on average" if "events_mean" in info else ""))
    print(f"wrote {info['png']}")
    return 0
