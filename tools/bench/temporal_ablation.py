"""Where time matters: an ablation on spoken-digits (20 classes, 700 cochlear channels).

Side by side, same data, same budget, several seeds:

* ``ff``            feed-forward LIF MLP, no delays (BPTT)
* ``fixed_delays``  the same with random whole-step synaptic delays in 0..D, not trained
* ``learned_delays`` delays learned with DCLS (``max_delay = D``), exported as Delay nodes
* ``recurrent``     the same net with recurrent hidden weights (``recurrent = true``, BPTT)
* ``sltt``          the feed-forward net trained with SLTT instead of BPTT
* ``lsm``           a liquid state machine (:mod:`neurokit.backends.crossbar.reservoir`, Gaussian weights)
                    with a logistic-regression readout on its spike counts in time windows
* ``raw_readout``   the same readout on the raw input counts in the same windows (no reservoir)

Activation memory: the peak of the tensors autograd holds for the backward pass during one training
step (batch 32) at the run's number of steps and at 4x as many (:func:`saved_for_backward_peak`).
Figures per run: test accuracy (torch on the whole test split; the LSM/readout: scikit-learn),
synaptic operations per inference (:func:`neurokit.train.synops.synaptic_operations` on the exported
IR run in neurokit.sim over the first ``synops_samples`` test samples), training time, and the peak
resident memory above the pre-training baseline (each run in a fresh, single-threaded process).

Reduced sizes so that it finishes on a shared 2-core machine: see ``SIZES``; ``--quick`` is a
smoke run. Usage: ``python tools/bench/temporal_ablation.py [--seeds 3] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.bench._common import machine, save, single_thread  # noqa: E402

SIZES: dict[str, Any] = {"train_samples": 640, "test_samples": 480, "hidden": [64], "dt": 0.02, "steps": 50,
                         "epochs": 8, "batch_size": 32, "lr": 5e-3, "max_delay": 10, "synops_samples": 96,
                         "lsm_neurons": 400, "time_bins": 5}
QUICK: dict[str, Any] = {**SIZES, "train_samples": 60, "test_samples": 40, "epochs": 1, "synops_samples": 8,
                         "lsm_neurons": 50}
TRAINED = ("ff", "fixed_delays", "learned_delays", "recurrent", "sltt")
READOUTS = ("lsm", "raw_readout")


def _rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def saved_for_backward_peak(step: Any) -> float:
    """Peak bytes of tensors held for the backward pass while ``step()`` runs (autograd's saved
    tensors, counted when packed and released when their graph is freed): activation memory, exact
    and independent of the machine's load, unlike resident memory."""
    import weakref

    import torch

    live, peak = [0], [0]

    class Held:
        def __init__(self, t: Any) -> None:
            self.t = t

    def release(n: int) -> None:
        live[0] -= n

    def pack(t: Any) -> Any:
        n = t.numel() * t.element_size()
        live[0] += n
        peak[0] = max(peak[0], live[0])
        held = Held(t)
        weakref.finalize(held, release, n)
        return held

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda held: held.t):
        step()
    return peak[0] / 2**20


def _subset(n: int, total: int, seed: int) -> Any:
    import numpy as np

    return np.sort(np.random.default_rng(1000 + seed).permutation(total)[:min(n, total)])


