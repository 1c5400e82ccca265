"""Which models deploy to Loihi 2, and how well: for each model, ``check`` (the refusal if any), then
the artifact run in real Lava (lava-nc 0.10, CPU ``fixed_pt``) against neurokit's bit-accurate mode
(own-mode agreement: the fraction of equal spikes/readout values, 1.0 = bit-exact) and against the
float model at Loihi's timing (spike agreement of every spiking layer; class agreement of the
readout where the model classifies), and the Lava wall time.

Usage (from the repository root, the Lava runtime installed):
    NEUROKIT_LAVA_VENV=.venv-lava python tools/bench/loihi2_matrix.py OUT.json [trained_run_dir ...] [--only NAMES]
``--only a,b``: remeasure only the models whose names contain ``a`` or ``b``; their rows replace those of
the same name in ``OUT.json`` (the other rows are kept).
``trained_run_dir``: ``neurokit train`` output folders (their ``model.nir``, inputs from the
test split of the run's dataset). Converted models are made here with ``neurokit.api.convert``;
producer goldens are read with their producer (``tests/golden/producers``) and the NIR paper's
Sinabs CNN (``tests/golden/nir-paper-cnn``, 10 steps of random events at 10 %).
``neuron_program``: the layers run as neurokit's ``ResetLIF`` program (a leaky or next-step
subtraction, spike counts, a floor, per-neuron decays); ``output_stage``: Delay/Threshold nodes
applied to the recorded output on the host.

``results/loihi2_matrix.json`` was made with ``neurokit train`` runs of the default event-digits
config (``arch=mlp`` 2 epochs, ``arch=mlp max_delay=4`` 2 epochs, ``arch=conv`` 4 epochs: short, so
their accuracies are low; the agreements are what the file is for), 20 test samples each; rerun on
2026-11-29 on the shared 2-core machine (load average 11-19: Lava wall times are 2-3x those unloaded);
the producer goldens' rows (``--only "snntorch ,sinabs ,norse ,rockpool ,spyx "``) again on 2026-11-30
after per-neuron thresholds, ``v_reset != 0`` and a Cuba current bias were lowered (each row records
its load average); the trained, converted and NIR-paper rows are from the 2026-11-29 run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.backends.loihi2 import run_lava
from neurokit.backends.loihi2.board import recording_from_raw
from neurokit.errors import NeurokitError

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = ROOT / "tests" / "golden" / "producers"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GOLDEN_PROFILES as PROFILES, golden_input  # noqa: E402


def measure(name: str, graph: ir.Graph, x: np.ndarray, *, input_scale: float = 1.0,
            labels: np.ndarray | None = None) -> dict[str, Any]:
    """One row: refusal, or own-mode and float agreement and the Lava wall time."""
    be = get_backend("loihi2")
    problems = be.check(graph)
    if problems:
        return {"model": name, "accepted": False, "refusal": [str(p) for p in problems]}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            art = be.lower(graph, tmp, {"input_scale": input_scale})
        except NeurokitError as exc:
            return {"model": name, "accepted": False, "refusal": [str(exc)]}
        try:
            own = be.numeric_mode_run(art, x, x.shape[0])  # refuses inputs that are not counts
            t0 = time.time()
            chip = recording_from_raw(art, run_lava(art, np.rint(x * input_scale).astype(np.int64), timeout_s=1800))
            wall = time.time() - t0
        except NeurokitError as exc:
            return {"model": name, "accepted": True, "run_error": str(exc)}
        flt = sim.simulate(be.numeric_mode_graph(art), x)
    same = [np.mean(chip.spikes[k] == own.spikes[k]) for k in chip.spikes]
    same.append(np.mean(chip.outputs[art.manifest["output"]] == own.outputs[art.manifest["output"]]))
    row: dict[str, Any] = {"model": name, "accepted": True, "own_mode_agreement": float(np.min(same)),
                           "layers": [f"{L['synapse']}->{L['neuron']} {L['kind']}" for L in art.manifest["layers"]],
                           "netx": art.manifest["netx"]["file"] is not None, "lava_wall_s": round(wall, 1),
                           "neuron_program": [L["neuron"] for L in art.manifest["layers"] if "program" in L],
                           "output_stage": [e["kind"] for e in art.manifest.get("output_stage", [])],
                           "samples": int(x.shape[1]), "steps": int(x.shape[0]),
                           "load_average_1min": round(os.getloadavg()[0], 1)}  # the machine is shared
    spikes = [np.mean(flt.spikes[k].reshape(chip.spikes[k].shape) == chip.spikes[k]) for k in chip.spikes]
    row["float_spike_agreement"] = float(np.mean(spikes)) if spikes else None
    out = art.manifest["output"]
    if art.manifest["layers"][-1]["readout"]:
        c, f = chip.outputs[out].sum(0).reshape(x.shape[1], -1), flt.outputs[out].sum(0).reshape(x.shape[1], -1)
        row["float_class_agreement"] = float(np.mean(c.argmax(1) == f.argmax(1)))
        if labels is not None:
            row["chip_accuracy"], row["float_accuracy"] = float(np.mean(c.argmax(1) == labels)), \
                float(np.mean(f.argmax(1) == labels))
    return row


def trained(run_dir: Path, n: int) -> tuple[ir.Graph, np.ndarray, np.ndarray]:
    from neurokit.train import TrainConfig
    from neurokit.train.trainer import load_split

    cfg = json.loads((run_dir / "summary.json").read_text())["config"]
    x, y = load_split(TrainConfig.from_dict(cfg), train=False)
    return ir.read(run_dir / "model.nir"), np.moveaxis(x[:n], 0, 1).astype(np.float64), y[:n]


def sequential(n: int) -> tuple[ir.Graph, np.ndarray]:
    """A ``SpikingSequential`` with learnable delays and a recurrent LIF layer (seeded, untrained):
    what ``neurokit.train.sequential`` exports (delay branches summed in a Flatten, a loop edge)."""
    import torch
    from torch import nn

    from neurokit.train.delays import DelayedLinear
    from neurokit.train.layers import LIFLayer, LILayer
    from neurokit.train.sequential import RecurrentLIF, SpikingSequential

    torch.manual_seed(0)
    m = SpikingSequential((10,), DelayedLinear(10, 12, 3, seed=0), LIFLayer(12, v_threshold=0.3, dt=1e-2),
                          nn.Linear(12, 12), RecurrentLIF(12, v_threshold=0.3, dt=1e-2), nn.Linear(12, 3),
                          LILayer(3, dt=1e-2), init="torch")
    x = (np.random.default_rng(0).random((30, n, 10)) < 0.3).astype(np.float64)
    return m.to_ir(), x


def converted(arch: str, tmp: Path, n: int, steps: int = 32) -> tuple[ir.Graph, np.ndarray, np.ndarray]:
    from neurokit import api
    from neurokit.data import Digits

    api.convert(arch=arch, out=tmp / f"{arch}.nir", timesteps=[steps])
    ds = Digits(train=False)
    x = np.broadcast_to(ds.images[:n][None], (steps, n, *ds.images.shape[1:])).astype(np.float64)
    return ir.read(tmp / f"{arch}.nir"), x, ds.targets[:n]


def main(out: str, run_dirs: list[str], only: list[str] | None = None) -> None:
    """Measure every model (or, with ``only``, the models whose names contain one of its strings, their
    rows replacing those of the same name in an existing ``out``; the others are kept as they are)."""
    def wanted(name: str) -> bool:
        return only is None or any(o in name for o in only)

    rows = []
    for d in run_dirs:
        if wanted(f"trained {Path(d).name}"):
            g, x, y = trained(Path(d), 20)
            rows.append(measure(f"trained {Path(d).name}", g, x, labels=y))
            print(rows[-1], flush=True)
    if wanted("sequential delays + recurrent LIF (untrained)"):
        g, x = sequential(8)
        rows.append(measure("sequential delays + recurrent LIF (untrained)", g, x))
        print(rows[-1], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ("mlp", "cnn", "rescnn"):
            if wanted(f"converted {arch}"):
                g, x, y = converted(arch, Path(tmp), 10)
                rows.append(measure(f"converted {arch}", g, x, input_scale=16, labels=y))
                print(rows[-1], flush=True)
    for producer in ("snntorch", "sinabs", "norse", "rockpool", "spyx"):
        for path in sorted((GOLDENS / producer).glob("*.nir")):
            if not wanted(f"{producer} {path.stem}"):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prof = PROFILES.get(producer, {}).get(path.stem)
                g = ir.read(path, producer=producer, **({"profile": prof} if prof else {}))
            x = np.load(path.with_suffix(".npz"))["input"].astype(np.float64)
            x = golden_input(x, tuple(g.nodes[next(iter(g.inputs))].shape))
            rows.append(measure(f"{producer} {path.stem}", g, x))
            print(rows[-1], flush=True)
    if wanted("NIR paper CNN (sinabs)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            paper = ir.read(ROOT / "tests/golden/nir-paper-cnn/cnn_sinabs.nir", producer="sinabs")
        events = np.random.default_rng(5).random((10, 1, *paper.nodes[next(iter(paper.inputs))].shape)) < 0.1
        rows.append(measure("NIR paper CNN (sinabs)", paper, events.astype(np.float64)))
        print(rows[-1], flush=True)
    if only is not None and Path(out).exists():  # keep the other rows, in their order
        new = {r["model"]: r for r in rows}
        old = json.loads(Path(out).read_text())
        rows = [new.pop(r["model"], r) for r in old] + list(new.values())
    Path(out).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    only = None
    if "--only" in args:  # --only NAME[,NAME...]: remeasure these models only (substrings of the model names)
        k = args.index("--only")
        only = args[k + 1].split(",")
        del args[k:k + 2]
    main(args[0], args[1:], only)
