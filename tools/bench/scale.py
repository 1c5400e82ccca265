"""Scale: a 100k-neuron, 10M-synapse random recurrent network in neurokit.sim.

100,000 LIF neurons (tau 20 ms, v_leak above threshold so each fires tonically at ~25 Hz, 2 ms
refractory, random initial membrane), recurrent ``SparseLinear`` with 100 random targets per neuron
(10M synapses, float32 weights, balanced N(0, 0.02)), dt 1 ms, float32 profile, 200 steps. Single
thread, median of 3 runs, compilation excluded. Reports the memory the simulator holds per synapse
(program arrays: the IR's arrays are used without a copy when, as here, one op holds the synapses),
the process's resident memory per synapse after compiling (IR + simulator + neuron state),
and synaptic events per second (spikes x fan-out / wall time). Last line: one JSON object with
``bytes_per_synapse`` and ``events_per_s``.

    .venv/bin/python tools/bench/scale.py [--neurons 100000] [--fanout 100] [--steps 200]
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median_time, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402

from neurokit import ir, sim  # noqa: E402


def rss_mb() -> float:
    """Resident memory after returning freed heap to the system (glibc ``malloc_trim``)."""
    import ctypes
    import gc

    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return float(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def network(n: int, fanout: int, seed: int = 0) -> tuple[ir.Graph, np.ndarray]:
    rng = np.random.default_rng(seed)
    indptr = np.arange(0, n * fanout + 1, fanout, dtype=np.int64)
    indices = rng.integers(0, n, n * fanout, dtype=np.int32).reshape(n, fanout)
    indices.sort(axis=1)  # rows ascending: the simulator then uses these arrays without a copy
    weight = rng.normal(0.0, 0.02, n * fanout).astype(np.float32)
    ones = np.ones(n, np.float32)
    lif = ir.LIF(tau=np.full(n, 0.02, np.float32), r=ones, v_leak=np.full(n, 1.2, np.float32),
                 v_threshold=ones, v_reset=np.zeros(n, np.float32), t_refrac=np.full(n, 2e-3, np.float32))
    rec = ir.SparseLinear(n_pre=n, n_post=n, indptr=indptr, indices=indices.ravel(), weight=weight)
    nodes = {"in": ir.Input(shape=(n,)), "lif": lif, "rec": rec, "spikes": ir.Output(shape=(n,))}
    edges = (("in", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "spikes"))
    graph = ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3, numeric="float32"))
    return graph, rng.random(n).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--neurons", type=int, default=100_000)
    ap.add_argument("--fanout", type=int, default=100)
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    small, v_small = network(100, 10)
    sim.run(sim.compile(small), np.zeros((1, 1, 100), np.float32), 3, initial={"lif": {"v": v_small}},
            record=())  # JIT warm-up, not counted
    base = rss_mb()
    graph, v0 = network(args.neurons, args.fanout)
    program = sim.compile(graph)
    n_syn = args.neurons * args.fanout
    x = np.zeros((1, 1, args.neurons), np.float32)
    sim.run(program, x, 3, initial={"lif": {"v": v0}}, record=())
    resident = rss_mb() - base
    out: dict[str, float] = {}

    def once() -> None:
        rec = sim.run(program, x, args.steps, initial={"lif": {"v": v0}}, record=())
        out["spikes"] = float(rec.outputs["spikes"].sum())

    med, times = median_time(once, 3)
    events = out["spikes"] * args.fanout
    result = {"bytes_per_synapse": program.synapse_bytes / n_syn, "resident_bytes_per_synapse": resident * 2**20 / n_syn,
              "events_per_s": events / med, "seconds": med, "times": times, "steps": args.steps,
              "neurons": args.neurons, "synapses": n_syn, "spikes": out["spikes"],
              "rate_hz": out["spikes"] / args.neurons / (args.steps * graph.profile.dt),
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "machine": machine()}
    print(f"{n_syn:,} synapses: simulator holds {result['bytes_per_synapse']:.2f} B/synapse "
          f"(process {result['resident_bytes_per_synapse']:.2f} B/synapse incl. the IR); "
          f"{result['events_per_s']:.3g} synaptic events/s at {result['rate_hz']:.1f} Hz")
    save("scale", result)


if __name__ == "__main__":
    main()
