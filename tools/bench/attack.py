"""Sparse adversarial attacks on spike inputs (after Lun et al. 2024): success rate vs the number of
flipped events for the surrogate-gradient attack (sg), its potential-dependent variant (pdsg) and
random flips, and the transfer of the adversarial inputs to each target's own numeric mode.

Model: MLP 512-128-10 trained with neurokit train on event-digits (T = 10 over 0.3 s, 6 epochs,
seed 0). Attack: the first 100 test samples, up to 50 flipped events each (a sample has about
1,700 events). Transfer: the adversarial inputs at 50 flips on the float model and on the
loihi2, spinnaker and crossbar targets' numeric modes. The paper's claims: a few flipped events
fool an SNN through surrogate gradients, and the potential-dependent surrogate attacks better.

Spoken-digits (``--dataset spoken-digits``, sizes in tools/bench/_methods.py): MLP 700-64-20 trained
6 epochs on 640 samples at T = 50 over 1 s (seed 0); the first 100 test samples (about 5,600
events each), the same budgets; flips are added or removed spikes of one cochlear channel in one
20 ms bin.

    .venv/bin/python tools/bench/attack.py [--dataset spoken-digits] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, single_thread  # noqa: E402
from _methods import SCRATCH, add_dataset_options, bench_data, publish, run_train  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def random_flips(model, x: np.ndarray, y: np.ndarray, budget: int, seed: int = 0) -> list[float]:  # type: ignore[no-untyped-def]
    """Success per budget of random flips (add or remove an event at random positions)."""
    from neurokit.train.losses import predict

    rng = np.random.default_rng(seed)
    net = model.double().eval()
    with torch.no_grad():
        clean = predict(net(torch.from_numpy(x)).numpy(), "mean_membrane") == y
    adv = x.copy()
    needed = np.full(len(y), -1)
    for it in range(budget):
        for b in range(len(y)):
            t, *pos = (rng.integers(0, s) for s in (adv.shape[0], *adv.shape[2:]))
            idx = (t, b, *pos)
            adv[idx] = adv[idx] - 1 if adv[idx] >= 1 and rng.random() < 0.5 else adv[idx] + 1
        with torch.no_grad():
            pred = predict(net(torch.from_numpy(adv)).numpy(), "mean_membrane")
        new = clean & (pred != y) & (needed < 0)
        needed[new] = it + 1
    n = max(1, int(clean.sum()))
    return [float(np.sum((needed >= 1) & (needed <= b))) / n for b in range(budget + 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="20 samples, 5 flips, 1 training epoch (smoke test)")
    add_dataset_options(ap)
    args = ap.parse_args()
    data = bench_data(args)
    from neurokit import ir
    from neurokit.train import TrainConfig, from_ir
    from neurokit.train.attack import sparse_attack, transfer

    samples, budget, epochs = (20, 5, 1) if args.quick else (100, 50, 6)
    from neurokit.train.trainer import stream_split

    time_base = {"steps": 10, "dt": 0.03} if data.name == "event-digits" else {"steps": data.steps, "dt": data.dt}
    card = run_train("attack_model", **data.train, **time_base, epochs=epochs, seed=0)
    graph = ir.read(Path(card["run_dir"]) / "model.nir")
    test = stream_split(TrainConfig.from_dict({**data.train, **time_base}), train=False)
    xs, ys = test.batch(np.arange(min(samples, len(test))))  # the first test samples, time first
    x = xs.astype(np.float64)
    results: dict[str, object] = {}
    adv_sg = None
    for variant in ("sg", "pdsg"):
        t0 = time.perf_counter()
        res = sparse_attack(from_ir(graph), x, ys, budget, variant=variant)
        results[variant] = {"success_by_budget": res["success"], "seconds": time.perf_counter() - t0,
                            "median_flips_when_fooled": float(np.median(res["flips_needed"][res["flips_needed"] > 0]))
                            if np.any(res["flips_needed"] > 0) else None}
        if variant == "sg":
            adv_sg = res["adversarial"]
            clean_acc = float(res["clean_correct"].mean())
        print(f"{variant:>6}: success at " + ", ".join(f"{b}: {res['success'][b]:.2f}" for b in (1, 2, 5, 10, 20, 30, 50)
                                                        if b <= budget))
    rnd = random_flips(from_ir(graph), x, ys, budget)
    results["random"] = {"success_by_budget": rnd}
    print(f"random: success at {budget}: {rnd[budget]:.2f}")
    moved = transfer(graph, x, adv_sg, ys, ["loihi2", "spinnaker", "crossbar"], SCRATCH / "attack_artifacts")
    for name, t in moved.items():
        print(f"  {name}: {t}")
    result = {"attacks": results, "transfer_at_budget_sg": moved, "clean_accuracy": clean_acc,
              "model_test_accuracy_sim": card["test_accuracy_sim"], "samples": samples, "budget": budget,
              "input_events_per_sample": float(x.sum() / len(ys)), "T": time_base["steps"], "hidden": data.hidden,
              "epochs": epochs, "data": {**data.describe(), **time_base},
              "machine": machine(), "note": "shared 2-core machine"}
    publish(args, data.result_name("attack"), result)


if __name__ == "__main__":
    main()
