"""ANN pretraining as a bridge (after Lin et al., "Rethinking Pretraining as a Bridge from ANNs to
SNNs", 2022): an SNN started from a trained ANN's weights through conversion's normalisation and
fine-tuned with surrogate gradients, vs the same SNN trained from scratch, vs conversion alone (the
ANN converted to IF neurons, no fine-tuning), across T.

Event-digits, window 0.3 s binned in T = 5, 10, 30 steps; MLP 512-128-10; the ANN (ReLU, same
sizes) trained 30 epochs on the inputs' mean over the steps; SNNs trained 6 epochs; seeds 0 and 1
(mean), single thread. Reported per T: the ANN's test accuracy, conversion alone
(:func:`neurokit.convert.convert`, IF neurons with reset by subtraction and half-threshold
pre-charge, run in neurokit.sim on the same binned inputs), the ANN-initialised SNN before any
fine-tuning (epoch 0) and its test accuracy after each epoch, and the scratch SNN's. The paper's
claim: starting from the ANN converges faster and ends at least as accurate as scratch, and
fine-tuning beats conversion alone at low T.

Spoken-digits (``--dataset spoken-digits``, sizes in tools/bench/_methods.py): the 1 s window in
T = 5, 10, 50 steps, MLP 700-64-20, 640 training samples, the same epochs, 2 seeds. The ANN sees the
input's mean over the steps (per-channel spike counts of the whole word): the bridge needs an ANN of
the SNN's shape, so it cannot see the order of events in time; the SNN it starts can (fine-tuning).

    .venv/bin/python tools/bench/ann_bridge.py [--dataset spoken-digits] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, single_thread  # noqa: E402
from _methods import BenchData, SCRATCH, add_dataset_options, bench_data, mean, publish, run_train  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def ann_and_conversion(data: BenchData, T: int, seed: int, ann_epochs: int) -> dict[str, object]:
    """Train the ANN (saved for the SNN runs), its test accuracy, conversion alone, and the
    ANN-initialised SNN's accuracy before fine-tuning."""
    from neurokit import sim
    from neurokit.convert import convert
    from neurokit.train import TrainConfig
    from neurokit.train.ann_init import init_from_ann, matching_ann, rate_inputs, train_ann
    from neurokit.train.trainer import _evaluate, build_model, load_split, stream_split

    cfg = TrainConfig.from_dict({**data.train, **data.at(T), "seed": seed, "threads": 1})
    x_tr, y_tr = load_split(cfg, True)
    x_te, y_te = load_split(cfg, False)
    shape = tuple(int(s) for s in x_tr.shape[2:])
    classes = int(max(y_tr.max(), y_te.max())) + 1
    torch.manual_seed(seed)
    ann = matching_ann(build_model(cfg, shape, classes))
    train_ann(ann, rate_inputs(x_tr), y_tr, epochs=ann_epochs, seed=seed)
    out = SCRATCH / f"ann_T{T}_s{seed}{data.suffix}"
    out.mkdir(parents=True, exist_ok=True)
    torch.save(ann.state_dict(), out / "ann.pt")
    with torch.no_grad():
        ann_acc = float((ann(torch.from_numpy(rate_inputs(x_te))).argmax(1).numpy() == y_te).mean())
    graph = convert(ann, rate_inputs(x_tr)[:500], dt=cfg.dt)
    rec = sim.simulate(graph, np.moveaxis(x_te, 0, 1).astype(np.float64))
    conv_acc = float((rec.outputs["output"][-1].argmax(-1) == y_te).mean())
    torch.manual_seed(seed)
    model = build_model(cfg, shape, classes)
    init_from_ann(model, dataclasses.replace(cfg, init_from_ann=str(out / "ann.pt")), x_tr, y_tr, out)
    start_acc, _ = _evaluate(model, stream_split(cfg, False))
    return {"ann": ann_acc, "conversion": conv_acc, "init_epoch0": start_acc, "ann_path": str(out / "ann.pt")}


def default_lr(data: BenchData) -> float:
    """The learning rate the SNN runs use by default (the dataset's, else TrainConfig's)."""
    from neurokit.train import TrainConfig

    return float(data.train.get("lr", TrainConfig().lr))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="T = 5 only, 1 seed, 2 epochs (smoke test)")
    add_dataset_options(ap)
    ap.add_argument("--lr", type=float, default=None,
                    help="the SNNs' learning rate (fine-tuning and scratch alike; default: the dataset's); "
                         "the result gets the suffix _lr<LR>")
    args = ap.parse_args()
    data = bench_data(args)
    steps, seeds, epochs, ann_epochs = ((5,), (0,), 2, 10) if args.quick else \
        ((5, 10, data.steps), (0, 1), 6, 30)
    table: dict[str, dict[str, object]] = {}
    for T in steps:
        rows: dict[str, list] = {k: [] for k in ("ann", "conversion", "init_epoch0", "init_curve", "scratch_curve",
                                                 "init_final", "scratch_final")}
        for seed in seeds:
            base = ann_and_conversion(data, T, seed, ann_epochs)
            for k in ("ann", "conversion", "init_epoch0"):
                rows[k].append(base[k])
            common = {**data.train, **data.at(T), "seed": seed, "epochs": epochs,
                      **({"lr": args.lr} if args.lr is not None else {})}
            tag = "" if args.lr is None else f"_lr{args.lr:g}"
            init = run_train(f"bridge_init_T{T}_s{seed}{tag}", **common, init_from_ann=base["ann_path"])
            scratch = run_train(f"bridge_scratch_T{T}_s{seed}{tag}", **common)
            rows["init_curve"].append(init["curve"])
            rows["scratch_curve"].append(scratch["curve"])
            rows["init_final"].append(init["test_accuracy_sim"])
            rows["scratch_final"].append(scratch["test_accuracy_sim"])
        table[str(T)] = {"ann": mean(rows["ann"]), "conversion_alone": mean(rows["conversion"]),
                         "ann_init_before_finetune": mean(rows["init_epoch0"]),
                         "ann_init_finetuned": mean(rows["init_final"]), "scratch": mean(rows["scratch_final"]),
                         "ann_init_curve": [float(v) for v in np.mean(rows["init_curve"], axis=0)],
                         "scratch_curve": [float(v) for v in np.mean(rows["scratch_curve"], axis=0)],
                         "runs": rows}
        r = table[str(T)]
        print(f"T={T}: ANN {r['ann']:.4f}  conversion {r['conversion_alone']:.4f}  ANN-init epoch 0 "
              f"{r['ann_init_before_finetune']:.4f}  fine-tuned {r['ann_init_finetuned']:.4f}  scratch {r['scratch']:.4f}")
        print(f"      curves: init {[round(v, 3) for v in r['ann_init_curve']]}  "
              f"scratch {[round(v, 3) for v in r['scratch_curve']]}")
    result = {"table": table, "epochs": epochs, "ann_epochs": ann_epochs, "seeds": list(seeds), "hidden": data.hidden,
              "snn_lr": args.lr if args.lr is not None else default_lr(data),
              "window_s": data.window, "data": data.describe(), "machine": machine(),
              "note": "shared 2-core machine; accuracies in neurokit.sim on model.nir (curves: torch, per epoch)"}
    publish(args, data.result_name("ann_bridge") + ("" if args.lr is None else f"_lr{args.lr:g}"), result)


if __name__ == "__main__":
    main()
