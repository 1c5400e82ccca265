"""``neurokit backends install loihi2``: create a backend's runtime (e.g. the Lava venv)."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Backends whose runtime cannot live in this Python environment get their own. `install loihi2`
creates the Lava runtime (Python 3.10 + lava-nc 0.10 + lava-dl 0.6, pinned) in $NEUROKIT_LAVA_VENV
if set, else the checkout's .venv-lava (`make lava`), else the per-user
~/.local/share/neurokit/lava-venv (a pip install); it is idempotent and takes a few minutes the
first time."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "backends", help="install or list backend runtimes", description=DESCRIPTION)
    s = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    inst = s.add_parser("install", help="create a backend's runtime environment")
    inst.add_argument("target", choices=["loihi2"], help="backend whose runtime to install")
    inst.add_argument("--venv", type=Path, default=None, help="where to create it (default: $NEUROKIT_LAVA_VENV, the checkout's .venv-lava, or "
                           "~/.local/share/neurokit/lava-venv)")
    inst.add_argument("--python", default="python3.10", help="interpreter for the runtime (default python3.10)")
    inst.set_defaults(func=run_install)
    ls = s.add_parser("list", help="list backends and whether each is ready")
    ls.set_defaults(func=run_list)


def run_install(args: argparse.Namespace) -> int:
    path = api.install_backend_runtime(args.target, venv=args.venv, python=args.python)
    print(f"{args.target} runtime ready: {path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    for name, status in api.doctor().items():
        print(f"{name:<10} {'ready' if status['ready'] else 'NOT READY'}  {status['detail']}")
    return 0
