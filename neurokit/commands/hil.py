"""``neurokit hil MODEL.nir --targets T1,T2 --samples N --report DIR``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from neurokit import api

from .meaning import add_meaning_arguments, meaning_from_args
from neurokit.errors import InvalidInputError
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Lowers MODEL.nir to every target, runs each board in its own process with a timeout (a crash or hang
is reported, the others go on) and compares every board's spikes twice: with the target's own
numeric mode in neurokit (own_mode: implementation faults, bit-exact expected) and with the float64
model as given (float_model: quantisation and semantics). Writes DIR/report.json (per target and
seam: spike_agreement, first_divergence, spikes; accuracy_delta, wall_s) and DIR/report.html (tables
and raster overlays)."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "hil", help="hardware-in-the-loop: same inputs through the float model and every target",
                       description=DESCRIPTION)
    p.add_argument("model", help=".nir model file")
    p.add_argument("--targets", required=True, help="comma list, e.g. loihi2,spinnaker,crossbar:pcm,nest")
    p.add_argument("--samples", type=int, default=32, help="input samples (default 32)")
    p.add_argument("--input", default=None,
                   help="input file (default: event-digits test samples for a (2, 16, 16) input, else seeded "
                        "Poisson spike trains of the model's input shape)")
    p.add_argument("--steps", type=int, default=None,
                   help="time steps of generated inputs (default: 0.3 s of event-digits, or 100 Poisson steps)")
    p.add_argument("--input-rate", type=float, default=0.1,
                   help="Poisson inputs: mean spikes per input per step, in (0, 1] (default 0.1)")
    p.add_argument("--seed", type=int, default=0, help="Poisson inputs: random seed (default 0)")
    p.add_argument("--report", type=Path, default=Path("hil"), help="report folder (default ./hil)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per board run (default 600)")
    p.add_argument("--fault", action="append", default=[], metavar="TARGET:KEY=VALUE",
                   help="fault injection, repeatable: crossbar:pcm:stuck_on_rate=0.01")
    add_meaning_arguments(p)
    p.set_defaults(func=run)


def _faults(items: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for item in items:
        target, _, kv = item.rpartition(":")
        if not target or "=" not in kv:
            raise InvalidInputError(f"--fault {item!r} is not TARGET:KEY=VALUE", fix="e.g. crossbar:pcm:stuck_on_rate=0.01")
        key, value = kv.split("=", 1)
        try:
            out.setdefault(target, {})[key] = json.loads(value)
        except json.JSONDecodeError:
            out.setdefault(target, {})[key] = value  # text: the target's declaration says whether it fits
    return out


def run(args: argparse.Namespace) -> int:
    result = api.hil(args.model, [t.strip() for t in args.targets.split(",") if t.strip()], samples=args.samples,
                     report=args.report, inputs=args.input, timeout_s=args.timeout, faults=_faults(args.fault),
                     steps=args.steps, input_rate=args.input_rate, seed=args.seed, **meaning_from_args(args))
    print(result["table"])
    print(f"report: {result['report_html']}")
    statuses = [t["status"] for t in result["targets"].values()]
    if any(s in ("failed", "timeout") for s in statuses):
        return 6  # a board failed or timed out (see the table and the report); "refused" is a finding, exit 0
    return 0
