"""The main job: train on the embedded dataset, deploy to every target, run the hardware-in-the-loop
harness on held-out samples, print the agreement table and write the report.

Each stage writes into ``out/`` (``train/``, ``hil/``, ``crossbar/``) atomically, so an interrupted
run keeps what it finished; the training stage resumes from its checkpoint.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.util.atomic import atomic_write_text

TARGETS = ("loihi2", "spinnaker", "crossbar:pcm", "crossbar:ideal")
#: Faults the main job injects in a second harness run, to show their accuracy effect.
DEFAULT_FAULTS = {"loihi2": {"saturate_gain_bits": 7}, "spinnaker": {"drop_packets": 0.05, "seed": 0},
                  "crossbar:pcm": {"stuck_on_rate": 0.01, "stuck_off_rate": 0.01}}


def available_targets(targets: tuple[str, ...] = TARGETS) -> tuple[list[str], dict[str, str]]:
    """Targets with a lowering in this version, and the reasons for the others."""
    import importlib

    from neurokit.backends import BACKENDS

    ready, missing = [], {}
    for t in targets:
        try:
            module = importlib.import_module(BACKENDS[t.split(":", 1)[0]])
        except ImportError as exc:
            missing[t] = f"cannot load: {exc}"
            continue
        if getattr(module, "BACKEND", None) is None:
            missing[t] = "no lowering for this target in this version of neurokit"
        else:
            ready.append(t)
    return ready, missing


def run_pipeline(out: str | Path = "runs/demo", *, quick: bool = False, samples: int = 64, epochs: int | None = None,
                 progress: bool = True, timeout_s: float = 600.0) -> dict[str, Any]:
    """Run the whole pipeline; returns the summary also written to ``out/summary.json``."""
    from neurokit import ir
    from neurokit.data import EventDigits, dense_dataset
    from neurokit.hil import run_hil, table, write_report
    from neurokit.train import TrainConfig, train

    out = Path(out)
    t0 = time.perf_counter()
    cfg = TrainConfig(epochs=epochs or (3 if quick else 40), hidden=(64,) if quick else (256,))
    train_dir = out / "train"
    resume = (train_dir / "checkpoint.pt").is_file() and not (train_dir / "model.nir").is_file()
    if (train_dir / "model.nir").is_file() and (train_dir / "summary.json").is_file():
        card = json.loads((train_dir / "summary.json").read_text())
        print(f"[1/3] train: reusing {train_dir / 'model.nir'}")
    else:
        print(f"[1/3] train: {cfg.epochs} epochs on event-digits ({'resuming' if resume else 'new run'})")
        card = train(cfg, train_dir, resume=resume, progress=progress)
    print(f"      accuracy {card['test_accuracy_sim']:.4f} (neurokit.sim on model.nir), "
          f"{card['synaptic_ops_per_inference']:.0f} synaptic ops per inference")
    graph = ir.read(train_dir / "model.nir")
    ready, missing = available_targets()
    print(f"[2/3] deploy + hardware-in-the-loop on {samples if not quick else min(samples, 32)} test samples: "
          f"{', '.join(ready)}")
    for t, why in missing.items():
        print(f"      {t}: skipped — {why}")
    ds = EventDigits(train=False)
    n = min(samples, 32) if quick else samples
    x, y = dense_dataset(ds, dt=graph.profile.dt, steps=cfg.steps)
    x = np.moveaxis(x[:n], 0, 1).astype(np.float64)
    report = run_hil(graph, ready, x, labels=y[:n], out_dir=out / "hil", timeout_s=timeout_s, model_name="event-digits SNN")
    json_path, html_path = write_report(report, out / "hil")
    print(table(report))
    faults = {t: f for t, f in DEFAULT_FAULTS.items() if t in ready}
    fault_report = None
    if faults:
        print("      with injected faults: " + "; ".join(f"{t} {f}" for t, f in faults.items()))
        fault_report = run_hil(graph, list(faults), x, labels=y[:n], out_dir=out / "hil_faults", timeout_s=timeout_s,
                               faults=faults, model_name="event-digits SNN, injected faults")
        write_report(fault_report, out / "hil_faults")
        print(table(fault_report))
    sweep_summary = crossbar_cost = None
    if any(t.startswith("crossbar") for t in ready):
        from neurokit.backends.base import Artifact
        from neurokit.backends.crossbar import CrossbarBoard, sweep
        from neurokit.backends.crossbar.cost import format_cost

        print("[3/3] crossbar drift sweep (accuracy vs time after programming, PCM)")
        art = Artifact.open(out / "hil" / "artifacts" / "crossbar_pcm")
        sw = sweep(art, "drift", x, y[:n], seeds=2 if quick else 3)
        sweep_summary = dict(zip([str(t) for t in sw["x"]], sw["accuracy_mean"]))
        print("      " + ", ".join(f"t={t}s: {a:.3f}" for t, a in sweep_summary.items()))
        json_path, html_path = write_report(report, out / "hil", drift_sweep=sw)  # adds the drift section
        board = CrossbarBoard(artifact=art)
        board.run(x, int(x.shape[0]))
        crossbar_cost = board.cost
        print("      PCM " + format_cost(crossbar_cost))
    summary = {"train": {k: card[k] for k in ("test_accuracy_sim", "test_accuracy_torch", "synaptic_ops_per_inference",
                                                "energy_uj_per_inference")},
               "hil": report.as_dict(), "skipped_targets": missing,
               "hil_faults": fault_report.as_dict() if fault_report else None, "drift_sweep": sweep_summary,
               "crossbar_cost": crossbar_cost,
               "report_html": str(html_path), "report_json": str(json_path), "seconds": time.perf_counter() - t0}
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    print(f"done in {summary['seconds']:.0f} s; report: {html_path}")
    return summary
