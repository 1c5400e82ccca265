"""One training step (forward + backward) of Linear(N, N) + LIF on a GPU, B 128, T 500, N 1024,
float32: neurokit (fused Triton kernel) vs SpikingJelly 2.0 multi-step LIF (its Triton kernel),
SpikingJelly 0.0.0.0.14 multi-step LIF (its CuPy kernel), snnTorch Leaky, Norse LIFBoxCell, and a
plain torch loop whose step is compiled by ``torch.compile``. Medians of several runs (CUDA
synchronised), and each peer's ``torch.cuda.max_memory_allocated`` during one step above what was
allocated before it. Each peer runs in its own process (its own import-time settings and a clean
peak-memory counter). neurokit also checks itself at full size: its spikes equal the autograd step
loop's on the GPU and its gradients agree to float32 tolerance. Last line: one JSON object naming
the GPU; it is saved under ``results/train_step_gpu.json``.

Every implementation: currents for all steps as one matmul, then the recurrence; LIF with tau
20 ms, dt 1 ms, threshold 1, hard reset to 0; input spikes at 10 %, bias 1.5 (a drive above threshold). The discretisations and
surrogates are each library's own (neurokit: exact decay and fast sigmoid slope 10; SpikingJelly
2.0: tau = 20 steps and SuperSpike 10; SpikingJelly 0.0.0.0.14: tau = 20 steps and ATan, the CuPy
kernel's; snnTorch: beta = exp(-dt/tau), the current scaled by 1 - beta, fast sigmoid 10; Norse: Euler and SuperSpike 10), so
the spike counts are reported but not compared between libraries.

    python tools/bench/train_step_gpu.py                       # on a CUDA machine (see device_gpu.sh)
    python tools/bench/train_step_gpu.py --dry-run --device cpu   # every peer's code path, tiny sizes

Without CUDA (and without ``--dry-run --device cpu``) it refuses in one line and exits 2. Peers not
importable are reported as missing in the JSON (never silently dropped); ``--require-all`` makes that
an error (the device script sets it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, save  # noqa: E402

TAU, DT, SLOPE = 0.02, 1e-3, 10.0
BIAS = 1.5  # a drive above threshold: about 5 % spikes per neuron and step (without it no neuron fires)
#: peer name -> (environment for its process, extra sys.path entry variable)
PEERS = ("neurokit", "spikingjelly_triton", "spikingjelly_cupy", "snntorch", "norse", "torch_compile")
#: SpikingJelly 0.0.0.0.14 (the CuPy backend, removed in 2.0) lives in its own folder, put on sys.path
#: only in its own process: NEUROKIT_BENCH_SJ014 (set by device_gpu.sh).
SJ014_ENV = "NEUROKIT_BENCH_SJ014"


def setup(T: int, B: int, N: int, device: str):  # type: ignore[no-untyped-def]
    import torch

    torch.manual_seed(0)
    x = (torch.rand(T, B, N) < 0.1).float().to(device)
    fc = torch.nn.Linear(N, N).to(device)
    torch.nn.init.uniform_(fc.weight, -3 / N**0.5, 3 / N**0.5)
    torch.nn.init.constant_(fc.bias, BIAS)
    return x, fc


def currents(fc, x):  # type: ignore[no-untyped-def]
    T, B, N = x.shape
    return fc(x.reshape(T * B, N)).reshape(T, B, -1)


def neurokit_peer(T: int, B: int, N: int, device: str) -> tuple[Callable[[], object], dict[str, object]]:
    import torch

    from neurokit.train.layers import LIFLayer, fused_kernel

    x, fc = setup(T, B, N, device)
    lif = LIFLayer(N, tau=TAU, dt=DT, v_threshold=1.0, surrogate="fast_sigmoid", scale=SLOPE).to(device)
    info: dict[str, object] = {"name": "neurokit LIFLayer (fused Triton kernel)", "kernel": fused_kernel(x)}

    def step() -> object:
        fc.zero_grad()
        z = lif(currents(fc, x))
        z.sum().backward()
        return z

    # the result contract at full size on this device: spikes equal to the autograd loop, gradients close
    loop = LIFLayer(N, tau=TAU, dt=DT, v_threshold=1.0, surrogate="fast_sigmoid", scale=SLOPE, fused=False).to(device)
    grads = []
    spikes = []
    for layer in (lif, loop):
        fc.zero_grad()
        cur = currents(fc, x).detach().requires_grad_()
        z = layer(cur)
        (z * torch.linspace(-1, 1, N, device=device)).sum().backward()
        grads.append(cur.grad)
        spikes.append(z.detach())
    info["spikes_equal_autograd_loop"] = bool(torch.equal(spikes[0], spikes[1]))
    info["spikes_checked"] = float(spikes[0].sum())
    scale = float(grads[1].abs().max())
    info["grad_max_rel_diff_vs_loop"] = float((grads[0] - grads[1]).abs().max()) / max(scale, 1e-30)
    return step, info


def torch_compile_peer(T: int, B: int, N: int, device: str) -> tuple[Callable[[], object], dict[str, object]]:
    import math

    import torch

    x, fc = setup(T, B, N, device)
    a = math.exp(-DT / TAU)

    def lif_step(v, ct):  # type: ignore[no-untyped-def]
        v = a * v + (1 - a) * ct
        u = v - 1.0
        soft = u / (1 + SLOPE * u.abs())  # d/du = 1 / (1 + k|u|)^2: the fast-sigmoid surrogate
        z = (u > 0).to(u.dtype) + (soft - soft.detach())
        return z, v * (1 - z.detach())

    compiled = torch.compile(lif_step)

    def step() -> object:
        fc.zero_grad()
        cur = currents(fc, x)
        v = torch.zeros(B, N, device=device)
        out = []
        for ct in cur.unbind(0):
            z, v = compiled(v, ct)
            out.append(z)
        z = torch.stack(out)
        z.sum().backward()
        return z

    return step, {"name": f"torch {torch.__version__} loop, step compiled by torch.compile (inductor)"}


def snntorch_peer(T: int, B: int, N: int, device: str) -> tuple[Callable[[], object], dict[str, object]]:
    import math

    import snntorch as snn
    import torch
    from snntorch import surrogate

    x, fc = setup(T, B, N, device)
    beta = math.exp(-DT / TAU)
    lif = snn.Leaky(beta=beta, threshold=1.0, reset_mechanism="zero",
                    spike_grad=surrogate.fast_sigmoid(slope=SLOPE)).to(device)

    def step() -> object:
        fc.zero_grad()
        cur = currents(fc, x) * (1 - beta)  # Leaky adds the current unscaled: the same neuron as the others
        mem = lif.reset_mem()
        out = []
        for t in range(T):
            spk, mem = lif(cur[t], mem)
            out.append(spk)
        z = torch.stack(out)
        z.sum().backward()
        return z

    return step, {"name": f"snntorch {snn.__version__} Leaky"}


def norse_peer(T: int, B: int, N: int, device: str) -> tuple[Callable[[], object], dict[str, object]]:
    import norse
    import torch
    from norse.torch import LIFBoxCell, LIFBoxParameters

    x, fc = setup(T, B, N, device)
    p = LIFBoxParameters(tau_mem_inv=torch.tensor(1 / TAU, device=device), v_th=torch.tensor(1.0, device=device),
                         v_reset=torch.tensor(0.0, device=device), v_leak=torch.tensor(0.0, device=device),
                         method="super", alpha=torch.tensor(SLOPE, device=device))
    cell = LIFBoxCell(p, dt=DT).to(device)

    def step() -> object:
        fc.zero_grad()
        cur = currents(fc, x)
        s = None
        out = []
        for ct in cur.unbind(0):
            z, s = cell(ct, s)
            out.append(z)
        z = torch.stack(out)
        z.sum().backward()
        return z

    return step, {"name": f"norse {getattr(norse, '__version__', '1.1.0')} LIFBoxCell"}


def spikingjelly_triton_peer(T: int, B: int, N: int, device: str) -> tuple[Callable[[], object], dict[str, object]]:
    import importlib.metadata

    from spikingjelly.activation_based import functional, neuron, surrogate

    x, fc = setup(T, B, N, device)
    lif = neuron.LIFNode(tau=TAU / DT, decay_input=True, v_threshold=1.0, v_reset=0.0, detach_reset=True,
                         surrogate_function=surrogate.SuperSpike(alpha=SLOPE), step_mode="m").to(device)

    def step() -> object:
        fc.zero_grad()
        functional.reset_net(lif)
        z = lif(currents(fc, x))
        z.sum().backward()
        return z

    impl = os.environ.get("SJ_LIF_CUDA_IMPLEMENTATION", "auto") if device == "cuda" else "cpu"
    return step, {"name": f"spikingjelly {importlib.metadata.version('spikingjelly')} LIFNode step_mode='m'",
                  "implementation": impl}


def spikingjelly_cupy_peer(T: int, B: int, N: int, device: str) -> tuple[Callable[[], object], dict[str, object]]:
    from spikingjelly.activation_based import functional, neuron, surrogate

    x, fc = setup(T, B, N, device)
    backend = "cupy" if device == "cuda" else "torch"  # CuPy needs CUDA; the CPU dry run takes the same layer's torch backend
    lif = neuron.LIFNode(tau=TAU / DT, decay_input=True, v_threshold=1.0, v_reset=0.0, detach_reset=True,
                         surrogate_function=surrogate.ATan(), step_mode="m", backend=backend).to(device)

    def step() -> object:
        fc.zero_grad()
        functional.reset_net(lif)
        z = lif(currents(fc, x))
        z.sum().backward()
        return z

    return step, {"name": "spikingjelly 0.0.0.0.14 LIFNode step_mode='m'", "backend": backend}


BUILDERS = {"neurokit": neurokit_peer, "spikingjelly_triton": spikingjelly_triton_peer,
            "spikingjelly_cupy": spikingjelly_cupy_peer, "snntorch": snntorch_peer, "norse": norse_peer,
            "torch_compile": torch_compile_peer}


def run_peer(name: str, T: int, B: int, N: int, device: str, repeats: int, warmup: int) -> dict[str, object]:
    """In this (child) process: build the peer, warm it up, time ``repeats`` steps, measure peak memory."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False  # float32 matmuls everywhere, as on the CPU
    torch.backends.cudnn.allow_tf32 = False
    cuda = device == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    step, info = BUILDERS[name](T, B, N, device)
    for _ in range(warmup):  # compilation, autotuning, caches
        step()
    sync()
    times = []
    spikes = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        z = step()
        sync()
        times.append(time.perf_counter() - t0)
        spikes = float(z.detach().sum())  # type: ignore[attr-defined]
        del z
    result = {**info, "seconds": statistics.median(times), "times": times, "spikes_per_step": spikes,
              "spike_rate": spikes / (T * B * N)}
    if cuda:
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        z = step()
        torch.cuda.synchronize()
        result["peak_mb"] = (torch.cuda.max_memory_allocated() - base) / 2**20
        del z
    return result


