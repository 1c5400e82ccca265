"""``neurokit simulate MODEL.nir --input FILE --steps N --out rec.h5 [--plot raster.png]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api

from .meaning import add_meaning_arguments, meaning_from_args
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Runs MODEL.nir with its execution profile on the inputs in FILE (.npy dense (T, B, *shape); .npz/.h5
with 'inputs', or tonic-style events t,x,[y],p binned to the profile's dt) and writes a recording
(HDF5: outputs, spike events, traces)."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "simulate", help="run a .nir model in the event-driven simulator", description=DESCRIPTION)
    p.add_argument("model", help=".nir model file")
    p.add_argument("--input", required=True, help="input file (.npy, .npz or .h5)")
    p.add_argument("--steps", type=int, default=None, help="time steps to run (default: the input's length)")
    p.add_argument("--record", default="spikes", help="comma list: spikes, v (membrane and current traces), node names")
    p.add_argument("--out", type=Path, default=Path("recording.h5"), help="recording file to write")
    p.add_argument("--plot", type=Path, default=None, help="write a spike raster PNG of sample 0")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (shown on long runs otherwise)")
    add_meaning_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    summary = api.simulate(args.model, args.input, steps=args.steps, record=args.record.split(","),
                           out=args.out, plot=args.plot, progress=not args.no_progress, **meaning_from_args(args))
    print(f"simulated {summary['steps']} steps x {summary['samples']} samples in {summary['seconds']:.2f} s; "
          f"{summary['spikes']} spikes; recording: {summary['out']}")
    if summary.get("plot"):
        print(f"raster: {summary['plot']}")
    return 0
