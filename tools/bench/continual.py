"""Task-incremental continual learning (HLOP, Xiao et al., ICLR 2024): Hebbian orthogonal projection
vs plain fine-tuning vs experience replay (20 stored samples per earlier task).

Event-digits split into 5 tasks of 2 classes ({0, 1}, {2, 3}, ...), T = 10 steps over the 0.3 s
window, MLP 512-128-10 with BPTT, 2 epochs per task, 16 lateral Hebbian neurons per layer and task;
seeds 0 and 1 (mean), single thread. Reported: the average final accuracy over the 5 tasks (test
split, each task's classes only) and the forgetting (mean drop of each earlier task from its best
to its final accuracy). The paper's claim: HLOP nearly removes forgetting and beats fine-tuning
and replay-style baselines in average accuracy.

Spoken-digits (``--dataset spoken-digits``, sizes in tools/bench/_methods.py): 20 classes in 5 tasks
of 4 ({0..3}, {4..7}, ...: English zero..nine are labels 0-9, German 10-19), T = 50 over 1 s, MLP
700-64-20, 640 training samples (about 128 per task), 4 epochs per task (a task has half as many
samples as on event-digits), 3 seeds.

    .venv/bin/python tools/bench/continual.py [--dataset spoken-digits] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, single_thread  # noqa: E402
from _methods import add_dataset_options, bench_data, mean, publish, run_train  # noqa: E402

single_thread()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 seed, 1 epoch per task (smoke test)")
    add_dataset_options(ap)
    args = ap.parse_args()
    data = bench_data(args)
    spoken = data.name != "event-digits"
    epochs, seeds = (1, (0,)) if args.quick else (4, (0, 1, 2)) if spoken else (2, (0, 1))
    time_base = {"steps": data.steps, "dt": data.dt} if spoken else {"steps": 10, "dt": 0.03}
    table: dict[str, dict[str, object]] = {}
    for method in ("finetune", "replay", "hlop"):
        cards, secs = [], []
        for s in seeds:
            t0 = time.perf_counter()
            cards.append(run_train(f"continual_{method}_s{s}", **data.train, **time_base, epochs=epochs, seed=s,
                                   continual=method, tasks=5))
            secs.append(time.perf_counter() - t0)
        table[method] = {"average_accuracy": mean([c["average_accuracy"] for c in cards]),
                         "forgetting": mean([c["forgetting"] for c in cards]),
                         "runs_average_accuracy": [c["average_accuracy"] for c in cards],
                         "runs_forgetting": [c["forgetting"] for c in cards],
                         "accuracy_matrix_seed0": cards[0]["accuracy_matrix"], "seconds": mean(secs)}
        r = table[method]
        print(f"{method:>9}: average accuracy {r['average_accuracy']:.4f}, forgetting {r['forgetting']:.4f}")
    result = {"table": table, "tasks": 5, "epochs_per_task": epochs, "seeds": list(seeds), "hidden": data.hidden, "T": time_base["steps"],
              "data": {**data.describe(), **time_base}, "task_classes": cards[0]["tasks"],
              "hlop_dims": 16, "replay_per_task": 20, "machine": machine(),
              "note": "shared 2-core machine; wall times include other users' load"}
    publish(args, data.result_name("continual"), result)


if __name__ == "__main__":
    main()
