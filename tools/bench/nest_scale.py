"""neurokit vs NEST 3.10, single-threaded, side by side: CUBA and a 100k-neuron network.

1. **CUBA** (``tools/bench/cuba.py``'s network: 4000 LIF, p = 0.02, dt 0.1 ms, 1 s): neurokit.sim on
   the IR graph (LI synaptic currents) and NEST with the same synapse lists and initial membranes
   as ``iaf_psc_exp`` (``_cuba_nest.py``; PyNEST directly: the IR's CUBA feeds two LI currents into
   the LIF through unweighted edges, which the nest target's projections do not express). Two
   discretisations of the same model: rates are compared, not spikes.
2. **100k neurons through the nest target**: ``Input(1000) -> SparseLinear -> LIF(100 000)`` with a
   sparse recurrent ``SparseLinear`` (delays 0-4 steps), ~3.0 M synapses, 100 steps of 1 ms, lowered
   by ``neurokit.backends.nest`` and run by its board (a NEST process); neurokit.sim runs the model NEST
   realises (float64, exact, one step of latency). Spikes are compared event for event.

Times: neurokit = ``sim.run`` (compiled, warm); NEST = its ``Simulate`` (``simulate_s``), its
network build (``build_s``) and the board's whole run (process start, NEST import, build,
simulate, read-back: ``board_s``). Medians of ``--repeats`` runs, one thread each
(``NUMBA_NUM_THREADS``/``OMP_NUM_THREADS`` = 1, NEST ``local_num_threads`` = 1). The machine is shared:
``machine.load_avg_1m`` is recorded. Last line: one JSON object (also ``results/nest_scale.json``).

    .venv/bin/python tools/bench/nest_scale.py [--repeats 3] [--neurons 100000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, median_time, save, single_thread  # noqa: E402

single_thread()
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from neurokit import ir, sim  # noqa: E402


def nest_python() -> str:
    from neurokit.backends.nest.board import nest_python as find

    py = find()
    if py is None:
        raise SystemExit("no NEST: run `make pynn-nest` or set NEUROKIT_NEST_PYTHON")
    return str(py)


def bench_cuba(repeats: int, seconds: float) -> dict[str, object]:
    from cuba import cuba_graph, run_neurokit

    nk = run_neurokit(repeats, seconds)
    graph, v0 = cuba_graph()
    arrays: dict[str, np.ndarray] = {"n": np.array(4000), "dt_ms": np.array(graph.profile.dt * 1e3), "v0_mV": v0 * 1e3}
    for kind, node in (("exc", graph.nodes["Ce"]), ("inh", graph.nodes["Ci"])):
        arrays[f"{kind}_pre"] = np.repeat(np.arange(node.n_pre), np.diff(node.indptr)).astype(np.int64)
        arrays[f"{kind}_post"] = np.asarray(node.indices, np.int64)
    with tempfile.TemporaryDirectory(prefix="neurokit-bench-nest-") as tmp:
        path = Path(tmp) / "cuba.npz"
        np.savez(path, **arrays)
        env = {"OMP_NUM_THREADS": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home())}
        proc = subprocess.run([nest_python(), str(Path(__file__).with_name("_cuba_nest.py")), str(path), str(seconds),
                               str(repeats)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"NEST CUBA failed: {proc.stderr[-2000:]}")
    ns = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"neurokit_s": nk["seconds"], "neurokit_times": nk["times"], "neurokit_rate_hz": nk["rate_hz"],
            "nest_simulate_s": ns["simulate_s"], "nest_build_s": ns["build_s"], "nest_rate_hz": ns["rate_hz"],
            "nest_simulate_times": ns["simulate_times"], "nest_connections": ns["connections"],
            "ratio_neurokit_over_nest_simulate": nk["seconds"] / ns["simulate_s"],
            "rate_diff_rel": abs(nk["rate_hz"] - ns["rate_hz"]) / ns["rate_hz"], "biological_s": seconds,
            "synapses": int(arrays["exc_pre"].size + arrays["inh_pre"].size)}


def random_sparse(rng: np.random.Generator, n_pre: int, n_post: int, fan_in: int, mean: float, std: float,
                  max_delay_steps: int = 0) -> ir.SparseLinear:
    """``fan_in`` random presynaptic partners per neuron on average (no duplicate pairs), CSR by pre."""
    total = n_post * fan_in
    key = np.unique(rng.integers(0, n_pre, total, dtype=np.int64) * n_post + rng.integers(0, n_post, total, dtype=np.int64))
    pre, post = np.divmod(key, n_post)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_pre))])
    delay = rng.integers(0, max_delay_steps + 1, key.size) * 1e-3 if max_delay_steps else None
    return ir.SparseLinear(n_pre=n_pre, n_post=n_post, indptr=indptr, indices=post.astype(np.int32),
                           weight=rng.normal(mean, std, key.size), delay=delay)


def big_graph(n: int, n_in: int = 1000, seed: int = 0) -> ir.Graph:
    """``Input(n_in) -> SparseLinear (fan-in 10) -> LIF(n)`` plus a recurrent SparseLinear (fan-in 20)."""
    rng = np.random.default_rng(seed)
    lif = ir.LIF(tau=rng.uniform(0.01, 0.03, n), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n),
                 v_reset=np.zeros(n), t_refrac=np.full(n, 2e-3))
    nodes = {"in": ir.Input(shape=(n_in,)), "w_in": random_sparse(rng, n_in, n, 10, 1.2, 0.6), "lif": lif,
             "rec": random_sparse(rng, n, n, 20, 0.05, 0.6, max_delay_steps=4), "out": ir.Output(shape=(n,))}
    edges = (("in", "w_in"), ("w_in", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "out"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3)).validate()


def bench_big(repeats: int, n: int, steps: int) -> dict[str, object]:
    from neurokit.backends import get_backend
    from neurokit.backends.nest.lower import nest_float_graph
    from neurokit.backends.spinnaker.pynn import spike_agreement

    g = big_graph(n)
    x = (np.random.default_rng(1).random((steps, 1, 1000)) < 0.05).astype(np.float64)
    program = sim.compile(nest_float_graph(g))
    sim.run(program, x, 5, record=("spikes",))  # JIT warm-up
    out: dict[str, object] = {}

    def nk_once() -> None:
        out["rec"] = sim.run(program, x, steps, record=("spikes",))

    nk_s, nk_times = median_time(nk_once, repeats)
    be = get_backend("nest")
    with tempfile.TemporaryDirectory(prefix="neurokit-bench-nest-") as tmp:
        t0 = time.perf_counter()
        art = be.lower(g, tmp, {"threads": 1})
        lower_s = time.perf_counter() - t0
        boards, builds, sims = [], [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            rec = be.board(art).run(x, steps)
            boards.append(time.perf_counter() - t0)
            builds.append(rec.meta["build_s"][0])
            sims.append(rec.meta["simulate_s"][0])
        synapses, connections = int(art.manifest["synapses"]), int(rec.meta["connections"])
    agree = spike_agreement(out["rec"].spikes["lif"], rec.spikes["lif"])  # type: ignore[attr-defined]
    med = lambda v: float(np.median(v))  # noqa: E731
    return {"neurons": n, "synapses": synapses, "nest_connections": connections, "steps": steps,
            "neurokit_s": nk_s, "neurokit_times": nk_times, "lower_s": lower_s,
            "nest_simulate_s": med(sims), "nest_build_s": med(builds), "nest_board_s": med(boards),
            "nest_simulate_times": sims, "nest_build_times": builds, "nest_board_times": boards,
            "ratio_neurokit_over_nest_simulate": nk_s / med(sims), "ratio_neurokit_over_nest_board": nk_s / med(boards),
            "spike_agreement": agree}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--neurons", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="CUBA 0.1 s, 10k neurons, 1 repeat (smoke test, not saved)")
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    cuba = bench_cuba(repeats, 0.1 if args.quick else 1.0)
    print(f"CUBA: neurokit {cuba['neurokit_s']:.3f} s ({cuba['neurokit_rate_hz']:.2f} Hz), NEST simulate "
          f"{cuba['nest_simulate_s']:.3f} s + build {cuba['nest_build_s']:.3f} s ({cuba['nest_rate_hz']:.2f} Hz)")
    big = bench_big(repeats, 10_000 if args.quick else args.neurons, args.steps)
    print(f"{big['neurons']} neurons, {big['synapses']} synapses: neurokit {big['neurokit_s']:.3f} s, NEST simulate "
          f"{big['nest_simulate_s']:.3f} s, build {big['nest_build_s']:.3f} s, board {big['nest_board_s']:.3f} s; "
          f"agreement {big['spike_agreement']}")
    result = {"cuba": cuba, "large": big, "repeats": repeats, "threads": 1, "machine": machine(),
              "note": "shared 2-core machine: other jobs ran at the same time (see load_avg_1m)"}
    if args.quick:
        print(json.dumps(result))
    else:
        save("nest_scale", result)


if __name__ == "__main__":
    main()
