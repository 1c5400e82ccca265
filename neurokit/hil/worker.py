"""Runs one board in its own process: ``python -m neurokit.hil.worker SPEC ARTIFACT INPUTS OUT STEPS``.

``SPEC`` is a registered target name (``loihi2``, ``spinnaker``, ``crossbar:pcm``) or an explicit
``package.module:ATTRIBUTE`` naming a backend object (used by tests and user backends; nothing
is discovered by scanning). Faults come as JSON in ``--faults`` and are validated by the backend's
``board``; the run's counters are ``Backend.counters``. With ``--lower GRAPH --options JSON`` the
worker first lowers the graph into ARTIFACT (so that lowering runs under the harness's timeout). On failure the worker prints one
JSON line ``{"error": ..., "type": ...}`` on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from neurokit.backends import get_backend
from neurokit.backends.base import Artifact, Backend, as_backend

from .runs import from_recording, read_inputs, write_run


def resolve_backend(spec: str) -> Backend:
    """A backend (every member of the :class:`Backend` protocol) from a registered name or a
    ``module:attribute`` spec."""
    if ":" in spec and "." in spec.split(":", 1)[0]:
        module_name, attr = spec.split(":", 1)
        module = importlib.import_module(module_name)
        return as_backend(getattr(module, attr), module)
    return get_backend(spec)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="neurokit.hil.worker")
    p.add_argument("spec")
    p.add_argument("artifact")
    p.add_argument("inputs")
    p.add_argument("out")
    p.add_argument("steps", type=int)
    p.add_argument("--faults", default="")
    p.add_argument("--lower", default="", help="a .nir graph to lower into ARTIFACT first")
    p.add_argument("--options", default="{}", help="lowering options (JSON) for --lower")
    args = p.parse_args(argv)
    try:
        faults = json.loads(args.faults) if args.faults else None
        backend = resolve_backend(args.spec)
        if args.lower:
            from neurokit import ir

            backend.lower(ir.read(args.lower), args.artifact, json.loads(args.options))
        artifact = Artifact.open(args.artifact)
        board = backend.board(artifact, faults=faults)
        try:
            board.load(artifact)
            rec = board.run(read_inputs(args.inputs), args.steps)
        finally:
            board.close()
        write_run(args.out, from_recording(rec, backend.counters(rec)))
        return 0
    except Exception as exc:  # reported to the harness as data, not a traceback
        print(json.dumps({"error": str(exc), "type": type(exc).__name__}), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