def run_trained(variant: str, seed: int, sizes: dict[str, Any], memory_only: bool = False) -> dict[str, Any]:
    """Train one variant (in this fresh process) and measure it."""
    import numpy as np
    import torch

    from neurokit import sim
    from neurokit.train import TrainConfig
    from neurokit.train.delays import DelayedLinear
    from neurokit.train.losses import predict, readout_loss
    from neurokit.train.sltt import sltt_backward
    from neurokit.train.synops import synaptic_operations
    from neurokit.train.trainer import anneal_delays, build_model, model_to_ir, stream_split

    cfg = TrainConfig.from_dict({"dataset": "spoken-digits", "hidden": sizes["hidden"], "dt": sizes["dt"],
                                 "steps": sizes["steps"], "epochs": sizes["epochs"], "batch_size": sizes["batch_size"],
                                 "lr": sizes["lr"], "seed": seed, "threads": 1,
                                 "mode": "sltt" if variant == "sltt" else "bptt",
                                 "max_delay": sizes["max_delay"] if "delays" in variant else 0,
                                 "recurrent": variant == "recurrent"})
    torch.manual_seed(seed)
    train_split, test_split = stream_split(cfg, True), stream_split(cfg, False)
    train_idx = _subset(sizes["train_samples"], len(train_split), seed)
    test_idx = _subset(sizes["test_samples"], len(test_split), seed)
    model = build_model(cfg, train_split.shape, train_split.classes)
    if variant == "fixed_delays":  # random whole-step delays, frozen
        for fc in model.fc:
            assert isinstance(fc, DelayedLinear)
            fc.delay.data = fc.delay.data.round()
            fc.delay.requires_grad_(False)
            fc.hard = True
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)

    def one_step(x: Any, y: Any) -> None:
        xb, yb = torch.from_numpy(x), torch.from_numpy(y)
        opt.zero_grad()
        if cfg.mode == "sltt":
            sltt_backward(model, xb, yb, rate_reg=0.0, chunk=cfg.sltt_chunk)
        else:
            readout_loss(model(xb), yb, cfg.loss).backward()

    if memory_only:  # one step of the first batch: activation memory, no training
        x, y = train_split.batch(train_idx[:cfg.batch_size])
        saved = saved_for_backward_peak(lambda: one_step(x, y))
        times = []
        for _ in range(5):  # one training step (forward + backward), median of 5, close together in time
            t0 = time.perf_counter()
            one_step(x, y)
            times.append(time.perf_counter() - t0)
        return {"variant": variant, "saved_for_backward_mb": saved, "step_seconds": statistics.median(times),
                "batch": len(y), "steps": cfg.steps}
    base = _rss_bytes()
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        if variant == "learned_delays":
            anneal_delays(model, epoch, cfg.epochs)
        order = np.random.default_rng(seed * 100003 + epoch).permutation(train_idx)
        for i in range(0, len(order), cfg.batch_size):
            one_step(*train_split.batch(order[i:i + cfg.batch_size]))
            opt.step()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test_idx), 128):
            x, y = test_split.batch(test_idx[i:i + 128])
            correct += int(np.sum(predict(model(torch.from_numpy(x)).numpy(), cfg.loss) == y))
    graph = model_to_ir(model)
    x, y = test_split.batch(test_idx[:sizes["synops_samples"]])
    rec = sim.simulate(graph, x.astype(np.float64), record=("spikes",))
    with torch.no_grad():  # the same samples in torch: the export's agreement, apart from the subset
        torch_subset = float(np.mean(predict(model(torch.from_numpy(x)).numpy(), cfg.loss) == y))
    synops, dense = synaptic_operations(graph, rec, x, cfg.steps)
    return {"variant": variant, "seed": seed, "accuracy": correct / len(test_idx),
            "accuracy_sim_subset": float(np.mean(predict(rec.outputs["output"], cfg.loss) == y)),
            "accuracy_torch_subset": torch_subset,
            "synops": synops, "dense_macs": dense, "train_seconds": seconds,
            "peak_rss_mb_above_baseline": max(peak, 0) / 2**20}


def _dense(split: Any, idx: Any) -> tuple[Any, Any]:
    """``(N, T, 700)`` float64 and labels (the reservoir code takes dense arrays; sizes are reduced)."""
    import numpy as np

    x, y = split.batch(idx)
    return np.moveaxis(x.reshape(x.shape[0], x.shape[1], -1), 1, 0).astype(np.float64), y


def run_readout(variant: str, seed: int, sizes: dict[str, Any]) -> dict[str, Any]:
    """The reservoir (``lsm``) or the raw input (``raw_readout``) with a logistic-regression readout."""
    import numpy as np

    from neurokit import sim
    from neurokit.backends.crossbar.reservoir import (LSMConfig, lsm_graph, reservoir_features, reservoir_weights,
                                                      train_readout)
    from neurokit.train import TrainConfig
    from neurokit.train.synops import synaptic_operations
    from neurokit.train.trainer import stream_split

    cfg = TrainConfig.from_dict({"dataset": "spoken-digits", "dt": sizes["dt"], "steps": sizes["steps"]})
    train_split, test_split = stream_split(cfg, True), stream_split(cfg, False)
    x_tr, y_tr = _dense(train_split, _subset(sizes["train_samples"], len(train_split), seed))
    x_te, y_te = _dense(test_split, _subset(sizes["test_samples"], len(test_split), seed))
    bins = sizes["time_bins"]
    classes = train_split.classes
    base = _rss_bytes()
    t0 = time.perf_counter()
    synops = 0.0
    if variant == "lsm":
        lsm = LSMConfig(n_reservoir=sizes["lsm_neurons"], p_in=0.1, p_rec=0.1, dt=cfg.dt, tau=0.05, time_bins=bins)
        w_in, w_rec = reservoir_weights(lsm, "software", n_inputs=x_tr.shape[2], seed=seed)
        graph = lsm_graph(w_in, w_rec, lsm, (x_tr.shape[2],))
        f_tr, f_te = reservoir_features(graph, x_tr, bins), reservoir_features(graph, x_te, bins)
        sub = np.ascontiguousarray(np.moveaxis(x_te[:sizes["synops_samples"]], 0, 1))
        rec = sim.simulate(graph, sub, record=("spikes",))
        # reservoir synapses (input and recurrent), plus one accumulate per reservoir spike and class in the readout
        synops = synaptic_operations(graph, rec, sub, cfg.steps)[0] + float(f_te.sum(axis=1).mean()) * classes
    else:
        def windows(x: Any) -> Any:
            return np.concatenate([w.sum(axis=1) for w in np.array_split(x, bins, axis=1)], axis=1)
        f_tr, f_te = windows(x_tr), windows(x_te)
        synops = float(x_te.sum() / len(x_te)) * classes  # one accumulate per input event and class
    accuracy = train_readout(f_tr, y_tr, f_te, y_te)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    return {"variant": variant, "seed": seed, "accuracy": accuracy, "synops": synops, "features": int(f_te.shape[1]),
            "train_seconds": seconds, "peak_rss_mb_above_baseline": max(peak, 0) / 2**20,
            "input_events_per_sample": float(x_te.sum() / len(x_te))}


