"""Event-driven cost: time per step of a 2-layer 2048-wide network vs input spike rate (1 %, 5 %, 20 %).

Single thread, median of several runs. If cost grows with synaptic events (not with layer size), the
time per step grows roughly in proportion to the input rate. Last line: one JSON object.

    .venv/bin/python tools/bench/sparsity.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median_time, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402

from neurokit import ir, sim  # noqa: E402

N, T, RATES = 2048, 500, (0.01, 0.05, 0.20)


def main() -> None:
    rng = np.random.default_rng(0)
    lif = lambda: ir.LIF(tau=np.full(N, 0.02), r=np.ones(N), v_leak=np.zeros(N), v_threshold=np.full(N, 50.0))  # noqa: E731
    g = ir.Graph.sequential(ir.Linear(weight=rng.normal(0, 1, (N, N))), lif(), ir.Linear(weight=rng.normal(0, 1, (N, N))),
                            lif(), profile=ir.Profile(dt=1e-3, numeric="float32"))
    program = sim.compile(g)
    sim.run(program, np.zeros((5, 1, N)), record=())
    out = {}
    for rate in RATES:
        x = (rng.random((T, 1, N)) < rate).astype(np.float32)
        med, _ = median_time(lambda: sim.run(program, x, record=()), 5)
        out[str(rate)] = med / T * 1e6
        print(f"input rate {rate:>5.0%}: {out[str(rate)]:8.1f} µs per step ({rate * N * N:.0f} synaptic events/step)")
    base = out[str(RATES[0])]
    result = {"us_per_step": out, "relative_to_1pct": {k: v / base for k, v in out.items()},
              "synaptic_events_per_step": {str(r): r * N * N for r in RATES}, "width": N, "steps": T,
              "events_per_s_at_20pct": RATES[2] * N * N / (out[str(RATES[2])] * 1e-6), "machine": machine()}
    save("sparsity", result)


if __name__ == "__main__":
    main()
