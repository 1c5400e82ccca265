"""SLTT-K (Meng et al. 2023): back-propagating through K randomly chosen steps only.

Part 1, cost of one training step (forward + backward) of an SNN classifier 512-512-10, batch
16, T = 100, float32, single thread, input spikes at 10 %: BPTT, full SLTT (chunks of 10 steps)
and SLTT-K for K = 1, 5, 10, 25, 50, 100 — median time of 5 steps and peak resident memory above
the baseline (each in a fresh process, as tools/bench/train_step.py measures it).
Part 2, accuracy on event-digits (T = 30, MLP 512-128-10, 6 epochs, seeds 0 and 1, mean;
neurokit.sim on model.nir): BPTT, SLTT, SLTT-K with K = 10 and K = 3.
The paper's claim: SLTT-K cuts training time further (backward over K of T steps) at memory
like SLTT's, with accuracy close to SLTT/BPTT.

Spoken-digits (``--dataset spoken-digits``, sizes in tools/bench/_methods.py): part 2 here; part 1
with ``--steps-only`` (one step on the first training batch of 32 through 700-64-20 at T = 50, median of 21,
BPTT, SLTT, SLTT-K for K = 1, 3, 10, 25, 50; activation memory as autograd's saved tensors,
``sltt_k_spoken_steps.json``), T = 50 over 1 s, MLP 700-64-20, 640
training samples, 6 epochs, 3 seeds; SLTT-K with K = 10 and K = 3 of the 50 steps, and the
training time of each run (train_seconds: wall time of the whole run, on a shared machine).

    .venv/bin/python tools/bench/sltt_k.py [--dataset spoken-digits] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median_time, single_thread  # noqa: E402
from _methods import BenchData, add_dataset_options, bench_data, mean, publish, run_train  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
T, B, N = 100, 16, 512


def _step_fn(variant: str):  # type: ignore[no-untyped-def]
    from neurokit.train.model import SNNClassifier, SNNSpec

    torch.manual_seed(0)
    mode = "bptt" if variant == "bptt" else "sltt"
    model = SNNClassifier(SNNSpec(input_shape=(N,), hidden=(N,), classes=10, dt=1e-3, mode=mode))
    x = (torch.rand(T, B, N) < 0.1).float()
    y = torch.randint(0, 10, (B,))
    return training_step(model, x, y, variant)


def training_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, variant: str):  # type: ignore[no-untyped-def]
    """One forward + backward of ``model`` on ``(x, y)``: ``bptt``, ``sltt`` or SLTT-K (``k3``, ``k10``...)."""
    import torch.nn.functional as F

    from neurokit.train.sltt import LOGIT_SCALE, sltt_backward

    k = int(variant[1:]) if variant.startswith("k") else 0

    def step() -> None:
        model.zero_grad()
        if variant == "bptt":
            F.cross_entropy(model(x).mean(0) * LOGIT_SCALE, y).backward()
        else:
            sltt_backward(model, x, y, chunk=10, k=k)

    return step


def data_step_cost(data: BenchData, variants: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Part 1 on the data: one training step (forward + backward) on the first ``batch_size``
    training samples through the benchmark's MLP, median of ``repeats``, and the peak of the
    tensors autograd holds for the backward pass (exact, independent of the load)."""
    from neurokit.train import TrainConfig
    from neurokit.train.trainer import build_model, stream_split
    from temporal_ablation import saved_for_backward_peak

    base = {**data.train, "steps": data.steps, "dt": data.dt, "threads": 1}
    split = stream_split(TrainConfig.from_dict(base), True)
    xb, yb = split.batch(np.arange(min(int(TrainConfig.from_dict(base).batch_size), len(split))))
    x, y = torch.from_numpy(xb), torch.from_numpy(yb)
    cost = {}
    for v in variants:
        mode = "bptt" if v == "bptt" else "sltt"
        torch.manual_seed(0)
        model = build_model(TrainConfig.from_dict({**base, "mode": mode}), split.shape, split.classes)
        step = training_step(model, x, y, v)
        step()  # warm-up (JIT)
        sec, _ = median_time(step, repeats)
        cost[v] = {"seconds": sec, "saved_for_backward_mb": saved_for_backward_peak(step)}
        print(f"{v:>5}: {sec:.4f} s/step, saved for backward {cost[v]['saved_for_backward_mb']:.2f} MB", flush=True)
    for v in variants:
        cost[v]["time_vs_sltt"] = cost[v]["seconds"] / cost["sltt"]["seconds"]
        cost[v]["time_vs_bptt"] = cost[v]["seconds"] / cost["bptt"]["seconds"]
    return cost