LABELS = {"ff": "feed-forward, no delays (BPTT)", "fixed_delays": "fixed random delays (0..D steps)",
          "learned_delays": "learned delays (DCLS, 0..D steps)", "recurrent": "recurrent hidden layer (BPTT)",
          "sltt": "feed-forward, SLTT", "lsm": "reservoir (LSM) + logistic readout",
          "raw_readout": "logistic readout on raw input counts"}


def _step(row: dict[str, Any]) -> str:
    return f"{1e3 * row['step_seconds_median_of_5']:.0f} ms" if "step_seconds_median_of_5" in row else "—"


def _memory(row: dict[str, Any], steps: int) -> str:
    m = row.get("saved_for_backward_mb")
    return f"{m[f'T{steps}']:.1f} / {m[f'T{4 * steps}']:.1f} MB" if m else "—"


def markdown_table(result: dict[str, Any]) -> str:
    """The results as a Markdown table (for docs/spoken-digits.md)."""
    steps = result["sizes"]["steps"]
    lines = ["| model | test accuracy (mean ± sd) | synaptic ops / inference | training time (median) | "
             f"one training step (median of 5) | saved for backward, T = {steps} / {4 * steps} | "
             "peak resident memory above baseline |", "|---|---|---|---|---|---|---|"]
    for variant, row in result["table"].items():
        n = sum(1 for r in result["runs"] if r["variant"] == variant)
        lines.append(f"| {LABELS[variant]} | {100 * row['accuracy_mean']:.1f} ± {100 * row['accuracy_sd']:.1f} % "
                     f"({n} seeds) | {row['synops_median'] / 1e3:.0f} k | {row['train_seconds_median']:.0f} s | {_step(row)} | "
                     f"{_memory(row, steps)} | {row['peak_rss_mb_median']:.0f} MB |")
    return "\n".join(lines)


