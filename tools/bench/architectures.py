"""Architectures side by side: each trained through neurokit's API (``api.train(arch=...)``) on
event-digits (embedded) and spoken-digits (built offline, 20 classes, 700 channels), against the
feed-forward LIF MLP (``mlp``) and the recurrent MLP (``recurrent``: ``arch = "mlp"``, ``recurrent
= true``), then deployed on every target through the hardware-in-the-loop harness.

Per architecture and dataset (several seeds, medians): test accuracy measured by running the exported
``model.nir`` in neurokit.sim (and torch's), synaptic operations per inference (the one counter,
:mod:`neurokit.ir.passes.operations`, through the training report), parameters (trainable ones of the
torch model, and all numbers of the IR graph's nodes, :meth:`neurokit.ir.Graph.stats`), synapses,
training wall time. Then, for the first seed's model, a deploy matrix on ``--deploy-samples`` (16) test
samples spread evenly over the test split (:func:`deploy_indices`; the first samples of spoken-digits are
one speaker, not representative): per target whether it accepts the graph and the harness's two seams
(spike agreement with the target's own numeric mode and with the float64 model), accuracy, and wall time (:func:`neurokit.hil.run_hil`; Loihi 2 is a real Lava
run when ``NEUROKIT_LAVA_VENV`` points at the Lava runtime, NEST likewise with ``NEUROKIT_NEST_PYTHON``).

Reduced sizes (``SIZES``) so that a run takes minutes on a shared 2-core machine; ``--quick`` is a
smoke run (not committed). One result file per architecture: ``results/architectures_<arch>.json``
(last printed line: that JSON). ``--render`` prints the Markdown tables of every committed file.

``--deploy-only`` re-trains only seed 0 per dataset (training is seeded, so it is the model the deploy
matrix ran on before) and merges the new deploy matrix into the committed JSON, keeping its training figures
(``deploy_rerun`` says so, with seed 0's reproduced accuracy next to the stored one).

Usage: ``python tools/bench/architectures.py --arch lmu --arch mlp [--seeds 3] [--quick] [--deploy-only]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.bench._common import REPO, machine, save, single_thread  # noqa: E402

RESULTS = REPO / "tools" / "bench" / "results"
#: Training settings per dataset (reduced: small hidden layers, few epochs; the datasets' dt and steps).
SIZES: dict[str, dict[str, Any]] = {
    "event-digits": {"hidden": [64], "epochs": 8, "batch_size": 32, "lr": 5e-3},
    "spoken-digits": {"hidden": [64], "epochs": 5, "batch_size": 32, "lr": 5e-3},
}
#: Seeds per dataset (medians over them); ``--seeds`` overrides both.
SEEDS: dict[str, int] = {"event-digits": 3, "spoken-digits": 2}
QUICK: dict[str, dict[str, Any]] = {k: {**v, "epochs": 1} for k, v in SIZES.items()}
#: Architecture name -> the ``api.train`` options that select it (``recurrent`` is the MLP with loops).
ARCHS: dict[str, dict[str, Any]] = {
    "mlp": {"arch": "mlp"},
    "recurrent": {"arch": "mlp", "recurrent": True},
    "lmu": {"arch": "lmu"},
    "ensemble": {"arch": "ensemble", "members": 4, "hidden": [16]},  # 4 members of 16: 64 hidden neurons in all
    "transformer": {"arch": "transformer"},
}
#: Per architecture and dataset, options on top of ``SIZES`` (the transformer's tokens: 4x4 pixel patches of
#: event-digits, 35 of spoken-digits' 700 channels each, 20 tokens).
ARCH_SIZES: dict[tuple[str, str], dict[str, Any]] = {("transformer", "spoken-digits"): {"patch": 35}}
BASELINES = ("mlp", "recurrent")
#: crossbar: the default PCM device (programming and read noise, so its own mode is not bit-exact by design);
#: crossbar:ideal: the same lowering on ideal cells.
TARGETS = ("loihi2", "spinnaker", "crossbar", "crossbar:ideal", "nest")


def trained_model(run_dir: Path) -> Any:
    """The run's torch model, rebuilt from its checkpoint (configuration and weights)."""
    import torch

    from neurokit.train import TrainConfig
    from neurokit.train.trainer import build_model, stream_split

    ckpt = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    cfg = TrainConfig.from_dict(json.loads(ckpt["config"]))
    split = stream_split(cfg, False)
    model = build_model(cfg, split.shape, split.classes)
    model.load_state_dict(ckpt["model"])
    return model