def memory_child(variant: str) -> None:
    from train_step import peak_rss_mb

    print(json.dumps({"peak_mb": peak_rss_mb(_step_fn(variant))}))


def peak_memory(variant: str) -> float:
    from train_step import memory_child_mb

    return memory_child_mb(__file__, variant)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer variants, 1 epoch (smoke test)")
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    add_dataset_options(ap)
    ap.add_argument("--steps-only", action="store_true",
                    help="part 1 only, on the dataset's own batch and network (result <method>_steps.json)")
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    data = bench_data(args)
    spoken = data.name != "event-digits"
    if args.steps_only:  # steps of 0.05-0.2 s on a shared machine: the median of many
        repeats = 2 if args.quick else 21
        wanted = [v for v in ("bptt", "sltt", "k1", "k3", "k10", "k25", "k50") if not v.startswith("k") or int(v[1:]) <= data.steps]
        steps_result = {"step_cost": data_step_cost(data, wanted, repeats),
                        "repeats": repeats, "data": data.describe(), "machine": machine(),
                        "note": "one training step on the first batch of the training subset; shared 2-core machine"}
        publish(args, data.result_name("sltt_k") + "_steps", steps_result)
        return
    variants = ["bptt", "sltt", "k1", "k10", "k100"] if args.quick else \
        ["bptt", "sltt", "k1", "k5", "k10", "k25", "k50", "k100"]
    repeats = 2 if args.quick else 5
    cost = {}
    for v in [] if spoken else variants:
        step = _step_fn(v)
        step()  # warm-up (JIT)
        sec, _ = median_time(step, repeats)
        cost[v] = {"seconds": sec, "peak_mb": peak_memory(v)}
        print(f"{v:>5}: {sec:.3f} s/step, peak {cost[v]['peak_mb']:.1f} MB")
    for v in [] if spoken else variants:
        cost[v]["time_vs_sltt"] = cost[v]["seconds"] / cost["sltt"]["seconds"]
        cost[v]["time_vs_bptt"] = cost[v]["seconds"] / cost["bptt"]["seconds"]
    epochs, seeds = (1, (0,)) if args.quick else (6, (0, 1, 2)) if spoken else (6, (0, 1))
    runs = {"bptt": {"mode": "bptt"}, "sltt": {"mode": "sltt"}, "sltt_k10": {"mode": "sltt", "sltt_k": 10},
            "sltt_k3": {"mode": "sltt", "sltt_k": 3}}
    acc: dict[str, dict[str, object]] = {}
    for name, opts in runs.items():
        cards = [run_train(f"sltt_{name}_s{s}", **data.train, steps=data.steps, dt=data.dt, epochs=epochs, seed=s,
                           **opts) for s in seeds]
        acc[name] = {"test_accuracy": mean([c["test_accuracy_sim"] for c in cards]),
                     "runs": [c["test_accuracy_sim"] for c in cards],
                     "train_seconds": mean([c["train_seconds"] for c in cards])}
        print(f"{name:>9}: accuracy {acc[name]['test_accuracy']:.4f}, {acc[name]['train_seconds']:.1f} s training")
    result = {"step_cost": cost, "T": T, "batch": B, "width": N, "repeats": repeats, "accuracy": acc,
              "accuracy_setup": {"T": data.steps, "hidden": data.hidden, "epochs": epochs, "seeds": list(seeds),
                                 "data": data.describe()},
              "data": data.describe(), "k10_time_vs_sltt": cost["k10"]["time_vs_sltt"] if cost else None,
              "k10_train_seconds_vs_sltt": acc["sltt_k10"]["train_seconds"] / acc["sltt"]["train_seconds"],  # type: ignore[operator]
              "k10_accuracy_minus_sltt": acc["sltt_k10"]["test_accuracy"] - acc["sltt"]["test_accuracy"],  # type: ignore[operator]
              "machine": machine(), "note": "shared 2-core machine; times include other users' load"}
    publish(args, data.result_name("sltt_k"), result)


if __name__ == "__main__":
    main()
