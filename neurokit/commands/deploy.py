"""``neurokit deploy MODEL.nir --target T --out DIR [--run INPUTS]``: lower a model to a target."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from neurokit import api

from .meaning import add_meaning_arguments, meaning_from_args
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Checks that every node maps (all problems listed at once, exit code 3), lowers the model to an
artifact directory with manifest.json and the target's files, prints the resource report and, with
--run, runs the artifact on the target's board and writes the recording."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "deploy",
                       help="lower a model to a hardware target (loihi2, spinnaker, crossbar[:DEVICE], nest)",
                       description=DESCRIPTION)
    p.add_argument("model", help=".nir model file")
    p.add_argument("--target", required=True, help="loihi2, spinnaker, crossbar or crossbar:DEVICE (pcm, rram, ideal), nest")
    p.add_argument("--out", required=True, type=Path, help="artifact directory to write")
    p.add_argument("--run", metavar="INPUTS", default=None,
                   help="run the artifact on these inputs (.npy/.npz/.h5, dense (T, B, *shape) or events) "
                        "and write DIR/recording.h5")
    p.add_argument("--steps", type=int, default=None, help="steps to run with --run (default: the inputs' length)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option, repeatable (e.g. --option tile_rows=128); values are parsed as JSON; an option the target does not declare is an error")
    p.add_argument("--fault", action="append", default=[], metavar="KEY=VALUE",
                   help="fault injected into the --run board, repeatable (e.g. --fault stuck_on_rate=0.01); "
                        "the keys each target declares are listed in the error for an unknown one")
    p.add_argument("--sweep", choices=["drift", "adc", "faults"], default=None,
                   help="crossbar only: accuracy sweep (JSON + PNG in DIR)")
    add_meaning_arguments(p)
    p.set_defaults(func=run)


def _options(pairs: list[str], flag: str = "--option") -> dict[str, object]:
    """``KEY=VALUE`` pairs; a value is read as JSON where it is JSON, else as text."""
    from neurokit.errors import InvalidInputError

    out: dict[str, object] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InvalidInputError(f"{flag} {pair!r} is not KEY=VALUE", fix=f"e.g. {flag} adc_bits=6")
        key, value = pair.split("=", 1)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def run(args: argparse.Namespace) -> int:
    result = api.deploy(args.model, args.target, args.out, options=_options(args.option), run_inputs=args.run,
                        steps=args.steps, sweep=args.sweep, faults=_options(args.fault, "--fault") or None,
                        **meaning_from_args(args))
    print(result["report"])
    if result.get("cost"):
        print(result["cost"].get("summary") or json.dumps(result["cost"]))
    prefix = "ring_buffer_saturations/"  # SpiNNaker's counters: 16-bit synaptic input sums that clipped
    sat = {k[len(prefix):]: v for k, v in result.get("counters", {}).items() if k.startswith(prefix)} or None
    if sat is not None:
        total = sum(sat.values())
        print(f"ring-buffer saturations: {total}" + (" (" + ", ".join(f"{k}: {v}" for k, v in sat.items() if v) + ") — "
              "inputs clipped at 16 bits; redeploy with a larger --option ring_buffer_sigma or spikes_per_second"
              if total else ""))
    for key in ("recording", "sweep"):
        if result.get(key):
            print(f"{key}: {result[key]}")
    return 0
