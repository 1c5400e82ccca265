"""CUBA (Vogels & Abbott 2005, Brian2's examples/CUBA.py) in neurokit and Brian2, side by side.

4000 LIF (3200 exc / 800 inh), tau_m 20 ms, tau_e 5 ms, tau_i 10 ms, Vt -50 mV, Vr -60 mV,
El -49 mV, refractory 5 ms, we 1.62 mV, wi -9 mV, p = 0.02, dt 0.1 ms, 1 s. Single thread,
medians of several runs, compilation excluded. Last line: one JSON object.

In the IR: spikes -> SparseLinear(exc) -> LI(tau_e) and SparseLinear(inh) -> LI(tau_i), both
summed into the LIF (tau_m dv/dt = (El - v) + ge + gi). An LI receives its input as a current held
over one step: the exact step ge' = a ge + (1 - a) x makes a jump of ``we`` when x = we / (1 - a),
a = exp(-dt/tau_e); the weights are scaled by that factor.

    .venv/bin/python tools/bench/cuba.py [--repeats 7] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import find_python, machine, median_time, peer_venv, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402

from neurokit import ir, sim  # noqa: E402


def cuba_graph(seed: int = 0, n: int = 4000, n_exc: int = 3200, p: float = 0.02, dt: float = 1e-4) -> tuple[ir.Graph, np.ndarray]:
    rng = np.random.default_rng(seed)
    mV = 1e-3
    taum, taue, taui = 20e-3, 5e-3, 10e-3
    we, wi = 60 * 0.27 / 10 * mV, -20 * 4.5 / 10 * mV

    def random_csr(pre: np.ndarray, weight: float) -> ir.SparseLinear:
        mask = rng.random((len(pre), n)) < p
        counts = mask.sum(axis=1)
        indptr = np.zeros(n + 1, np.int64)
        indptr[pre + 1] = counts
        indptr = np.cumsum(indptr)
        indices = np.nonzero(mask)[1].astype(np.int32)
        return ir.SparseLinear(n_pre=n, n_post=n, indptr=indptr, indices=indices, weight=np.full(len(indices), weight))

    ae, ai = np.exp(-dt / taue), np.exp(-dt / taui)
    exc = random_csr(np.arange(n_exc), we / (1 - ae))
    inh = random_csr(np.arange(n_exc, n), wi / (1 - ai))
    ones, zeros = np.ones(n), np.zeros(n)
    lif = ir.LIF(tau=np.full(n, taum), r=ones, v_leak=np.full(n, -49 * mV), v_threshold=np.full(n, -50 * mV),
                 v_reset=np.full(n, -60 * mV), t_refrac=np.full(n, 5e-3))
    nodes = {
        "in": ir.Input(shape=(n,)), "P": lif, "Ce": exc, "Ci": inh,
        "ge": ir.LI(tau=np.full(n, taue), r=ones, v_leak=zeros), "gi": ir.LI(tau=np.full(n, taui), r=ones, v_leak=zeros),
        "count": ir.Linear(weight=np.ones((1, n))), "rate": ir.Output(shape=(1,)),
    }
    edges = (("in", "P"), ("P", "Ce"), ("P", "Ci"), ("Ce", "ge"), ("Ci", "gi"), ("ge", "P"), ("gi", "P"),
             ("P", "count"), ("count", "rate"))
    graph = ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=dt, integration="exact", reset="zero"))
    v0 = -60 * mV + rng.random(n) * 10 * mV
    return graph, v0


def run_neurokit(repeats: int, seconds: float) -> dict[str, float]:
    graph, v0 = cuba_graph()
    program = sim.compile(graph)
    steps = int(round(seconds / graph.profile.dt))
    x = np.zeros((1, 1, 4000))
    sim.run(program, x, 10, initial={"P": {"v": v0}}, record=())  # JIT warm-up (cached on disk)
    out: dict[str, float] = {}

    cpu: list[float] = []

    def once() -> None:
        c0 = time.process_time()
        rec = sim.run(program, x, steps, initial={"P": {"v": v0}}, record=())
        cpu.append(time.process_time() - c0)
        out["rate_hz"] = float(rec.outputs["rate"].sum() / 4000 / seconds)

    med, times = median_time(once, repeats)
    return {"seconds": med, "cpu_seconds": float(np.median(cpu)), "rate_hz": out["rate_hz"], "times": times,
            "synapse_bytes": program.synapse_bytes}


def run_brian2(mode: str, repeats: int) -> dict[str, float]:
    import os

    # BENCH_BRIAN2_PYTHON: an existing venv's python with brian2 2.11 (else one is made beside the checkout)
    py = os.environ.get("BENCH_BRIAN2_PYTHON") or peer_venv("brian2", find_python("3.13"),
                                                            ["brian2==2.11.0", "cython", "setuptools"])
    script = Path(__file__).with_name("_cuba_brian2.py")
    secs, rates, cpus = [], [], []
    import tempfile

    workdir = tempfile.mkdtemp(prefix="neurokit-bench-brian2-")  # Brian2 standalone writes ./output
    for rep in range(repeats):
        env = {"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
        proc = subprocess.run([str(py), str(script), mode, str(rep)], capture_output=True, text=True, env=env, cwd=workdir)
        if proc.returncode != 0:
            raise SystemExit(f"brian2 {mode} failed: {proc.stderr[-2000:]}")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        secs.append(res["seconds"])
        cpus.append(res["cpu_seconds"])
        rates.append(res["rate_hz"])
    return {"seconds": float(np.median(secs)), "cpu_seconds": float(np.median(cpus)), "rate_hz": float(np.median(rates)),
            "times": secs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="0.1 s of biological time, 2 repeats (smoke test)")
    args = ap.parse_args()
    seconds = 0.1 if args.quick else 1.0
    repeats = 2 if args.quick else args.repeats
    # neurokit and Brian2 standalone alternate, one run each per round, so both see the same machine
    # load; the ratio is the median of the per-round ratios (and the ratio of the medians is reported too)
    nk_times, sa_times, nk_cpu, sa_cpu, nk_rate, sa_rate = [], [], [], [], 0.0, 0.0
    for _ in range(repeats):
        nk = run_neurokit(1, seconds)
        sa = run_brian2("cpp_standalone", 1)
        nk_times.append(nk["seconds"])
        sa_times.append(sa["seconds"])
        nk_cpu.append(nk["cpu_seconds"])
        sa_cpu.append(sa["cpu_seconds"])
        nk_rate, sa_rate = nk["rate_hz"], sa["rate_hz"]
    nk_s, sa_s = float(np.median(nk_times)), float(np.median(sa_times))
    print(f"neurokit: {nk_s:.3f} s, {nk_rate:.2f} Hz   (runs {', '.join(f'{t:.3f}' for t in nk_times)})")
    print(f"brian2 cpp_standalone: {sa_s:.3f} s, {sa_rate:.2f} Hz   (runs {', '.join(f'{t:.3f}' for t in sa_times)})")
    cython = run_brian2("cython", min(repeats, 3))  # a far slower peer: 3 runs are enough
    print(f"brian2 cython: {cython['seconds']:.3f} s, {cython['rate_hz']:.2f} Hz")
    paired = [a / b for a, b in zip(nk_times, sa_times)]
    result = {
        "neurokit_s": nk_s, "brian2_cython_s": cython["seconds"], "brian2_standalone_s": sa_s,
        "neurokit_rate_hz": nk_rate, "brian2_rate_hz": sa_rate, "brian2_cython_rate_hz": cython["rate_hz"],
        "ratio_standalone": float(np.median(paired)), "ratio_standalone_of_medians": nk_s / sa_s,
        "ratio_cython": nk_s / cython["seconds"], "rate_diff_rel": abs(nk_rate - sa_rate) / sa_rate,
        "neurokit_times": nk_times, "brian2_standalone_times": sa_times, "paired_ratios": paired,
        # CPU time (user + system; for Brian2 its binary's too) is less disturbed by other jobs than wall time
        "neurokit_cpu_s": float(np.median(nk_cpu)), "brian2_standalone_cpu_s": float(np.median(sa_cpu)),
        "ratio_standalone_cpu": float(np.median([a / b for a, b in zip(nk_cpu, sa_cpu)])),
        "paired_cpu_ratios": [a / b for a, b in zip(nk_cpu, sa_cpu)],
        "biological_s": seconds, "repeats": repeats, "machine": machine(),
        "note": "shared 2-core machine (about 8 agents): the paired ratios matter more than the times; Brian2 "
                "standalone's time is device.run() (its binary builds the synapses, then simulates), neurokit's "
                "is sim.run on a compiled program",
    }
    if args.quick:
        print(json.dumps(result))
    else:
        save("cuba", result)


if __name__ == "__main__":
    main()