def trainable_parameters(run_dir: Path) -> int:
    """Trainable parameters of the run's torch model (fixed weights such as the LMU's Legendre
    memory are buffers, not counted)."""
    return int(sum(p.numel() for p in trained_model(run_dir).parameters() if p.requires_grad))


def train_one(arch: str, dataset: str, seed: int, sizes: dict[str, Any], out: Path) -> dict[str, Any]:
    """Train one model through :func:`neurokit.api.train`; its figures."""
    from neurokit import api, ir

    t0 = time.perf_counter()
    card = api.train(out=out, progress=False, dataset=dataset, seed=seed, threads=1,
                     **{**sizes, **ARCHS[arch], **ARCH_SIZES.get((arch, dataset), {})})
    wall = time.perf_counter() - t0
    stats = ir.read(out / "model.nir").stats()
    return {"seed": seed, "test_accuracy_sim": card["test_accuracy_sim"], "test_accuracy_torch": card["test_accuracy_torch"],
            "synaptic_ops_per_inference": card["synaptic_ops_per_inference"],
            "dense_macs_same_net": card["dense_macs_same_net"], "train_seconds": card["train_seconds"],
            "wall_seconds_with_export": wall, "trainable_parameters": trainable_parameters(out),
            "ir_parameters": stats["parameters"], "synapses": stats["synapses"], "neurons": stats["neurons"],
            "node_types": stats["node_types"]}


#: How the deploy samples are chosen (recorded in the JSON).
DEPLOY_SELECTION = "evenly spaced over the test split: round(linspace(0, n_test - 1, samples))"


def deploy_indices(n_test: int, samples: int) -> list[int]:
    """``samples`` test-sample indices spread evenly over a test split of ``n_test``:
    :math:`i_k = \\mathrm{round}(k (n_{test} - 1) / (samples - 1))`, ``k = 0 .. samples - 1`` (the split's
    order groups speakers and classes, so its first samples are not representative)."""
    import numpy as np

    if samples < 1 or n_test < 1:
        return []
    return sorted({int(i) for i in np.linspace(0, n_test - 1, min(samples, n_test)).round()})


def deploy_matrix(run_dir: Path, dataset: str, samples: int, targets: tuple[str, ...], merged: bool = False
                  ) -> dict[str, Any]:
    """Every target on ``samples`` test samples (:func:`deploy_indices`) of the trained model (the harness's
    two seams); ``merged``: the model's one-chain export (``to_ir(merged=True)``, ensembles) instead of
    ``model.nir``."""
    import numpy as np

    from neurokit import ir
    from neurokit.hil import run_hil
    from neurokit.train import TrainConfig
    from neurokit.train.trainer import stream_split

    cfg = TrainConfig.from_dict(json.loads((run_dir / "summary.json").read_text())["config"])
    split = stream_split(cfg, False)
    indices = deploy_indices(len(split), samples)
    x, y = split.batch(np.asarray(indices))
    graph = trained_model(run_dir).to_ir(merged=True) if merged else ir.read(run_dir / "model.nir")
    rep = run_hil(graph, list(targets), x.astype(np.float64), labels=y, out_dir=run_dir / ("hil-merged" if merged else "hil"),
                  timeout_s=900)
    rows = {}
    for t in rep.targets:
        rows[t.target] = {"status": t.status, "accepted": t.status not in ("refused",),
                          "agreement_own": t.own_mode.spike_agreement if t.own_mode else None,
                          "agreement_float": t.float_model.spike_agreement if t.float_model else None,
                          "output_max_abs_diff_own": t.own_mode.output_max_abs_diff if t.own_mode else None,
                          "accuracy": t.accuracy, "accuracy_delta": t.accuracy_delta, "wall_s": t.wall_s,
                          "error": t.error[:300]}
    return {"samples": len(indices), "selection": DEPLOY_SELECTION, "sample_indices": indices,
            "labels": [int(v) for v in y], "steps": rep.steps, "float_model_accuracy": rep.float_accuracy,
            "targets": rows}


