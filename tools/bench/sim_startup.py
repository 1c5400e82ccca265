"""Start-up of ``neurokit.sim`` in a new process: cold (an empty Numba cache, every kernel compiled)
against warm (kernels loaded from the on-disk cache, ``cache=True``). The target: a warm start under
2 s. Each run is a fresh single-threaded process that reads a small conv model and simulates 5 steps;
medians of ``--repeats`` runs; the last printed line is the JSON result (results/sim_startup.json).

    python tools/bench/sim_startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, machine, save

RUN = """
import sys, time
t0 = time.perf_counter()
import numpy as np
from neurokit import ir, sim
sim.simulate(ir.read(sys.argv[1]), np.ones((5, 1, 2, 4, 4)))
print(time.perf_counter() - t0)
"""

MODEL = """
import sys, numpy as np
from neurokit import ir
ir.write(ir.Graph.sequential(
    ir.Conv2d(weight=np.full((3, 2, 3, 3), 0.4), bias=np.zeros(3), padding=1, input_shape=(4, 4)),
    ir.IF(r=np.full((3, 4, 4), 1000.0), v_threshold=np.ones((3, 4, 4))), profile=ir.Profile(dt=1e-3)), sys.argv[1])
"""


def start(model: Path, cache: Path) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", RUN, str(model)], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "m.nir"
        subprocess.run([sys.executable, "-c", MODEL, str(model)], env={**os.environ, "PYTHONPATH": str(REPO)},
                       check=True)
        cold, warm = [], []
        for i in range(args.repeats):
            cache = Path(tmp) / f"cache{i}"
            cold.append(start(model, cache))  # an empty cache: compiles
            warm.append(start(model, cache))  # the same cache, now full
    result = {"benchmark": "sim_startup", "repeats": args.repeats, "cold_s": cold, "warm_s": warm,
              "cold_median_s": statistics.median(cold), "warm_median_s": statistics.median(warm),
              "warm_over_cold": statistics.median(warm) / statistics.median(cold),
              "target_warm_s": 2.0, "met": statistics.median(warm) < 2.0, "machine": machine()}
    save("sim_startup", result)


if __name__ == "__main__":
    main()