def child(variant: str, seed: int, quick: bool) -> None:
    sizes = QUICK if quick else SIZES
    result = run_trained(variant, seed, sizes) if variant in TRAINED else run_readout(variant, seed, sizes)
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smoke run (tiny sizes, not committed)")
    ap.add_argument("--variants", default=None,
                    help="comma-separated subset, saved as a partial file (merge it with --combine)")
    ap.add_argument("--combine", action="store_true",
                    help="merge the partial files into the committed results (their runs replace those variants'), "
                         "then delete them")
    ap.add_argument("--render", action="store_true", help="print the committed results as a Markdown table")
    ap.add_argument("--child", nargs=2, metavar=("VARIANT", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    single_thread()
    if args.render:
        print(markdown_table(json.loads((Path(__file__).parent / "results" / "temporal_ablation.json").read_text())))
        return
    if args.child:
        child(args.child[0], int(args.child[1]), args.quick)
        return
    from neurokit.data.spoken_digits import spoken_digits_dir

    spoken_digits_dir()  # build the default dataset once, before timing anything
    load_before = os.getloadavg()[0]
    variants = args.variants.split(",") if args.variants else [*TRAINED, *READOUTS]
    results_file = Path(__file__).parent / "results" / "temporal_ablation.json"
    runs: list[dict[str, Any]] = []
    merged: list[Path] = []
    if args.combine:  # the committed runs, with those of each partial file replacing their variants
        runs = json.loads(results_file.read_text())["runs"]
        for part in sorted(results_file.parent.glob("temporal_ablation.partial-*.json")):
            extra = json.loads(part.read_text())
            runs = [r for r in runs if r["variant"] not in {e["variant"] for e in extra}] + extra
        variants = []
        merged = sorted(results_file.parent.glob("temporal_ablation.partial-*.json"))
    for variant in variants:
        for seed in range(args.seeds):
            cmd = [sys.executable, __file__, "--child", variant, str(seed), *(["--quick"] if args.quick else [])]
            proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            if proc.returncode != 0:
                raise SystemExit(f"{variant} seed {seed} failed:\n{proc.stderr[-3000:]}")
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            r = runs[-1]
            print(f"{variant:15} seed {seed}: accuracy {r['accuracy']:.4f}, synops {r['synops']:.0f}, "
                  f"train {r['train_seconds']:.1f} s, peak +{r['peak_rss_mb_above_baseline']:.0f} MB", flush=True)
    if args.variants and not args.quick:  # a partial run: saved beside the results, merged by --combine
        part = results_file.parent / f"temporal_ablation.partial-{'-'.join(variants)}.json"
        part.write_text(json.dumps(runs, indent=1) + "\n")
        print(f"wrote {part}; merge with --combine")
        return
    table = {}
    for variant in (*TRAINED, *READOUTS):
        rs = [r for r in runs if r["variant"] == variant]
        if not rs:
            continue
        acc = [r["accuracy"] for r in rs]
        table[variant] = {"accuracy_mean": statistics.mean(acc), "accuracy_sd": statistics.pstdev(acc),
                          "synops_median": statistics.median(r["synops"] for r in rs),
                          "train_seconds_median": statistics.median(r["train_seconds"] for r in rs),
                          "peak_rss_mb_median": statistics.median(r["peak_rss_mb_above_baseline"] for r in rs)}
    ff = table["ff"]
    get = lambda v, k: table[v][k] if v in table else float("nan")  # noqa: E731
    ratios = {"learned_delays_vs_ff_accuracy": get("learned_delays", "accuracy_mean") - ff["accuracy_mean"],
              "fixed_delays_vs_ff_accuracy": get("fixed_delays", "accuracy_mean") - ff["accuracy_mean"],
              "sltt_vs_bptt_accuracy": get("sltt", "accuracy_mean") - ff["accuracy_mean"],
              "sltt_vs_bptt_peak_memory": get("sltt", "peak_rss_mb_median") / max(ff["peak_rss_mb_median"], 1e-9),
              "learned_delays_vs_ff_train_time": get("learned_delays", "train_seconds_median") / ff["train_seconds_median"],
              "lsm_vs_raw_readout_accuracy": get("lsm", "accuracy_mean") - get("raw_readout", "accuracy_mean"),
              "recurrent_vs_ff_accuracy": get("recurrent", "accuracy_mean") - ff["accuracy_mean"]}
    sizes = QUICK if args.quick else SIZES
    long = 4 * sizes["steps"]  # activation memory at the run's length and at 4x as many steps
    one = {(v, t): run_trained(v, 0, {**sizes, "steps": t}, memory_only=True)
           for v in TRAINED for t in (sizes["steps"], long)}
    memory = {v: {f"T{t}": one[v, t]["saved_for_backward_mb"] for t in (sizes["steps"], long)} for v in TRAINED}
    for v, m in memory.items():
        table[v]["saved_for_backward_mb"] = m
        table[v]["step_seconds_median_of_5"] = one[v, sizes["steps"]]["step_seconds"]
    ratios["sltt_vs_bptt_saved_for_backward"] = memory["sltt"][f"T{sizes['steps']}"] / memory["ff"][f"T{sizes['steps']}"]
    result = {"benchmark": "temporal_ablation", "dataset": "spoken-digits (default build, seed 0)",
              "sizes": QUICK if args.quick else SIZES, "seeds": args.seeds, "table": table, "differences": ratios,
              "runs": runs, "machine": machine(), "load_avg_1m_before": load_before,
              "load_avg_1m_after": os.getloadavg()[0],
              "note": "shared 2-core machine (other jobs running): times are indicative; single-threaded runs"}
    print(markdown_table(result))
    if args.quick:
        print(json.dumps(result))
    else:
        save("temporal_ablation", result)
        for part in merged if args.combine else []:  # now part of the results (its runs are in "runs")
            part.unlink()


if __name__ == "__main__":
    main()
