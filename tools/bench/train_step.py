"""One training step (forward + backward) of Linear(512, 512) + LIF, batch 16, T = 500, float32,
CPU, single thread: neurokit (fused kernel) vs Norse (LIFBoxCell, the same LIF; and LIFCell, Norse's
full LIF with a synaptic current as well) vs snnTorch 1.0 (Leaky, in its own venv, the layer
applied per step as in its tutorials) vs plain torch with the same math (autograd over a step loop). Medians of several runs. Then the
peak memory of one training step of an SNN classifier (512-512-10) in SLTT mode (chunks of 10
steps) and in BPTT at T = 100 and T = 1000, each in a fresh process. Last line: one JSON object.

Every implementation: currents for all steps as one matmul, then the recurrence; LIF with
tau 20 ms, dt 1 ms, threshold 1, reset to 0, fast-sigmoid surrogate (slope 10); input spikes at 10 %.

    .venv/bin/python tools/bench/train_step.py [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, peer_venv, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
TAU, DT = 0.02, 1e-3


def setup(T: int, B: int, N: int) -> tuple[torch.Tensor, torch.nn.Linear]:
    torch.manual_seed(0)
    x = (torch.rand(T, B, N) < 0.1).float()
    fc = torch.nn.Linear(N, N)
    torch.nn.init.uniform_(fc.weight, -3 / N**0.5, 3 / N**0.5)
    return x, fc


def neurokit_step(T: int, B: int, N: int):  # type: ignore[no-untyped-def]
    from neurokit.train.layers import LIFLayer, time_linear

    x, fc = setup(T, B, N)
    lif = LIFLayer(N, tau=TAU, dt=DT, v_threshold=1.0)

    def step() -> None:
        fc.zero_grad()
        lif(time_linear(fc, x)).sum().backward()
    return step


def torch_step(T: int, B: int, N: int):  # type: ignore[no-untyped-def]
    from neurokit.train.surrogate import spike

    x, fc = setup(T, B, N)
    a = float(np.exp(-DT / TAU))

    def step() -> None:
        fc.zero_grad()
        cur = fc(x.reshape(T * B, N)).reshape(T, B, N)
        v = torch.zeros(B, N)
        out = []
        for ct in cur.unbind(0):
            v = a * v + (1 - a) * ct
            z = spike(v - 1.0, "fast_sigmoid", 10.0)
            v = torch.where(z.detach() > 0, torch.zeros_like(v), v)
            out.append(z)
        torch.stack(out).sum().backward()
    return step


def norse_step(T: int, B: int, N: int):  # type: ignore[no-untyped-def]
    from norse.torch import LIFBoxCell, LIFBoxParameters

    x, fc = setup(T, B, N)
    cell = LIFBoxCell(LIFBoxParameters(tau_mem_inv=torch.tensor(1 / TAU), v_th=torch.tensor(1.0),
                                       v_reset=torch.tensor(0.0), v_leak=torch.tensor(0.0), method="super",
                                       alpha=torch.tensor(10.0)), dt=DT)

    return norse_loop(cell, x, fc, T, B, N)


def norse_loop(cell, x, fc, T: int, B: int, N: int):  # type: ignore[no-untyped-def]
    """One training step of a Norse cell as its docs loop it: the linear layer on every step at once,
    the cell step by step over ``unbind`` with its state, then backward."""

    def step() -> None:
        fc.zero_grad()
        cur = fc(x.reshape(T * B, N)).reshape(T, B, N)
        s = None
        out = []
        for ct in cur.unbind(0):
            z, s = cell(ct, s)
            out.append(z)
        torch.stack(out).sum().backward()
    return step


def norse_full_step(T: int, B: int, N: int):  # type: ignore[no-untyped-def]
    """Norse's full ``LIFCell``: the same membrane plus a synaptic current (tau_syn 5 ms, Norse's default)."""
    from norse.torch import LIFCell, LIFParameters

    x, fc = setup(T, B, N)
    cell = LIFCell(LIFParameters(tau_mem_inv=torch.tensor(1 / TAU), v_th=torch.tensor(1.0), v_reset=torch.tensor(0.0),
                                 v_leak=torch.tensor(0.0), method="super", alpha=torch.tensor(10.0)), dt=DT)

    return norse_loop(cell, x, fc, T, B, N)


def snntorch_time(T: int, B: int, N: int, repeats: int) -> dict[str, object]:
    import os

    wheel = "/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    # BENCH_SNNTORCH_PYTHON: an existing venv's python with snntorch 1.0 and the same torch
    py = os.environ.get("BENCH_SNNTORCH_PYTHON") or peer_venv("snntorch", sys.executable, [wheel, "numpy", "snntorch==1.0.*"])
    proc = subprocess.run([str(py), str(Path(__file__).with_name("_train_step_snntorch.py")), str(T), str(B), str(N),
                           str(repeats)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rss() -> int:
    import resource

    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()


def peak_memory_child(mode: str, T: int) -> None:
    """In a fresh process: peak resident memory above the baseline during one training step."""
    import torch.nn.functional as F

    from neurokit.train.model import SNNClassifier, SNNSpec
    from neurokit.train.sltt import LOGIT_SCALE, sltt_backward

    torch.manual_seed(0)
    model = SNNClassifier(SNNSpec(input_shape=(512,), hidden=(512,), classes=10, dt=DT, mode=mode))
    x = (torch.rand(T, 16, 512) < 0.1).float()
    y = torch.randint(0, 10, (16,))

    def step() -> None:
        model.zero_grad()
        if mode == "sltt":
            sltt_backward(model, x, y, chunk=10)
        else:
            out = model(x)
            F.cross_entropy(out.mean(0) * LOGIT_SCALE, y).backward()

    print(json.dumps({"mode": mode, "T": T, "peak_mb": peak_rss_mb(step)}))


def peak_rss_mb(step: Callable[[], None]) -> float:
    """Peak resident memory (MB) above the baseline during one call of ``step``, after a first call
    (compile, allocate gradients) and a ``malloc_trim``; sampled every 0.5 ms by a thread."""
    import ctypes

    step()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    base = _rss()
    peak = [base]
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.0005):
            peak[0] = max(peak[0], _rss())

    th = threading.Thread(target=poll)
    th.start()
    step()
    done.set()
    th.join()
    return (max(peak[0], _rss()) - base) / 2**20


def peak_memory(mode: str, T: int) -> float:
    return memory_child_mb(__file__, mode, str(T))


def memory_child_mb(script: str, *args: str) -> float:
    """Run ``script --memory-child *args`` in a fresh process and return the ``peak_mb`` it prints.
    glibc returns freed blocks at once there (fixed mmap threshold, no trim slack), so resident
    memory follows live memory instead of the allocator's cache."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, script, "--memory-child", *args], capture_output=True, text=True,
                          cwd=REPO, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["peak_mb"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="T=50, 2 repeats (smoke test)")
    ap.add_argument("--memory-child", nargs=2, metavar=("MODE", "T"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        peak_memory_child(args.memory_child[0], int(args.memory_child[1]))
        return
    T, B, N = (50 if args.quick else 500), 16, 512
    repeats = 2 if args.quick else args.repeats
    import statistics
    import time

    steps = {name: make(T, B, N) for name, make in (("neurokit", neurokit_step), ("norse", norse_step),
                                                    ("norse_lifcell", norse_full_step), ("torch", torch_step))}
    for step in steps.values():
        step()  # warm-up (JIT)
    runs: dict[str, list[float]] = {name: [] for name in [*steps, "snntorch"]}
    cpu: dict[str, list[float]] = {name: [] for name in [*steps, "snntorch"]}  # less disturbed by other jobs
    load = [os.getloadavg()[0]]
    snn: dict[str, object] = {}
    for _ in range(repeats):  # interleaved, so each repeat's ratios share the machine's load
        for name, step in steps.items():
            c0, t0 = time.process_time(), time.perf_counter()
            step()
            runs[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
        snn = snntorch_time(T, B, N, 1)  # its own process: warm-up step, then one timed step
        runs["snntorch"].append(float(snn["seconds"]))  # type: ignore[arg-type]
        cpu["snntorch"].append(float(snn["cpu_seconds"]))  # type: ignore[arg-type]
        load.append(os.getloadavg()[0])
    times = {name: statistics.median(t) for name, t in runs.items()}
    for name, t in times.items():
        print(f"{name:>13}: {t:.3f} s per step")
    paired = {peer: statistics.median([a / b for a, b in zip(runs["neurokit"], runs[peer])])
              for peer in ("snntorch", "norse", "norse_lifcell", "torch")}
    paired_cpu = {peer: statistics.median([a / b for a, b in zip(cpu["neurokit"], cpu[peer])])
                  for peer in ("snntorch", "norse", "norse_lifcell", "torch")}
    print("CPU-time ratios neurokit / peer: " + ", ".join(f"{k} {v:.2f}" for k, v in paired_cpu.items()))
    mem = {f"{m}_t{t}": peak_memory(m, t) for m in ("sltt", "bptt") for t in (100, 1000)}
    for k, v in mem.items():
        print(f"peak memory {k}: {v:.1f} MB")
    result = {"neurokit_s": times["neurokit"], "norse_s": times["norse"], "norse_lifcell_s": times["norse_lifcell"],
              "snntorch_s": times["snntorch"], "torch_s": times["torch"],
              "ratio_snntorch": paired["snntorch"], "ratio_norse": paired["norse"],
              "ratio_norse_lifcell": paired["norse_lifcell"], "ratio_torch": paired["torch"],
              "ratios": "medians of per-repeat ratios neurokit / peer (repeats interleaved)", "times": runs,
              "cpu_ratio_snntorch": paired_cpu["snntorch"], "cpu_ratio_norse": paired_cpu["norse"],
              "cpu_ratio_norse_lifcell": paired_cpu["norse_lifcell"], "cpu_ratio_torch": paired_cpu["torch"],
              "cpu_times": cpu,
              "load_avg_1m_during": load,
              "sltt_mem_t100_mb": mem["sltt_t100"], "sltt_mem_t1000_mb": mem["sltt_t1000"],
              "bptt_mem_t100_mb": mem["bptt_t100"], "bptt_mem_t1000_mb": mem["bptt_t1000"],
              "sltt_mem_ratio": mem["sltt_t1000"] / mem["sltt_t100"], "bptt_mem_ratio": mem["bptt_t1000"] / mem["bptt_t100"],
              "T": T, "batch": B, "width": N, "repeats": repeats, "peer_snntorch": snn["name"],
              "peer_norse": "norse 1.1.0 LIFBoxCell; LIFCell (full: synaptic current too)",
              "note": "shared 2-core machine: the paired ratios matter more than the times", "machine": machine()}
    if args.quick:
        print(json.dumps(result))
    else:
        save("train_step", result)


if __name__ == "__main__":
    main()