def deploy_entries(run_dir: Path, arch: str, dataset: str, samples: int, targets: tuple[str, ...]) -> dict[str, Any]:
    """The deploy matrices of one trained model: ``deploy`` and, for ensembles, ``deploy_merged``."""
    out = {"deploy": deploy_matrix(run_dir, dataset, samples, targets)}
    if arch == "ensemble":  # the branches as one chain, for targets that lower no branches
        out["deploy_merged"] = deploy_matrix(run_dir, dataset, samples, targets, merged=True)
    return out


def deploy_only(arch: str, datasets: list[str], sizes: dict[str, dict[str, Any]], deploy_samples: int,
                targets: tuple[str, ...]) -> dict[str, Any]:
    """Re-train seed 0 per dataset with the committed file's settings (``sizes``; ``sizes`` here only where
    the file has none) and merge its new deploy matrices into that file (training figures kept;
    ``deploy_rerun`` records the re-run and seed 0's reproduced accuracy)."""
    path = RESULTS / f"architectures_{arch}.json"
    result = json.loads(path.read_text())
    with tempfile.TemporaryDirectory(prefix=f"bench-arch-{arch}-") as tmp:
        for ds in datasets:
            entry = result["datasets"][ds]
            out = Path(tmp) / f"{ds}-0"
            run = train_one(arch, ds, 0, result["sizes"].get(ds, sizes[ds]), out)  # the committed run's settings
            print(f"{arch} {ds} seed 0 (deploy only): acc {run['test_accuracy_sim']:.4f}", file=sys.stderr)
            for key in ("deploy", "deploy_merged"):
                entry.pop(key, None)
            entry.update(deploy_entries(out, arch, ds, deploy_samples, targets))
            stored = next((r for r in entry["runs"] if r["seed"] == 0), {})
            entry["deploy_rerun"] = {
                "what": "deploy matrix re-run alone (--deploy-only): seed 0 re-trained with the same settings, "
                        "training figures above kept from the full run",
                "seed0_test_accuracy_sim": run["test_accuracy_sim"],
                "stored_seed0_test_accuracy_sim": stored.get("test_accuracy_sim"),
                "load_avg": list(__import__("os").getloadavg()),
                "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("test_accuracy_sim", "test_accuracy_torch", "synaptic_ops_per_inference", "train_seconds",
            "trainable_parameters", "ir_parameters", "synapses", "neurons")
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    """This architecture's medians over each committed baseline's, per dataset."""
    out: dict[str, Any] = {}
    for base in BASELINES:
        path = RESULTS / f"architectures_{base}.json"
        if base == result["arch"] or not path.is_file():
            continue
        other = json.loads(path.read_text())
        for ds, mine in result["datasets"].items():
            theirs = other["datasets"].get(ds)
            if theirs is None:
                continue
            a, b = mine["median"], theirs["median"]
            out.setdefault(base, {})[ds] = {
                "accuracy_difference": a["test_accuracy_sim"] - b["test_accuracy_sim"],
                **{f"{k}_ratio": (a[k] / b[k] if b[k] else None)
                   for k in ("synaptic_ops_per_inference", "trainable_parameters", "train_seconds")}}
    return out


