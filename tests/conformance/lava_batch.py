"""Runs many neurokit Loihi 2 artifacts in real Lava in ONE launch of the Lava runtime (Python 3.10).

Each Lava launch costs seconds of imports; the conformance matrix runs every case Loihi 2 accepts
through this script once per test session. It executes neurokit's own runner
(``neurokit/backends/loihi2/runner.py``, path given in the plan) on each job in turn.

Usage (inside the Lava venv): python lava_batch.py PLAN.json, with PLAN = {"runner": path,
"jobs": [[artifact_dir, inputs.h5, result.h5], ...]}. Stdlib, numpy, h5py and lava only.
"""

import importlib.util
import json
import sys


def main(plan_path):
    with open(plan_path) as f:
        plan = json.load(f)
    spec = importlib.util.spec_from_file_location("neurokit_lava_runner", plan["runner"])
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    for art, inputs, result in plan["jobs"]:
        runner.main(["runner.py", art, inputs, result])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
