"""IIR-SNN ("One Timestep is All You Need", Chowdhury et al. 2022): lowering the number of steps
stage by stage (5 -> 3 -> 2 -> 1, each stage initialised from the last and retrained briefly) vs
training directly at each T with the same number of epochs the schedule spent reaching that T.

Event-digits (embedded), same 0.3 s window at every T (coarser bins at lower T), MLP 512-128-10,
first stage 8 epochs, later stages 3 epochs each; direct runs: 8, 11, 14, 17 epochs at T = 5, 3,
2, 1; and the schedule with learned per-layer time constants and thresholds (``learn_neuron =
"layer"``; IIR-SNN trains threshold and leak too). Seeds 0 and 1 (mean reported), single thread. Accuracy: test split (450 samples) in
neurokit.sim on the exported model.nir. The paper's claim: the iterative schedule reaches T = 1
with accuracy close to the high-T model, where training directly at T = 1 does worse.

Spoken-digits (``--dataset spoken-digits``, sizes in tools/bench/_methods.py): the schedule
5 -> 4 -> 2 -> 1 (3 steps do not divide 1 s in whole microseconds) with the same epochs over its 1 s
window (T = 5 bins it in 200 ms steps, T = 1 in one), MLP 700-64-20, 640
training samples, 3 seeds.

    .venv/bin/python tools/bench/timestep_schedule.py [--dataset spoken-digits] [--quick]
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
    ap.add_argument("--quick", action="store_true", help="1 seed, 1+1 epochs (smoke test)")
    add_dataset_options(ap)
    args = ap.parse_args()
    data = bench_data(args)
    # 1 s is not a whole number of microseconds in 3 steps: spoken-digits goes 5 -> 4 -> 2 -> 1
    schedule = (5, 3, 2, 1) if data.name == "event-digits" else (5, 4, 2, 1)
    first, stage = (1, 1) if args.quick else (8, 3)
    seeds = (0,) if args.quick else (0, 1) if data.name == "event-digits" else (0, 1, 2)
    base = {**data.train, "steps": data.steps, "dt": data.dt}
    rows: dict[int, dict[str, list[float]]] = {t: {"schedule": [], "direct": [], "schedule_learn": []}
                                               for t in schedule}
    seconds: dict[str, list[float]] = {"schedule": [], "direct": []}
    for seed in seeds:
        t0 = time.perf_counter()
        card = run_train(f"sched_s{seed}", **base, seed=seed, epochs=first, stage_epochs=stage,
                         timesteps_schedule=list(schedule))
        seconds["schedule"].append(time.perf_counter() - t0)
        for st in card["stages"]:
            rows[st["T"]]["schedule"].append(st["test_accuracy_sim"])
        card = run_train(f"sched_learn_s{seed}", **base, seed=seed, epochs=first, stage_epochs=stage,
                         timesteps_schedule=list(schedule), learn_neuron="layer")
        for st in card["stages"]:
            rows[st["T"]]["schedule_learn"].append(st["test_accuracy_sim"])
        t0 = time.perf_counter()
        for i, T in enumerate(schedule):
            d = run_train(f"direct_T{T}_s{seed}", **{**data.train, **data.at(T)}, seed=seed, epochs=first + i * stage)
            rows[T]["direct"].append(d["test_accuracy_sim"])
        seconds["direct"].append(time.perf_counter() - t0)
    table = {str(T): {"schedule": mean(r["schedule"]), "direct": mean(r["direct"]),
                      "schedule_learn": mean(r["schedule_learn"]), "schedule_runs": r["schedule"],
                      "direct_runs": r["direct"], "schedule_learn_runs": r["schedule_learn"],
                      "epochs_to_reach": first + i * stage} for i, (T, r) in enumerate(rows.items())}
    for T, r in table.items():
        print(f"T={T}: schedule {r['schedule']:.4f}  +learned neurons {r['schedule_learn']:.4f}  "
              f"direct {r['direct']:.4f}  ({r['epochs_to_reach']} epochs)")
    t1, t5 = table["1"], table["5"]
    result = {"table": table, "schedule": list(schedule), "first_epochs": first, "stage_epochs": stage,
              "seeds": list(seeds), "hidden": data.hidden, "window_s": data.window, "data": data.describe(),
              "t1_gain_schedule_minus_direct": t1["schedule"] - t1["direct"],
              "t1_drop_from_t5_schedule": t5["schedule"] - t1["schedule"],
              "claim_holds": bool(t1["schedule"] >= t1["direct"]),
              "seconds_schedule_mean": mean(seconds["schedule"]), "seconds_direct_all_T_mean": mean(seconds["direct"]),
              "machine": machine(), "note": "shared 2-core machine; wall times include other users' load"}
    publish(args, data.result_name("timestep_schedule"), result)


if __name__ == "__main__":
    main()