def run_arch(arch: str, datasets: list[str], seeds: int | None, sizes: dict[str, dict[str, Any]], deploy_samples: int,
             targets: tuple[str, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {"arch": arch, "options": ARCHS[arch], "sizes": {d: sizes[d] for d in datasets},
                              "arch_sizes": {d: ARCH_SIZES.get((arch, d), {}) for d in datasets},
                              "seeds": {d: seeds or SEEDS[d] for d in datasets}, "datasets": {}, "load_avg_before": list(__import__("os").getloadavg())}
    with tempfile.TemporaryDirectory(prefix=f"bench-arch-{arch}-") as tmp:
        for ds in datasets:
            runs = []
            for seed in range(seeds or SEEDS[ds]):
                out = Path(tmp) / f"{ds}-{seed}"
                runs.append(train_one(arch, ds, seed, sizes[ds], out))
                print(f"{arch} {ds} seed {seed}: acc {runs[-1]['test_accuracy_sim']:.4f}, "
                      f"{runs[-1]['synaptic_ops_per_inference']:.0f} synops, {runs[-1]['train_seconds']:.1f} s",
                      file=sys.stderr)
            entry: dict[str, Any] = {"runs": runs, "median": summarise(runs)}
            if deploy_samples and targets:
                entry.update(deploy_entries(Path(tmp) / f"{ds}-0", arch, ds, deploy_samples, targets))
            result["datasets"][ds] = entry
    result["versus_baselines"] = ratios(result)
    result["load_avg_after"] = list(__import__("os").getloadavg())
    result["machine"] = machine()
    result["note"] = ("shared 2-core machine (load averages recorded): times are indicative, compare ratios; "
                      "accuracy = neurokit.sim on the exported model.nir over the whole test split")
    return result


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f} %"


def render() -> str:
    """Markdown tables from every committed ``architectures_*.json``."""
    files = sorted(RESULTS.glob("architectures_*.json"))
    res = [json.loads(p.read_text()) for p in files]
    lines = ["| architecture | dataset | accuracy (sim, median) | synaptic ops / inference | trainable params | "
             "IR params | training time | seeds |", "|---|---|---|---|---|---|---|---|"]
    for r in res:
        for ds, e in r["datasets"].items():
            m = e["median"]
            lines.append(f"| {r['arch']} | {ds} | {_pct(m['test_accuracy_sim'])} | {m['synaptic_ops_per_inference']:,.0f} | "
                         f"{m['trainable_parameters']:,.0f} | {m['ir_parameters']:,.0f} | {m['train_seconds']:.1f} s | "
                         f"{r['seeds'][ds]} |")
    lines += ["", "| architecture | dataset | target | accepted | agreement own | agreement float | accuracy | float model "
              "accuracy | samples | wall |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in res:
        for ds, e in r["datasets"].items():
            for form, key in (("", "deploy"), (" (merged)", "deploy_merged")):
                for tgt, t in e.get(key, {}).get("targets", {}).items():
                    lines.append(f"| {r['arch']}{form} | {ds} | {tgt} | {'yes' if t['accepted'] else 'no'} ({t['status']}) | "
                                 f"{_pct(t['agreement_own'])} | {_pct(t['agreement_float'])} | {_pct(t['accuracy'])} | "
                                 f"{_pct(e[key]['float_model_accuracy'])} | {e[key]['samples']} | {t['wall_s']:.1f} s |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", action="append", choices=list(ARCHS), help="architecture (repeatable; default: "
                    "lmu, ensemble, mlp, recurrent)")
    ap.add_argument("--dataset", action="append", choices=list(SIZES), help="dataset (repeatable; default both)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per architecture and dataset (medians; default "
                    "event-digits 3, spoken-digits 2)")
    ap.add_argument("--epochs", type=int, default=None, help="override the epochs of every dataset")
    ap.add_argument("--deploy-samples", type=int, default=16, help="test samples run on every target, spread evenly "
                    "over the test split (0: no deploy)")
    ap.add_argument("--deploy-only", action="store_true", help="re-train seed 0 only and merge a new deploy matrix "
                    "into the committed result file (training figures kept)")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--quick", action="store_true", help="smoke run (1 epoch, not committed)")
    ap.add_argument("--render", action="store_true", help="print the committed results as Markdown tables")
    args = ap.parse_args()
    if args.render:
        print(render())
        return
    single_thread()
    sizes = {d: dict(v) for d, v in (QUICK if args.quick else SIZES).items()}
    if args.epochs:
        for v in sizes.values():
            v["epochs"] = args.epochs
    targets = tuple(t for t in args.targets.split(",") if t)
    last: dict[str, Any] = {}
    for arch in args.arch or ["lmu", "ensemble", "mlp", "recurrent"]:
        if args.deploy_only:
            last = deploy_only(arch, args.dataset or list(SIZES), sizes, args.deploy_samples, targets)
        else:
            last = run_arch(arch, args.dataset or list(SIZES), args.seeds, sizes, args.deploy_samples, targets)
        if args.quick:  # never written, --deploy-only included
            print(json.dumps(last))
        else:
            save(f"architectures_{arch}", last)


if __name__ == "__main__":
    main()