def child_env(name: str, device: str, dry_run: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    if name == "spikingjelly_cupy":
        sj014 = os.environ.get(SJ014_ENV, "")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (sj014, env["PYTHONPATH"]) if p)
    if name == "spikingjelly_triton" and device == "cuda":
        env.setdefault("SJ_LIF_CUDA_IMPLEMENTATION", "triton")  # the wheel carries no prebuilt native CUDA ops
    if name == "neurokit" and device == "cpu":
        env["NEUROKIT_LIF_KERNEL"] = "triton"  # the dry run exercises the Triton kernel in Triton's interpreter
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--dry-run", action="store_true", help="tiny sizes (T 40, B 2, N 32), 1 repeat, nothing saved")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--T", type=int, default=500)
    ap.add_argument("--B", type=int, default=128)
    ap.add_argument("--N", type=int, default=1024)
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ", ".join(PEERS))
    ap.add_argument("--require-all", action="store_true", help="a peer that fails is an error (exit 1)")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per peer process")
    ap.add_argument("--peer", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.dry_run:
        args.T, args.B, args.N, args.repeats, args.warmup = 40, 2, 32, 1, 1
    if args.peer:  # child process: one peer, one JSON line
        print(json.dumps(run_peer(args.peer, args.T, args.B, args.N, args.device, args.repeats, args.warmup)))
        return
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"train_step_gpu: no CUDA device (torch {torch.__version__}); run it on a GPU machine "
              "(tools/bench/device_gpu.sh), or check the code paths with --dry-run --device cpu", file=sys.stderr)
        raise SystemExit(2)
    if args.device == "cpu" and not args.dry_run:
        print("train_step_gpu: --device cpu only with --dry-run (CPU timings are tools/bench/train_step.py)",
              file=sys.stderr)
        raise SystemExit(2)
    peers = [p for p in args.peers.split(",") if p]
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        print(f"train_step_gpu: unknown peer(s) {unknown}; choose from {list(PEERS)}", file=sys.stderr)
        raise SystemExit(2)
    results: dict[str, dict[str, object]] = {}
    failed: dict[str, str] = {}
    for name in peers:
        cmd = [sys.executable, __file__, "--peer", name, "--device", args.device, "--T", str(args.T), "--B",
               str(args.B), "--N", str(args.N), "--repeats", str(args.repeats), "--warmup", str(args.warmup)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=child_env(name, args.device, args.dry_run),
                                  cwd=REPO, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            failed[name] = f"timed out after {args.timeout:.0f} s"
            print(f"{name:>20}: {failed[name]}", flush=True)
            continue
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            failed[name] = lines[-1] if lines else f"exit {proc.returncode}"
            print(f"{name:>20}: FAILED: {failed[name]}", flush=True)
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[name]
        mem = f", peak {r['peak_mb']:.0f} MB" if "peak_mb" in r else ""
        print(f"{name:>20}: {r['seconds'] * 1e3:8.2f} ms per step{mem}  ({r['name']})", flush=True)
    gpu = torch.cuda.get_device_name(0) if args.device == "cuda" else "none (CPU dry run)"
    out: dict[str, object] = {"gpu": gpu, "T": args.T, "batch": args.B, "width": args.N, "repeats": args.repeats,
                              "dtype": "float32", "tf32": False, "torch": torch.__version__,
                              "cuda": torch.version.cuda, "peers": results, "failed": failed, "machine": machine()}
    nk = results.get("neurokit")
    if nk:
        out["ratios"] = {f"neurokit_over_{k}": float(nk["seconds"]) / float(v["seconds"])  # type: ignore[arg-type]
                         for k, v in results.items() if k != "neurokit"}
        if "peak_mb" in nk:
            out["memory_ratios"] = {f"neurokit_over_{k}": float(nk["peak_mb"]) / max(float(v["peak_mb"]), 1e-9)  # type: ignore[arg-type]
                                    for k, v in results.items() if k != "neurokit" and "peak_mb" in v}
    if args.dry_run:
        print(json.dumps(out))
    else:
        save("train_step_gpu", out)
    if failed and args.require_all:
        raise SystemExit(1)
    if nk and args.device == "cuda" and not nk.get("spikes_equal_autograd_loop"):
        print("train_step_gpu: neurokit's Triton spikes differ from the autograd loop on this GPU", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
