"""The ``neurokit`` command line: argument parsing only; every command calls the Python API.

Each command lives in ``neurokit/commands/<name>.py`` with ``add_parser(subparsers)`` (which
sets ``func``) and ``run(args) -> int``. Errors from :mod:`neurokit.errors` print one line
(``neurokit: error: …``) and exit with the error's code; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from neurokit import __version__
from neurokit.errors import NeurokitError

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("pipeline", "train", "convert", "deploy", "simulate", "inspect", "hil", "data", "backends", "doctor",
            "attack", "plot")

EPILOG = """\
exit codes: 0 ok, 1 other error, 2 invalid input (malformed file, bad graph or config),
3 a backend cannot map the graph, 4 data or file not found, 5 backend runtime unavailable,
6 a board failed or timed out. Add --debug for a traceback.

examples:
  neurokit inspect model.nir --json
  neurokit simulate model.nir --input events.h5 --steps 100 --out rec.h5 --plot raster.png
  neurokit train --epochs 5            # trains on the embedded event-digits dataset
"""


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every available command."""
    parser = argparse.ArgumentParser(
        prog="neurokit",
        description="One pipeline from spiking-network training to neuromorphic hardware: a common IR with "
                    "an explicit execution profile, an event-driven simulator, training, ANN->SNN conversion, "
                    "Loihi 2 / SpiNNaker / crossbar backends and a hardware-in-the-loop harness.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"neurokit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"neurokit.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"neurokit.commands.{name}":
                continue  # command not built yet in this checkout
            raise
        module.add_parser(sub)
    return parser


def _one_line_note(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                   file: object = None, line: str | None = None) -> None:
    """Warnings (what was assumed, what was clipped) as one ``neurokit: note:`` line on stderr."""
    print(f"neurokit: note: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurokit`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("NEUROKIT_DEBUG") == "1"
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if not debug:
            warnings.simplefilter("default")
            warnings.showwarning = _one_line_note
        code = args.func(args)
        return int(code or 0)
    except NeurokitError as exc:
        if debug:
            raise
        print(f"neurokit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("neurokit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `neurokit inspect m.nir | head`: the reader left; stay quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
