"""Learnable neuron parameters (PLIF, Fang et al. 2021): trained time constants and thresholds,
per layer or per neuron, vs fixed ones.

Event-digits (T = 30, dt = 10 ms), MLP 512-128-10, 6 epochs, seeds 0 and 1 (mean), single thread,
initial tau_mem 5, 20 (the default) and 100 ms; learn_neuron = none / layer / neuron. Accuracy in neurokit.sim on the exported model.nir
(which carries the learned per-neuron values; its agreement with torch is recorded), after epoch 2
(convergence) and at the end. Then the cost of the hand-written backward with learnable
parameters: one forward + backward of LIF(512) over T = 100, batch 16, fused kernel vs autograd's
step loop (median of 5). The paper's claim: learning tau speeds up learning and makes accuracy
less sensitive to the initial tau.

Spoken-digits (``--dataset spoken-digits``, sizes in tools/bench/_methods.py): T = 50, dt = 20 ms,
MLP 700-64-20, 640 training samples, the same initial tau and epochs, 2 seeds; the kernel cost
(synthetic input, independent of the data) is not repeated.

    .venv/bin/python tools/bench/learnable_neurons.py [--dataset spoken-digits] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median_time, single_thread  # noqa: E402
from _methods import add_dataset_options, bench_data, mean, publish, run_train  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def kernel_cost(fused: bool, repeats: int) -> float:
    from neurokit.train.layers import LIFLayer

    torch.manual_seed(0)
    layer = LIFLayer(512, tau=0.02, dt=1e-3, v_threshold=1.0, fused=fused, learn="neuron")
    x = torch.rand(100, 16, 512) * 2.5

    def step() -> None:
        layer.zero_grad()
        layer(x).sum().backward()

    step()
    return median_time(step, repeats)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 seed, 2 epochs (smoke test)")
    add_dataset_options(ap)
    args = ap.parse_args()
    data = bench_data(args)
    spoken = data.name != "event-digits"
    from neurokit import ir

    epochs, seeds = (2, (0,)) if args.quick else (6, (0, 1))
    table: dict[str, dict[str, object]] = {}
    inits = (0.005, 0.02, 0.1)
    for tau in inits:
        for learn in ("none", "layer", "neuron"):
            cards = [run_train(f"plif_{learn}_{tau}_s{s}", **data.train, steps=data.steps, dt=data.dt, epochs=epochs,
                               seed=s, tau_mem=tau, learn_neuron=learn) for s in seeds]
            taus = np.concatenate([np.asarray(ir.read(Path(c["run_dir"]) / "model.nir").nodes["lif0"].tau)
                                   for c in cards])
            ths = np.concatenate([np.asarray(ir.read(Path(c["run_dir"]) / "model.nir").nodes["lif0"].v_threshold)
                                  for c in cards])
            key = f"tau{tau * 1e3:g}ms_{learn}"
            table[key] = {"test_accuracy": mean([c["test_accuracy_sim"] for c in cards]),
                          "accuracy_after_epoch_2": mean([c["curve"][1] for c in cards]),
                          "runs": [c["test_accuracy_sim"] for c in cards],
                          "sim_equals_torch": all(c["test_accuracy_sim"] == c["test_accuracy_torch"] for c in cards),
                          "learned_tau_ms": {"mean": float(taus.mean() * 1e3), "min": float(taus.min() * 1e3),
                                             "max": float(taus.max() * 1e3)},
                          "learned_threshold": {"mean": float(ths.mean()), "min": float(ths.min()),
                                                "max": float(ths.max())},
                          "train_seconds": mean([c["train_seconds"] for c in cards])}
            r = table[key]
            print(f"{key:>18}: acc {r['test_accuracy']:.4f} (epoch 2: {r['accuracy_after_epoch_2']:.4f}), "
                  f"tau {r['learned_tau_ms']['mean']:.2f} ms [{r['learned_tau_ms']['min']:.2f}, "
                  f"{r['learned_tau_ms']['max']:.2f}]")
    repeats = 2 if args.quick else 5
    kernel = None
    if not spoken:
        fused_s, loop_s = kernel_cost(True, repeats), kernel_cost(False, repeats)
        print(f"backward with learnable tau/threshold: fused {fused_s:.3f} s, autograd loop {loop_s:.3f} s")
        kernel = {"fused_s": fused_s, "autograd_loop_s": loop_s, "ratio": fused_s / loop_s,
                  "shape": "LIF(512), T=100, batch 16, float32", "repeats": repeats}
    spread = {}
    for learn in ("none", "layer", "neuron"):
        accs = [float(table[f"tau{t * 1e3:g}ms_{learn}"]["test_accuracy"]) for t in inits]  # type: ignore[arg-type]
        spread[learn] = max(accs) - min(accs)
    result = {"table": table, "epochs": epochs, "seeds": list(seeds), "hidden": data.hidden, "T": data.steps,
              "dt": data.dt, "data": data.describe(), "accuracy_gap_between_tau_inits": spread, "kernel": kernel,
              "machine": machine(), "note": "shared 2-core machine; times include other users' load"}
    publish(args, data.result_name("learnable_neurons"), result)


if __name__ == "__main__":
    main()
