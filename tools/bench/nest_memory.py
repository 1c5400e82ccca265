"""NEST 3.10's memory per neuron and per synapse on this machine (the figures of the 10M-neuron
estimate in ``docs/nest.md``): runs ``_nest_memory.py`` with the NEST venv's Python. Last line:
one JSON object (also ``results/nest_memory.json``).

    .venv/bin/python tools/bench/nest_memory.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, save  # noqa: E402

sys.path.insert(0, str(REPO))


def main() -> None:
    from neurokit.backends.nest.board import nest_python

    py = nest_python()
    if py is None:
        raise SystemExit("no NEST: run `make pynn-nest` or set NEUROKIT_NEST_PYTHON")
    proc = subprocess.run([str(py), str(Path(__file__).with_name("_nest_memory.py"))], capture_output=True, text=True,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    if proc.returncode != 0:
        raise SystemExit(f"NEST memory probe failed: {proc.stderr[-2000:]}")
    result = {**json.loads(proc.stdout.strip().splitlines()[-1]), "machine": machine()}
    save("nest_memory", result)


if __name__ == "__main__":
    main()
